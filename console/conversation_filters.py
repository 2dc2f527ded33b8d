"""The conversation list's filters, each declared once.

A filter is its form field, a parser (the stripped text → a value, None for "not
filtered", InputError with a message for staff), what it asks of the tracker store or of
the console's own notes (`apply`, on a tracker.ConversationQuery), and its own test case:
a conversation it must keep and one it must drop, which
tests/console/test_conversation_filters.py writes through Rasa's SQLTrackerStore and runs.
A new filter is one entry in FILTERS (and its field in templates/conversations.html).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from sqlalchemy import func, not_, or_
from sqlalchemy.engine import Engine

from console import staff_db, tracker
from console.masking import shorten
from console.parsing import InputError, read_date
from console.tracker import ConversationQuery, events

# --- what a test case is made of (the parametrised test turns these into Rasa events) -----


@dataclass(frozen=True)
class Said:
    """A patient message as the NLU pipeline classified it."""
    text: str
    intent: str
    confidence: float = 0.95
    retrieval_intent: Optional[str] = None  # e.g. faq/cost (Rasa's full_retrieval_intent_name)


@dataclass(frozen=True)
class Answered:
    text: str


@dataclass(frozen=True)
class SlotWasSet:
    name: str
    value: Any


Step = Union[Said, Answered, SlotWasSet]


@dataclass(frozen=True)
class Conversation:
    steps: Tuple[Step, ...]
    days_ago: int = 0  # when it happened, counted back from today in the clinic's timezone
    sender_id: str = ""  # when the sender id itself matters; else the test makes one up


@dataclass(frozen=True)
class FilterCase:
    """`value` keeps `kept` and drops `dropped`; `staff_notes(staff_db, kept, dropped)`
    records what the filter reads from the console's own data first."""
    value: Union[str, Callable[[dt.date], str]]  # a callable gets the clinic's today
    kept: Conversation
    dropped: Conversation
    staff_notes: Optional[Callable[[Engine, str, str], object]] = None

    def value_for(self, today: dt.date) -> str:
        return self.value(today) if callable(self.value) else self.value


# --- the filters --------------------------------------------------------------------------

@dataclass
class FilterContext:
    staff: Engine
    tz: ZoneInfo
    test_sender_prefixes: Tuple[str, ...] = ()  # the clinic file's console section


Parser = Callable[[str], Any]
Apply = Callable[[ConversationQuery, Any, FilterContext], None]


@dataclass(frozen=True)
class ConversationFilter:
    field: str
    parse: Parser
    apply: Apply
    case: FilterCase


def date_in(name: str) -> Parser:
    return lambda raw: read_date(raw, name)


def on_off(name: str) -> Parser:
    def parse(raw: str) -> Optional[bool]:
        if raw not in ("", "1"):
            raise InputError(f"“{name}” must be on or off.")
        return True if raw else None
    return parse


def one_of(label: str, *choices: str) -> Parser:
    def parse(raw: str) -> Optional[str]:
        if raw and raw not in choices:
            raise InputError(f"“{label}” must be {', '.join(choices)} or empty.")
        return raw or None
    return parse


def text_up_to(limit: int, too_long: str) -> Parser:
    def parse(raw: str) -> Optional[str]:
        if len(raw) > limit:
            raise InputError(too_long)
        return raw or None
    return parse


def fraction(raw: str) -> Optional[float]:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:  # also refuses nan
        raise InputError(f"“{shorten(raw, 40)}” is not a confidence between 0 and 1.")
    return value


def is_patient_message(t):
    return t.c.type_name == "user"


def _starting(day: dt.date, context: FilterContext) -> float:
    return tracker.to_epoch(day, context.tz)


def _follow_up(query: ConversationQuery, state: str, context: FilterContext) -> None:
    followed_up = staff_db.followed_up_senders(context.staff)
    if state == "pending":
        query.require_event(tracker.is_red_flag_event)
        query.without(followed_up)
    else:
        query.only(followed_up)


def test_conversations_shown(raw: str) -> str:
    """Hidden unless staff ask: "show" (with the others) or "only" them."""
    if raw not in ("", "show", "only"):
        raise InputError("“test conversations” must be show, only or empty (hidden).")
    return raw or "hide"


def _test_conversations(query: ConversationQuery, shown: str, context: FilterContext) -> None:
    marked = staff_db.marked_test_senders(context.staff)
    prefixes = context.test_sender_prefixes
    if shown == "hide":
        if prefixes:
            query.sender.append(lambda sender: not_(tracker.starts_with_any(sender, prefixes)))
        query.without(marked)
    elif shown == "only":
        query.sender.append(lambda sender: or_(tracker.starts_with_any(sender, prefixes),
                                               sender.in_(sorted(marked))))


def _reviewed(query: ConversationQuery, answer: str, context: FilterContext) -> None:
    reviewed = staff_db.reviewed_senders(context.staff)
    query.only(reviewed) if answer == "yes" else query.without(reviewed)


def _containing(needle: str):
    needle = needle.lower()
    return lambda t: func.lower(tracker.json_text(t.c.data, "text")).contains(needle,
                                                                              autoescape=True)


GREETING = Conversation((Said("hello", "greet"), Answered("Hello! How can I help?")))
FEVER = Conversation((Said("I have a fever and pus", "red_flag"),
                      Answered("Please call the clinic now: this needs urgent care.")))
