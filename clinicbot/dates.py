"""Finds a patient's treatment date in free text.

`find_date_mentions` lists every date-like span of a message with character
offsets into the text as given, the date it means (resolved against the
patient's `today`) and whether it is said about the past, the future or a
what-if ("if I have it on Friday..."). `read_treatment_date` picks the
treatment date out of those mentions for the conversation code.

The phrases are found with regular expressions on the original text (so that
offsets stay exact); the calendar arithmetic is datetime's and dateutil's
(`relativedelta`, weekday anchors), never hand-written. An earlier version
used dateparser's `search_dates`, which gives no offsets and read some phrases
as the wrong day ("the day before yesterday" as yesterday, the "2" of "co2").

Rules worth knowing:

* Nothing is guessed. A phrase that no calendar has ("31 February", "32/11")
  is "impossible"; a loose one ("last week", "a few days ago", "recently") is
  "vague" (date None) so the bot asks which day.
* The nearest reading of a date without a year ("1st of December") or
  without a month ("the 21st"): see `_nearest`. In short, the most recent
  occurrence on or before today, unless the next occurrence is at most
  NEAR_FUTURE_DAYS ahead, or the past one is more than PLAUSIBLE_PAST_DAYS
  back and the next one is nearer (then the next one, and the mention is
  "future": "my wedding on 10 December", said in late November). A
  past-tense clause ("I had it on the 1st of December") always takes the past
  occurrence; a future or what-if clause ("booked for", "if I have it on")
  always the next one on or after today.
* Weekdays: "on Monday", "Monday" and "last Monday" mean the most recent
  Monday before today (so on a Monday, a week ago: today would be "today");
  in a future or what-if clause the next one after today. "this Monday" is
  the Monday of the current Monday-Sunday week; "Monday last week" the one
  before it.
* Tense comes from the phrase itself ("ago", "yesterday" are past; "tomorrow",
  "next Friday" future) or else from the nearest cue word before it in the
  same sentence (else a past or what-if cue after it): "had", "was" are past;
  "will", "booked", "can I" future; "if/when I have it" makes every mention
  of the sentence that is not governed by a past cue hypothetical. So does a
  past-tense "if" about a day ahead ("if my treatment was 2026-12-08", "if
  I'd had it on 9 Dec 2026"): a day ahead is never a treatment had.
* Dot dates: "18.11.2026", "18.11." and "on 18.11" are dates; "1.5", prices
  ("£3.50", "costs 3.10.") and amounts ("1.5 ml") are not. See `_dot_date_ok`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterator, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

# Long messages are cut before searching: dates come early, and a bounded
# input keeps the search time bounded.
MAX_SEARCH_CHARS = 400
# A day-month without a year, or "the 21st", said without a tense cue, is read
# as the coming occurrence when that is at most this many days ahead (an
# upcoming appointment) and otherwise as the most recent past occurrence...
NEAR_FUTURE_DAYS = 7
# ...unless that past occurrence is further back than about six months: no
# patient asks a recovery bot about a treatment that long ago, while "my
# wedding on 10 December", written in late November, is ten days ahead. Then
# the nearer of the two wins.
PLAUSIBLE_PAST_DAYS = 183

FOUND, IMPOSSIBLE, VAGUE = "found", "impossible", "vague"
PAST, FUTURE, HYPOTHETICAL = "past", "future", "hypothetical"
_NEUTRAL = "neutral"
_I = re.IGNORECASE
_APOS = "['\u2019]"


@dataclass(frozen=True)
class DateMention:
    start: int  # character offsets into the original text
    end: int
    text: str  # original_text[start:end]
    date: Optional[dt.date]  # resolved against `today`; None when impossible or vague
    status: str  # "found" | "impossible" | "vague"
    tense: str  # "past" | "future" | "hypothetical"
    kind: str = "relative"  # "counted" | "calendar" | "relative" (how it was written)


@dataclass(frozen=True)
class DateFound:
    date: dt.date
    matched_text: str


@dataclass(frozen=True)
class ImpossibleDate:
    """The patient wrote something shaped like a date that no calendar has."""

    matched_text: str


@dataclass(frozen=True)
class VagueDate:
    """The patient gave a time too loose to count days from ("last week",
    "recently"): ask which day."""

    matched_text: str


@dataclass(frozen=True)
class NoDate:
    pass


DateReading = Union[DateFound, ImpossibleDate, VagueDate, NoDate]


def today_in(timezone: str, fallback: str, now: Optional[dt.datetime] = None) -> dt.date:
    """Today's date where the patient is, falling back to the clinic's zone."""
    zone = resolve_timezone(timezone, fallback)
    moment = now or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(zone).date()


def resolve_timezone(timezone: Optional[str], fallback: str) -> ZoneInfo:
    for name in (timezone, fallback):
        if isinstance(name, str) and 0 < len(name) < 64:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
# "may" the modal verb ("2 may be ok", "co2 may I") is no month.
MAY_VERB = (
    r"(?!\s+(?:be|not|have|need|help|cause|take|get|also|still|feel|look|want|"
    r"well|just)\b)"
)
MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may" + MAY_VERB + r"|june?|july?|"
    r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    # a dot only after a short form ("Nov."): "22 November." ends a sentence
    r"(?:(?:"
    + "|".join(
        rf"(?<={short})"
        for short in ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
    )
    + r")\.)?(?![a-z])"
)
WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
# Full names and unmistakable short forms anywhere; "mon", "sat", "sun"... only
# after last/next/this ("sun" and "sat" are everyday words).
WEEKDAY_LONG = (
    r"(?P<wd>monday|tuesday|tues|wednesday|weds|thursday|thurs|friday|"
    r"saturday|sunday)"
)
WEEKDAY_ANY = (
    r"(?P<wd>monday|mon|tuesday|tues|tue|wednesday|weds|wed|thursday|thurs|thu|"
    r"friday|fri|saturday|sat|sunday|sun)\.?(?![a-z])"
)
WEEKDAY_PREFIX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
}
# A number not glued to letters or other digits: the "2" of "co2" is no number.
NUM = (
    r"(?P<n>(?<![\w.,/])\d{1,5}(?![.,]\d)|\b(?:(?:a\s+)?couple(?:\s+of)?|"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")\b)"
)
UNIT = (
    r"(?P<unit>days?|dayz|dys?|d|weeks?|weekz|wks?|wk|w|fortnights?|months?|monthz|mths?|mos?|years?|yrs?)"
    r"(?![a-z])"
)
YESTERDAY = r"(?:yesterday|yesterdy|yesteday|yestrday|ystrday|ystrdy|ystdy|yday|ytd|yest)"
TOMORROW = r"(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|tomoz)"
YEAR = r"(?:,?\s+(?P<year>\d{4}|'\d{2})(?!\d))?"
# Common spellings of "should" and "laser" in a hurry ("when shud i book the lazer").
SHOULD = r"(?:should|shud|shoud|shuld|shld)"
LASER = r"(?:laser|lazer)"


def _rx(pattern: str) -> "re.Pattern[str]":
    return re.compile(pattern, _I)


# --------------------------------------------------------------------------
# Context: sentences, tense cues, treatment cues
# --------------------------------------------------------------------------

SENTENCE_END = re.compile(r"[?!;\n]+|\.(?=\s+[A-Za-z])|\.$")
HYPOTHETICAL_CUE = _rx(
    r"\b(?:if|when|once|whenever|after|before|in case|suppose|supposing|assuming)\s+"
    r"(?:i|we)\s*(?:'m|am|'d|would|should|were|was)?\s*(?:to\s+)?"
    r"(?:have|having|get|getting|do|doing|book|go|come|decide|choose|end up)\b"
    # "if it's done Tuesday", "if its done", "if the laser gets done on the 3rd"
    rf"|\bif\s+(?:it|the\s+\w+|my\s+\w+)(?:{_APOS}s|s|\s+(?:is|was|were|gets|got|{_APOS}s))\s+"
    r"(?:done|booked)\b"
    # "if my treatment is on Friday", "if the appointment's the 9th" ("if my
    # treatment was ..." is a what-if only about a day ahead: see
    # find_date_mentions)
    rf"|\bif\s+(?:my|the)\s+(?:treatment|appointment|session|procedure|booking|{LASER}|co2)"
    rf"(?:{_APOS}s|\s+is)\b"
    # "if I get treated on the 5th", "if we got lasered Friday"
    rf"|\bif\s+(?:(?:i|we)\s+(?:am|are|got|get)|i{_APOS}?m|we{_APOS}re)\s+(?:treated|lasered|{LASER}ed)\b"
    # "if I had it on Thursday", "say I get it done 7 December", "what if I did it"
    # ("if I make the laser on 4/12": how some write it in English)
    r"|\b(?:if|say|suppose|supposing|imagine|assuming|let'?s\s+say)\s+(?:i|we)\s+"
    r"(?:had|got|did|have|get|do|book|booked|make|made|take|took)\s+(?:it|the|my|a|an|co2|"
    + LASER
    + r"|lasered|lazered|treated|this|that)\b"
    r"|\b(?:if|say|suppose|supposing|imagine|assuming)\s+(?:i|we)\s+(?:went|go|were\s+to\s+go)\s+ahead\b"
    # "say I came in today for it", "if I come in on Friday"
    r"|\b(?:if|say|suppose|supposing|imagine|assuming|let'?s\s+say)\s+(?:i|we)\s+(?:came|come|went|go)\s+in\b"
    # "thinking of having it 10 December", "planning to get it done on the 5th"
    r"|\b(?:thinking|think|thought|considering|planning|plan|hoping|wanting|want|wanted|"
    r"would\s+like|'d\s+like|like)\s+(?:of\s+|about\s+|on\s+|to\s+)?"
    r"(?:having|getting|booking|doing|have|get|book|do)\s+(?:it|the|my|a|an|co2|" + LASER + r")\b"
    # "thinking of booking Wednesday": booking needs no object
    r"|\b(?:thinking|think|considering|planning|plan|hoping|wants?|wanting|wanted|would\s+like|'d\s+like)"
    r"\s+(?:of\s+|about\s+|on\s+|to\s+)?(?:booking|book)\b"
    r"|\bhypothetical(?:ly)?\b"
    # "supposing my appointment is 9 December", "say the treatment was on the 3rd"
    rf"|\b(?:suppose|supposing|assuming|imagine|say|what\s+if)\s+(?:my|the)\s+"
    rf"(?:treatment|appointment|session|procedure|booking|{LASER}|co2)\b"
    r"|\b(?:can|could|" + SHOULD + r"|would|shall)\s+i\s+(?:have|get|book)\s+(?:it|my|the|a|an)\b"
    # "I could get a slot on Wednesday", "there's a cancellation on the 3rd":
    # a day offered, not one the patient was treated on
    r"|\b(?:a|the|your|free|next|available|any)\s+(?:slot|opening|cancellation)s?\b"
    r"|\bto\s+(?:have|get)\s+(?:it|the\s+\w+|my\s+\w+)\s+done\b"
)
FUTURE_CUE = _rx(
    r"\b(?:will|shall|going\s+to|gonna|booked|book|scheduled|planned|planning|upcoming|"
    r"coming\s+up|next|is\s+on|is\s+booked|is\s+scheduled|can\s+i|could\s+i|may\s+i|"
    + SHOULD
    + r"\s+i|would\s+i|is\s+it\s+ok(?:ay)?|am\s+i\s+(?:ok|okay|allowed|able)|"
    r"allowed\s+to|want\s+to|wanna|hoping\s+to|i\s+have\s+(?:it|my\s+\w+|an?\s+appointment))\b"
    rf"|\b(?:i{_APOS}m|im|i\s+am)\s+(?:having|getting)\b|{_APOS}ll\b"
)
PAST_CUE = _rx(
    r"\b(?:had|did|was|were|went|came|since|ago|"
    r"(?<!'ve\s)(?<!have\s)(?<!has\s)got(?!\s+to)|"
    r"(?<!be\s)(?<!being\s)(?<!get\s)(?<!getting\s)(?<!to\s)(?:treated|lasered))\b"
)
# A treatment date told about someone who is not writing and is not the one
# the writer looks after ("my friend had it 5 days ago, can she swim?"): the
# answer is for that day, and it is not this patient's date. A relative
# ("my wife had it on Tuesday") is usually someone the writer speaks for.
SOMEONE_ELSE = _rx(
    r"\b(?:my|a|our|her|his)\s+(?:friend|friends|mate|colleague|co-?worker|neighbou?r|boss|pal|"
    r"flatmate|housemate|classmate|client)\b|\b(?:someone|somebody|anyone|a\s+person)\b"
)
# ...unless the writer says they were treated too ("my friend and I both had it").
WRITER_TREATED = _rx(
    r"\b(?:i|we)\s*(?:'ve|\u2019ve|have)?\s*(?:had|got)\b|\b(?:mine|my\s+(?:treatment|laser|session|"
    r"appointment|procedure))\b|\b(?:and|&)\s+i\b|\bme\s+and\b"
)


def about_someone_else(text: str) -> bool:
    """The message tells someone else's treatment, not the writer's."""
    return bool(SOMEONE_ELSE.search(text or "")) and not WRITER_TREATED.search(text or "")


# Words that name the treatment itself, or having had it done.
TREATED_WORD = _rx(
    rf"\b(?:{LASER}(?:ed)?|co2|treatment|treated|procedure|session|resurfacing|fractional|"
    r"(?:had|got|did)\s+(?:it|this|that)|(?:it|this)\s+done|day\s+\d+|post(?:-?op)?)\b"
)
# Words that tie a date in a question to the treatment ("had it 3 days ago").
# A bare "since" does not: "the swelling went down a lot since yesterday"
# dates the swelling; "3 days since", "since my laser" still tie.
TREATMENT_CUE = _rx(
    r"\b(had|got|get|did|done|treated|treatment|(?:laser|lazer)(?:ed)?|procedure|session|"
    r"ago|(?:days?|dys?|weeks?|wks?|months?|hours?|hrs?)\s+since|since\s+(?:my|the|it|i|then)|"
    r"(?:days?|dys?|weeks?|wks?|months?)\s+post(?:-?op)?|was|were|appointment|day \d+)\b"
)


def _sentences(text: str) -> List[Tuple[int, int]]:
    spans, start = [], 0
    for end in SENTENCE_END.finditer(text):
        spans.append((start, end.end()))
        start = end.end()
    spans.append((start, len(text)))
    return spans


def _cues(text: str) -> List[Tuple[int, int, str]]:
    found = [
        (m.start(), m.end(), kind)
        for kind, pattern in ((HYPOTHETICAL, HYPOTHETICAL_CUE), (FUTURE, FUTURE_CUE), (PAST, PAST_CUE))
        for m in pattern.finditer(text)
    ]
    # A hypothetical cue contains words that are future or past cues too.
    hypothetical = [(s, e) for s, e, kind in found if kind == HYPOTHETICAL]
    return sorted(c for c in found if c[2] == HYPOTHETICAL or not any(s <= c[0] < e for s, e in hypothetical))


def _context_tense(text: str, start: int, end: int, cues: List[Tuple[int, int, str]]) -> str:
    """past / future / hypothetical / neutral, from the cue words around a span."""
    sentence = next(((s, e) for s, e in _sentences(text) if s <= start < e), (0, len(text)))
    # A cue may run into the span: "my appointment is on Wednesday" ("is on").
    local = [c for c in cues if sentence[0] <= c[0] and c[1] <= sentence[1] and (c[0] < start or c[0] >= end)]
    before = [c for c in local if c[0] < start]
    # A question after the date ("Tuesday, can I swim?") says nothing about it.
    after = [c for c in local if c[0] >= end and c[2] != FUTURE]
    governing = before[-1][2] if before else (after[0][2] if after else _NEUTRAL)
    if governing != PAST and any(kind == HYPOTHETICAL for _, _, kind in local):
        return HYPOTHETICAL
    return governing


# --------------------------------------------------------------------------
# Resolution helpers (datetime / dateutil arithmetic)
# --------------------------------------------------------------------------

Resolution = Tuple[Optional[dt.date], str]  # (date, status)
Resolver = Callable[[dt.date, str], Resolution]  # (today, context tense) -> resolution


def _found(day: dt.date) -> Resolution:
    return day, FOUND


def _shift(today: dt.date, delta: relativedelta) -> Resolution:
    try:
        return _found(today + delta)
    except (OverflowError, ValueError):
        return None, IMPOSSIBLE


def _shifted(delta: relativedelta) -> Resolver:
    """today + delta, whatever the tense."""
    return lambda today, tense: _shift(today, delta)


def _weekday(pick: Callable[[dt.date, int], dt.date], weekday: int, weeks: int = 0) -> Resolver:
    """The weekday `pick` finds from today, moved by `weeks`, whatever the tense."""
    return lambda today, tense: _found(pick(today, weekday) + relativedelta(weeks=weeks))


def _weekday_in_tense(weekday: int) -> Resolver:
    """The previous such weekday in the past tense, the next one in the future."""
    return lambda today, tense: _found(_weekday_by_tense(today, weekday, tense))


def _weekday_number(word: str) -> int:
    return WEEKDAY_PREFIX[word.lower()[:3]]


def _previous_weekday(today: dt.date, weekday: int) -> dt.date:
    """The most recent such weekday strictly before today."""
    return today + relativedelta(days=-1, weekday=WEEKDAYS[weekday](-1))


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The first such weekday strictly after today."""
    return today + relativedelta(days=+1, weekday=WEEKDAYS[weekday](+1))


