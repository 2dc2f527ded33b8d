"""NLU quality on the held-out set: metrics per label group and the TF-IDF peer."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from clinicbot.training_data import checked_sources
from harness.nlu_heldout import heldout_examples, predicted_label

ROOT = Path(__file__).resolve().parents[1]
RED_FLAG = "red_flag"
GROUPS = ("faq", "recovery", "others")
RANDOM_STATE = 42


def group_of(label: str) -> str:
    """faq = faq/*, recovery = recovery/*, others = everything else."""
    head = label.split("/", 1)[0] if "/" in label else ""
    return head if head in ("faq", "recovery") else "others"


def training_examples() -> List[Tuple[str, str]]:
    """(text, full label) pairs: exactly the examples the bot is trained on."""
    return [(e.text, e.label) for e in checked_sources().examples()]


def score(outcomes: Sequence[Tuple[str, str, str]]) -> Dict[str, object]:
    """Accuracy and macro-F1 per label group and overall, red-flag recall and
    false alarms. outcomes are (text, gold, predicted).

    A group's macro-F1 averages the F1 of the group's gold labels, each F1
    computed over the whole set (a faq example predicted as recovery/x counts
    against recovery/x's precision)."""
    gold = [g for _, g, _ in outcomes]
    pred = [p for _, _, p in outcomes]
    result: Dict[str, object] = {"examples": len(outcomes)}
    for group in ("overall",) + GROUPS:
        idx = [i for i, g in enumerate(gold) if group == "overall" or group_of(g) == group]
        labels = sorted({gold[i] for i in idx})
        result[group] = {
            "examples": len(idx),
            "accuracy": sum(gold[i] == pred[i] for i in idx) / len(idx) if idx else float("nan"),
            "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro",
                                       zero_division=0)) if idx else float("nan"),
        }
    red_flags = [i for i, g in enumerate(gold) if g == RED_FLAG]
    result["red_flag_recall"] = (sum(pred[i] == RED_FLAG for i in red_flags) / len(red_flags)
                                 if red_flags else float("nan"))
    result["red_flag_examples"] = len(red_flags)
    alarms = [text for text, g, p in outcomes if p == RED_FLAG and g != RED_FLAG]
    result["red_flag_false_alarms"] = len(alarms)
    result["false_alarm_texts"] = alarms
    result["errors"] = [list(o) for o in outcomes if o[1] != o[2]]
    return result


def evaluate_bot(parse: Callable[[str], dict]) -> Dict[str, object]:
    """The product model through /model/parse, as tests/bot/test_nlu_heldout.py does."""
    started = time.perf_counter()
    outcomes, details = [], {}
    for text, gold in heldout_examples():
        parsed = parse(text)
        outcomes.append((text, gold, predicted_label(parsed)))
        details[text] = stage_of(parsed, gold)
    result = score(outcomes)
    result["seconds"] = time.perf_counter() - started
    # which part of the pipeline decided each error
    wrong = [(text, gold, guess) for text, gold, guess in outcomes if gold != guess]
    result["errors"] = [[text, gold, guess, details[text]] for text, gold, guess in wrong]
    result["errors_by_stage"] = dict(Counter(details[text]["stage"] for text, _, _ in wrong))
    return result


def stage_of(parsed: dict, gold: str) -> Dict[str, object]:
    """Which stage made the final label: the red-flag rules, the fallback, the
    sub-intent choice (faq/x instead of faq/y) or the intent choice."""
    intent = parsed.get("intent") or {}
    name = intent.get("name")
    rules = parsed.get("urgency") or {}
    label = predicted_label(parsed)
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
