import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from clinicbot.dates import (DateFound, DateMention, ImpossibleDate, NoDate, VagueDate,
                             find_date_mentions, read_treatment_date, today_in)

SATURDAY = dt.date(2026, 11, 21)
MONDAY = dt.date(2026, 11, 23)


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
    ("Dec 25th", dt.date(2026, 12, 25)),  # no year: the nearer one (a year back is implausible)
    ("Oct 25th", dt.date(2026, 10, 25)),  # no year: the most recent one
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
    # When a symptom changed, not when the treatment was (found in the browser:
    # it re-dated a treatment the patient had given as Friday).
    "the swelling went down a lot since yesterday, when can I wear makeup?",
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


# --- Reported problems -------------------------------------------------------

@pytest.mark.parametrize("text, days_back", [
    ("I had it the day before yesterday", 2),   # was read as Day 1
    ("the day before yesterday", 2),
    ("day before ystrday", 2),
    ("had my co2 laser 2 days ago", 2),
    ("co2 done yesterday", 1),
    ("CO2 laser 3 days ago", 3),
    ("my co2 was 10 days ago", 10),
    ("I had it done this morning", 0),
    ("earlier today", 0),
    ("this afternoon", 0),
    ("tonight", 0),
    ("last night", 1),
])
def test_relative_days_on_a_monday(text, days_back):
    reading = read_treatment_date(text, MONDAY, "DMY", explicit=True)
    assert reading == DateFound(MONDAY - dt.timedelta(days=days_back), reading.matched_text), text


def test_day_before_yesterday_is_day_2_also_in_a_question():
    reading = read_treatment_date("had my laser the day before yesterday, can I wear makeup?",
                                  MONDAY, "DMY")
    assert reading.date == dt.date(2026, 11, 21)   # Saturday


@pytest.mark.parametrize("text", ["treated on 18.11.", "treated on 18.11", "18.11.2026", "18.11",
                                  "I had it 18.11.", "laser 18.11, can I swim?", "on 18.11."])
def test_dot_dates(text):
    assert read_treatment_date(text, MONDAY, "DMY", explicit=True).date == dt.date(2026, 11, 18)


@pytest.mark.parametrize("text", ["I use 1.5 ml of serum", "it cost 3.50", "it cost 3.50.",
                                  "the price is £3.10.", "I had 1.5 of the tube left", "1.5",
                                  "rated it 4.5 stars"])
def test_decimal_numbers_and_prices_are_not_dates(text):
    assert find_date_mentions(text, MONDAY) == []
    assert read_treatment_date(text, MONDAY, "DMY", explicit=True) == NoDate()


@pytest.mark.parametrize("text", ["last week", "a while ago", "a few days ago", "recently",
                                  "had it last week", "I had it recently, can I swim?",
                                  "the other day", "3 or 4 days ago", "over a week ago",
                                  "in March"])
def test_vague_times_ask_which_day(text):
    assert isinstance(read_treatment_date(text, MONDAY, "DMY", explicit=True), VagueDate), text
    mention = find_date_mentions(text, MONDAY)[0]
    assert (mention.status, mention.date) == ("vague", None)


def test_a_precise_date_beats_a_vague_one():
    assert read_treatment_date("a few days ago, on Friday I think", MONDAY, "DMY",
                               explicit=True).date == dt.date(2026, 11, 20)


# The nearest reading of a date without a year (or month): see clinicbot.dates._nearest.
@pytest.mark.parametrize("text, today, expected, tense", [
    ("on the 1st of December", dt.date(2026, 11, 30), dt.date(2026, 12, 1), "future"),
    ("1 Dec", dt.date(2026, 11, 30), dt.date(2026, 12, 1), "future"),
    ("the 21st", dt.date(2026, 11, 23), dt.date(2026, 11, 21), "past"),
    ("the 21st", dt.date(2026, 11, 17), dt.date(2026, 11, 21), "future"),   # 4 days ahead
    ("the 30th", dt.date(2026, 11, 17), dt.date(2026, 10, 30), "past"),     # 13 days ahead
    ("the 31st", dt.date(2026, 11, 23), dt.date(2026, 10, 31), "past"),     # no 31 November
    ("the 3rd", dt.date(2027, 1, 1), dt.date(2027, 1, 3), "future"),
    ("the 30th", dt.date(2027, 1, 2), dt.date(2026, 12, 30), "past"),
    ("Dec 25th", dt.date(2026, 11, 21), dt.date(2026, 12, 25), "future"),   # 34 days ahead, 331 back
    ("Dec 25th", dt.date(2026, 6, 1), dt.date(2025, 12, 25), "past"),       # 157 back, 207 ahead
    ("2 January", dt.date(2026, 12, 29), dt.date(2027, 1, 2), "future"),
    ("28 December", dt.date(2027, 1, 3), dt.date(2026, 12, 28), "past"),
    ("29 Feb", dt.date(2026, 11, 23), dt.date(2024, 2, 29), "past"),
    ("my wedding on 10 December", dt.date(2026, 11, 30), dt.date(2026, 12, 10), "future"),
    ("10 November", dt.date(2026, 11, 30), dt.date(2026, 11, 10), "past"),
    # days known by name
    ("christmas day", dt.date(2026, 11, 30), dt.date(2026, 12, 25), "future"),
    ("on Christmas Eve", dt.date(2026, 11, 30), dt.date(2026, 12, 24), "future"),
    ("ready by xmas", dt.date(2026, 11, 30), dt.date(2026, 12, 25), "future"),
    ("new year's eve", dt.date(2026, 11, 30), dt.date(2026, 12, 31), "future"),
    ("had it just before christmas", dt.date(2027, 1, 10), dt.date(2026, 12, 25), "past"),
    # a past-tense clause always takes the past occurrence
    ("I had it on the 1st of December", dt.date(2026, 11, 30), dt.date(2025, 12, 1), "past"),
    # a booking always the coming one
    ("my appointment is booked for the 10th", dt.date(2026, 11, 23), dt.date(2026, 12, 10),
     "future"),
])
def test_nearest_reading(text, today, expected, tense):
    [mention] = find_date_mentions(text, today)
    assert (mention.date, mention.tense) == (expected, tense)
    assert read_treatment_date(text, today, "DMY", explicit=True).date == expected