def _this_week(today: dt.date, weekday: int) -> dt.date:
    """That weekday in today's Monday-Sunday week."""
    return today + relativedelta(weekday=MO(-1)) + relativedelta(days=weekday)


def _weekday_by_tense(today: dt.date, weekday: int, tense: str) -> dt.date:
    if tense in (FUTURE, HYPOTHETICAL):
        return _next_weekday(today, weekday)
    return _previous_weekday(today, weekday)


def _nearest(candidates: List[dt.date], today: dt.date, tense: str) -> Resolution:
    """The nearest plausible reading of a date written without its year (or month).

    * future / what-if clause: the first occurrence on or after today (a
      what-if said in the past, "if I had it on 20 November", is read as
      neutral: see find_date_mentions);
    * past-tense clause: the most recent occurrence on or before today;
    * otherwise: the coming occurrence if it is at most NEAR_FUTURE_DAYS ahead
      (an upcoming appointment), else the most recent occurrence on or before
      today (a past treatment), unless that is more than PLAUSIBLE_PAST_DAYS
      back and the coming one is nearer.
    """
    past = [c for c in candidates if c <= today]
    ahead = [c for c in candidates if c >= today]
    if tense in (FUTURE, HYPOTHETICAL) and ahead:
        return _found(min(ahead))
    if tense == _NEUTRAL and ahead:
        days_ahead = (min(ahead) - today).days
        days_back = (today - max(past)).days if past else None
        if (
            days_ahead <= NEAR_FUTURE_DAYS
            or days_back is None
            or (days_back > PLAUSIBLE_PAST_DAYS and days_ahead < days_back)
        ):
            return _found(min(ahead))
    if past:
        return _found(max(past))
    return _found(min(ahead)) if ahead else (None, IMPOSSIBLE)


