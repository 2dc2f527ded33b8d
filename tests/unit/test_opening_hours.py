import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from clinicbot.content import load_content
from clinicbot.conversation import urgent_advice
from clinicbot.opening_hours import OpeningHoursError, describe_opening, parse_weekly_hours

HOURS = {"monday": "09:00-18:00", "tuesday": "09:00-18:00", "wednesday": "09:00-18:00",
         "thursday": "09:00-18:00", "friday": "09:00-18:00", "saturday": "09:00-13:00",
         "sunday": "closed"}
LONDON = ZoneInfo("Europe/London")


def at(*args):
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize("moment, open_now", [
    (at(2026, 11, 30, 9, 0), True),      # Monday opening time
    (at(2026, 11, 30, 17, 59), True),
    (at(2026, 11, 30, 18, 0), False),    # closing time
    (at(2026, 12, 5, 12, 30), True),     # Saturday morning
    (at(2026, 12, 5, 13, 30), False),
    (at(2026, 12, 6, 11, 0), False),     # Sunday
])
def test_open_now(moment, open_now):
    assert parse_weekly_hours(HOURS, "Europe/London").is_open(moment) is open_now


def test_the_clinic_timezone_decides_not_the_server_clock():
    hours = parse_weekly_hours(HOURS, "Europe/London")
    # 08:30 UTC in summer is 09:30 in London: open.
    assert hours.is_open(dt.datetime(2026, 7, 6, 8, 30, tzinfo=dt.timezone.utc))
    assert not hours.is_open(dt.datetime(2026, 7, 6, 7, 30, tzinfo=dt.timezone.utc))


def test_next_opening_skips_closed_days():
    hours = parse_weekly_hours(HOURS, "Europe/London")
    saturday_evening = at(2026, 12, 5, 20, 0)
    opens = hours.next_opening(saturday_evening)
    assert opens == at(2026, 12, 7, 9, 0)
    assert describe_opening(opens, saturday_evening) == "Monday at 9:00"
    assert describe_opening(hours.next_opening(at(2026, 12, 1, 19, 0)),
                            at(2026, 12, 1, 19, 0)) == "tomorrow at 9:00"


@pytest.mark.parametrize("bad", [{**HOURS, "monday": "9-6"}, {**HOURS, "friday": "18:00-09:00"},
                                 {k: v for k, v in HOURS.items() if k != "sunday"}])
def test_bad_hours_are_refused(bad):
    with pytest.raises(OpeningHoursError):
        parse_weekly_hours(bad, "Europe/London")


def test_urgent_advice_follows_the_opening_hours():
    content = load_content()
    hours = content.clinic.weekly_hours
    monday_morning = dt.datetime(2026, 11, 30, 10, 0, tzinfo=content.tz)
    sunday = dt.datetime(2026, 12, 5, 14, 0, tzinfo=content.tz)  # Saturday afternoon
    assert hours.is_open(monday_morning) and not hours.is_open(sunday)
    open_reply = urgent_advice(content, monday_morning)
    assert content.clinic.phone in open_reply.texts[0]
    assert open_reply.payload["open_now"] is True
    closed_reply = urgent_advice(content, sunday)
    text = closed_reply.texts[0]
    assert content.clinic.phone in text and content.clinic.out_of_hours_number in text
    assert content.clinic.emergency_number in text and "Monday at 9:00" in text
    assert closed_reply.payload["out_of_hours_number"] == content.clinic.out_of_hours_number