@pytest.mark.parametrize("text", ["my christmas party is soon", "christmas shopping", "a xmas do",
                                  "before christmas break"])
def test_christmas_as_a_name_of_something_else_is_no_date(text):
    assert find_date_mentions(text, dt.date(2026, 11, 30)) == []


def test_a_date_just_ahead_is_a_future_treatment_for_the_caller():
    # The caller (conversation.answer_for_date) answers pre-treatment for a future date.
    reading = read_treatment_date("on the 1st of December", dt.date(2026, 11, 30), "DMY",
                                  explicit=True)
    assert reading.date > dt.date(2026, 11, 30)


@pytest.mark.parametrize("text", [
    "will I be able to wear makeup at my wedding if I have it done this week?",
    "if I have it on Friday can I wear makeup on Wednesday",
    "If I get my co2 laser on the 28th will I be healed by Christmas?",
    "when I have it done on 2 December can I fly on the 5th?",
    "should I have it done next Friday?",
    "I could get a slot on wednesday, would I be ok to go to the gym by the 8th?",
    "There's a cancellation on Thursday, would I be healed for a party on Sunday?",
    "say i came in today for it, am i ok to go running on the 7th",
])
def test_what_ifs_are_not_a_treatment_date(text):
    for explicit in (True, False):
        assert read_treatment_date(text, MONDAY, "DMY", explicit=explicit) == NoDate(), text
    mentions = find_date_mentions(text, MONDAY)
    assert mentions and all(m.tense == "hypothetical" for m in mentions), mentions
    assert all(m.date is None or m.date >= MONDAY for m in mentions)


def test_what_if_next_to_a_past_treatment():
    text = "I had it on Monday and if I have another session on Friday can I swim?"
    mentions = find_date_mentions(text, dt.date(2026, 11, 25))
    assert [(m.text, m.tense) for m in mentions] == [("on Monday", "past"),
                                                     ("on Friday", "hypothetical")]
    assert read_treatment_date(text, dt.date(2026, 11, 25), "DMY").date == dt.date(2026, 11, 23)


@pytest.mark.parametrize("text, expected", [
    ("can I wear makeup tomorrow? had my laser yesterday", dt.date(2026, 11, 22)),
    ("had it done this morning, can I go out tonight?", MONDAY),
    ("Friday, can I swim?", dt.date(2026, 11, 20)),   # a question after it is no future cue
])
def test_future_plans_next_to_the_treatment_date(text, expected):
    assert read_treatment_date(text, MONDAY, "DMY", explicit=True).date == expected


@pytest.mark.parametrize("text", ["can I swim on day 3?", "my 2nd session", "the 3rd time",
                                  "pain is 7/10", "I put 1/2 of the cream", "24/7",
                                  "I sat in the sun", "it was 50/50", "may I swim",
                                  "co2 may I swim", "had co2 2 may be ok"])
def test_not_dates(text):
    assert find_date_mentions(text, MONDAY) == []


# --- find_date_mentions --------------------------------------------------------

def test_mentions_have_spans_dates_and_tenses():
    text = "Had my CO2 laser ystrday; next Friday I'm back, the 2nd session. Was it 31/02?"
    mentions = find_date_mentions(text, MONDAY)
    assert mentions == [
        DateMention(17, 24, "ystrday", dt.date(2026, 11, 22), "found", "past", "relative"),
        DateMention(26, 37, "next Friday", dt.date(2026, 11, 27), "found", "future", "relative"),
        DateMention(72, 77, "31/02", None, "impossible", "past", "calendar"),
    ]