def _safe_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year(text: Optional[str]) -> Optional[int]:
    if not text:
        return None
    text = text.lstrip("'")
    return int(text) + 2000 if len(text) == 2 else int(text)


def _day_month(day: int, month: int, year: Optional[int]) -> Resolver:
    def resolve(today: dt.date, tense: str) -> Resolution:
        if year is not None:
            found = _safe_date(year, month, day)
            return _found(found) if found else (None, IMPOSSIBLE)
        if _safe_date(2000, month, day) is None:  # 2000 is a leap year: 29/02 is fine
            return None, IMPOSSIBLE
        # 29 February may be up to four years back.
        candidates = [
            d for y in range(today.year - 4, today.year + 2) if (d := _safe_date(y, month, day)) is not None
        ]
        return _nearest(candidates, today, tense)

    return resolve


def _day_of_some_month(day: int, month_offset: Optional[int]) -> Resolver:
    """ "the 21st": that day of a nearby month ("of last month" fixes which)."""

    def resolve(today: dt.date, tense: str) -> Resolution:
        if not 1 <= day <= 31:
            return None, IMPOSSIBLE
        first = today.replace(day=1)
        offsets = [month_offset] if month_offset is not None else range(-12, 3)
        candidates = []
        for offset in offsets:
            month = first + relativedelta(months=offset)
            found = _safe_date(month.year, month.month, day)
            if found:
                candidates.append(found)
        if not candidates:
            return None, IMPOSSIBLE
        if month_offset is not None:
            return _found(candidates[0])
        return _nearest(candidates, today, tense)

    return resolve


