"""End-to-end: the real trained model and real servers over the REST webhook."""
import datetime as dt
import json
import sqlite3

import pytest

from clinicbot.content import load_content
from clinicbot.conversation_eval import ReplyReader
from harness.servers import customs, texts

pytestmark = pytest.mark.servers

CONTENT = load_content()
PHONE = CONTENT.clinic.phone
DISCLAIMER = "not a diagnosis"


def clinic_today():
    return dt.datetime.now(CONTENT.tz).date()


def test_question_then_date_answers_the_pending_question(bot):
    first = bot.send("two-turn", "when can i wear makeup again?")
    assert f"first {CONTENT.milestones['makeup_allowed'].day} days" in texts(first)
    assert "date of your treatment" in texts(first)
    second = bot.send("two-turn", "3 days ago")
    assert "Day 3: not yet." in texts(second)
    card = customs(second)[0]
    treated = clinic_today() - dt.timedelta(days=3)
    assert card["type"] == "recovery" and card["topic"] == "makeup" and card["day"] == 3
    assert card["treatment_date"] == treated.isoformat()
    assert card["allowed"] is False
    assert card["allowed_from"] == (treated + dt.timedelta(days=5)).isoformat()


def test_date_is_remembered_across_turns(bot):
    treated = clinic_today() - dt.timedelta(days=8)
    first = bot.send("remembers", f"I had my laser on {treated.isoformat()}")
    assert "Day 8 of your recovery" in texts(first)
    second = bot.send("remembers", "can I go to the gym?")
    assert "Day 8: yes" in texts(second)
    third = bot.send("remembers", "how long does the redness last")
    assert texts(third).startswith("Day 8:")
    assert bot.tracker("remembers")["slots"]["treatment_date"] == treated.isoformat()


def test_date_and_question_in_one_message(bot):
    reply = bot.send("one-message", "had my treatment yesterday, when can I exercise?")
    assert "Day 1: not yet." in texts(reply)
    assert customs(reply)[0]["topic"] == "exercise"


@pytest.mark.parametrize("message", [
    "I have a fever and there's pus coming out",
    "my face is red and hot and it's spreading",
    "help my eyes are so swollen I can barely open them",
])
def test_red_flag_gets_urgent_advice_and_is_marked_for_follow_up(bot, message):
    sender = "red-flag-" + str(abs(hash(message)))
    reply = bot.send(sender, message)
    assert PHONE in texts(reply) and CONTENT.clinic.emergency_number in texts(reply)
    assert any(card.get("type") == "red_flag" for card in customs(reply))
    assert bot.tracker(sender)["slots"]["red_flag_followup"] is True
    rows = sqlite3.connect(bot.db_path).execute(
        "select data from events where sender_id = ? and type_name = 'slot'", (sender,)).fetchall()
    assert any(json.loads(data).get("name") == "red_flag_followup" and json.loads(data)["value"]
               for (data,) in rows)


def test_ordinary_symptom_gets_the_recovery_answer_not_an_alarm(bot):
    reply = bot.send("ordinary", "no fever, just some redness, is that normal?")
    assert "call the clinic now" not in texts(reply).lower()
    assert "5 to 7 days" in texts(reply)


def test_disclaimer_is_shown_once_per_conversation(bot):
    answers = [bot.send("disclaimer", text) for text in
               ("what is fractional co2 laser?", "how much does it cost", "does it hurt")]
    assert sum(texts(reply).count(DISCLAIMER) for reply in answers) == 1
    assert "consultation" in texts(answers[1])


def test_booking_gives_contact_and_hours(bot):
    reply = texts(bot.send("booking", "I'd like to book a consultation"))
    assert PHONE in reply and CONTENT.clinic.opening_hours in reply


def test_asking_for_a_person_queues_for_staff_when_open_else_gives_contact_and_hours(bot):
    # The clinic's own hours decide (tests/handoff/ covers the open case whatever the time).
    open_now = CONTENT.clinic.weekly_hours.is_open(dt.datetime.now(dt.timezone.utc))
    reply = texts(bot.send("handoff", "can I speak to a real person please"))
    if open_now:
        assert "I'm asking a member of the team to join" in reply and PHONE in reply
    else:
        assert PHONE in reply and CONTENT.clinic.opening_hours in reply


def test_out_of_scope_says_what_the_bot_can_do(bot):
    reply = texts(bot.send("oos", "who won the football last night?"))
    assert "I can only help with fractional CO2 laser" in reply and PHONE in reply


