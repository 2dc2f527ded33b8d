"""Urgency on the held-out urgency set for the TF-IDF peer, and what the
urgency detector (rules + classifier) costs per message, measured in-process."""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Dict, Optional


from benchmarks.nlu_quality import pipeline_setting, tfidf_peer, training_examples
from clinicbot.model_quality import RED_FLAG
from clinicbot.urgency_metrics import load_urgency_cases, score_urgency

SPACY_PIPELINE = "build/spacy-en-clinic"


def evaluate_peer_urgency(path: Optional[Path] = None) -> Dict[str, object]:
    """The TF-IDF peer, trained on the same examples, urgent when it says red_flag."""
    train = training_examples()
    model = tfidf_peer().fit([t for t, _ in train], [label for _, label in train])
    cases = load_urgency_cases(path)
    predictions = dict(zip((c.text for c in cases), model.predict([c.text for c in cases])))
    return score_urgency(cases, lambda text: predictions[text] == RED_FLAG).to_dict()


def product_settings() -> Dict[str, float]:
    """The UrgencyDetector settings in config.yml, as train_urgency_classifier takes them."""
    names = {"max_false_alarm_rate": "max_false_alarm_rate",
             "overrule_threshold": "overrule_threshold", "C": "c"}
    settings = {name: pipeline_setting("UrgencyDetector", key) for key, name in names.items()}
    return {name: value for name, value in settings.items() if value is not None}


def detector_cost_ms() -> Dict[str, float]:
    """Milliseconds per held-out message for the urgency detector alone (the
    spaCy doc is made outside the timing, as SpacyNLP makes it in Rasa)."""
    import spacy

    from clinicbot.red_flags import detector_for
    from clinicbot.urgency import assess, train_beside_rules

    nlp = spacy.load(SPACY_PIPELINE)
    detector = detector_for(nlp)
    train = sorted({(t.lower(), label == RED_FLAG) for t, label in training_examples()})
    classifier = train_beside_rules([t for t, _ in train], [u for _, u in train], detector, nlp,
                                    **product_settings())
    settled = pipeline_setting("UrgencyDetector", "settled_threshold")
    negated = pipeline_setting("UrgencyDetector", "negated_threshold")
    docs = [nlp(c.text.lower()) for c in load_urgency_cases()]
    for doc in docs[:20]:
        assess(doc, detector, classifier, settled, negated)
    timings = []
    for doc in docs:
        started = time.perf_counter()
        assess(doc, detector, classifier, settled, negated)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"median_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))], "messages": len(timings)}
