"""Urgency on the held-out urgency set for the TF-IDF peer, and what the
urgency detector (rules + classifier) costs per message, measured in-process."""
from __future__ import annotations

import statistics
import time
from typing import Any, Dict

import yaml

from benchmarks.nlu_quality import tfidf_peer, training_examples
from clinicbot.model_quality import RED_FLAG
from clinicbot.paths import PROJECT_ROOT
from clinicbot.urgency_metrics import load_urgency_cases, score_urgency

SPACY_PIPELINE = "build/spacy-en-clinic"


def evaluate_peer_urgency() -> Dict[str, object]:
    """The TF-IDF peer, trained on the same examples, urgent when it says red_flag."""
    train = training_examples()
    model = tfidf_peer().fit([t for t, _ in train], [label for _, label in train])
    cases = load_urgency_cases()
    predictions = dict(zip((c.text for c in cases), model.predict([c.text for c in cases])))
    return score_urgency(cases, lambda text: predictions[text] == RED_FLAG).to_dict()


def product_settings() -> Dict[str, float]:
    """The UrgencyDetector settings in config.yml, as train_urgency_classifier takes them."""
    entry = {key: detector_setting(key) for key in ("max_false_alarm_rate", "overrule_threshold", "C")}
    names = {"max_false_alarm_rate": "max_false_alarm_rate",
             "overrule_threshold": "overrule_threshold", "C": "c"}
    return {names[key]: value for key, value in entry.items() if value is not None}


def detector_setting(name: str) -> Any:
    """One UrgencyDetector setting in config.yml (None when not set)."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    return next(c for c in config["pipeline"] if c["name"].endswith("UrgencyDetector")).get(name)


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
    settled = detector_setting("settled_threshold")
    docs = [nlp(c.text.lower()) for c in load_urgency_cases()]
    for doc in docs[:20]:
        assess(doc, detector, classifier, settled)
    timings = []
    for doc in docs:
        started = time.perf_counter()
        assess(doc, detector, classifier, settled)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"median_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))], "messages": len(timings)}
