"""NLU quality on the held-out set, through /model/parse as evaluators use it."""
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from harness.nlu_heldout import heldout_examples, predicted_label

pytestmark = pytest.mark.servers

REPORT = Path(__file__).resolve().parents[2] / "results" / "nlu_heldout.json"
ACCURACY_FLOOR = 0.95
RED_FLAG_RECALL_FLOOR = 1.0


def test_heldout_accuracy_and_red_flag_recall(bot):
    outcomes = [(text, gold, predicted_label(bot.parse(text))) for text, gold in heldout_examples()]
    assert len(outcomes) > 400
    correct = sum(gold == guess for _, gold, guess in outcomes)
    accuracy = correct / len(outcomes)
    red_flags = [(gold, guess) for _, gold, guess in outcomes if gold == "red_flag"]
    recall = sum(guess == "red_flag" for _, guess in red_flags) / len(red_flags)
    false_alarms = [text for text, gold, guess in outcomes if guess == "red_flag" and gold != "red_flag"]
    per_label = defaultdict(Counter)
    for _, gold, guess in outcomes:
        per_label[gold]["total"] += 1
        per_label[gold]["correct"] += gold == guess
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({
        "accuracy": accuracy, "examples": len(outcomes), "red_flag_recall": recall,
        "red_flag_false_alarms": false_alarms,
        "per_label": {label: c["correct"] / c["total"] for label, c in sorted(per_label.items())},
        "errors": [(t, g, p) for t, g, p in outcomes if g != p],
    }, indent=2))
    print(f"held-out accuracy {accuracy:.3f} ({correct}/{len(outcomes)}), "
          f"red-flag recall {recall:.3f}, false alarms {len(false_alarms)}")
    assert accuracy >= ACCURACY_FLOOR, f"accuracy {accuracy:.3f}; see {REPORT}"
    assert recall >= RED_FLAG_RECALL_FLOOR, f"red-flag recall {recall:.3f}; see {REPORT}"
    assert len(false_alarms) <= 5, false_alarms
