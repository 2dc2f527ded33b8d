"""Property tests for clinicbot.dates: every phrase family, for every weekday
as "today" and across month and year ends, against dates computed here with
plain datetime arithmetic (never with the module under test)."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from clinicbot.dates import DateFound, find_date_mentions, read_treatment_date

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAY = dt.timedelta(days=1)
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
# The clinic's rule for a date without a year or month (clinicbot.dates.NEAR_FUTURE_DAYS,
# PLAUSIBLE_PAST_DAYS): the past occurrence, unless the next one is a week
# away or less, or the past one is over ~six months back and the next nearer.
NEAR_FUTURE_DAYS = 7
PLAUSIBLE_PAST_DAYS = 183

# "today": any weekday of any week, plus month ends, year ends and leap days.
mondays = st.dates(min_value=dt.date(2020, 1, 6), max_value=dt.date(2035, 12, 24)).map(
    lambda d: d - d.weekday() * DAY)
boundaries = st.sampled_from([
    dt.date(y, m, d) for y in (2023, 2024, 2026, 2028) for m, d in
    ((1, 1), (1, 2), (1, 31), (2, 28), (3, 1), (3, 2), (4, 30), (5, 1), (6, 30), (7, 1),
     (11, 30), (12, 1), (12, 30), (12, 31))] + [dt.date(2024, 2, 29), dt.date(2028, 2, 29)])
todays = st.one_of(st.builds(lambda monday, wd: monday + wd * DAY, mondays,
                             st.integers(min_value=0, max_value=6)), boundaries)


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def previous_weekday(today: dt.date, weekday: int) -> dt.date:
    """The most recent such weekday strictly before today, by counting back."""
    day = today - DAY
    while day.weekday() != weekday:
        day -= DAY
    return day


# Message templates: past-tense, neutral (no tense cue) and booking (future)
# wordings, with noise that must never be read as a date: co2, prices,
# amounts, pain scores, counts.
PAST = ["I had it {p}", "had my co2 laser {p}, can I wear makeup?",
        "My 2nd session was {p} and it cost £3.50, pain is 7/10",
        "I got 1.5 ml of filler and the laser {p}, is that ok?", "treatment was {p}"]
NEUTRAL = ["{p}", "{p}!", "treatment date: {p}", "{p} (co2 laser)", "  {p}  "]
FUTURE = ["my appointment is booked for {p}", "I'm having my co2 laser {p}, it costs £350"]


def check(message: str, phrase: str, today: dt.date, expected: dt.date,
          date_order: str = "DMY") -> None:
    mentions = find_date_mentions(message, today, date_order)
    for m in mentions:
        assert message[m.start:m.end] == m.text
    found = [m for m in mentions if m.status != "impossible"]
    assert [m.text for m in found] == [phrase], (message, today, mentions)
    assert found[0].date == expected, (message, today, found[0])
    assert found[0].status == "found"
    expected_tense = "future" if expected > today else "past" if expected < today else found[0].tense
    assert found[0].tense == expected_tense
    reading = read_treatment_date(message, today, date_order, explicit=True)
    assert isinstance(reading, DateFound), reading
    assert (reading.date, reading.matched_text) == (expected, phrase)


# --- relative families ----------------------------------------------------------

@FAST
@given(today=todays, n=st.integers(min_value=0, max_value=400), template=st.sampled_from(PAST + NEUTRAL),
       form=st.sampled_from(["{n} days ago", "{n} day ago", "{n}d ago", "{n} days back"]))
def test_n_days_ago(today, n, template, form):
    phrase = form.format(n=n)
    check(template.format(p=phrase), phrase, today, today - dt.timedelta(days=n))


@FAST
@given(today=todays, n=st.integers(min_value=1, max_value=52), template=st.sampled_from(PAST + NEUTRAL),
       form=st.sampled_from(["{n} weeks ago", "{n} wks ago", "{n} week ago"]))
def test_n_weeks_ago(today, n, template, form):
    phrase = form.format(n=n)
    check(template.format(p=phrase), phrase, today, today - dt.timedelta(weeks=n))


@FAST
@given(today=todays, template=st.sampled_from(PAST + NEUTRAL),
       phrase_back=st.sampled_from([
           ("yesterday", 1), ("ystrday", 1), ("yday", 1), ("Yesterday", 1), ("last night", 1),
           ("the day before yesterday", 2), ("day before yesterday", 2),
           ("today", 0), ("this morning", 0), ("earlier today", 0), ("this afternoon", 0),
           ("tonight", 0), ("this evening", 0),
           ("a week ago", 7), ("two weeks ago", 14), ("a fortnight ago", 14),
           ("a couple of days ago", 2), ("three days ago", 3)]))
def test_day_words(today, template, phrase_back):
    phrase, back = phrase_back
    check(template.format(p=phrase), phrase, today, today - dt.timedelta(days=back))


@FAST
@given(today=todays, weekday=st.integers(min_value=0, max_value=6),
       template=st.sampled_from(PAST + NEUTRAL), form=st.sampled_from(["on {w}", "last {w}", "{w}"]),
       case=st.sampled_from([str, str.lower]))
def test_weekdays_are_the_most_recent_before_today(today, weekday, template, form, case):
    phrase = form.format(w=case(WEEKDAY_NAMES[weekday]))
    check(template.format(p=phrase), phrase, today, previous_weekday(today, weekday))


@FAST
@given(today=todays, weekday=st.integers(min_value=0, max_value=6),
       template=st.sampled_from(PAST + NEUTRAL),
       form=st.sampled_from(["a week ago {w}", "a week ago last {w}"]), case=st.sampled_from([str, str.lower]))
def test_a_week_ago_friday_is_a_week_before_the_last_one(today, weekday, template, form, case):
    phrase = form.format(w=case(WEEKDAY_NAMES[weekday]))
    check(template.format(p=phrase), phrase, today, previous_weekday(today, weekday) - 7 * DAY)


@FAST
@given(today=todays, weekday=st.integers(min_value=0, max_value=6), template=st.sampled_from(FUTURE),
       form=st.sampled_from(["{w} week", "on {w} week"]), case=st.sampled_from([str, str.lower]))
def test_saturday_week_is_a_week_after_the_coming_one(today, weekday, template, form, case):
    phrase = form.format(w=case(WEEKDAY_NAMES[weekday]))
    coming = today + DAY
    while coming.weekday() != weekday:
        coming += DAY
    check(template.format(p=phrase), phrase, today, coming + 7 * DAY)


@FAST
@given(today=todays, offset=st.integers(-PLAUSIBLE_PAST_DAYS, 364),
       template=st.sampled_from(PAST + NEUTRAL + FUTURE),
       form=st.sampled_from(["{w} {d} {m}", "{w} {m} {d}", "{w}, the {d} of {m}", "{w} {d}/{n}"]))
def test_a_weekday_beside_a_day_and_month_picks_the_year(today, offset, template, form):
    day = today + offset * DAY
    assume(not ("/" in form and (day.day, day.month) == (24, 7)))  # "24/7" is round the clock
    phrase = form.format(w=WEEKDAY_NAMES[day.weekday()], d=day.day, m=MONTH_NAMES[day.month - 1], n=day.month)
    found = [m for m in find_date_mentions(template.format(p=phrase), today) if m.status != "impossible"]
    assert found and all(m.date == day for m in found), (phrase, today, found)


@FAST
@given(today=todays, n=st.integers(min_value=0, max_value=200),
       form=st.sampled_from(["I'm on day {n}", "today is day {n}", "im on day {n}",
                             "I am on day {n}", "it's day {n}"]))
def test_counted_days(today, n, form):
    phrase = form.format(n=n)
    check(phrase + ", can I swim?", phrase, today, today - dt.timedelta(days=n))


# --- calendar families --------------------------------------------------------

# A target within the window where the nearest reading is unambiguous: for a
# message without a tense cue, from PLAUSIBLE_PAST_DAYS back up to
# NEAR_FUTURE_DAYS ahead, or further ahead while the same day a year back is
# over PLAUSIBLE_PAST_DAYS back and further away (366-day years included); up
# to today for a past-tense one; from today on for a booking.
def targets(today_strategy=todays):
    return today_strategy.flatmap(lambda today: st.tuples(
        st.just(today),
        st.one_of(
            st.tuples(st.integers(-PLAUSIBLE_PAST_DAYS, NEAR_FUTURE_DAYS), st.sampled_from(NEUTRAL)),
            st.tuples(st.integers(NEAR_FUTURE_DAYS + 1, 365 - PLAUSIBLE_PAST_DAYS - 2),
                      st.sampled_from(NEUTRAL)),
            st.tuples(st.integers(-355, 0), st.sampled_from(PAST)),
            st.tuples(st.integers(0, 355), st.sampled_from(FUTURE)),
        )))


DAY_MONTH_FORMS = [
    lambda d: f"{d.day} {MONTH_NAMES[d.month - 1]}",
    lambda d: f"{ordinal(d.day)} of {MONTH_NAMES[d.month - 1]}",
    lambda d: f"the {ordinal(d.day)} of {MONTH_NAMES[d.month - 1]}",
    lambda d: f"{d.day} {MONTH_NAMES[d.month - 1][:3]}",
    lambda d: f"{MONTH_NAMES[d.month - 1]} {d.day}",
    lambda d: f"{MONTH_NAMES[d.month - 1][:3]} {ordinal(d.day)}",
    lambda d: f"{MONTH_NAMES[d.month - 1]} the {ordinal(d.day)}",
    lambda d: f"{d.day}/{d.month}",
    lambda d: f"{d.day:02d}/{d.month:02d}",
    # "1.5." (two single digits) is only a date after a date word ("on 1.5.").
    lambda d: f"{d.day}.{d.month}." if d.day > 9 or d.month > 9 else f"{d.day:02d}.{d.month}.",
    lambda d: f"{d.day:02d}.{d.month:02d}.",
]


@FAST
@given(today=todays, offset=st.integers(-355, 0))
def test_short_dot_dates_after_a_date_word(today, offset):
    expected = today + dt.timedelta(days=offset)
    phrase = f"{expected.day}.{expected.month}."
    check(f"I was treated on {phrase} Can I swim?", phrase, today, expected)
    if offset >= -PLAUSIBLE_PAST_DAYS:
        check(f"on {phrase}", phrase, today, expected)


@FAST
@given(case=targets(), form=st.sampled_from(DAY_MONTH_FORMS))
def test_day_month_without_a_year_is_the_nearest_occurrence(case, form):
    today, (offset, template) = case
    expected = today + dt.timedelta(days=offset)
    phrase = form(expected)
    assume(phrase != "24/7")          # "24/7" is only a date after a date word ("on 24/7")
    check(template.format(p=phrase), phrase, today, expected)


@FAST
@given(case=targets())
def test_numeric_day_month_in_us_order(case):
    today, (offset, template) = case
    expected = today + dt.timedelta(days=offset)
    phrase = f"{expected.month}/{expected.day}"
    check(template.format(p=phrase), phrase, today, expected, date_order="MDY")


@FAST
@given(today=todays, offset=st.integers(-3000, 3000), template=st.sampled_from(PAST + NEUTRAL + FUTURE),
       order=st.sampled_from(["DMY", "MDY"]),
       form=st.sampled_from([
           lambda d, o: d.isoformat(),
           lambda d, o: f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}",
           lambda d, o: f"{MONTH_NAMES[d.month - 1][:3]} {d.day}, {d.year}",
           lambda d, o: f"{d.day}/{d.month}/{d.year}" if o == "DMY" else f"{d.month}/{d.day}/{d.year}",
           lambda d, o: f"{d.day}.{d.month}.{d.year}" if o == "DMY" else f"{d.month}.{d.day}.{d.year}",
           lambda d, o: f"{d.day:02d}.{d.month:02d}.{d.year}" if o == "DMY" else d.isoformat(),
       ]))
def test_dates_with_a_year_are_exact(today, offset, template, order, form):
    expected = today + dt.timedelta(days=offset)
    phrase = form(expected, order)
    check(template.format(p=phrase), phrase, today, expected, date_order=order)


@FAST
@given(today=todays, data=st.data())
def test_the_ordinal_is_the_nearest_day_of_that_number(today, data):
    # Within these windows the same day number of the next month is more than a
    # week ahead, and that of the previous month further back than the target.
    offset, templates = data.draw(st.one_of(
        st.tuples(st.integers(-20, NEAR_FUTURE_DAYS), st.just(NEUTRAL)),
        st.tuples(st.integers(-27, 0), st.just(PAST)),
        st.tuples(st.integers(0, 27), st.just(FUTURE))))
    template = data.draw(st.sampled_from(templates))
    expected = today + dt.timedelta(days=offset)
    phrase = f"the {ordinal(expected.day)}"
    check(template.format(p=phrase), phrase, today, expected)


# --- global properties ----------------------------------------------------------

NOISE = ["co2", "CO2 laser", "it cost £3.50", "1.5 ml", "pain 7/10", "my 2nd session",
         "24/7", "50/50", "I sat in the sun", "may I", "the 3rd time", "3.10 euros", "x2",
         "SPF 50", "10% acid", "1/2 of my face", "can I swim on day 3?", "rated 4.5 stars"]


@FAST
@given(parts=st.lists(st.sampled_from(NOISE), min_size=1, max_size=6), today=todays)
def test_noise_is_never_a_date(parts, today):
    assert find_date_mentions(" ".join(parts), today) == []


@FAST
@given(text=st.text(max_size=120), today=todays, order=st.sampled_from(["DMY", "MDY"]))
def test_offsets_round_trip_on_any_text(text, today, order):
    for m in find_date_mentions(text, today, order):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert (m.date is None) == (m.status != "found")
        assert m.status in ("found", "impossible", "vague")
        assert m.tense in ("past", "future", "hypothetical")


WORDS = ["ystrday", "yday", "ytd", "I\u2019m on day 3", "it's been 4 days since", "3d ago",
         "a couple of days ago", "18.11.", "10/11", "2026-11-10", "on Tuesday", "last fri",
         "the 21st", "1 Dec", "recently", "if I have it on Friday", "İ", "ß", "\x00", "\n", "🙂",
         "  ", ",", ".", "co2", "had", "will"]


@FAST
@given(parts=st.lists(st.sampled_from(WORDS), min_size=1, max_size=10), today=todays)
def test_offsets_round_trip_through_synonyms(parts, today):
    text = " ".join(parts)
    mentions = find_date_mentions(text, today)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    for before, after in zip(mentions, mentions[1:]):
        assert before.end <= after.start
    for m in mentions:
        assert text[m.start:m.end] == m.text


@pytest.mark.parametrize("weekday", range(7))
def test_every_family_for_every_weekday_as_today(weekday):
    """A deterministic sweep: each family, each weekday, across a year end."""
    for today in (dt.date(2026, 12, 28) + dt.timedelta(days=(weekday - 0) % 7 + 7 * k)
                  for k in range(-1, 2)):
        assert today.weekday() == weekday
        cases = [(f"{n} days ago", today - dt.timedelta(days=n)) for n in (0, 1, 2, 6, 7, 31)]
        cases += [(f"{n} weeks ago", today - dt.timedelta(weeks=n)) for n in (1, 2, 5)]
        cases += [("yesterday", today - DAY), ("the day before yesterday", today - 2 * DAY),
                  ("today", today), ("this morning", today), ("earlier today", today),
                  ("I'm on day 5", today - 5 * DAY)]
        for w, name in enumerate(WEEKDAY_NAMES):
            cases += [(f"on {name}", previous_weekday(today, w)),
                      (f"last {name}", previous_weekday(today, w))]
        for back in (0, 1, 6, 20, 40, 200):
            d = today - dt.timedelta(days=back)
            cases += [(f"{d.day} {MONTH_NAMES[d.month - 1]}", d),
                      (f"{MONTH_NAMES[d.month - 1]} {d.day}", d),
                      (f"{d.day}/{d.month}", d), (f"{d.day:02d}.{d.month:02d}.", d),
                      (f"{d.day}.{d.month}.", d, "on "),
                      (d.isoformat(), d)]
            if back <= 20:
                cases.append((f"the {ordinal(d.day)}", d))
        for phrase, expected, *prefix in cases:
            check(f"I had it {''.join(prefix)}{phrase}", phrase, today, expected)