OTHER_FEVER = Conversation((Said("my cheek is hot, red and spreading", "red_flag"),))

FILTERS: Tuple[ConversationFilter, ...] = (
    ConversationFilter(
        "from", date_in("from"),
        lambda q, day, c: q.having.append(func.max(events.c.timestamp) >= _starting(day, c)),
        FilterCase(lambda today: today.isoformat(), kept=GREETING,
                   dropped=Conversation(GREETING.steps, days_ago=40))),
    ConversationFilter(
        "to", date_in("to"),
        lambda q, day, c: q.having.append(
            func.min(events.c.timestamp) < _starting(day + dt.timedelta(days=1), c)),
        FilterCase(lambda today: (today - dt.timedelta(days=20)).isoformat(),
                   kept=Conversation(GREETING.steps, days_ago=40), dropped=GREETING)),
    ConversationFilter(
        "intent", text_up_to(255, "The intent is too long."),
        lambda q, name, c: q.require_event(
            is_patient_message,
            lambda t: or_(t.c.intent_name == name, tracker.full_intent(t) == name)),
        FilterCase("faq/cost",
                   kept=Conversation((Said("how much is it", "faq", retrieval_intent="faq/cost"),)),
                   dropped=Conversation((Said("how long is the downtime", "faq",
                                              retrieval_intent="faq/downtime"),)))),
    ConversationFilter(
        "fallback", on_off("fallback"),
        lambda q, _on, c: q.require_event(
            is_patient_message, lambda t: t.c.intent_name.in_(tracker.FALLBACK_INTENTS)),
        FilterCase("1", kept=Conversation((Said("what's the weather", "out_of_scope"),)),
                   dropped=GREETING)),
    ConversationFilter(
        "red_flag", on_off("red_flag"),
        lambda q, _on, c: q.require_event(tracker.is_red_flag_event),
        FilterCase("1", kept=FEVER, dropped=GREETING)),
    ConversationFilter(
        "followup", one_of("follow-up", "pending", "done"), _follow_up,
        FilterCase("pending", kept=FEVER, dropped=OTHER_FEVER,
                   staff_notes=lambda staff, _kept, dropped: staff_db.set_followed_up(
                       staff, dropped, "nurse", "called back"))),
    ConversationFilter(
        "max_conf", fraction,
        lambda q, threshold, c: q.require_event(
            is_patient_message, lambda t: tracker.confidence(t) < threshold),
        FilterCase("0.5", kept=Conversation((Said("hmm", "greet", confidence=0.31),)),
                   dropped=GREETING)),
    ConversationFilter(
        "reviewed", one_of("reviewed", "yes", "no"), _reviewed,
        FilterCase("no", kept=GREETING, dropped=GREETING,
                   staff_notes=lambda staff, _kept, dropped: staff_db.set_reviewed(
                       staff, dropped, "nurse", True))),
    ConversationFilter(
        "tag", text_up_to(255, "The tag is too long."),
        lambda q, name, c: q.only(staff_db.senders_with_tag(c.staff, name)),
        FilterCase("callback needed", kept=GREETING, dropped=GREETING,
                   staff_notes=lambda staff, kept, _dropped: staff_db.add_tag(
                       staff, kept, "callback needed", "nurse"))),
    ConversationFilter(
        "q", text_up_to(200, "The search text is too long (200 characters at most)."),
        lambda q, text, c: q.require_event(lambda t: t.c.type_name.in_(("user", "bot")),
                                           _containing(text)),
        FilterCase("FEVER", kept=FEVER, dropped=GREETING)),
    ConversationFilter(
        "tests", test_conversations_shown, _test_conversations,
        FilterCase("", kept=GREETING, dropped=GREETING,
                   staff_notes=lambda staff, _kept, dropped: staff_db.set_marked_test(
                       staff, dropped, "nurse", True))),
)
FIELDS = tuple(f.field for f in FILTERS)

# Checks across fields, after each field parsed: a message for staff, or None.
CROSS_CHECKS: Tuple[Callable[[Dict[str, Any]], Optional[str]], ...] = (
    lambda v: "“from” is after “to”." if v.get("from") and v.get("to") and v["from"] > v["to"]
    else None,
)


@dataclass
class ReadFilters:
    form: Dict[str, str]  # what staff typed, stripped, for redisplay
    query: ConversationQuery
    errors: List[str] = field(default_factory=list)

    @property
    def active(self) -> Dict[str, str]:
        return {name: value for name, value in self.form.items() if value}


def read_filters(args: Mapping[str, str], context: FilterContext) -> ReadFilters:
    """Every declared filter read from `args`; nothing is applied when one is not valid."""
    form = {name: (args.get(name) or "").strip() for name in FIELDS}
    values: Dict[str, Any] = {}
    errors: List[str] = []
    for declared in FILTERS:
        try:
            values[declared.field] = declared.parse(form[declared.field])
        except InputError as error:
            errors.append(str(error))
    errors.extend(message for check in CROSS_CHECKS if (message := check(values)))
    query = ConversationQuery()
    if not errors:
        for declared in FILTERS:
            if values.get(declared.field) is not None:
                declared.apply(query, values[declared.field], context)
    return ReadFilters(form, query, errors)