@pytest.mark.parametrize("text", [
    "ystrday", "Ystrday morning", "had it 3d ago", "3 wks ago", "a couple of days ago",
    "it's been 4 days since my treatment", "I\u2019m on day 2", "\x00\x07had it 2 days ago",
    "İİİ yesterday", "ßß 10 November", "emoji 🙂 on Tuesday 🙂 18.11.", "a fortnight ago",
    "tmrw", "TODAY", "Monday last week", "a week ago yesterday",
])
def test_offsets_refer_to_the_original_text(text):
    mentions = find_date_mentions(text, MONDAY)
    assert mentions
    for m in mentions:
        assert text[m.start:m.end] == m.text


def test_read_treatment_date_agrees_with_the_mention():
    text = "it's been 4 days since my treatment"
    [mention] = find_date_mentions(text, SATURDAY)
    assert read_treatment_date(text, SATURDAY, explicit=True) == DateFound(mention.date, mention.text)



@pytest.mark.parametrize("text, days", [("had it dne 4 dayz ago, still red", 4), ("2 weekz ago i had the laser", 14)])
def test_a_unit_spelt_with_a_z_still_counts(text, days):
    reading = read_treatment_date(text, MONDAY)
    assert isinstance(reading, DateFound) and reading.date == MONDAY - dt.timedelta(days=days)


@pytest.mark.parametrize("text, expected, tense", [
    # an "if" with a past verb: the nearest reading, behind or ahead
    ("if the laser was 2 December could i wear make up 7 December", dt.date(2026, 12, 2), "hypothetical"),
    ("if I had it on 20 November could I swim", dt.date(2026, 11, 20), "hypothetical"),
    ("if i had it done on the 28th would i be ok", dt.date(2026, 11, 28), "hypothetical"),
    # a present what-if is always ahead
    ("if i get it done on the 28th", dt.date(2026, 12, 28), "hypothetical"),
    # "before" for "ago", after a past verb and with nothing it is before
    ("I did the laser 6 days before. Skin is red", dt.date(2026, 11, 24), "past"),
])
def test_what_ifs_said_in_the_past_and_before_for_ago(text, expected, tense):
    first = find_date_mentions(text, dt.date(2026, 11, 30))[0]
    assert (first.date, first.tense) == (expected, tense)


@pytest.mark.parametrize("text", ["I'll have it 6 days before, ok?", "have it 6 days before my wedding"])
def test_before_an_event_is_not_ago(text):
    assert all(m.tense != "past" for m in find_date_mentions(text, dt.date(2026, 11, 30)))


@pytest.mark.parametrize("text, tense", [
    ("I want to look my best for my 50th in April", "future"),
    ("had it in early November", "past"),
    ("last November", "past"),
])
def test_a_month_named_loosely_takes_the_sentences_tense(text, tense):
    [mention] = find_date_mentions(text, dt.date(2026, 11, 30))
    assert (mention.status, mention.tense) == ("vague", tense)


def test_only_the_day_right_after_a_past_what_if_is_read_by_the_nearest_reading():
    text = "if i had it done tomorrow would i be alright for the wedding on the 13th or should i wait till after"
    assert [m.date for m in find_date_mentions(text, dt.date(2026, 11, 30))] == [
        dt.date(2026, 12, 1), dt.date(2026, 12, 13)]


@pytest.mark.parametrize("weekday", range(7))
def test_after_a_day_ahead_a_weekday_without_a_tense_is_ahead(weekday):
    today = MONDAY + dt.timedelta(days=weekday)
    coming = next(today + dt.timedelta(days=n) for n in range(1, 8) if (today + dt.timedelta(days=n)).weekday() == 6)
    ahead = find_date_mentions("having the laser tmrw, its my bday on sunday can i wear foundation", today)
    assert [m.date for m in ahead] == [today + dt.timedelta(days=1), coming]
    # said before the day ahead, it keeps its own reading: the last one
    before = find_date_mentions("Sunday. can I wear makeup tomorrow?", today)
    assert before[0].date < today


def test_a_leap_day_with_its_weekday_is_the_nearest_leap_day_on_that_weekday():
    # Found by tests/unit/test_dates_properties.py: no year next to the last
    # leap day (2020) has a 29 February, so the year must come from today.
    found = find_date_mentions("I had it Thursday 29 February", dt.date(2023, 7, 3))
    assert found and all(m.date == dt.date(2024, 2, 29) for m in found)


@pytest.mark.parametrize("text", ["its been 3 days since, can i wear makeup", "since my laser on Wednesday, can I swim?"])
def test_since_the_treatment_still_dates_it(text):
    assert isinstance(read_treatment_date(text, SATURDAY, "DMY"), DateFound)
