"""NLU quality on the held-out set: metrics per label group and the TF-IDF peer."""
from __future__ import annotations

import math
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from clinicbot.clarify import MAX_CHOICES, likely_labels
from clinicbot.model_quality import (RED_FLAG, Outcome, errors, fallback_table, false_alarms,
                                     heldout_examples, label_of_parse, outcomes_of, recall_of,
                                     scores_by_group)
from clinicbot.paths import PROJECT_ROOT
from clinicbot.training_data import checked_sources

RANDOM_STATE = 42


def training_examples() -> List[Tuple[str, str]]:
    """(text, full label) pairs: exactly the examples the bot's intent
    classifier is trained on (not the urgency classifier's own look-alikes)."""
    return [(e.text, e.label) for e in checked_sources().examples() if not e.urgency_only]


def score(outcomes: Sequence[Outcome]) -> Dict[str, object]:
    """The bench table's NLU figures (clinicbot.model_quality computes them):
    accuracy and macro-F1 per label group and overall, red-flag recall and
    false alarms."""
    recall = recall_of(outcomes, RED_FLAG)
    alarms = false_alarms(outcomes)
    return {
        "examples": len(outcomes),
        **scores_by_group(outcomes),
        "red_flag_recall": math.nan if recall is None else recall,
        "red_flag_examples": sum(gold == RED_FLAG for _, gold, _ in outcomes),
        "red_flag_false_alarms": len(alarms),
        "false_alarm_texts": alarms,
        "errors": [list(o) for o in errors(outcomes)],
    }


def evaluate_bot(parse: Callable[[str], dict]) -> Dict[str, object]:
    """The product model through /model/parse, as tests/bot/test_nlu_heldout.py does."""
    started = time.perf_counter()
    parsed_by_text: Dict[str, dict] = {}

    def parse_and_keep(text: str) -> dict:
        parsed_by_text[text] = parse(text)
        return parsed_by_text[text]

    outcomes = outcomes_of(heldout_examples(), parse_and_keep)
    result = score(outcomes)
    result["seconds"] = time.perf_counter() - started
    # which part of the pipeline decided each error
    wrong = errors(outcomes)
    details = {text: stage_of(parsed_by_text[text], gold) for text, gold, _ in wrong}
    result["errors"] = [[text, gold, guess, details[text]] for text, gold, guess in wrong]
    result["errors_by_stage"] = dict(Counter(details[text]["stage"] for text, _, _ in wrong))
    # how the fallback threshold would trade wrong answers for "Did you mean ...?"
    result["fallback_thresholds"] = fallback_table(
        [(parsed_by_text[text], gold) for text, gold, _ in outcomes],
        lambda parsed: [label for label, _ in likely_labels(parsed)[:MAX_CHOICES]])
    return result


def pipeline_setting(component: str, key: str, default: Any = None,
                     config_path: Path = PROJECT_ROOT / "config.yml") -> Any:
    """A setting of the pipeline component whose name ends with `component`
    in config.yml (`default` when the component or the setting is absent)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    entry: Dict[str, Any] = next((c for c in config["pipeline"] if str(c["name"]).endswith(component)), {})
    return entry.get(key, default)


def fallback_threshold(config_path: Path = PROJECT_ROOT / "config.yml") -> float:
    """The FallbackClassifier threshold config.yml sets (Rasa's default 0.3 if none)."""
    return float(pipeline_setting("FallbackClassifier", "threshold", 0.3, config_path))


def stage_of(parsed: dict, gold: str) -> Dict[str, object]:
    """Which stage made the final label: the red-flag rules, the fallback, the
    sub-intent choice (faq/x instead of faq/y) or the intent choice."""
    intent = parsed.get("intent") or {}
    name = intent.get("name")
    rules = parsed.get("urgency") or {}
    label = label_of_parse(parsed)
    if name == "nlu_fallback":
        stage = "fallback (confidence below threshold)"
    elif isinstance(rules, dict) and rules.get("overridden_intent"):
        stage = "urgency detector changed the intent"
    elif "/" in label and label.split("/")[0] == gold.split("/")[0]:
        stage = "sub-intent (right group, wrong sub-intent)"
    else:
        stage = "intent classifier"
    return {"stage": stage, "intent": name, "label": label,
            "confidence": intent.get("confidence")}


def tfidf_peer() -> Pipeline:
    """Word 1-2-gram + char_wb 2-5-gram TF-IDF into multinomial logistic regression."""
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True,
                                 sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True,
                                 sublinear_tf=True)),
    ])
    classifier = LogisticRegression(C=10.0, max_iter=5000, random_state=RANDOM_STATE)
    return make_pipeline(features, classifier)


def evaluate_tfidf_peer() -> Dict[str, object]:
    train = training_examples()
    started = time.perf_counter()
    model = tfidf_peer()
    model.fit([t for t, _ in train], [label for _, label in train])
    train_seconds = time.perf_counter() - started
    heldout = list(heldout_examples())
    predictions = model.predict([t for t, _ in heldout])
    result = score([(t, g, p) for (t, g), p in zip(heldout, predictions)])
    result["train_seconds"] = train_seconds
    result["training_examples"] = len(train)
    result["config"] = ("TfidfVectorizer(word 1-2, sublinear_tf) + TfidfVectorizer(char_wb 2-5, "
                        f"sublinear_tf) -> LogisticRegression(C=10, random_state={RANDOM_STATE})")
    return result
