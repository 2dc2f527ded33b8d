"""Callback requests end to end: the real trained model, real Rasa and action
servers, over the REST webhook, with a clinic that is closed all week."""
import sqlite3
import time
from typing import List

import pytest

from clinicbot.content import load_content
from harness.servers import customs, texts

pytestmark = pytest.mark.servers

CONTENT = load_content()
PHONE = CONTENT.clinic.phone
OUT_OF_HOURS = CONTENT.clinic.out_of_hours_number
ASK_NAME = "What's your first name?"
ASK_PHONE = "What phone number should we call?"
PHONE_RETRY = "doesn't look like a phone number we can call"


def buttons(messages: List[dict]) -> List[tuple]:
    return [(b["title"], b["payload"]) for m in messages for b in m.get("buttons") or []]


def slots(bot, sender):
    return bot.tracker(sender)["slots"]


def start_form(bot, sender):
    reply = bot.send(sender, "/request_callback")
    assert ASK_NAME in texts(reply), reply
    return reply


def test_asking_for_a_person_while_closed_offers_a_call_back(closed_clinic_bot):
    bot = closed_clinic_bot
    reply = bot.send("cb-handoff", "can I speak to a real person please")
    assert "closed right now" in texts(reply)
    assert PHONE in texts(reply) and OUT_OF_HOURS in texts(reply)
    assert ("Request a call back", "/request_callback") in buttons(reply)
    declined = bot.send("cb-handoff", "/deny")
    assert "we won't call you" in texts(declined)
    assert PHONE in texts(declined) and OUT_OF_HOURS in texts(declined)


def test_the_whole_form_with_a_uk_number(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-uk"
    bot.send(sender, "can I talk to someone at the clinic")
    start_form(bot, sender)
    assert ASK_PHONE in texts(bot.send(sender, "my name is Sarah"))
    consent = bot.send(sender, "07911 123456")
    assert "May we call you on +44 7911 123456 about your treatment?" in texts(consent)
    assert [payload for _, payload in buttons(consent)] == ["/affirm", "/deny"]
    unclear = texts(bot.send(sender, "hmm what time would that be"))
    assert "Please answer yes or no." in unclear and "May we call you on" in unclear
    assert slots(bot, sender)["callback_consent"] is None
    confirmed = texts(bot.send(sender, "/affirm"))
    assert "Thank you, Sarah" in confirmed and "+44 7911 123456" in confirmed
    state = slots(bot, sender)
    assert state["callback_name"] == "Sarah" and state["callback_phone"] == "+44 7911 123456"
    assert state["callback_consent"] is True and state["callback_reason"] == "handoff"
    assert not (bot.tracker(sender).get("active_loop") or {}).get("name")


def test_a_typed_request_starts_the_form(closed_clinic_bot):
    assert ASK_NAME in texts(closed_clinic_bot.send("cb-typed", "can someone call me back please"))


def test_an_impossible_number_gets_a_retry_and_a_foreign_one_is_accepted(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-retry"
    start_form(bot, sender)
    bot.send(sender, "Tom")
    for wrong in ("12345", "06 12 34 56 78", "07911 12345"):
        retry = texts(bot.send(sender, wrong))
        assert PHONE_RETRY in retry and "country code" in retry and ASK_PHONE in retry, retry
        assert slots(bot, sender)["callback_phone"] is None
    consent = texts(bot.send(sender, "+33 6 12 34 56 78"))
    assert "May we call you on +33 6 12 34 56 78" in consent


def test_ten_thousand_characters_are_refused_and_nothing_is_stored(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-long"
    start_form(bot, sender)
    long_text = "A" * 10000
    reply = texts(bot.send(sender, long_text))
    assert "too long for me to read" in reply
    assert slots(bot, sender)["callback_name"] is None
    with sqlite3.connect(bot.db_path) as db:
        stored = db.execute("select count(*) from events where sender_id = ? and data like ?",
                            (sender, "%" + "A" * 100 + "%")).fetchone()[0]
    assert stored == 0
    assert ASK_PHONE in texts(bot.send(sender, "Sam"))


def test_html_in_the_name_is_not_stored_or_echoed(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-html"
    start_form(bot, sender)
    reply = bot.send(sender, "<b>Sarah</b><script>alert(1)</script>")
    assert "couldn't read that as a first name" in texts(reply) and ASK_NAME in texts(reply)
    assert "<" not in texts(reply)
    assert slots(bot, sender)["callback_name"] is None
    too_long = texts(bot.send(sender, "x" * 300))
    assert "too long for a first name" in too_long
    assert slots(bot, sender)["callback_name"] is None


def test_refusing_consent_forgets_the_number_and_gives_the_phone_numbers(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-refuse"
    start_form(bot, sender)
    bot.send(sender, "Lee")
    bot.send(sender, "07911 222333")
    declined = texts(bot.send(sender, "/deny"))
    assert "we won't call you" in declined and PHONE in declined and OUT_OF_HOURS in declined
    state = slots(bot, sender)
    assert state["callback_phone"] is None and state["callback_reason"] is None


def test_stopping_the_form_gives_the_phone_numbers(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-stop"
    start_form(bot, sender)
    stopped = texts(bot.send(sender, "no thanks, no call back"))
    assert PHONE in stopped and OUT_OF_HOURS in stopped, stopped
    assert not (bot.tracker(sender).get("active_loop") or {}).get("name")
    after = texts(bot.send(sender, "how much does it cost"))
    assert ASK_NAME not in after and ASK_PHONE not in after


def test_the_red_flag_card_offers_a_call_back_marked_red_flag(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-red-flag"
    card = bot.send(sender, "I have a fever and pus coming out")
    assert any(c.get("type") == "red_flag" for c in customs(card))
    assert ("Request a call back", "/request_callback") in buttons(card)
    start_form(bot, sender)
    bot.send(sender, "Amal")
    bot.send(sender, "07400 444555")
    bot.send(sender, "/affirm")
    assert slots(bot, sender)["callback_reason"] == "red_flag"


def test_deleting_the_conversation_removes_the_number_from_the_database(closed_clinic_bot):
    bot, sender = closed_clinic_bot, "cb-delete"
    start_form(bot, sender)
    bot.send(sender, "Noor")
    bot.send(sender, "07400 987650")
    bot.send(sender, "/affirm")
    assert b"7400 987650" in bot.db_path.read_bytes()
    assert "Do you want me to delete" in texts(bot.send(sender, "delete my conversation"))
    bot.send(sender, "/affirm")
    deadline = time.time() + 30
    while time.time() < deadline:
        with sqlite3.connect(bot.db_path) as db:
            if not db.execute("select count(*) from events where sender_id = ?",
                              (sender,)).fetchone()[0]:
                break
        time.sleep(0.2)
    else:
        pytest.fail("the conversation was not erased")
    stored = b"".join(path.read_bytes() for path in bot.db_path.parent.glob("tracker.db*"))
    assert b"7400 987650" not in stored and b"07400987650" not in stored
