"""The figures the retrain gate, `make bench` and the held-out test report."""

import math
from typing import Any, Dict

import pytest

from clinicbot.model_quality import (
    RED_FLAG,
    accuracy,
    classifier_choice,
    confused_pairs,
    errors,
    fallback_table,
    false_alarms,
    heldout_examples,
    label_of_parse,
    outcomes_of,
    per_label_scores,
    read_labelled_examples,
    recall_of,
    scores_by_group,
)
from clinicbot.training_data import SourceError

# One of each kind of mistake: a faq question taken for a recovery topic, and
# a red flag taken for a greeting.
OUTCOMES = [
    ("how much", "faq/cost", "faq/cost"),
    ("price?", "faq/cost", "recovery/makeup"),
    ("makeup when", "recovery/makeup", "recovery/makeup"),
    ("hi", "greet", "greet"),
    ("i have a fever", RED_FLAG, "greet"),
]


def test_per_label_scores_and_confused_pairs():
    outcomes = [
        ("how much", "faq/cost", "faq/cost"),
        ("time off work", "faq/downtime", "faq/downtime"),
        ("price?", "faq/cost", "faq/downtime"),
    ]
    scores = per_label_scores(outcomes)
    assert scores["faq/cost"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert scores["faq/downtime"]["precision"] == 0.5
    assert confused_pairs(outcomes) == [("faq/cost", "faq/downtime", 1)]


def test_scores_by_group_count_a_label_against_the_whole_set():
    groups = scores_by_group(OUTCOMES)
    assert groups["overall"]["examples"] == 5
    assert groups["overall"]["accuracy"] == pytest.approx(3 / 5)
    # F1: faq/cost, recovery/makeup and greet 2/3 each (one wrong guess or miss), red_flag 0
    assert groups["overall"]["macro_f1"] == pytest.approx(0.5)
    assert groups["faq"] == pytest.approx({"examples": 2, "accuracy": 0.5, "macro_f1": 2 / 3})
    # right on its own example, but the faq question it took lowers its precision
    assert groups["recovery"] == pytest.approx({"examples": 1, "accuracy": 1.0, "macro_f1": 2 / 3})
    assert groups["others"] == pytest.approx({"examples": 2, "accuracy": 0.5, "macro_f1": 1 / 3})


def test_a_group_without_examples_has_no_figures():
    groups = scores_by_group([("hi", "greet", "greet")])
    assert groups["faq"]["examples"] == 0
    assert math.isnan(groups["faq"]["accuracy"]) and math.isnan(groups["faq"]["macro_f1"])


def test_red_flag_recall_false_alarms_and_errors():
    assert recall_of(OUTCOMES, RED_FLAG) == 0.0
    assert recall_of(OUTCOMES, "faq/downtime") is None
    alarmed = OUTCOMES + [("my cheek is red", "recovery/redness", RED_FLAG)]
    assert false_alarms(alarmed) == ["my cheek is red"]
    assert errors(OUTCOMES) == [OUTCOMES[1], OUTCOMES[4]]
    assert accuracy([]) == 1.0


def test_label_of_a_parse_result():
    assert label_of_parse({"intent": {"name": "faq", "full_retrieval_intent_name": "faq/cost"}}) == "faq/cost"
    assert label_of_parse({"intent": {"name": "nlu_fallback"}}) == "out_of_scope"
    assert label_of_parse({"intent": {"name": "greet"}}) == "greet"
    assert label_of_parse({}) == ""


def test_outcomes_pair_each_example_with_the_parsed_label():
    parses = {"how much": {"intent": {"name": "faq", "full_retrieval_intent_name": "faq/cost"}}}
    outcomes = outcomes_of([("how much", "faq/cost"), ("hmm", "greet")], lambda text: parses.get(text, {}))
    assert outcomes == [("how much", "faq/cost", "faq/cost"), ("hmm", "greet", "")]


def test_the_heldout_set_is_read_example_by_example():
    examples = heldout_examples()
    assert len(examples) > 400
    assert all(text and not text.startswith("- ") and label for text, label in examples)
    assert {RED_FLAG, "out_of_scope"} <= {label for _, label in examples}
    assert any(label.startswith("faq/") for _, label in examples)


def test_every_problem_in_every_set_is_reported_with_file_and_line(tmp_path):
    good = tmp_path / "good.yml"
    good.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi there\n')
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu:\n- intent: greet\n  examples: |\n    - hello\n    hey\n")
    assert read_labelled_examples([good], tmp_path) == [("hello", "greet"), ("hi there", "greet")]
    with pytest.raises(SourceError) as raised:
        read_labelled_examples([good, bad, tmp_path / "missing.yml"], tmp_path)
    assert [problem.split(":")[0:2] for problem in raised.value.problems] == [
        ["bad.yml", "5"],
        ["missing.yml", " cannot read the file"],
    ]


def _parse(intent: str, confidence: float, sub: str = "") -> dict:
    """A /model/parse result as Rasa gives it, before FallbackClassifier."""
    chosen: Dict[str, Any] = {"name": intent, "confidence": confidence}
    parsed: Dict[str, Any] = {
        "intent": chosen,
        "intent_ranking": [{"name": intent, "confidence": confidence}],
    }
    if sub:
        chosen["full_retrieval_intent_name"] = sub
        parsed["response_selector"] = {intent: {"response": {"intent_response_key": sub}}}
    return parsed


def _fallen_back(parsed: dict, threshold: float) -> dict:
    """The same result after Rasa's FallbackClassifier fired."""
    return {
        **parsed,
        "intent": {"name": "nlu_fallback", "confidence": threshold},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": threshold}, *parsed["intent_ranking"]],
    }


def test_classifier_choice_sees_through_the_fallback():
    parsed = _parse("faq", 0.25, "faq/cost")
    assert classifier_choice(parsed) == ("faq", 0.25, "faq/cost")
    assert classifier_choice(_fallen_back(parsed, 0.3)) == ("faq", 0.25, "faq/cost")
    assert label_of_parse(_fallen_back(parsed, 0.3)) == "out_of_scope"


def test_fallback_table_counts_what_each_threshold_would_do():
    parsed_with_gold = [
        (_parse("faq", 0.9, "faq/cost"), "faq/cost"),  # sure and right
        (_parse("faq", 0.45, "faq/cost"), "faq/downtime"),  # unsure and wrong
        (_fallen_back(_parse("recovery", 0.2, "recovery/sun"), 0.3), "recovery/sun"),
        (_parse(RED_FLAG, 0.1), RED_FLAG),  # urgent is never asked
    ]
    offered = {"faq/downtime"}
    table = {
        row["threshold"]: row
        for row in fallback_table(
            parsed_with_gold, lambda parsed: sorted(offered), thresholds=(0.1, 0.3, 0.5)
        )
    }
    assert (table[0.1]["answered_right"], table[0.1]["answered_wrong"], table[0.1]["asked"]) == (3, 1, 0)
    assert (table[0.3]["answered_right"], table[0.3]["asked"], table[0.3]["asked_was_right"]) == (2, 1, 1)
    assert (table[0.5]["answered_wrong"], table[0.5]["asked"], table[0.5]["asked_right_offered"]) == (0, 2, 1)
