"""The retrain gate's rules, each able to refuse a model with a readable reason."""
from clinicbot.quality_gate import ModelFacts, check_evaluation, check_sources

ANSWERS = {"cost": "The price depends on your sessions.", "downtime": "Plan for 5 to 7 days."}
COUNTS = {"faq/cost": 50, "faq/downtime": 50, "red_flag": 100, "greet": 30}
LIVE = ModelFacts(tuple(COUNTS), COUNTS, ANSWERS)


def facts(answers=None, counts=None):
    counts = COUNTS if counts is None else counts
    return ModelFacts(tuple(counts), counts, ANSWERS if answers is None else answers)


def test_an_unchanged_or_extended_source_passes():
    assert check_sources(LIVE, facts()).accepted
    grown = facts({**ANSWERS, "pregnancy": "Not during pregnancy."},
                  {**COUNTS, "faq/pregnancy": 8, "red_flag": 120})
    assert check_sources(LIVE, grown).accepted


def test_editing_an_answer_passes_but_swapping_two_is_refused():
    edited = facts({**ANSWERS, "cost": "Prices start at a consultation."})
    assert check_sources(LIVE, edited).accepted
    swapped = facts({"cost": ANSWERS["downtime"], "downtime": ANSWERS["cost"]})
    decision = check_sources(LIVE, swapped)
    assert not decision.accepted
    assert "faq/cost would answer with the text of faq/downtime" in " ".join(decision.reasons)


def test_a_faq_losing_its_answer_is_refused():
    decision = check_sources(LIVE, facts({"cost": ANSWERS["cost"]}))
    assert decision.reasons == ["these FAQs would lose their answer: faq/downtime"]


def test_deleting_red_flag_examples_is_refused():
    gone = check_sources(LIVE, facts(counts={**COUNTS, "red_flag": 0}))
    assert any("red_flag (had 100)" in r for r in gone.reasons)
    thinned = check_sources(LIVE, facts(counts={**COUNTS, "red_flag": 80}))
    assert thinned.reasons == ["red-flag examples would drop from 100 to 80; urgent-symptom "
                               "examples may be corrected but not removed in bulk"]
    assert check_sources(LIVE, facts(counts={**COUNTS, "red_flag": 95})).accepted


HELDOUT = [("how much", "faq/cost", "faq/cost"), ("time off work", "faq/downtime", "faq/downtime"),
           ("i have a fever", "red_flag", "red_flag"), ("hi", "greet", "greet")]


def with_prediction(outcomes, text, predicted):
    return [(t, g, predicted if t == text else p) for t, g, p in outcomes]


def test_evaluation_gate_accepts_equal_and_refuses_a_drop():
    assert check_evaluation({"held-out": HELDOUT}, {"held-out": HELDOUT}).accepted
    worse = with_prediction(HELDOUT, "hi", "faq/cost")
    decision = check_evaluation({"held-out": HELDOUT}, {"held-out": worse})
    assert decision.reasons == ["accuracy on held-out: 100.0% live, 75.0% new "
                                "(a drop of 25.0%; allowed 0.0%). Now wrong: 'hi' (greet, now "
                                "faq/cost). Adding examples like these to the right FAQ or "
                                "label usually fixes it."]
    assert check_evaluation({"held-out": HELDOUT}, {"held-out": worse}, 0.25).accepted


def test_one_missed_red_flag_is_refused_even_if_accuracy_rises():
    live = with_prediction(HELDOUT, "hi", "faq/cost")
    new = with_prediction(HELDOUT, "i have a fever", "greet")
    decision = check_evaluation({"held-out": live}, {"held-out": new})
    assert not decision.accepted
    assert "'i have a fever'" in " ".join(decision.reasons)


def test_a_faq_never_recognised_any_more_is_refused():
    new = with_prediction(HELDOUT, "how much", "faq/downtime")
    decision = check_evaluation({"held-out": HELDOUT}, {"held-out": new}, max_accuracy_drop=1)
    assert decision.reasons == ["the new model never recognises: faq/cost"]
