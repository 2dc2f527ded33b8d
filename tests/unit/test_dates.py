import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from clinicbot.dates import DateFound, ImpossibleDate, NoDate, read_treatment_date, today_in

SATURDAY = dt.date(2026, 11, 21)


@pytest.mark.parametrize("text, expected", [
    ("10 November", dt.date(2026, 11, 10)),
    ("Nov 10th", dt.date(2026, 11, 10)),
    ("10/11", dt.date(2026, 11, 10)),
    ("2026-11-10", dt.date(2026, 11, 10)),
    ("10.11.2026", dt.date(2026, 11, 10)),
    ("yesterday", dt.date(2026, 11, 20)),
    ("3 days ago", dt.date(2026, 11, 18)),
    ("last Monday", dt.date(2026, 11, 16)),
    ("two weeks ago", dt.date(2026, 11, 7)),
    ("on Tuesday", dt.date(2026, 11, 17)),
    ("a fortnight ago", dt.date(2026, 11, 7)),
    ("I had it done last Monday", dt.date(2026, 11, 16)),
    ("my treatment was on the 3rd", dt.date(2026, 11, 3)),
    ("today", SATURDAY),
    ("Dec 25th", dt.date(2025, 12, 25)),  # no year: the most recent one
])
def test_reads_common_forms(text, expected):
    reading = read_treatment_date(text, SATURDAY, "DMY", explicit=True)
    assert isinstance(reading, DateFound), reading
    assert reading.date == expected


def test_numeric_dates_follow_the_clinic_date_order():
    assert read_treatment_date("10/11", SATURDAY, "DMY", explicit=True).date == dt.date(2026, 11, 10)
    assert read_treatment_date("10/11", SATURDAY, "MDY", explicit=True).date == dt.date(2026, 10, 11)
    # ISO is unambiguous whatever the order
    assert read_treatment_date("2026-11-10", SATURDAY, "MDY", explicit=True).date == dt.date(2026, 11, 10)


@pytest.mark.parametrize("text", ["31 February", "31/02", "2026-02-30", "Feb 30th", "32/11"])
def test_impossible_dates_are_reported_not_guessed(text):
    assert isinstance(read_treatment_date(text, SATURDAY, "DMY", explicit=True), ImpossibleDate)


@pytest.mark.parametrize("text", [
    "can I wear makeup tomorrow?",
    "can I go to the gym now",
    "may I use sunscreen",
    "is it ok to exercise on Sunday",  # a plan, not the treatment date
    "what is the 24/7 number",
    "",
    "🙂🙂🙂",
    "<script>alert(1)</script>",
])
def test_questions_without_a_treatment_date(text):
    assert read_treatment_date(text, SATURDAY, "DMY", explicit=False) == NoDate()


def test_date_inside_a_question_tied_to_the_treatment():
    reading = read_treatment_date("had my laser 3 days ago, can I wear makeup?", SATURDAY, "DMY")
    assert reading.date == dt.date(2026, 11, 18)


def test_future_date_is_kept_when_the_patient_states_it():
    reading = read_treatment_date("my treatment is booked for 30 November", SATURDAY, "DMY",
                                  explicit=True)
    assert reading.date == dt.date(2026, 11, 30)


def test_long_and_messy_text_does_not_crash():
    text = ("x" * 20000) + " 3 days ago"
    assert read_treatment_date(text, SATURDAY, "DMY", explicit=True) == NoDate()
    assert read_treatment_date("had it\x00\x07 3 days ago", SATURDAY, "DMY").date == dt.date(2026, 11, 18)


def test_today_uses_the_patient_timezone_then_the_clinic_one():
    late_utc = dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.timezone.utc)
    assert today_in("Asia/Singapore", "Europe/London", late_utc) == dt.date(2026, 11, 22)
    assert today_in("America/New_York", "Europe/London", late_utc) == dt.date(2026, 11, 21)
    assert today_in("Not/AZone", "Asia/Singapore", late_utc) == dt.date(2026, 11, 22)


days_back = st.integers(min_value=0, max_value=360)
todays = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@settings(max_examples=60, deadline=None)
@given(today=todays, back=days_back)
def test_n_days_ago_is_exact_for_any_today(today, back):
    assert read_treatment_date(f"{back} days ago", today, "DMY", explicit=True).date \
        == today - dt.timedelta(days=back)


@settings(max_examples=60, deadline=None)
@given(today=todays, back=days_back, order=st.sampled_from(["DMY", "MDY"]))
def test_written_dates_round_trip_for_any_today(today, back, order):
    day = today - dt.timedelta(days=back)
    for text in (day.isoformat(), f"{day.day} {day:%B} {day.year}", f"{day:%b} {day.day}, {day.year}"):
        assert read_treatment_date(text, today, order, explicit=True).date == day, text
    numeric = f"{day.day}/{day.month}/{day.year}" if order == "DMY" else f"{day.month}/{day.day}/{day.year}"
    assert read_treatment_date(numeric, today, order, explicit=True).date == day


@settings(max_examples=40, deadline=None)
@given(today=todays, weekday=st.sampled_from(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]))
def test_last_weekday_is_within_the_past_week(today, weekday):
    reading = read_treatment_date(f"last {weekday}", today, "DMY", explicit=True)
    assert 1 <= (today - reading.date).days <= 7
    assert f"{reading.date:%A}" == weekday


@pytest.mark.parametrize("text, days_back", [
    ("it's been 4 days since my treatment", 4),
    ("been a week since my laser", 7),
    ("I'm on day 6", 6),
    ("today is day 0", 0),
])
def test_elapsed_time_and_counted_days(text, days_back):
    assert read_treatment_date(text, SATURDAY, "DMY", explicit=True).date == \
        SATURDAY - dt.timedelta(days=days_back)