@pytest.mark.parametrize("message", [
    "", "   ", "x" * 20000, "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "😀🔥💉 ?", "hello\x00\x07\x1b[31m world", "I had it on 31 February",
    "'; DROP TABLE events; --",
], ids=["empty", "blank", "20000-chars", "html", "emoji", "control-chars", "impossible-date", "sql"])
def test_bad_input_gets_a_reply_and_the_server_keeps_serving(bot, message):
    sender = "bad-input-" + str(abs(hash(message)))
    reply = bot.send(sender, message)
    assert reply and texts(reply).strip(), reply
    assert "<script>" not in texts(reply)
    assert "price depends" in texts(bot.send(sender, "how much does it cost?"))


def test_non_text_message_is_refused_without_a_server_error(bot):
    # Rasa's REST channel logs and drops a non-string message (200, no reply).
    assert bot.send("not-text", {"not": "text"}) == []
    assert "price depends" in texts(bot.send("not-text", "how much does it cost?"))


def test_impossible_date_gets_a_clarifying_question(bot):
    reply = texts(bot.send("impossible", "my treatment was on 31/02"))
    assert "real calendar date" in reply and "31/02" in reply


def stored_rows(bot, sender):
    return sqlite3.connect(bot.db_path).execute(
        "select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]


def test_patient_can_delete_their_conversation_after_confirming(bot):
    import time

    bot.send("forget-me", "I had my laser 3 days ago, can I wear makeup?")
    ask = bot.send("forget-me", "please delete my conversation")
    assert [b["payload"] for m in ask for b in m.get("buttons", [])] == ["/affirm", "/deny"]
    assert stored_rows(bot, "forget-me") > 0
    done = bot.send("forget-me", "/affirm")
    assert "deleted" in texts(done)
    deadline = time.time() + 15
    while stored_rows(bot, "forget-me") and time.time() < deadline:
        time.sleep(0.2)
    assert stored_rows(bot, "forget-me") == 0
    fresh = bot.send("forget-me", "can I wear makeup?")
    assert "date of your treatment" in texts(fresh)  # the date is gone too


def test_declining_deletion_keeps_the_conversation(bot):
    bot.send("keep-me", "what does it cost?")
    bot.send("keep-me", "delete my chat")
    kept = bot.send("keep-me", "no keep it")
    assert "kept your conversation" in texts(kept)
    assert stored_rows(bot, "keep-me") > 0


def test_urgent_card_says_open_or_closed_and_no_disclaimer_follows(bot):
    reply = bot.send("urgent-first", "my temperature is 38.9 and my cheek is oozing pus")
    text = texts(reply)
    card = next(c for c in customs(reply) if c.get("type") == "red_flag")
    open_now = CONTENT.clinic.weekly_hours.is_open(dt.datetime.now(dt.timezone.utc))
    assert card["open_now"] is open_now
    if open_now:
        assert "We're open now" in text
    else:
        assert CONTENT.clinic.out_of_hours_number in text and "closed" in text
    assert PHONE in text and DISCLAIMER not in text


def test_after_an_alarm_self_treatment_gets_call_now_not_the_recovery_answer(bot):
    bot.send("self-treat", "there are blisters on my lip since this morning")
    reply = texts(bot.send("self-treat", "should I just put cream on it?"))
    assert "don't treat this yourself" in reply and PHONE in reply
    calm = texts(bot.send("self-treat-control", "should I just put cream on it?"))
    assert "don't treat this yourself" not in calm


def test_two_questions_get_two_answers_in_order(bot):
    reply = bot.send("two-questions", "how much is it and how long is the downtime?")
    assert ReplyReader(CONTENT).labels(reply)[:2] == ["faq/cost", "faq/downtime"]


def test_a_question_beside_a_booking_or_handoff_request_is_answered_first(bot):
    reply = bot.send("book-and-ask", "I'd like to book a consultation, also does it hurt?")
    assert ReplyReader(CONTENT).labels(reply)[:1] == ["faq/pain_numbing"]
    assert PHONE in texts(reply)
    alone = bot.send("book-alone", "I'd like to book a consultation")
    assert "faq/pain_numbing" not in ReplyReader(CONTENT).labels(alone)
    assert PHONE in texts(alone)


def test_date_and_question_in_one_message_answers_the_question_for_that_day(bot):
    reply = bot.send("date-question", "5 days ago I had my laser treatment. how long until the "
                                      "redness goes?")
    card = customs(reply)[0]
    assert card["topic"] == "redness" and card["day"] == 5
    treated = clinic_today() - dt.timedelta(days=5)
    assert bot.tracker("date-question")["slots"]["treatment_date"] == treated.isoformat()


def test_an_urgent_message_with_the_treatment_date_keeps_the_date_for_staff(bot):
    treated = clinic_today() - dt.timedelta(days=3)
    reply = bot.send("urgent-dated", f"had co2 on {treated.day} {treated:%b} and since last night "
                                     f"I've got a temperature and chills")
    assert customs(reply)[0]["type"] == "red_flag"
    assert bot.tracker("urgent-dated")["slots"]["treatment_date"] == treated.isoformat()


def test_someone_elses_treatment_date_is_answered_not_stored(bot):
    reply = bot.send("friend", "my friend had it 5 days ago, can she go to the gym yet?")
    card = next(c for c in customs(reply) if c.get("type") == "recovery")
    assert card["day"] == 5 and card["allowed"] is False
    assert bot.tracker("friend")["slots"]["treatment_date"] is None


def test_an_occasion_after_the_patients_own_treatment_gets_that_days_answer(bot):
    treated = clinic_today() - dt.timedelta(days=2)
    party = clinic_today() + dt.timedelta(days=5)
    reply = bot.send("party", f"had co2 {treated.day} {treated:%B}. will i be able to wear makeup "
                              f"for a party on {party.day} {party:%B}?")
    card = next(c for c in customs(reply) if c.get("type") == "plan")
    assert card["day"] == 7 and card["allowed"] is True and card["topic"] == "makeup"
    assert bot.tracker("party")["slots"]["treatment_date"] == treated.isoformat()


def test_an_occasion_ahead_from_a_patient_whose_date_is_known_gets_that_days_answer(bot):
    treated = clinic_today() - dt.timedelta(days=2)
    bot.send("known-party", f"I had my laser on {treated.isoformat()}")
    party = clinic_today() + dt.timedelta(days=4)
    reply = bot.send("known-party", f"can I wear makeup at my party on {party.day} {party:%B}?")
    card = next(c for c in customs(reply) if c.get("type") == "plan")
    assert card["day"] == 6 and card["allowed"] is True and card["topic"] == "makeup"
    assert bot.tracker("known-party")["slots"]["treatment_date"] == treated.isoformat()


def test_planning_around_an_event_stores_nothing(bot):
    event = clinic_today() + dt.timedelta(days=20)
    reply = bot.send("plan", f"I have a wedding on {event.day} {event:%B}, when should I have "
                             f"it done?")
    plan = next(c for c in customs(reply) if c.get("type") == "plan")
    ready = max(CONTENT.milestones[k].day for k in CONTENT.planning.ready_milestones)
    assert plan["event_date"] == event.isoformat()
    assert plan["latest_treatment_date"] == (event - dt.timedelta(days=ready)).isoformat()
    assert bot.tracker("plan")["slots"]["treatment_date"] is None


def test_why_after_an_answer_is_answered_for_that_topic(bot):
    bot.send("why", "when can I go back to the gym?")
    reply = texts(bot.send("why", "why?"))
    assert "risk of infection" in reply


def test_what_about_a_later_day_after_an_answer_is_answered_for_that_day(bot):
    treated = clinic_today() - dt.timedelta(days=4)
    first = bot.send("later-day", f"can i wear foundation? had co2 {treated.day} {treated:%b}")
    assert customs(first)[0]["day"] == 4 and customs(first)[0]["allowed"] is False
    card = next(c for c in customs(bot.send("later-day", "what about tomorrow?")) if c.get("day") is not None)
    assert card["day"] == 5 and card["allowed"] is True and card["topic"] == "makeup"
    assert bot.tracker("later-day")["slots"]["treatment_date"] == treated.isoformat()


def test_the_webhook_refuses_a_missing_sender_with_a_clear_400(bot):
    from harness.servers import http

    for body in ({"message": "hi"}, {"sender": "", "message": "hi"}, ["not", "an", "object"]):
        status, raw = http("POST", bot.url + "/webhooks/rest/webhook", body)
        assert status == 400 and b"sender" in raw, (status, raw)


def test_a_very_long_message_gets_a_short_reply_without_being_read(bot):
    reply = texts(bot.send("too-long", "I have a fever " * 1000))
    assert "too long" in reply and PHONE in reply
    assert bot.tracker("too-long")["events"] == [] or all(
        e.get("event") != "user" for e in bot.tracker("too-long")["events"])


def test_a_typed_intent_cannot_pin_a_red_flag(bot):
    bot.send("forced", "/red_flag")
    assert not bot.tracker("forced")["slots"]["red_flag_followup"]


def test_metadata_is_trimmed_and_a_bad_timezone_falls_back(bot):
    reply = bot.send("bad-tz", "I had my laser 3 days ago, can I wear makeup?",
                     metadata={"timezone": "__pycache__", "junk": "x" * 100_000})
    assert "Day 3" in texts(reply)
    stored = [e for e in bot.tracker("bad-tz")["events"] if e.get("event") == "user"][0]
    assert "junk" not in stored["metadata"] and "timezone" not in stored["metadata"]


@pytest.mark.parametrize("message, reading, day", [
    ("37.6 on day 1, is that a fever?", "37.6 °C is under 38.0 °C", "Day 1"),
    ("my temp is 99,5F on day 2 after the laser, is that normal?", "99.5 °F is under 100.4 °F",
     "Day 2"),
])
def test_a_temperature_under_the_threshold_is_told_so_before_the_days_answer(bot, message,
                                                                              reading, day):
    sender = "below-fever-" + str(abs(hash(message)))
    reply = texts(bot.send(sender, message))
    assert reading in reply and PHONE in reply and day in reply
    assert not bot.tracker(sender)["slots"]["red_flag_followup"]


def test_a_fever_reading_gets_the_urgent_card_not_the_under_threshold_line(bot):
    reply = bot.send("fever-reading", "38.4 on day 2, is that a fever?")
    assert any(card.get("type") == "red_flag" for card in customs(reply))
    assert "is under" not in texts(reply)
