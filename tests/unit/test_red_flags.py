from pathlib import Path

import pytest

from clinicbot.red_flags import detector_for, load_rules


@pytest.fixture(scope="module")
def detect(nlp):
    detector = detector_for(nlp)
    return lambda text: detector.detect(nlp(text))


@pytest.mark.parametrize("text, symptom", [
    ("I have a fever", "fever"),
    ("feeling feverish and shivery tonight", "fever"),
    ("got a high temperature since this morning", "fever"),
    ("there is pus coming out of my cheek", "pus_or_smell"),
    ("yellow stuff oozing from the scabs", "pus_or_smell"),
    ("my face smells really bad", "pus_or_smell"),
    ("the redness is spreading to my neck", "spreading_redness"),
    ("my cheek is red and hot", "spreading_redness"),
    ("the pain is getting worse and worse", "severe_pain"),
    ("I'm in agony", "severe_pain"),
    ("there are blisters on my chin", "blisters_or_cold_sores"),
    ("I think I've got a cold sore on my lip", "blisters_or_cold_sores"),
    ("it won't stop bleeding", "bleeding"),
    ("my eyes are swollen shut", "swelling_eyes_or_breathing"),
    ("swelling around my eyelids", "swelling_eyes_or_breathing"),
    ("I can't breathe properly", "swelling_eyes_or_breathing"),
    ("the wound on my forehead is getting bigger", "wound_getting_bigger"),
    ("not sure if it's pus or just cream", "pus_or_smell"),  # doubt is not absence
    ("I don't have a fever but there's yellow discharge", "pus_or_smell"),
])
def test_urgent_symptoms_are_found(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize("text", [
    "no fever, just redness",
    "the redness isn't spreading",
    "no blisters or pus",
    "I'm not bleeding anymore",
    "mild redness on day 3",
    "my skin is itchy",
    "tiny brown dots on my cheeks",
    "does the treatment hurt?",
    "is there a risk of infection?",
    "how long does the redness last",
    "",
])
def test_ordinary_or_negated_symptoms_are_not_red_flags(detect, text):
    assert not detect(text).is_red_flag


def test_negated_mentions_are_reported_separately(detect):
    finding = detect("no fever, just redness")
    assert finding.negated_symptoms == ("fever",)


def test_unquoted_yaml_booleans_are_refused(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("symptoms:\n  x:\n    - [[fever]]\nnegation:\n  cues: [no, not]\n")
    with pytest.raises(ValueError, match="quotes"):
        load_rules(path)


def test_rules_file_shape_is_checked(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("symptoms:\n  fever: fever\n")
    with pytest.raises(ValueError, match="list of rules"):
        load_rules(Path(path))


@pytest.mark.parametrize("text", [
    "my skin is red but not hot and not spreading",
    "bigger scab sheets on my forehead, when do they go",
])
def test_normal_healing_described_with_symptom_words(detect, text):
    assert not detect(text).is_red_flag


def test_absence_is_recorded_even_when_the_rule_spans_clauses(detect):
    assert "spreading_redness" in detect("my skin is red but not hot and not spreading").negated_symptoms
