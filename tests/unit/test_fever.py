"""The line told back for a temperature under the clinic's fever threshold."""

from pathlib import Path

import pytest
import yaml

from clinicbot.content import load_content
from clinicbot.fever import below_fever_note, fever_thresholds
from clinicbot.paths import CLINIC_DIR

CONTENT = load_content()


def urgency(*readings, urgent=False):
    return {
        "urgent": urgent,
        "rules": [{"symptom": "fever", "words": w, "clause": 0, "status": s} for w, s in readings],
    }


def test_a_celsius_reading_with_a_comma_is_set_against_the_celsius_threshold():
    note = below_fever_note(CONTENT, urgency(("fever", "below_threshold"), ("37,6", "below_threshold")))
    assert note.startswith("A temperature of 37.6 °C is under 38.0 °C")
    assert "(100.4 °F)" in note and CONTENT.clinic.phone in note


def test_a_fahrenheit_reading_is_set_against_the_fahrenheit_threshold():
    note = below_fever_note(CONTENT, urgency(("99.5", "below_threshold")))
    assert "99.5 °F is under 100.4 °F" in note and "(38.0 °C)" in note


@pytest.mark.parametrize(
    "parse",
    [
        urgency(("37.5", "below_threshold"), urgent=True),  # urgent for another reason: the card only
        urgency(("38.4", "present")),
        urgency(("fever", "below_threshold")),  # no number to tell back
        {},
        None,
    ],
)
def test_no_line_without_a_reading_under_the_threshold(parse):
    assert below_fever_note(CONTENT, parse) is None


def test_the_thresholds_are_the_clinics(tmp_path: Path):
    rules = yaml.safe_load((CLINIC_DIR / "red_flags.yml").read_text(encoding="utf-8"))
    rules["vital_signs"]["temperature"]["fever_from_celsius"] = 37.5
    changed = tmp_path / "red_flags.yml"
    changed.write_text(yaml.safe_dump(rules), encoding="utf-8")
    thresholds = fever_thresholds(changed)
    assert thresholds is not None and thresholds.celsius == 37.5
    note = below_fever_note(CONTENT, urgency(("37.2", "below_threshold")), changed)
    assert note is not None and "37.2 °C is under 37.5 °C" in note