# --------------------------------------------------------------------------
# Phrase families
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str  # counted | calendar | relative
    intrinsic: Optional[str]  # the phrase's own tense, if it has one
    resolve: Resolver


def _count(word: str) -> Optional[int]:
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    if "couple" in word:
        return 2
    return NUMBER_WORDS.get(word)


def _unit_delta(unit: str, n: int) -> relativedelta:
    unit = unit.lower()
    if unit.startswith("fortnight"):
        return relativedelta(days=14 * n)
    if unit.startswith("w"):
        return relativedelta(weeks=n)
    if unit.startswith("m"):
        return relativedelta(months=n)
    if unit.startswith("y"):
        return relativedelta(years=n)
    return relativedelta(days=n)


APPROX_VAGUE = r"(?P<q>over|more\s+than|at\s+least|less\s+than|under|almost|nearly)\s+"
AGO = _rx(
    rf"(?:{APPROX_VAGUE})?{NUM}\s*{UNIT}\s+(?:ago|back|before\s+now)"
    rf"(?:\s+(?P<extra>{YESTERDAY}|today))?\b"
)
BEEN = _rx(
    rf"\b(?:(?:it{_APOS}?s|it\s+has|it{_APOS}s)\s+been|been)\s+{NUM}\s+{UNIT}"
    rf"(?:\s+since\b)?"
)
# "3 days post laser", not "6 months post partum"
SINCE = _rx(rf"{NUM}\s*{UNIT}\s+(?:since|post(?:-?op)?(?![\s-]*(?:partum|natal|pregnancy|baby|birth)))\b")
IN_FUTURE = _rx(rf"\bin\s+{NUM}\s+{UNIT}(?:{_APOS}?\s*time)?")
FROM_NOW = _rx(rf"{NUM}\s+{UNIT}\s+from\s+now\b")
RANGE_AGO = _rx(
    r"(?<![\w.,/])\d{1,3}\s*(?:or|-|to|\u2013)\s*\d{1,3}\s*"
    r"(?:days?|weeks?|wks?)\s+(?:ago|back)\b"
)
FORTNIGHT = _rx(r"\b(?:a\s+)?fortnight\s+ago\b")
# "I did the laser 6 days before." said for "ago" (common in learners'
# English): only after a past verb and with nothing after "before" that it
# could be before ("6 days before my wedding", "6 days before, is that ok?").
BEFORE_FOR_AGO = _rx(rf"{NUM}\s*{UNIT}\s+before(?=\s*(?:[.!?;]|$|and\b|but\b|so\b|now\b))")


def _amount_spans(text: str) -> Iterator[_Span]:
    for m in AGO.finditer(text):
        n = _count(m.group("n"))
        if n is None:
            continue
        if m.group("q"):
            yield _Span(m.start(), m.end(), "relative", PAST, lambda t, c: (None, VAGUE))
            continue
        delta = -_unit_delta(m.group("unit"), n)
        if m.group("extra") and m.group("extra").lower() != "today":
            delta -= relativedelta(days=1)  # "a week ago yesterday"
        yield _Span(m.start(), m.end(), "relative", PAST, _shifted(delta))
    for pattern in (BEEN, SINCE):
        for m in pattern.finditer(text):
            n = _count(m.group("n"))
            if n is None:
                continue
            if pattern is BEEN and not re.search(r"since$|^it", m.group(0), _I):
                continue
            yield _Span(m.start(), m.end(), "relative", PAST, _shifted(-_unit_delta(m.group("unit"), n)))
    for m in [*IN_FUTURE.finditer(text), *FROM_NOW.finditer(text)]:
        n = _count(m.group("n"))
        if n is not None:
            yield _Span(m.start(), m.end(), "relative", FUTURE, _shifted(_unit_delta(m.group("unit"), n)))
    for m in RANGE_AGO.finditer(text):
        yield _Span(m.start(), m.end(), "relative", PAST, lambda t, c: (None, VAGUE))
    for m in FORTNIGHT.finditer(text):
        yield _Span(m.start(), m.end(), "relative", PAST, _shifted(relativedelta(days=-14)))
    for m in BEFORE_FOR_AGO.finditer(text):
        n = _count(m.group("n"))
        sentence_start = _sentence_of(text, m.start())[0]
        if n is not None and PAST_CUE.search(text, sentence_start, m.start()):
            yield _Span(m.start(), m.end(), "relative", PAST, _shifted(-_unit_delta(m.group("unit"), n)))


DAY_WORDS = (
    (_rx(rf"\b(?:the\s+)?day\s+before\s+{YESTERDAY}\b|\bthe\s+night\s+before\s+last\b"), -2, PAST),
    (_rx(rf"\b(?:the\s+)?day\s+after\s+{TOMORROW}\b"), 2, FUTURE),
    (_rx(rf"\b{YESTERDAY}(?:\s+(?:morning|afternoon|evening|night))?\b|\blast\s+night\b"), -1, PAST),
    (_rx(rf"\b{TOMORROW}(?:\s+(?:morning|afternoon|evening|night))?\b"), 1, FUTURE),
    (
        _rx(
            r"\b(?:earlier\s+(?:on\s+)?today|today(?:\s+(?:morning|afternoon|evening))?|"
            r"this\s+(?:morning|afternoon|evening)|tonight|earlier\s+this\s+(?:morning|afternoon)|"
            r"this\s+am|this\s+pm)\b"
        ),
        0,
        None,
    ),
    # "just got home from my co2 appointment": today
    (
        _rx(
            r"\b(?:just\s+(?:got|gotten|come|came|back|home)|on\s+my\s+way)\s+(?:(?:home|back)\s+)?"
            r"from\s+(?:my|the)\s+(?:[\w-]+\s+){0,2}?(?:appointment|treatment|laser|session|clinic|"
            r"procedure)\b"
        ),
        0,
        PAST,
    ),
)


# "this time last week" (7 days ago); "a week today/yesterday/tomorrow": a week
# before that day, or after it in a future clause ("my appointment is a week today").
THIS_TIME_LAST = _rx(r"\bthis\s+time\s+last\s+week\b")
A_WEEK_FROM_DAY = _rx(rf"\ba\s+week\s+(?:(?P<today>today)|(?P<yesterday>{YESTERDAY})|{TOMORROW})\b")


def _week_from_day(offset: int) -> Resolver:
    def resolve(today: dt.date, tense: str) -> Resolution:
        return _shift(today, relativedelta(days=offset + (7 if tense == FUTURE else -7)))

    return resolve


