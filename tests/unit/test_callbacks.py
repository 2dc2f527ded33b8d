"""Reading a callback request's first name and phone number; when a call back is offered."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from clinicbot.callbacks import read_first_name, read_phone_number
from clinicbot.content import load_content
from clinicbot.conversation import urgent_advice
from clinicbot.handoff import handoff_reply, queues_for_staff
from clinicbot.privacy import erase_conversation

CONTENT = load_content()
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("typed, stored", [
    ("Sarah", "Sarah"),
    ("  my name is Anne-Marie ", "Anne-Marie"),
    ("it's O'Brien!", "O'Brien"),
    ("José", "José"),
    ("Mary Jane", "Mary Jane"),
])
def test_first_names_are_read(typed, stored):
    assert read_first_name(typed).value == stored


@pytest.mark.parametrize("typed, problem", [
    ("<b>Sarah</b>", "callback_name_invalid"),
    ("<script>alert(1)</script>", "callback_name_invalid"),
    ("07911 123456", "callback_name_invalid"),
    ("", "callback_name_invalid"),
    ("x" * 10000, "callback_name_too_long"),
    ("can I just talk to a person please", "callback_name_too_long"),
])
def test_what_is_not_a_first_name_is_not_stored(typed, problem):
    checked = read_first_name(typed)
    assert checked.value is None and checked.problem == problem
    assert problem in CONTENT.responses


@pytest.mark.parametrize("typed, stored", [
    ("07911 123456", "+44 7911 123456"),
    ("my number is 07911123456, thanks", "+44 7911 123456"),
    ("+44 (0)7911 123456", "+44 7911 123456"),
    ("020 7946 0321", "+44 20 7946 0321"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),       # abroad, with the country code
])
def test_numbers_are_stored_in_international_form(typed, stored):
    assert read_phone_number(typed, "GB").value == stored


@pytest.mark.parametrize("typed", [
    "12345", "07911 12345", "06 12 34 56 78",   # a French number without its country code
    "+999 123", "not a number", "", "9" * 10000,
])
def test_impossible_numbers_get_the_retry_text(typed):
    checked = read_phone_number(typed, "GB")
    assert checked.value is None and checked.problem == "callback_phone_invalid"


def test_the_clinic_region_decides_how_a_national_number_is_read():
    assert read_phone_number("06 12 34 56 78", "FR").value == "+33 6 12 34 56 78"


def test_asking_for_a_person_while_closed_offers_a_call_back_and_the_numbers():
    sunday = dt.datetime(2026, 12, 6, 11, 0, tzinfo=LONDON)
    reply = handoff_reply(CONTENT, sunday)
    text = reply.texts[0]
    assert "tomorrow at 9:00" in text and CONTENT.clinic.phone in text
    assert CONTENT.clinic.out_of_hours_number in text
    assert ("Request a call back", "/request_callback") in reply.buttons


def test_asking_for_a_person_while_open_queues_for_staff_without_a_call_back_offer():
    monday = dt.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    reply = handoff_reply(CONTENT, monday)
    assert reply.texts[0].startswith("I'm asking a member of the team to join")
    assert CONTENT.clinic.phone in reply.texts[0] and not reply.buttons
    assert queues_for_staff(reply)
    assert not queues_for_staff(handoff_reply(CONTENT, dt.datetime(2026, 12, 6, 11, 0,
                                                                   tzinfo=LONDON)))


@pytest.mark.parametrize("moment", [dt.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON),
                                    dt.datetime(2026, 12, 6, 11, 0, tzinfo=LONDON)])
def test_the_urgent_card_offers_a_call_back_open_or_closed(moment):
    assert urgent_advice(CONTENT, moment).buttons == [("Request a call back", "/request_callback")]


def test_an_unknown_region_in_the_clinic_file_is_refused(tmp_path):
    from clinicbot.content import ContentError

    source = CONTENT.source.read_text().replace("region: GB", "region: XX")
    (tmp_path / "clinic.yml").write_text(source)
    with pytest.raises(ContentError, match="clinic.region"):
        load_content(tmp_path / "clinic.yml")


def test_an_erased_number_is_gone_from_the_sqlite_file(tmp_path):
    path = tmp_path / "tracker.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(sa.text("create table events (id integer primary key, sender_id text, "
                                   "type_name text, action_name text, data text)"))
        connection.execute(sa.text("insert into events (sender_id, type_name, data) "
                                   "values ('p', 'slot', '{\"value\": \"+44 7911 123456\"}')"))
        connection.execute(sa.text("insert into events (sender_id, type_name, data) "
                                   "values ('q', 'user', '{\"text\": \"hello\"}')"))
    assert b"7911 123456" in path.read_bytes()
    assert erase_conversation(engine, "p") == 1
    engine.dispose()
    assert b"7911 123456" not in path.read_bytes()
