"""Compound messages, planning and the conversation-set tools, without Rasa."""
import datetime as dt

import pytest

from clinicbot.content import load_content
from clinicbot.conversation_eval import ReplyReader, judge_turn, render
from clinicbot.planning import plan_around_event
from clinicbot.segments import is_question, question_segments

CONTENT = load_content()
MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("text, parts", [
    ("how much is it and how long is the downtime?", ["how much is it", "how long is the downtime?"]),
    ("can I wear makeup and when can I go running", ["can I wear makeup", "when can I go running"]),
    ("had the laser yesterday. how red will I be", ["had the laser yesterday.", "how red will I be"]),
    ("red and sore", ["red and sore"]),
    ("", []),
])
def test_question_segments(text, parts):
    assert question_segments(text) == parts


def test_latest_treatment_day_for_an_event_comes_from_the_milestones():
    event = MONDAY + dt.timedelta(days=20)
    plan = plan_around_event(CONTENT, f"wedding on {event.day} {event:%B}, when should I have it?",
                             MONDAY, None)
    ready = max(CONTENT.milestones[k].day for k in CONTENT.planning.ready_milestones)
    assert plan.latest_treatment == event - dt.timedelta(days=ready)
    assert plan.treatment is None


def test_what_applies_on_the_event_day_after_a_planned_treatment():
    plan = plan_around_event(CONTENT, "if I have it on Friday, can I wear makeup on Wednesday?",
                             MONDAY, "makeup")
    assert plan.treatment == dt.date(2026, 12, 4) and plan.event == dt.date(2026, 12, 9)
    makeup_day = CONTENT.milestones["makeup_allowed"].day
    assert plan.recovery_day == 5 and plan.allowed is (5 >= makeup_day)


def test_an_event_too_close_is_said_so_and_no_date_asks_for_one():
    soon = plan_around_event(CONTENT, "party on the 2nd of December", MONDAY, None)
    assert "less than" in soon.text
    assert plan_around_event(CONTENT, "when should I book it for my holiday", MONDAY,
                             None).event is None


def test_placeholders_are_filled_relative_to_today():
    assert render("had it {date:-7:d_month}, {date:-2:dmy_dot} or {date:-3:weekday}",
                  MONDAY) == "had it 23 November, 28.11. or Friday"


def test_turn_judge_reads_labels_days_and_storage():
    reader = ReplyReader(CONTENT)
    reply = [{"text": "Day 3: not yet.", "custom": {"type": "recovery", "topic": "makeup",
                                                     "day": 3, "allowed": False}}]
    expect = {"topics": ["recovery/makeup"], "day": 3, "allowed": False, "stored_days_ago": 3}
    stored = (MONDAY - dt.timedelta(days=3)).isoformat()
    assert judge_turn(expect, reply, reader, None, stored, MONDAY).ok
    wrong = judge_turn({**expect, "day": 4}, reply, reader, None, None, MONDAY)
    assert not wrong.ok and len(wrong.problems) == 2


@pytest.mark.parametrize("segment, asks", [
    ("how long is the downtime?", True), ("can I wear makeup", True),
    ("I usually run 5k every morning.", False), ("had the laser yesterday.", False),
    ("and when can I swim", True),
])
def test_only_questions_count_as_questions(segment, asks):
    assert is_question(segment) is asks


def test_a_booked_treatment_date_answers_for_that_treatment():
    treatment = MONDAY + dt.timedelta(days=14)
    plan = plan_around_event(CONTENT, f"I'm booked in for {treatment.day} {treatment:%B}, when "
                                      f"can I go back to the gym?", MONDAY, "exercise")
    assert plan.treatment == treatment and plan.event is None and plan.allowed is False


def test_an_event_date_without_a_year_is_the_next_one():
    plan = plan_around_event(CONTENT, "wedding on 14 December, can I wear makeup?",
                             dt.date(2026, 12, 20), "makeup")
    assert plan.event == dt.date(2027, 12, 14)