def _day_word_spans(text: str) -> Iterator[_Span]:
    for pattern, days, tense in DAY_WORDS:
        for m in pattern.finditer(text):
            intrinsic = tense
            if days == 0 and m.group(0).lower().startswith("earlier"):
                intrinsic = PAST
            yield _Span(m.start(), m.end(), "relative", intrinsic, _shifted(relativedelta(days=days)))
    for m in THIS_TIME_LAST.finditer(text):
        yield _Span(m.start(), m.end(), "relative", PAST, _shifted(relativedelta(days=-7)))
    for m in A_WEEK_FROM_DAY.finditer(text):
        offset = 0 if m.group("today") else (-1 if m.group("yesterday") else 1)
        yield _Span(m.start(), m.end(), "relative", None, _week_from_day(offset))


COUNTED = _rx(
    rf"\b(?:(?:i{_APOS}?m|im|i\s+am|today\s+is|today{_APOS}s|it{_APOS}?s|its|"
    rf"now|currently|i{_APOS}?m\s+now|i\s+am\s+now)\s+(?:on\s+)?day\s+(?P<n>\d{{1,3}})\b"
    rf"|\b(?:on\s+)?day\s+(?P<n2>\d{{1,3}})\s+(?:today|now)\b)"
)


def _counted_spans(text: str) -> Iterator[_Span]:
    # "I'm on day 4": the patient counts the days for us (day 0 = treatment day).
    for m in COUNTED.finditer(text):
        n = int(m.group("n") or m.group("n2"))
        yield _Span(m.start(), m.end(), "counted", PAST, _shifted(relativedelta(days=-n)))


LAST_WEEKDAY = _rx(rf"\blast\s+{WEEKDAY_ANY}")
NEXT_WEEKDAY = _rx(rf"\bnext\s+{WEEKDAY_ANY}")
THIS_WEEKDAY = _rx(rf"\bthis\s+(?:(?:coming|past)\s+)?{WEEKDAY_ANY}")
WEEKDAY_OF_WEEK = _rx(
    rf"\b(?:on\s+)?{WEEKDAY_ANY}\s+(?:of\s+)?(?P<which>last|this|next)\s+week\b"
    rf"|\b(?P<which2>last|this|next)\s+week\s+(?:on\s+)?" + WEEKDAY_ANY.replace("(?P<wd>", "(?P<wd2>")
)
A_WEEK_LAST = _rx(rf"\ba\s+week\s+(?:last|on|before\s+last)\s+{WEEKDAY_ANY}")
BEFORE_LAST = _rx(rf"\b(?:the\s+)?{WEEKDAY_ANY}\s+before\s+last\b")
# British "Saturday week": a week after the coming Saturday.
WEEKDAY_WEEK = _rx(rf"\b(?:on\s+)?{WEEKDAY_LONG}\s+week\b(?!\s+(?:ago|before|earlier))")
# American "a week ago Friday": a week before the last Friday.
A_WEEK_AGO_WEEKDAY = _rx(rf"\ba\s+week\s+ago\s+(?:last\s+|this\s+(?:past\s+)?)?{WEEKDAY_ANY}")
ON_WEEKDAY = _rx(
    rf"\b(?:on\s+|since\s+)?{WEEKDAY_LONG}(?![a-z])"
    r"|\b(?:on|since)\s+(?P<wd2>mon|tue|wed|thu|fri)\.?(?![a-z])"
)


def _weekday_spans(text: str) -> Iterator[_Span]:
    for m in LAST_WEEKDAY.finditer(text):
        wd = _weekday_number(m.group("wd"))
        yield _Span(m.start(), m.end(), "relative", PAST, _weekday(_previous_weekday, wd))
    for m in NEXT_WEEKDAY.finditer(text):
        wd = _weekday_number(m.group("wd"))
        yield _Span(m.start(), m.end(), "relative", FUTURE, _weekday(_next_weekday, wd))
    for m in THIS_WEEKDAY.finditer(text):
        wd = _weekday_number(m.group("wd"))
        word = m.group(0).lower()
        intrinsic = FUTURE if "coming" in word else PAST if "past" in word else None

        def this(t: dt.date, c: str, wd: int = wd, intrinsic: Optional[str] = intrinsic):
            day = _this_week(t, wd)
            tense = intrinsic or c
            if tense == PAST and day > t:
                day -= dt.timedelta(days=7)
            elif tense in (FUTURE, HYPOTHETICAL) and day < t:
                day += dt.timedelta(days=7)
            return _found(day)

        yield _Span(m.start(), m.end(), "relative", intrinsic, this)
    for m in WEEKDAY_OF_WEEK.finditer(text):
        wd = _weekday_number(m.group("wd") or m.group("wd2"))
        which = (m.group("which") or m.group("which2")).lower()
        weeks = {"last": -1, "this": 0, "next": 1}[which]
        intrinsic = {"last": PAST, "next": FUTURE}.get(which)
        yield _Span(m.start(), m.end(), "relative", intrinsic, _weekday(_this_week, wd, weeks))
    for pattern in (A_WEEK_LAST, BEFORE_LAST):
        for m in pattern.finditer(text):
            wd = _weekday_number(m.group("wd"))
            if pattern is A_WEEK_LAST and re.search(r"\bon\s", m.group(0), _I):
                yield _Span(
                    m.start(),
                    m.end(),
                    "relative",
                    FUTURE,  # "a week on Friday"
                    _weekday(_next_weekday, wd, weeks=1),
                )
                continue
            yield _Span(m.start(), m.end(), "relative", PAST, _weekday(_previous_weekday, wd, weeks=-1))
    for m in WEEKDAY_WEEK.finditer(text):
        wd = _weekday_number(m.group("wd"))
        yield _Span(m.start(), m.end(), "relative", FUTURE, _weekday(_next_weekday, wd, weeks=1))
    for m in A_WEEK_AGO_WEEKDAY.finditer(text):
        wd = _weekday_number(m.group("wd"))
        yield _Span(m.start(), m.end(), "relative", PAST, _weekday(_previous_weekday, wd, weeks=-1))
    for m in ON_WEEKDAY.finditer(text):
        wd = _weekday_number(m.group("wd") or m.group("wd2"))
        intrinsic = PAST if m.group(0).lower().startswith("since") else None
        yield _Span(m.start(), m.end(), "relative", intrinsic, _weekday_in_tense(wd))


