"""Rules and the learned classifier together (clinicbot.urgency), on real models."""

import pytest

from clinicbot.red_flags import detector_for
from clinicbot.urgency import assess, classifier_units, train_urgency_classifier
from clinicbot.urgency_metrics import load_urgency_cases, miss_rate_upper_bound

URGENT = [
    "my face is on fire and getting worse every hour",
    "the gauze keeps going red",
    "i look like a boxer, can't open my eye",
    "face pounding like a drum all night",
    "skin looks like a bruised banana and cold",
    "the pink is marching down my neck",
    "my lip is the size of a sausage",
    "weird crunchy wet crust all over chin",
] * 3
CALM = [
    "how much does it cost",
    "when can i wear makeup",
    "is peeling normal on day 4",
    "can i go to the gym",
    "what spf should i use",
    "my skin feels tight and dry",
    "thanks, that helps",
    "how long is the appointment",
] * 3


@pytest.fixture(scope="module")
def trained():
    texts = [f"{t} {i}" for i, t in enumerate(URGENT + CALM)]
    return train_urgency_classifier(
        texts, [True] * len(URGENT) + [False] * len(CALM), max_false_alarm_rate=0.0, folds=3
    )


def test_threshold_respects_the_false_alarm_budget(trained):
    assert 0.0 < trained.threshold < 1.0
    assert trained.report.out_of_fold_false_alarm_rate == 0.0


def test_classifier_catches_what_no_rule_names(nlp, trained):
    detector = detector_for(nlp)
    verdict = assess(nlp("my lip is the size of a sausage, face pounding like a drum"), detector, trained)
    assert verdict.urgent and verdict.decided_by == ["classifier"]
    assert verdict.explanation()["classifier"]["probability"] >= trained.threshold


def test_rules_decide_without_a_classifier_and_explain_themselves(nlp):
    verdict = assess(nlp("temp is 38.6 tonight"), detector_for(nlp), None)
    assert verdict.urgent and verdict.decided_by == ["rules"]
    assert verdict.explanation()["rules"][0]["words"] == "38.6"


def test_a_calm_message_stays_calm(nlp, trained):
    assert not assess(nlp("when can i wear makeup again"), detector_for(nlp), trained).urgent


def test_a_cleared_clause_stays_with_the_clause_it_qualifies(nlp):
    detector = detector_for(nlp)
    text = "my cheeks are red but not hot and not spreading. how long until it fades"
    units = classifier_units(text, detector.detect(nlp(text)))
    texts = [unit.text for unit in units]
    assert "my cheeks are red but not hot and not spreading." in texts
    assert "my cheeks are red" not in texts
    assert "how long until it fades" in texts


@pytest.mark.parametrize(
    "text, settled_units",
    [
        # the clause after settles the one before when it names no symptom
        (
            "the pain was bad on day 1 but it's much better now",
            {
                "the pain was bad on day 1 but it's much better now",
                "the pain was bad on day 1",
                "but it's much better now",
            },
        ),
        (
            "the swelling peaked on day 2 and is going down",
            {"the swelling peaked on day 2 and is going down"},
        ),
        # how it was before is not easing, and nor is something coming back
        ("my whole face swelled up more today, it was fine yesterday", set()),
        ("it was healing nicely but the pain is worse again tonight", set()),
        # a later clause with a symptom of its own is judged on its own
        ("the redness has faded but my lip is swelling up now", {"the redness has faded"}),
        # a patient who says all is well, and the clause before it
        (
            "my credit card is crying but my face is thanking me, all good",
            {
                "my credit card is crying but my face is thanking me, all good",
                "my credit card is crying",
                "but my face is thanking me, all good",
            },
        ),
    ],
)
def test_a_text_saying_it_is_over_or_easing_is_marked_settled(nlp, text, settled_units):
    detector = detector_for(nlp)
    units = classifier_units(text, detector.detect(nlp(text)))
    assert {unit.text.strip() for unit in units if unit.settled} == settled_units


def test_the_classifier_needs_the_settled_threshold_where_the_patient_says_it_is_easing(nlp, trained):
    detector = detector_for(nlp)
    doc = nlp("the hot feeling has faded and my cheeks look calmer")
    usual = assess(doc, detector, trained)
    assert usual.classifier_threshold == trained.threshold
    strict = assess(doc, detector, trained, settled_threshold=0.99)
    assert strict.classifier_threshold == 0.99
    assert not strict.urgent


def test_clopper_pearson_bound():
    # 0 misses in 300: the 95% upper bound is about 1% (rule of three).
    assert 0.0098 < miss_rate_upper_bound(0, 300) < 0.0101
    assert miss_rate_upper_bound(5, 5) == 1.0


def test_a_clause_saying_it_is_over_stays_with_the_symptom_it_settles(nlp):
    detector = detector_for(nlp)
    text = "the redness spread a bit on day 2 but it's shrinking now"
    units = classifier_units(text, detector.detect(nlp(text)))
    assert "but it's shrinking now" not in [unit.text for unit in units]
    assert all(unit.cleared for unit in units)


