import re

import pytest
import yaml

from clinicbot.content import ContentError, load_content
from clinicbot.paths import CLINIC_DIR, PROJECT_ROOT
from clinicbot.render_responses import responses as render_responses
from clinicbot.training_data import checked_sources, faq_answers

SOURCE = CLINIC_DIR / "clinic.yml"
FAQ_ANSWERS = faq_answers(checked_sources())


def responses(content):
    return render_responses(content, FAQ_ANSWERS)


def _write(tmp_path, edit):
    data = yaml.safe_load(SOURCE.read_text())
    edit(data)
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["clinic"].pop("phone"), "clinic.phone"),
    (lambda d: d["clinic"].update(timezone="Mars/Olympus"), "not a known timezone"),
    (lambda d: d["clinic"].update(date_order="YMD"), "date_order"),
    (lambda d: d["milestones"]["makeup_allowed"].update(day="five"), "whole number"),
    (lambda d: d["milestones"]["makeup_allowed"].update(day=-1), "must not be negative"),
    (lambda d: d["responses"].update(contact="Call {clinic.fax}"),
     "unknown placeholder {clinic.fax}"),
    (lambda d: d["recovery"]["topics"]["makeup"]["phases"][1].update(**{"from": "nope"}),
     "unknown milestone 'nope'"),
    (lambda d: d["recovery"]["topics"]["makeup"]["phases"].reverse(), "from: start"),
    (lambda d: d["responses"].update(contact="   "), "must not be empty"),
])
def test_mistakes_in_the_clinic_file_name_the_field(tmp_path, edit, message):
    with pytest.raises(ContentError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_content(_write(tmp_path, edit))


def test_broken_yaml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text("clinic: [unclosed\n")
    with pytest.raises(ContentError, match="not valid YAML"):
        load_content(path)


def test_generated_responses_cover_every_faq_and_recovery_topic():
    content = load_content(SOURCE)
    rendered = responses(content)
    assert len(FAQ_ANSWERS) >= 13
    for key in FAQ_ANSWERS:
        assert f"utter_faq/{key}" in rendered
    for key in list(content.topics) + ["timeline"]:
        assert f"utter_recovery/{key}" in rendered
    # Rasa fills {slot} placeholders itself (e.g. "May we call you on {callback_phone}?")
    slots = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["slots"])
    for name, variants in rendered.items():
        for variant in variants:
            text = re.sub(r"\{([a-z_]+)\}",
                          lambda m: "" if m.group(1) in slots else m.group(0), variant["text"])
            assert "{" not in text, name
    assert content.clinic.phone in rendered["utter_red_flag"][0]["text"]
    assert content.clinic.emergency_number in rendered["utter_red_flag"][0]["text"]
    assert rendered["utter_red_flag"][0]["custom"]["type"] == "red_flag"


def test_the_cost_answer_quotes_no_price_and_offers_a_consultation():
    text = responses(load_content(SOURCE))["utter_faq/cost"][0]["text"]
    assert not any(symbol in text for symbol in "£$€")
    assert "consultation" in text


def test_answers_are_short_enough_for_a_phone_and_plain():
    """Under ~90 words, and a Flesch-Kincaid grade of about 8 or below."""
    def syllables(word):
        word = word.lower().strip(".,;:!?()\"'")
        groups = sum(1 for i, c in enumerate(word) if c in "aeiouy" and (i == 0 or word[i - 1] not in "aeiouy"))
        return max(1, groups - (1 if word.endswith("e") and groups > 1 else 0))

    grades = {}
    for name, variants in responses(load_content(SOURCE)).items():
        text = variants[0]["text"]
        words = text.split()
        sentences = max(1, sum(text.count(p) for p in ".!?"))
        assert len(words) <= 95, (name, len(words))
        grades[name] = 0.39 * len(words) / sentences + 11.8 * sum(map(syllables, words)) / len(words) - 15.59
    average = sum(grades.values()) / len(grades)
    assert average <= 8.0, sorted(grades.items(), key=lambda item: -item[1])[:5]