ISO_DATE = _rx(r"(?<![\w/.,-])(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})(?![\w/-]|[.,]\d)")
SLASH_DATE = _rx(
    r"(?<![\w/.,:-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?"
    r"(?![\w/]|[.,:]\d)"
)
DOT_DATE = _rx(
    r"(?<![\w/.,:-])(?P<a>\d{1,2})\.(?P<b>\d{1,2})"
    r"(?:\.(?P<y>\d{4}|\d{2})(?![\w.]|[.,]\d)|(?P<dot>\.)(?![\w.])|(?![\w./]|,\d))"
)
WORD_DAY = r"(?<![\w.,/:£$€])(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
DAY_MONTH = _rx(rf"(?:\bthe\s+)?{WORD_DAY}\s+(?:of\s+)?{MONTH}{YEAR}")
MONTH_DAY = _rx(rf"\b{MONTH}\s+(?:the\s+)?{WORD_DAY}(?![\d:]|\s*(?:am|pm|h)\b)(?![a-z]){YEAR}")
THE_ORDINAL = _rx(
    r"\b(?P<prep>(?:on|since|from|was|of|until)\s+)?(?:the\s+)?"
    r"(?P<day>\d{1,2})(?P<suffix>st|nd|rd|th)\b"
    r"(?:\s+of\s+(?P<which>last|this|next)\s+month)?"
)
ON_BARE_DAY = _rx(r"\b(?:on|since)\s+the\s+(?P<day>\d{1,2})(?![\w.,:/])")
# Nouns after an ordinal that make it a count, not a date ("my 3rd session").
ORDINAL_NOUN = _rx(
    r"\s*(?:time|times|session|sessions|treatment|treatments|day|days|week|weeks|"
    r"month|months|one|ones|round|rounds|visit|visits|appointment|appointments|"
    r"go|try|attempt|pass|passes|layer|layers|coat|dose|floor|place|year|laser|"
    r"peel|course|child|baby|birthday|anniversary|hour|hours|minute|minutes|"
    r"and\s+\d|or\s+\d|,\s*\d|-)\b"
)
PRICE_BEFORE = _rx(
    r"(?:[£$€¥]\s*|\b(?:price|prices|cost|costs|costing|paid|pay|paying|"
    r"charge|charged|fee|fees|spent|spend|usd|eur|gbp)\b[^.?!\d]{0,20})$"
)
UNIT_AFTER = _rx(
    r"^\s*(?:%|€|£|\$|percent|per\s*cent|mg|ml|mls|g|kg|j|cm|cm2|mm|nm|x|times|"
    r"hours?|hrs?|h|mins?|minutes?|weeks?|days?|months?|years?|units?|iu|"
    r"sessions?|eur|euros?|usd|dollars?|pounds?|gbp|quid|k|stars?|points?|of|"
    r"a|an|the)\b"
)
RATING_BEFORE = _rx(
    r"\b(?:pain|rate|rated|rating|score|scored|scale|level|hurts?|sore|itch\w*|"
    r"burn\w*|sting\w*|out\s+of)\b[^.?!]{0,25}$"
)
DATE_PREP_BEFORE = _rx(
    r"\b(?:on|since|from|dated?|date\s*:?|of|was|treated|done|lasered|"
    r"until|till|by)\s*$"
)


def _numeric_day_month(a: int, b: int, date_order: str) -> Tuple[int, int]:
    return (a, b) if date_order.upper().startswith("D") else (b, a)


def _calendar_spans(text: str, date_order: str) -> Iterator[_Span]:
    for m in ISO_DATE.finditer(text):
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        yield _Span(m.start(), m.end(), "calendar", None, _day_month(d, mo, y))
    for m in SLASH_DATE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        before, after = text[: m.start()], text[m.end() :]
        if m.group("y") is None:
            if m.group(0) == "24/7" and not DATE_PREP_BEFORE.search(before):
                continue  # "24/7", unless "on 24/7"
            if max(a, b) > 31 and min(a, b) > 12:
                continue  # "50/50", "70/30"
            if UNIT_AFTER.search(after) or PRICE_BEFORE.search(before):
                continue  # "1/2 of", "3/4 a day", "$1/2"
            if RATING_BEFORE.search(before) and not DATE_PREP_BEFORE.search(before):
                continue  # "pain 7/10"
        day, month = _numeric_day_month(a, b, date_order)
        yield _Span(m.start(), m.end(), "calendar", None, _day_month(day, month, _year(m.group("y"))))
    for m in DOT_DATE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        day, month = _numeric_day_month(a, b, date_order)
        if m.group("y") is None and not _dot_date_ok(text, m, day, month):
            continue
        yield _Span(m.start(), m.end(), "calendar", None, _day_month(day, month, _year(m.group("y"))))
    for pattern in (DAY_MONTH, MONTH_DAY):
        for m in pattern.finditer(text):
            month = MONTHS[m.group("month").lower().rstrip(".")]
            yield _Span(
                m.start(),
                m.end(),
                "calendar",
                None,
                _day_month(int(m.group("day")), month, _year(m.group("year"))),
            )


def _dot_date_ok(text: str, m: "re.Match[str]", day: int, month: int) -> bool:
    """Is a year-less "18.11" / "18.11." a date rather than a number?

    It must be a real day and month (a year-less dot form is never reported as
    impossible: "3.50" is a price), not sit among prices or units, and either
    follow a date word ("on 18.11", "since 1.5") or look like one: a trailing
    dot, a treatment word in the sentence or nothing else in the message, and
    not two single digits ("1.5.").
    """
    if _safe_date(2000, month, day) is None:
        return False
    before, after = text[: m.start()], text[m.end() :]
    if PRICE_BEFORE.search(before) or UNIT_AFTER.search(after) or RATING_BEFORE.search(before):
        return False
    if DATE_PREP_BEFORE.search(before):
        return True
    if len(m.group("a")) == 1 and len(m.group("b")) == 1:
        return False
    if not (text[: m.start()].strip() or text[m.end() :].strip(" .!?")):
        return True  # the whole message: "18.11"
    sentence = next((text[s:e] for s, e in _sentences(text) if s <= m.start() < e), text)
    return bool(m.group("dot")) or bool(TREATMENT_CUE.search(sentence))


def _ordinal_spans(text: str) -> Iterator[_Span]:
    for m in THE_ORDINAL.finditer(text):
        has_the = "the" in m.group(0).lower().split()
        if not (has_the or m.group("prep")):
            continue  # "3rd" alone: "my 3rd"
        if ORDINAL_NOUN.match(text, m.end()):
            continue  # "the 2nd session"
        which = m.group("which")
        offset = {"last": -1, "this": 0, "next": 1}[which.lower()] if which else None
        start = m.start("prep") + len(m.group("prep")) if m.group("prep") else m.start()
        yield _Span(start, m.end(), "relative", None, _day_of_some_month(int(m.group("day")), offset))
    for m in ON_BARE_DAY.finditer(text):
        if ORDINAL_NOUN.match(text, m.end()):
            continue
        start = m.start() + m.group(0).lower().index("the")
        yield _Span(start, m.end(), "relative", None, _day_of_some_month(int(m.group("day")), None))


