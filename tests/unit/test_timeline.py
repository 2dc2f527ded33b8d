import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from clinicbot.content import format_patient_date, load_content
from clinicbot.training_data import checked_sources
from clinicbot.timeline import (TIMELINE_TOPIC, general_answer, recovery_topics, timeline_answer,
                                topic_answer, topic_status)

CONTENT = load_content()
MONDAY_10_NOV_2025 = dt.date(2025, 11, 10)
AFTERCARE_ANSWER = checked_sources().faqs["aftercare"].answer
# What these tests expect follows the clinic file, so a clinic's edit to a
# milestone day keeps them green (tests/unit/test_content_edits.py checks that).
MAKEUP_DAY = CONTENT.milestones["makeup_allowed"].day
EXERCISE_DAY = CONTENT.milestones["exercise_allowed"].day


def after(days: int) -> dt.date:
    return MONDAY_10_NOV_2025 + dt.timedelta(days=days)


def test_issue_example_makeup_on_day_3():
    answer = topic_answer(CONTENT, "makeup", MONDAY_10_NOV_2025, dt.date(2025, 11, 13))
    assert answer.text.startswith("Day 3: not yet.")
    assert format_patient_date(after(MAKEUP_DAY)) in answer.text
    assert answer.payload == {
        **answer.payload,
        "type": "recovery", "treatment_date": "2025-11-10", "day": 3, "topic": "makeup",
        "allowed": False, "allowed_from": after(MAKEUP_DAY).isoformat(),
    }


def test_makeup_allowed_from_milestone_day_on():
    answer = topic_answer(CONTENT, "makeup", MONDAY_10_NOV_2025, after(MAKEUP_DAY))
    assert answer.text.startswith(f"Day {MAKEUP_DAY}: yes")
    assert answer.payload["allowed"] is True
    assert answer.payload["allowed_from"] == after(MAKEUP_DAY).isoformat()


def test_topics_without_yes_no_have_null_allowed():
    for topic in ("sun", "scabs", "redness", "pigmentation", "skincare", TIMELINE_TOPIC):
        answer = topic_answer(CONTENT, topic, MONDAY_10_NOV_2025, dt.date(2025, 11, 12))
        assert answer.payload["allowed"] is None
        assert answer.payload["allowed_from"] is None
        assert answer.text.startswith("Day 2")


def test_treatment_day_is_day_0():
    answer = topic_answer(CONTENT, "exercise", MONDAY_10_NOV_2025, MONDAY_10_NOV_2025)
    assert answer.text.startswith("Day 0: not yet.")
    assert format_patient_date(after(EXERCISE_DAY)) in answer.text


def test_timeline_lists_what_waits_and_what_comes_next():
    answer = timeline_answer(CONTENT, MONDAY_10_NOV_2025, dt.date(2025, 11, 13))
    assert answer.text.startswith("Day 3 of your recovery")
    assert f"makeup and cosmetics from {format_patient_date(after(MAKEUP_DAY))}" in answer.text
    assert [m["key"] for m in answer.payload["next_milestones"]][:1] == ["makeup_allowed"]


def test_future_dates_are_rejected_by_topic_status():
    with pytest.raises(ValueError):
        topic_status(CONTENT, CONTENT.topics["makeup"], dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_every_topic_has_a_general_answer_without_placeholders():
    for topic in recovery_topics(CONTENT):
        text = general_answer(CONTENT, topic)
        assert text and "{" not in text


treatment_dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2040, 12, 31))


@settings(max_examples=150, deadline=None)
@given(treated=treatment_dates, days_later=st.integers(min_value=0, max_value=364),
       topic=st.sampled_from(recovery_topics(CONTENT)))
def test_day_number_and_end_dates_are_consistent(treated, days_later, topic):
    today = treated + dt.timedelta(days=days_later)
    answer = topic_answer(CONTENT, topic, treated, today)
    payload = answer.payload
    assert payload["day"] == days_later
    assert answer.text.startswith(f"Day {days_later}")
    assert payload["treatment_date"] == treated.isoformat()
    if payload["allowed"] is False:
        assert payload["allowed_from"] is not None
        allowed_from = dt.date.fromisoformat(payload["allowed_from"])
        assert allowed_from > today
        assert (allowed_from - treated).days in {m.day for m in CONTENT.milestones.values()}
    if payload["allowed"] is True:
        assert dt.date.fromisoformat(payload["allowed_from"]) <= today
    for milestone in payload["next_milestones"]:
        assert dt.date.fromisoformat(milestone["date"]) > today
        assert dt.date.fromisoformat(milestone["date"]) == treated + dt.timedelta(days=milestone["day"])
    assert [m["day"] for m in payload["next_milestones"]] == sorted(
        m["day"] for m in payload["next_milestones"])
    for item in payload["not_yet"]:
        assert item["from"] is None or dt.date.fromisoformat(item["from"]) > today
    assert "{" not in answer.text


def _content_with(tmp_path: Path, edit) -> "object":
    data = yaml.safe_load(Path(CONTENT.source).read_text())
    edit(data)
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(data))
    return load_content(path)


def test_changing_a_milestone_day_changes_every_answer(tmp_path):
    def move_makeup_to_day_9(data):
        data["milestones"]["makeup_allowed"]["day"] = 9
    edited = _content_with(tmp_path, move_makeup_to_day_9)
    on_day_6 = topic_answer(edited, "makeup", MONDAY_10_NOV_2025, dt.date(2025, 11, 16))
    assert on_day_6.payload["allowed"] is False
    assert on_day_6.payload["allowed_from"] == "2025-11-19"
    assert "Wednesday 19 November" in on_day_6.text
    assert "first 9 days" in general_answer(edited, "makeup")
    assert re.search(r"No makeup or cosmetics for 9 days", edited.render(AFTERCARE_ANSWER))
