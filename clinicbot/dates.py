"""Finds a patient's treatment date in free text.

Parsing is dateparser's job. This module only decides *which* part of a
message is the treatment date and guards against dateparser's known traps:
ISO dates read in the clinic's day/month order, impossible dates such as
"31 February" that dateparser silently shortens to "February", and everyday
words ("now", "may", "tomorrow") that are not a treatment date.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from dateparser.search import search_dates

# Long messages are cut before searching: dates come early, and dateparser's
# search time grows with the text.
MAX_SEARCH_CHARS = 400

MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
         r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?:,?\s+(?:\d{4}|'\d{2}))?"
ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?(?![\d/])")
DAY_MONTH = re.compile(rf"\b{DAY}\s+(?:of\s+)?{MONTH}{YEAR}(?![a-z])", re.IGNORECASE)
MONTH_DAY = re.compile(rf"\b{MONTH}\s+(?:the\s+)?{DAY}{YEAR}(?![a-z])", re.IGNORECASE)
BARE_MONTH = re.compile(rf"(?:in\s+)?{MONTH}(?:\s+\d{{4}})?", re.IGNORECASE)
WEEKDAY = re.compile(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b",
                     re.IGNORECASE)
# Words that tie a date in a question to the treatment ("had it 3 days ago").
TREATMENT_CUE = re.compile(
    r"\b(had|got|get|did|done|treated|treatment|laser(?:ed)?|procedure|session|"
    r"ago|since|was|were|day \d+)\b", re.IGNORECASE)
FUTURE_CUE = re.compile(
    r"\b(will|going to|gonna|booked|book|next|upcoming|coming|planned|scheduled|"
    r"tomorrow|in \d+ days?)\b", re.IGNORECASE)
# dateparser search hits that are never a treatment date on their own.
NOT_A_DATE = {"now", "right now", "today now", "second", "a second", "sec", "min",
              "may", "march", "sun", "sat", "mon", "wed"}
SYNONYMS = ((re.compile(r"\bfortnight\b", re.IGNORECASE), "2 weeks"),
            (re.compile(r"\ba couple of\b", re.IGNORECASE), "2"),
            (re.compile(r"\bytd|ystrday|yesteday|yday\b", re.IGNORECASE), "yesterday"),
            (re.compile(r"\b(\d+)\s*d(?:ays?)?\s+ago\b", re.IGNORECASE), r"\1 days ago"),
            (re.compile(r"\b(\d+)\s*w(?:ee)?ks?\s+ago\b", re.IGNORECASE), r"\1 weeks ago"),
            # "it's been 4 days since my laser" -> "4 days ago"
            (re.compile(r"\b(?:it'?s\s+|its\s+)?been\s+(\w+\s+(?:days?|weeks?|months?))\s+since\b",
                        re.IGNORECASE), r"\1 ago since"))
# "I'm on day 4": the patient counts the days for us (day 0 = treatment day).
RECOVERY_DAY = re.compile(r"\b(?:i'?m|i am|im|today is|today's|it'?s|its|now|on)\s+day\s+(\d{1,3})\b",
                          re.IGNORECASE)
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class DateFound:
    date: dt.date
    matched_text: str


@dataclass(frozen=True)
class ImpossibleDate:
    """The patient wrote something shaped like a date that no calendar has."""
    matched_text: str


@dataclass(frozen=True)
class NoDate:
    pass


DateReading = Union[DateFound, ImpossibleDate, NoDate]


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


def _settings(today: dt.date, date_order: str, prefer: str) -> dict:
    return {
        "DATE_ORDER": date_order,
        "PREFER_DATES_FROM": prefer,
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12, 0)),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
    }


def _parse(text: str, today: dt.date, date_order: str, prefer: str) -> Optional[dt.date]:
    parsed = dateparser.parse(text, languages=["en"], settings=_settings(today, date_order, prefer))
    return parsed.date() if parsed else None


def _normalise(text: str) -> str:
    text = CONTROL_CHARS.sub(" ", text[:MAX_SEARCH_CHARS])
    for pattern, replacement in SYNONYMS:
        text = pattern.sub(replacement, text)
    return text


def _explicit_calendar_date(text: str, today: dt.date, date_order: str,
                            prefer: str) -> Optional[DateReading]:
    """Dates written with numbers or a month name; None when there is none."""
    iso = ISO_DATE.search(text)
    if iso:
        try:
            return DateFound(dt.date(*map(int, iso.groups())), iso.group(0))
        except ValueError:
            return ImpossibleDate(iso.group(0))
    for pattern in (NUMERIC_DATE, DAY_MONTH, MONTH_DAY):
        match = pattern.search(text)
        if not match:
            continue
        span = match.group(0)
        if pattern is NUMERIC_DATE:
            if _not_a_date(match):
                continue
            if not _valid_day_and_month(match, date_order):
                return ImpossibleDate(span)
        parsed = _parse(span, today, date_order, prefer)
        return DateFound(parsed, span) if parsed else ImpossibleDate(span)
    return None


def _not_a_date(match: "re.Match[str]") -> bool:
    # "1.5", "50/50" and "24/7" are numbers, not dates.
    first, second, year = match.groups()
    if year is None and "." in match.group(0):
        return True
    return match.group(0) == "24/7" or (int(first) > 31 and int(second) > 31)


def _valid_day_and_month(match: "re.Match[str]", date_order: str) -> bool:
    first, second, _year = (int(g) if g else None for g in match.groups())
    day, month = (first, second) if date_order == "DMY" else (second, first)
    try:
        dt.date(2000, month, day)  # a leap year, so 29/02 stays possible
    except ValueError:
        return False
    return True


def read_treatment_date(text: str, today: dt.date, date_order: str = "DMY",
                        explicit: bool = False) -> DateReading:
    """Reads the treatment date from `text`.

    `explicit` says the patient's message is about their treatment date (the
    classifier chose share_treatment_date). Without it, a date is only taken
    when the message ties it to the treatment, so "can I wear makeup
    tomorrow?" is not read as a treatment date.
    """
    if not isinstance(text, str) or not text.strip():
        return NoDate()
    text = _normalise(text)
    tied_to_treatment = explicit or bool(TREATMENT_CUE.search(text))
    prefer = "future" if FUTURE_CUE.search(text) else "past"

    counted = RECOVERY_DAY.search(text)
    if counted:
        return DateFound(today - dt.timedelta(days=int(counted.group(1))), counted.group(0))

    calendar = _explicit_calendar_date(text, today, date_order, prefer)
    if calendar is not None:
        if isinstance(calendar, DateFound) and not tied_to_treatment and calendar.date > today:
            return NoDate()
        return calendar

    if not tied_to_treatment:
        return NoDate()
    found = search_dates(text, languages=["en"], settings=_settings(today, date_order, prefer))
    for matched_text, moment in found or []:
        words = matched_text.strip().lower()
        if words in NOT_A_DATE or len(words) < 3 or BARE_MONTH.fullmatch(words):
            continue
        day = moment.date()
        if WEEKDAY.fullmatch(matched_text.strip().split()[-1]) and day == today and prefer == "past":
            # "on Monday" said on a Monday means a week ago: today would be "today".
            day -= dt.timedelta(days=7)
        if not explicit and day > today:
            continue
        return DateFound(day, matched_text)
    return NoDate()