# Days known by name: a calendar fact, not a guess ("Christmas Eve" is 24
# December everywhere). Bare "Christmas" is the day only after a word that
# makes it a deadline ("by Christmas", "before xmas"); "Christmas party",
# "Christmas shopping" are some other day.
NAMED_DAYS = (
    (_rx(r"\b(?:christmas|xmas|x-mas|chrismas|crimbo)\s+eve\b"), 24, 12),
    (_rx(r"\b(?:christmas|xmas|x-mas|chrismas|crimbo)\s+day\b"), 25, 12),
    (
        _rx(
            r"\b(?:by|before|for|at|over|until|till|til|on|around|after)\s+"
            r"(?P<named>christmas|xmas|x-mas|chrismas|crimbo)\b"
            r"(?!\s*(?:eve|day|party|parties|do|dos|dinner|lunch|drinks|market|markets|fair|"
            r"shopping|jumper|break|hol|hols|holidays?|period|week|time|cards?|lights|tree|"
            r"presents?|gifts?|songs?|film|movie|rush|season|night|morning)\b)"
        ),
        25,
        12,
    ),
    (_rx(r"\bboxing\s+day\b"), 26, 12),
    (_rx(rf"\bnew\s+year{_APOS}?s?\s+eve\b|\bnye\b|\bhogmanay\b"), 31, 12),
    (_rx(rf"\bnew\s+year{_APOS}?s?\s+day\b"), 1, 1),
    (_rx(rf"\b(?:st\.?\s+)?valentine{_APOS}?s?\s+day\b"), 14, 2),
    (_rx(r"\bhalloween\b"), 31, 10),
    (_rx(r"\bbonfire\s+night\b"), 5, 11),
)


def _named_day_spans(text: str) -> Iterator[_Span]:
    for pattern, day, month in NAMED_DAYS:
        for m in pattern.finditer(text):
            start = m.start("named") if "named" in pattern.groupindex else m.start()
            yield _Span(start, m.end(), "calendar", None, _day_month(day, month, None))


VAGUE_PHRASES = _rx(
    r"\b(?:(?:(?:the|a)\s+)?(?:last|past|previous)\s+(?:week|month|year)|"
    r"the\s+week\s+before\s+last|earlier\s+(?:this|in\s+the)\s+(?:week|month)|"
    r"(?:earlier\s+)?this\s+(?:week|month|year)|next\s+(?:week|month|year)|"
    r"(?:a\s+)?(?:little\s+)?while\s+(?:ago|back)|(?:some|a\s+long)\s+time\s+(?:ago|back)|"
    r"not\s+(?:that\s+|so\s+)?long\s+ago|"
    r"(?:a\s+)?(?:few|several|some|couple)\s+(?:of\s+)?(?:days|weeks|months|years)\s+(?:ago|back)|"
    r"(?:quite\s+)?recently|lately|the\s+other\s+(?:day|week)|"
    r"(?:at|over|on)\s+the\s+weekend|last\s+weekend|"
    r"(?:in|during|early|mid|late|end\s+of|beginning\s+of|start\s+of|last)\s+"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december))\b"
)


MONTH_NAME = _rx(r"\b(?:" + "|".join(calendar.month_name[1:]) + r")\b")


def _vague_spans(text: str) -> Iterator[_Span]:
    for m in VAGUE_PHRASES.finditer(text):
        word = m.group(0).lower()
        intrinsic = FUTURE if word.startswith("next") else (None if word.startswith("this") else PAST)
        if MONTH_NAME.search(word) and not word.startswith("last"):
            # "in April", "end of March": behind or ahead, as the sentence says
            intrinsic = None
        yield _Span(m.start(), m.end(), "relative", intrinsic, lambda t, c: (None, VAGUE))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Same length as the input, so offsets stay valid: control characters
    become spaces one for one."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text[:MAX_SEARCH_CHARS])


def _all_spans(text: str, date_order: str) -> List[_Span]:
    spans = [
        *_counted_spans(text),
        *_calendar_spans(text, date_order),
        *_named_day_spans(text),
        *_amount_spans(text),
        *_day_word_spans(text),
        *_weekday_spans(text),
        *_ordinal_spans(text),
        *_vague_spans(text),
    ]
    # Longest first, then keep the ones that do not overlap a longer one.
    order = {"counted": 0, "calendar": 1, "relative": 2}
    chosen: List[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), order[s.kind], s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _tense(span: _Span, context: str, day: Optional[dt.date], today: dt.date) -> str:
    if span.intrinsic == PAST:
        return PAST
    if context == HYPOTHETICAL:
        return HYPOTHETICAL
    if span.intrinsic == FUTURE:
        return FUTURE
    if day is not None and day != today:
        return FUTURE if day > today else PAST
    return context if context in (PAST, FUTURE) else PAST