def test_the_classifier_never_judges_a_text_of_function_words_and_one_word(nlp):
    """'and the gym?' scored as urgent as a report: one content word is too
    little to go on. A short report with two content words is still judged."""
    detector = detector_for(nlp)

    def judged(text):
        return [
            unit.text
            for unit in classifier_units(
                text, detector.detect(nlp(text)), lambda word: nlp.vocab[word].is_stop
            )
        ]

    assert judged("and the gym?") == []
    assert judged("what about the pool?") == []
    assert judged("my tongue feels thick") == ["my tongue feels thick"]
    assert judged("lips r swelling") == ["lips r swelling"]


def test_the_classifier_never_overrules_a_message_the_rules_read_as_not_yet_treated(nlp):
    """'Not booked yet. | I have a red hot patch ...': every unit, not only the
    clause that names the symptom, needs the overrule threshold."""
    detector = detector_for(nlp)
    for text in (
        "not booked yet. i have a red hot swollen patch on my leg from a bite, would that stop me having it?",
        "i'm booked for next tuesday but i've got conjunctivitis in one eye, should i move it?",
    ):
        units = classifier_units(text, detector.detect(nlp(text)))
        assert units and all(unit.cleared for unit in units)


def test_a_symptom_that_went_down_or_has_not_come_back_is_settled(nlp):
    """'went down', 'came down' ease as 'is going down' does; only 'it was
    fine yesterday' tells how it was before."""
    detector = detector_for(nlp)
    for text in (
        "swelling went down a lot overnight",
        "woke up with some blood spots on the pillow the first night, none since",
    ):
        units = classifier_units(text, detector.detect(nlp(text)))
        assert units and all(unit.settled for unit in units), text
    text = "it was fine yesterday, today my cheek is throbbing"
    assert not any(unit.settled for unit in classifier_units(text, detector.detect(nlp(text))))


def test_a_clause_is_judged_without_the_words_that_join_it_on(nlp):
    detector = detector_for(nlp)
    text = "what are the side effects? also whats the aftercare"
    units = [unit.text for unit in classifier_units(text, detector.detect(nlp(text)))]
    assert "whats the aftercare" in units
    assert not any(unit.startswith("also") for unit in units[1:])
    # The whole message keeps them.
    assert units[0] == text


def test_the_classifier_needs_the_negated_threshold_where_every_symptom_found_is_negated(nlp, trained):
    detector = detector_for(nlp)
    negated = nlp("no fever, no pus and no bleeding")
    assert assess(negated, detector, trained).classifier_threshold == trained.overrule_threshold
    strict = assess(negated, detector, trained, negated_threshold=0.999)
    assert strict.classifier_threshold == 0.999 and not strict.urgent
    # A question about a symptom is cleared too, but not by a negation: the
    # usual overrule threshold still holds there.
    asked = nlp("could i get painful blisters on my cheeks from the laser")
    assert assess(asked, detector, trained, negated_threshold=0.999).classifier_threshold == (
        trained.overrule_threshold
    )


def test_a_reading_under_the_threshold_is_as_explicit_as_a_negation(nlp, trained):
    detector = detector_for(nlp)
    below = nlp("my temp is 37 point 3 and i feel totally well")
    strict = assess(below, detector, trained, negated_threshold=0.999)
    assert strict.classifier_threshold == 0.999 and not strict.urgent


def test_a_message_whose_only_symptom_words_ease_needs_the_settled_score(nlp):
    detector = detector_for(nlp)
    text = "the swelling went down, when can i wear makeup?"
    finding = detector.detect(nlp(text))
    assert finding.settled and not finding.is_red_flag
    assert classifier_units(text, finding)[0].settled


def test_every_part_of_a_message_with_a_reading_under_the_threshold_needs_the_overrule_score(nlp, trained):
    # The clause without the number ("day 2, should I worry?") would
    # otherwise be judged at the plain threshold.
    detector = detector_for(nlp)
    verdict = assess(nlp("thermometer says 37.4. day 2, should i worry about that?"), detector, trained)
    assert verdict.classifier_threshold >= trained.overrule_threshold
    plain = assess(nlp("day 2, should i worry about that?"), detector, trained)
    assert plain.classifier_threshold == trained.threshold


def test_an_urgency_set_with_a_misspelt_section_is_refused(tmp_path):
    good = tmp_path / "good.yml"
    good.write_text('urgent:\n  fever:\n    - "39.2 tonight"\nnot_urgent:\n  normal:\n    - "a bit pink"\n')
    assert [(c.urgent, c.kind) for c in load_urgency_cases(good)] == [(True, "fever"), (False, "normal")]
    misspelt = tmp_path / "misspelt.yml"
    misspelt.write_text(
        'urgent:\n  fever:\n    - "39.2 tonight"\nnon_urgent:\n  normal:\n    - "a bit pink"\n'
    )
    with pytest.raises(ValueError, match="non_urgent"):
        load_urgency_cases(misspelt)
