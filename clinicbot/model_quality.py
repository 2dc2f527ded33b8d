"""How good a model is: the held-out set, read once, and the figures that the
retrain gate, `make bench` and the held-out test all report from it.

Plain Python on outcomes, (text, expected label, predicted label) triples, so
every figure is computed here and nowhere else, and is unit-tested without a
model. Running a model is the caller's: Rasa's Agent in the retrain gate,
/model/parse of a running bot in the test and the benchmark.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from sklearn.metrics import precision_recall_fscore_support

from clinicbot.paths import PROJECT_ROOT, TESTS_DATA_DIR
from clinicbot.training_data import SourceError, load_nlu_examples

RED_FLAG = "red_flag"
NLU_FALLBACK = "nlu_fallback"
# Thresholds the benchmark tries for Rasa's FallbackClassifier (config.yml).
FALLBACK_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
NLU_HELDOUT = TESTS_DATA_DIR / "nlu_heldout.yml"
# The benchmark's label groups: faq/*, recovery/*, and every other label.
LABEL_GROUPS = ("faq", "recovery", "others")

Outcome = Tuple[str, str, str]  # text, expected label, predicted label
LabelledExample = Tuple[str, str]  # text, expected label


def label_of_parse(parsed: Mapping) -> str:
    """The label a /model/parse result stands for: faq/cost rather than faq,
    and out_of_scope for Rasa's low-confidence fallback."""
    intent = parsed.get("intent") or {}
    label = intent.get("full_retrieval_intent_name") or intent.get("name") or ""
    return "out_of_scope" if label == "nlu_fallback" else label


def read_labelled_examples(paths: Sequence[Path], root: Path = PROJECT_ROOT) -> List[LabelledExample]:
    """(text, label) of every example in Rasa NLU files; every problem in any
    of them is reported at once, with file and line."""
    problems: List[str] = []
    examples = [(e.text, e.label) for path in paths for e in load_nlu_examples(path, problems, root)]
    if problems:
        raise SourceError(problems)
    return examples


def heldout_examples() -> List[LabelledExample]:
    """The held-out NLU set (tests/data/nlu_heldout.yml), which no model trains on."""
    return read_labelled_examples([NLU_HELDOUT])


def outcomes_of(examples: Sequence[LabelledExample], parse: Callable[[str], Mapping]) -> List[Outcome]:
    """Each example with the label the model's parse result stands for."""
    return [(text, gold, label_of_parse(parse(text))) for text, gold in examples]


def accuracy(outcomes: Sequence[Outcome]) -> float:
    return sum(gold == guess for _, gold, guess in outcomes) / len(outcomes) if outcomes else 1.0


def recall_of(outcomes: Sequence[Outcome], label: str) -> Optional[float]:
    """None when no example expects the label."""
    relevant = [guess for _, gold, guess in outcomes if gold == label]
    return sum(guess == label for guess in relevant) / len(relevant) if relevant else None


def false_alarms(outcomes: Sequence[Outcome], label: str = RED_FLAG) -> List[str]:
    """Texts predicted as `label` that expected another label."""
    return [text for text, gold, guess in outcomes if guess == label and gold != label]


def errors(outcomes: Sequence[Outcome]) -> List[Outcome]:
    return [outcome for outcome in outcomes if outcome[1] != outcome[2]]


def _label_scores(outcomes: Sequence[Outcome]) -> Dict[str, Tuple[float, float, float, int]]:
    """Precision, recall, F1 and support of every expected label, each over the
    whole set (a faq example predicted as recovery/x counts against recovery/x)."""
    gold = [g for _, g, _ in outcomes]
    predicted = [p for _, _, p in outcomes]
    labels = sorted(set(gold))
    if not labels:
        return {}
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    return {
        label: (float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i, label in enumerate(labels)
    }


def per_label_scores(outcomes: Sequence[Outcome]) -> Dict[str, Dict[str, float]]:
    return {
        label: {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": n}
        for label, (p, r, f1, n) in _label_scores(outcomes).items()
    }


def confused_pairs(outcomes: Sequence[Outcome], top: int = 10) -> List[Tuple[str, str, int]]:
    pairs = Counter((gold, guess) for _, gold, guess in outcomes if gold != guess)
    return [(gold, guess, count) for (gold, guess), count in pairs.most_common(top)]


def group_of(label: str) -> str:
    """faq = faq/*, recovery = recovery/*, others = everything else."""
    head = label.split("/", 1)[0] if "/" in label else ""
    return head if head in ("faq", "recovery") else "others"


def scores_by_group(outcomes: Sequence[Outcome]) -> Dict[str, Dict[str, float]]:
    """Examples, accuracy and macro-F1 overall and per label group. A group's
    macro-F1 averages its expected labels' F1, each computed over the whole set."""
    f1_of = {label: f1 for label, (_, _, f1, _) in _label_scores(outcomes).items()}
    result: Dict[str, Dict[str, float]] = {}
    for group in ("overall",) + LABEL_GROUPS:
        members = [o for o in outcomes if group == "overall" or group_of(o[1]) == group]
        labels = sorted({gold for _, gold, _ in members})
        result[group] = {
            "examples": len(members),
            "accuracy": accuracy(members) if members else float("nan"),
            "macro_f1": sum(f1_of[label] for label in labels) / len(labels) if labels else float("nan"),
        }
    return result


def classifier_choice(parsed: Mapping) -> Tuple[str, float, str]:
    """(intent, confidence, full label) the classifier chose, before any fallback:
    Rasa's FallbackClassifier puts nlu_fallback first and keeps the rest of the
    ranking, and the response selector keeps the chosen sub-intent."""
    ranking = [item for item in parsed.get("intent_ranking") or [] if item.get("name") != NLU_FALLBACK]
    intent = parsed.get("intent") or {}
    if intent.get("name") != NLU_FALLBACK or not ranking:
        return (str(intent.get("name") or ""), float(intent.get("confidence") or 0.0), label_of_parse(parsed))
    name = str(ranking[0].get("name") or "")
    selected = (parsed.get("response_selector") or {}).get(name) or {}
    label = (selected.get("response") or {}).get("intent_response_key") or name
    return name, float(ranking[0].get("confidence") or 0.0), str(label)


def fallback_table(
    parsed_with_gold: Sequence[Tuple[Mapping, str]],
    likely: Callable[[Mapping], Sequence[str]],
    thresholds: Sequence[float] = FALLBACK_THRESHOLDS,
) -> List[Dict[str, float]]:
    """What each FallbackClassifier threshold would do on labelled parses.

    FallbackClassifier asks ("Did you mean ...?") when the intent confidence is
    below the threshold. Per threshold: how many answers would be right or wrong,
    how many would be asked, and of those how many offer the right topic among
    the buttons (`likely` lists the labels offered, most likely first) and how
    many had been answered right without asking. An urgent verdict is never
    asked: the urgency detector sets it with full confidence.
    """
    rows: List[Dict[str, float]] = []
    for threshold in thresholds:
        row = {
            "threshold": threshold,
            "answered_right": 0,
            "answered_wrong": 0,
            "asked": 0,
            "asked_right_offered": 0,
            "asked_was_right": 0,
        }
        for parsed, gold in parsed_with_gold:
            name, confidence, label = classifier_choice(parsed)
            if name == RED_FLAG or confidence >= threshold:
                row["answered_right" if label == gold else "answered_wrong"] += 1
            else:
                row["asked"] += 1
                row["asked_right_offered"] += gold in likely(parsed)
                row["asked_was_right"] += label == gold
        rows.append(row)
    return rows