def find_date_mentions(text: str, today: dt.date, date_order: str = "DMY") -> List[DateMention]:
    """Every date-like span in text, in order.

    Offsets refer to `text` as given. Only the first MAX_SEARCH_CHARS
    characters are searched.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    original = text
    text = _clean(text)
    cues = _cues(text)
    mentions = []
    what_if_from = len(text)
    spans = list(_all_spans(text, date_order))
    ahead_from = min((span.start for span in spans if span.intrinsic == FUTURE), default=len(text))
    for span in spans:
        context = _context_tense(text, span.start, span.end, cues)
        if (
            context == _NEUTRAL
            and span.intrinsic is None
            and span.start > ahead_from
            and NAMES_A_WEEKDAY.search(text, span.start, span.end)
        ):
            # "having the laser tmrw, its my bday on sunday": after a day
            # ahead, a weekday said without a tense is ahead too.
            context = FUTURE
        resolve_as = span.intrinsic if span.intrinsic else context
        conditional = _conditional_before(text, span.start)
        if (resolve_as == PAST and conditional) or (
            resolve_as == HYPOTHETICAL
            and _past_what_if_before(text, span.start)
            and not NAMES_A_WEEKDAY.search(text, span.start, span.end)
        ):
            # "if the laser was 2 December", "if I had it on 20 November":
            # said in the past after an "if", the day may be behind or ahead;
            # the nearest reading decides.
            resolve_as = _NEUTRAL
        day, status = span.resolve(today, resolve_as)
        tense = _tense(span, context, day, today)
        if context == PAST and tense == FUTURE and conditional:
            # "if I'd had it on 2026-12-03", "if my treatment was 2026-12-08":
            # said in the past about a day ahead, after an "if", is a what-if;
            # and so is every day ahead after it in the sentence ("... could
            # I wear makeup on 2026-12-09?").
            what_if_from = min(what_if_from, span.start)
        if tense == FUTURE and _same_sentence(text, what_if_from, span.start):
            tense = HYPOTHETICAL
        elif tense == PAST and _counterfactual_before(text, span.start):
            # "what if I'd had it on 20 November instead?": a day that was
            # not the treatment day.
            tense = HYPOTHETICAL
        mentions.append(
            DateMention(
                span.start,
                span.end,
                original[span.start : span.end],
                day,
                status,
                tense,
                span.kind,
            )
        )
    return _weekdays_agree(text, mentions, today)


# A weekday written right before a day and month ("tues 1/12", "Tuesday
# December 1st"), with at most these characters between them.
WEEKDAY_RIGHT_BEFORE = _rx(WEEKDAY_ANY + r"[\s,]*(?:the\s+)?$")
WRITTEN_YEAR = _rx(r"\b(?:19|20)\d{2}\b|\d[/.]\d{1,2}[/.]\d{2}\b")


def _valid_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _weekdays_agree(text: str, mentions: List[DateMention], today: dt.date) -> List[DateMention]:
    """A day and month with its weekday is the nearest such date that falls
    on that weekday: "got my co2 on tues 1/12" is 1 December 2026 (a
    Tuesday), not 1 December 2025. Both mentions then name that day."""
    result = list(mentions)
    for index, dated in enumerate(result):
        if dated.kind != "calendar" or dated.date is None or WRITTEN_YEAR.search(dated.text):
            continue
        named = WEEKDAY_RIGHT_BEFORE.search(text, max(0, dated.start - 16), dated.start)
        if named is None:
            continue
        wanted = _weekday_number(named.group("wd"))
        # The same day and month in the years around it and around today:
        # "Thursday 29 February" said in July 2023 is 29 February 2024, a
        # leap day that no year next to the last one (2020) has.
        years = {dated.date.year + shift for shift in (-1, 0, 1)} | {
            today.year + shift for shift in (-1, 0, 1)
        }
        candidates = [
            day for day in (_valid_date(year, dated.date.month, dated.date.day) for year in years) if day
        ]
        matching = [day for day in candidates if day.weekday() == wanted]
        if not matching:
            continue
        day = min(matching, key=lambda d: abs((d - today).days))
        if (today - day).days > PLAUSIBLE_PAST_DAYS:
            continue  # a weekday written wrong does not move a day ahead to a year ago
        tense = PAST if day < today else FUTURE if day > today else dated.tense
        if dated.tense == HYPOTHETICAL:
            tense = HYPOTHETICAL
        result[index] = replace(dated, date=day, tense=tense)
        if index > 0 and result[index - 1].end > named.start() and result[index - 1].start <= named.start():
            result[index - 1] = replace(result[index - 1], date=day, tense=tense, status="found")
    return result


CONDITIONAL = _rx(r"\b(?:if|suppose|supposing|assuming|imagine|say)\b")


def _sentence_of(text: str, position: int) -> Tuple[int, int]:
    return next(((s, e) for s, e in _sentences(text) if s <= position < e), (0, len(text)))


def _conditional_before(text: str, start: int) -> bool:
    return bool(CONDITIONAL.search(text, _sentence_of(text, start)[0], start))


# Said of a past that did not happen: "if I'd had it", "say id had the
# laser", "hypothetically, if I had it on the 10th".
COUNTERFACTUAL = _rx(
    r"\b(?:what\s+if|if|say|suppose|supposing|imagine|assuming)\s+(?:i|we)\s*(?:'|\u2019)?d\s+had\b"
    r"|\b(?:if|say|suppose|supposing|imagine|assuming)\s+(?:i|we)\s+had\s+had\b"
    r"|\bhypothetical(?:ly)?\b"
)


# "if I got it done Friday, can I go to the gym on Tuesday?" plans ahead.
NAMES_A_WEEKDAY = _rx(WEEKDAY_ANY)
PAST_WHAT_IF = _rx(r"\b(?:if|say|suppose|supposing|assuming|imagine)\s+(?:i|we)\s+(?:had|was|were|did|got)\b")


# Only the day right after the what-if ("if I had it done on the 28th"), not
# a later one ("if I had it done tomorrow, would I be ok for the wedding on
# the 13th").
PAST_WHAT_IF_REACH = 4


def _past_what_if_before(text: str, start: int) -> bool:
    cues = list(PAST_WHAT_IF.finditer(text, _sentence_of(text, start)[0], start))
    return bool(cues) and len(text[cues[-1].end() : start].split()) <= PAST_WHAT_IF_REACH


def _counterfactual_before(text: str, start: int) -> bool:
    return bool(COUNTERFACTUAL.search(text, _sentence_of(text, start)[0], start))


def what_if_treated_on(text: str, today: dt.date, date_order: str = "DMY") -> Optional[dt.date]:
    """A past day asked about as if treated on it ("say I'd had it a week
    ago, would I still be red?"): answered for that day, never stored."""
    return next(
        (
            m.date
            for m in find_date_mentions(text, today, date_order)
            if m.tense == HYPOTHETICAL and m.status == FOUND and m.date is not None and m.date <= today
        ),
        None,
    )


def _same_sentence(text: str, earlier: int, later: int) -> bool:
    return earlier <= later and _sentence_of(text, earlier) == _sentence_of(text, later)


def read_treatment_date(
    text: str, today: dt.date, date_order: str = "DMY", explicit: bool = False
) -> DateReading:
    """Reads the treatment date from `text`.

    `explicit` says the patient's message is about their treatment date (the
    classifier chose share_treatment_date). Without it, a date is only taken
    when the message ties it to the treatment, so "can I wear makeup
    tomorrow?" is not read as a treatment date; and a future date then only
    when written as a calendar date ("booked for 30 November").

    What-ifs ("if I have it on Friday...") are never a treatment date. Of
    the rest, a day counted by the patient ("I'm on day 4") comes first, then
    a calendar date, then other phrases; a past or present date before a
    future one; an earlier mention before a later one. "Impossible" counts as
    a reading; "vague" only when nothing better is there.
    """
    mentions = [m for m in find_date_mentions(text, today, date_order) if m.tense != HYPOTHETICAL]
    tied = explicit or bool(TREATMENT_CUE.search(_clean(text)))

    def usable(m: DateMention) -> bool:
        if not tied:
            return m.kind == "calendar" and (m.date is None or m.date <= today)
        if not explicit and m.date is not None and m.date > today:
            return m.kind == "calendar"
        return True

    rank = {"counted": 0, "calendar": 1, "relative": 2}
    readings = sorted(
        (m for m in mentions if m.status != VAGUE and usable(m)),
        key=lambda m: (m.tense == FUTURE, rank[m.kind], m.start),
    )
    if readings:
        best = readings[0]
        if best.status == FOUND and best.date is not None:
            return DateFound(best.date, best.text)
        return ImpossibleDate(best.text)
    vague = [m for m in mentions if m.status == VAGUE and tied]
    return VagueDate(vague[0].text) if vague else NoDate()


def own_treatment_date(text: str, today: dt.date, date_order: str = "DMY") -> Optional[DateFound]:
    """The writer's own treatment date, on or before today, if `text` tells
    it ("had co2 on 27 Nov and now I've got a temperature"): not a what-if,
    not someone else's."""
    reading = read_treatment_date(text, today, date_order, explicit=False)
    if not isinstance(reading, DateFound) or reading.date > today or about_someone_else(text):
        return None
    # Said as had, of the treatment ("had co2 on 27 Nov", "3 days ago I had
    # my laser"), not a day named for something else ("got a funeral on 11
    # December") or a condition ("if I'm treated on 3/12").
    at = text.find(reading.matched_text)
    sentence_start, sentence_end = _sentence_of(text, max(at, 0))
    told = text[sentence_start : at + len(reading.matched_text)] if at >= 0 else text
    sentence = text[sentence_start:sentence_end] if at >= 0 else text
    said_of_the_treatment = (PAST_CUE.search(told) and TREATED_WORD.search(told)) or (
        PAST_CUE.search(reading.matched_text) and TREATED_WORD.search(sentence)
    )
    if not said_of_the_treatment or CONDITIONAL.search(told):
        return None
    return reading
