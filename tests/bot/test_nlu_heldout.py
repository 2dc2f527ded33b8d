"""NLU quality on the held-out set, through /model/parse as evaluators use it."""

import json

import pytest

from clinicbot.model_quality import (
    RED_FLAG,
    accuracy,
    errors,
    false_alarms,
    heldout_examples,
    outcomes_of,
    per_label_scores,
    recall_of,
)
from clinicbot.paths import RESULTS_DIR

pytestmark = pytest.mark.servers

REPORT = RESULTS_DIR / "nlu_heldout.json"
# Today 0.983 (457/465), no false alarms.
ACCURACY_FLOOR = 0.98
RED_FLAG_RECALL_FLOOR = 1.0
MAX_FALSE_ALARMS = 5


def test_heldout_accuracy_and_red_flag_recall(bot):
    outcomes = outcomes_of(heldout_examples(), bot.parse)
    assert len(outcomes) > 400
    correct = len(outcomes) - len(errors(outcomes))
    held_out_accuracy = accuracy(outcomes)
    recall = recall_of(outcomes, RED_FLAG)
    assert recall is not None, "the held-out set has no red-flag examples"
    alarms = false_alarms(outcomes)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "accuracy": held_out_accuracy,
                "examples": len(outcomes),
                "red_flag_recall": recall,
                "red_flag_false_alarms": alarms,
                "per_label": {label: row["recall"] for label, row in per_label_scores(outcomes).items()},
                "errors": errors(outcomes),
            },
            indent=2,
        )
    )
    print(
        f"held-out accuracy {held_out_accuracy:.3f} ({correct}/{len(outcomes)}), "
        f"red-flag recall {recall:.3f}, false alarms {len(alarms)}"
    )
    assert held_out_accuracy >= ACCURACY_FLOOR, f"accuracy {held_out_accuracy:.3f}; see {REPORT}"
    assert recall >= RED_FLAG_RECALL_FLOOR, f"red-flag recall {recall:.3f}; see {REPORT}"
    assert len(alarms) <= MAX_FALSE_ALARMS, alarms
