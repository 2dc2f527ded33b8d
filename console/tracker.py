"""Reads Rasa's SQL tracker store (table `events`); deletes only to erase/purge.

Only SQLAlchemy Core with bound parameters. JSON inside `events.data` is
read with the database's own JSON functions (SQLite json_extract, PostgreSQL
json operators); the JSON paths are constants from this module, never input.

A "conversation" is everything stored for one sender_id. Its id in the console's
URLs is the sender's first event id, so sender ids (which can be phone numbers on
some channels) never appear in URLs or access logs.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, and_, delete,
                        false, func, inspect, not_, or_, select)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

metadata = MetaData()
# Rasa 3.6 SQLTrackerStore.SQLEvent; the console never creates it in production
# (Rasa does) - tests use it to build a PostgreSQL copy.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
RED_FLAG_INTENT = "red_flag"
RED_FLAG_SLOT = "red_flag_followup"
DATE_SLOT = "treatment_date"
STAFF_KEY = "handoff_staff"  # clinicbot.handoff.STAFF_KEY: bot event metadata naming staff
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UnsupportedDialect(RuntimeError):
    pass


# --- JSON access inside events.data, per dialect --------------------------------------

class _JsonPath(FunctionElement):
    """Base for JSON accessors; the path (code constants only) is rendered inline."""
    inherit_cache = False  # the path is not part of SQLAlchemy's cache key

    def __init__(self, column, *path: str) -> None:
        for key in path:
            if not _KEY.match(key):
                raise ValueError(f"bad JSON key {key!r}")
        self.path = tuple(path)
        super().__init__(column)


class json_text(_JsonPath):
    """The value at path as text (NULL when missing or JSON null)."""
    inherit_cache = False
    type = String()
    name = "json_text"


class json_float(_JsonPath):
    inherit_cache = False
    type = Float()
    name = "json_float"


class json_true(_JsonPath):
    """True when the value at path is JSON true."""
    inherit_cache = False
    name = "json_true"


def _column_sql(element, compiler, **kw) -> str:
    return compiler.process(list(element.clauses)[0], **kw)


def _sqlite_path(element) -> str:
    return "'$." + ".".join(element.path) + "'"


def _pg_path(element) -> str:
    return "'{" + ",".join(element.path) + "}'"


@compiles(json_text)
@compiles(json_float)
@compiles(json_true)
def _unsupported(element, compiler, **kw):
    raise UnsupportedDialect(
        f"the staff console supports SQLite and PostgreSQL tracker stores, not {compiler.dialect.name}")


@compiles(json_text, "sqlite")
def _json_text_sqlite(element, compiler, **kw):
    return f"json_extract({_column_sql(element, compiler, **kw)}, {_sqlite_path(element)})"


@compiles(json_float, "sqlite")
def _json_float_sqlite(element, compiler, **kw):
    return f"CAST(json_extract({_column_sql(element, compiler, **kw)}, {_sqlite_path(element)}) AS REAL)"


@compiles(json_true, "sqlite")
def _json_true_sqlite(element, compiler, **kw):
    return f"(json_type({_column_sql(element, compiler, **kw)}, {_sqlite_path(element)}) = 'true')"


@compiles(json_text, "postgresql")
def _json_text_pg(element, compiler, **kw):
    return f"(CAST({_column_sql(element, compiler, **kw)} AS json) #>> {_pg_path(element)})"


@compiles(json_float, "postgresql")
def _json_float_pg(element, compiler, **kw):
    return (f"CAST((CAST({_column_sql(element, compiler, **kw)} AS json) #>> {_pg_path(element)})"
            f" AS DOUBLE PRECISION)")


@compiles(json_true, "postgresql")
def _json_true_pg(element, compiler, **kw):
    return f"((CAST({_column_sql(element, compiler, **kw)} AS json) #>> {_pg_path(element)}) = 'true')"


def full_intent(table=events):
    """faq/cost for retrieval intents, else the intent name."""
    return func.coalesce(json_text(table.c.data, "parse_data", "intent", "full_retrieval_intent_name"),
                         table.c.intent_name)


def confidence(table=events):
    return json_float(table.c.data, "parse_data", "intent", "confidence")


def is_red_flag_event(table=events):
    return or_(
        and_(table.c.type_name == "user", table.c.intent_name == RED_FLAG_INTENT),
        and_(table.c.type_name == "slot", table.c.action_name == RED_FLAG_SLOT,
             json_true(table.c.data, "value")),
    )


def starts_with_any(column, prefixes: Sequence[str]):
    """column starts with one of prefixes (LIKE with % and _ escaped); false when none."""
    return or_(*[column.startswith(prefix, autoescape=True) for prefix in prefixes]) \
        if prefixes else false()


def has_events_table(engine: Engine) -> bool:
    return inspect(engine).has_table("events")


# --- conversation list ----------------------------------------------------------------

EventCondition = Callable[[Table], Any]  # a condition on an events table (or an alias of it)


@dataclass
class ConversationQuery:
    """Which conversations a list shows; console.conversation_filters builds it from the
    declared filters. Every part narrows the list; an empty query lists everything."""
    has_event: List[Tuple[EventCondition, ...]] = field(default_factory=list)
    sender: List[Callable[[Any], Any]] = field(default_factory=list)  # on the sender_id column
    having: List[Any] = field(default_factory=list)  # on the conversation's events, grouped
    include: Optional[Set[str]] = None  # only these senders (from the console's own data)
    exclude: Set[str] = field(default_factory=set)  # never these senders

    def require_event(self, *conditions: EventCondition) -> None:
        """Keeps conversations with at least one event meeting every condition."""
        self.has_event.append(conditions)

    def only(self, senders: Set[str]) -> None:
        self.include = set(senders) if self.include is None else self.include & senders

    def without(self, senders: Set[str]) -> None:
        self.exclude |= senders


def _where(query: ConversationQuery) -> List:
    conds = []
    for conditions in query.has_event:
        e2 = events.alias("e2")
        conds.append(events.c.sender_id.in_(
            select(e2.c.sender_id).where(*[condition(e2) for condition in conditions])))
    conds.extend(condition(events.c.sender_id) for condition in query.sender)
    if query.include is not None:
        conds.append(events.c.sender_id.in_(sorted(query.include)))
    if query.exclude:
        conds.append(events.c.sender_id.not_in(sorted(query.exclude)))
    return conds


def _grouped(query: ConversationQuery):
    grouped = (select(events.c.sender_id,
                      func.min(events.c.id).label("conversation_id"),
                      func.min(events.c.timestamp).label("first_ts"),
                      func.max(events.c.timestamp).label("last_ts"))
               .where(*_where(query))
               .group_by(events.c.sender_id))
    return grouped.having(and_(*query.having)) if query.having else grouped


@dataclass
class ConversationSummary:
    sender_id: str
    conversation_id: int
    first_ts: float
    last_ts: float
    user_messages: int = 0
    red_flag: bool = False
    fallback: bool = False
    min_confidence: Optional[float] = None
    preview: str = ""
    treatment_date: Optional[str] = None
    intents: List[str] = field(default_factory=list)


def list_conversations(engine: Engine, query: ConversationQuery, limit: int,
                       offset: int = 0) -> Tuple[List[ConversationSummary], int]:
    """One page of conversations, newest activity first, and the total count."""
    grouped = _grouped(query)
    page = grouped.order_by(func.max(events.c.timestamp).desc(), events.c.sender_id) \
        .limit(limit).offset(offset)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one()
        rows = conn.execute(page).all()
        summaries = [ConversationSummary(r.sender_id, r.conversation_id, r.first_ts or 0.0,
                                         r.last_ts or 0.0) for r in rows]
        _fill_details(conn, summaries)
    return summaries, total


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _fill_details(conn, summaries: List[ConversationSummary]) -> None:
    if not summaries:
        return
    by_sender = {s.sender_id: s for s in summaries}
    query = (select(events.c.sender_id, events.c.type_name, events.c.intent_name,
                    events.c.action_name,
                    json_text(events.c.data, "text").label("text"),
                    full_intent().label("full_intent"),
                    confidence().label("confidence"),
                    json_text(events.c.data, "value").label("value"))
             .where(events.c.sender_id.in_(sorted(by_sender)),
                    or_(events.c.type_name == "user",
                        and_(events.c.type_name == "slot",
                             events.c.action_name.in_((DATE_SLOT, RED_FLAG_SLOT)))))
             .order_by(events.c.id))
    for row in conn.execute(query):
        summary = by_sender[row.sender_id]
        if row.type_name == "user":
            summary.user_messages += 1
            if not summary.preview and row.text:
                summary.preview = str(row.text)
            if row.intent_name == RED_FLAG_INTENT:
                summary.red_flag = True
            if row.intent_name in FALLBACK_INTENTS:
                summary.fallback = True
            if row.full_intent and row.full_intent not in summary.intents:
                summary.intents.append(row.full_intent)
            if row.confidence is not None:
                conf = float(row.confidence)
                if summary.min_confidence is None or conf < summary.min_confidence:
                    summary.min_confidence = conf
        elif row.action_name == RED_FLAG_SLOT:
            summary.red_flag = summary.red_flag or _truthy(row.value)
        elif row.action_name == DATE_SLOT:
            summary.treatment_date = str(row.value) if row.value is not None else None


def intents_seen(engine: Engine) -> List[str]:
    """Every intent (full retrieval names included) found in patient messages."""
    with engine.connect() as conn:
        names = set()
        for name, full in conn.execute(
                select(events.c.intent_name, full_intent()).where(events.c.type_name == "user")
                .distinct()):
            for value in (name, full):
                if value:
                    names.add(str(value))
    return sorted(names)


# --- one conversation -----------------------------------------------------------------

def sender_for_conversation(engine: Engine, conversation_id: int) -> Optional[str]:
    with engine.connect() as conn:
        return conn.execute(select(events.c.sender_id).where(events.c.id == conversation_id)) \
            .scalar_one_or_none()


def conversation_id_for_sender(engine: Engine, sender_id: str) -> Optional[int]:
    with engine.connect() as conn:
        return conn.execute(select(func.min(events.c.id))
                            .where(events.c.sender_id == sender_id)).scalar_one_or_none()


@dataclass
class TranscriptItem:
    event_id: int
    kind: str              # user, bot, action, slot, session
    timestamp: float
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    ranking: List[Tuple[str, float]] = field(default_factory=list)
    urgency: Optional[dict] = None   # the urgency detector's explanation
    action: Optional[str] = None
    policy: Optional[str] = None
    slot: Optional[str] = None
    value: Any = None
    custom: Optional[dict] = None
    buttons: List[str] = field(default_factory=list)
    staff: Optional[str] = None      # the member of staff who wrote a bot message (live handoff)


HIDDEN_ACTIONS = {"action_listen", "action_session_start"}


def transcript(engine: Engine, sender_id: str, after_event_id: int = 0) -> List[TranscriptItem]:
    with engine.connect() as conn:
        rows = conn.execute(select(events).where(events.c.sender_id == sender_id,
                                                 events.c.id > after_event_id)
                            .order_by(events.c.id)).all()
    items: List[TranscriptItem] = []
    for row in rows:
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            data = {}
        ts = row.timestamp or 0.0
        if row.type_name == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            name = intent.get("full_retrieval_intent_name") or intent.get("name") or row.intent_name
            ranking = [(str(r.get("name")), float(r.get("confidence") or 0))
                       for r in (parse.get("intent_ranking") or [])[:3] if isinstance(r, dict)]
            items.append(TranscriptItem(row.id, "user", ts, text=str(data.get("text") or ""),
                                        intent=name, confidence=_float(intent.get("confidence")),
                                        ranking=ranking,
                                        urgency=parse.get("urgency")))
        elif row.type_name == "bot":
            payload = data.get("data") or {}
            buttons = [str(b.get("title", "")) for b in (payload.get("buttons") or [])
                       if isinstance(b, dict)]
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            staff = metadata.get(STAFF_KEY)
            items.append(TranscriptItem(row.id, "bot", ts, text=str(data.get("text") or ""),
                                        custom=payload.get("custom"), buttons=buttons,
                                        staff=staff if isinstance(staff, str) else None))
        elif row.type_name == "action" and row.action_name not in HIDDEN_ACTIONS:
            items.append(TranscriptItem(row.id, "action", ts, action=row.action_name,
                                        policy=data.get("policy"),
                                        confidence=_float(data.get("confidence"))))
        elif row.type_name == "slot":
            items.append(TranscriptItem(row.id, "slot", ts, slot=data.get("name") or row.action_name,
                                        value=data.get("value")))
        elif row.type_name == "session_started":
            items.append(TranscriptItem(row.id, "session", ts))
    return items


def _float(value: Any) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def user_message(engine: Engine, sender_id: str, event_id: int) -> Optional[TranscriptItem]:
    """The patient message event_id, only if it belongs to sender_id."""
    with engine.connect() as conn:
        row = conn.execute(select(events).where(events.c.id == event_id,
                                                events.c.sender_id == sender_id,
                                                events.c.type_name == "user")).first()
    if row is None:
        return None
    data = json.loads(row.data or "{}")
    intent = (data.get("parse_data") or {}).get("intent") or {}
    return TranscriptItem(row.id, "user", row.timestamp or 0.0, text=str(data.get("text") or ""),
                          intent=intent.get("full_retrieval_intent_name") or intent.get("name")
                          or row.intent_name, confidence=_float(intent.get("confidence")))


# --- analytics rows -------------------------------------------------------------------

def analytics_rows(engine: Engine, start: float, end: float,
                   hidden_prefixes: Sequence[str] = (), hidden_senders: Iterable[str] = ()):
    """Patient messages and bot replies in [start, end): light columns only; none of
    senders starting with hidden_prefixes or in hidden_senders (test conversations)."""
    conditions = [events.c.type_name.in_(("user", "bot")),
                  events.c.timestamp >= start, events.c.timestamp < end]
    if hidden_prefixes:
        conditions.append(not_(starts_with_any(events.c.sender_id, hidden_prefixes)))
    hidden = sorted(set(hidden_senders))
    if hidden:
        conditions.append(events.c.sender_id.not_in(hidden))
    query = (select(events.c.sender_id, events.c.type_name, events.c.timestamp,
                    events.c.intent_name, full_intent().label("full_intent"))
             .where(*conditions)
             .order_by(events.c.id))
    with engine.connect() as conn:
        return conn.execute(query).all()


def senders_with_treatment_date(engine: Engine, senders: Sequence[str]) -> Set[str]:
    found: Set[str] = set()
    senders = sorted(set(senders))
    with engine.connect() as conn:
        for chunk in _chunks(senders, 500):
            found.update(r[0] for r in conn.execute(
                select(events.c.sender_id).where(
                    events.c.sender_id.in_(chunk), events.c.type_name == "slot",
                    events.c.action_name == DATE_SLOT,
                    json_text(events.c.data, "value").isnot(None)).distinct()))
    return found


def _chunks(items: Sequence[str], size: int):
    for index in range(0, len(items), size):
        yield list(items[index:index + size])


# --- erasure and retention ------------------------------------------------------------

def erase_conversation(engine: Engine, sender_id: str) -> int:
    """Deletes every tracker-store event of sender_id; returns the number of rows.

    The same function as the chat's "delete my conversation" (clinicbot.privacy),
    so there is one implementation. Only the tracker store: the console's own
    notes on the conversation are removed by console.staff_db.erase_sender (the
    console's erase does both; `purge` also removes notes left behind).
    """
    from clinicbot.privacy import erase_conversation as erase

    return erase(engine, sender_id)


def senders_inactive_since(engine: Engine, cutoff: float) -> List[str]:
    """Senders whose latest event is older than cutoff (epoch seconds)."""
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(
            select(events.c.sender_id).group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff).order_by(events.c.sender_id))]


def has_any_events(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(events.c.id).limit(1)).first() is not None


def existing_senders(engine: Engine, senders: Iterable[str]) -> Set[str]:
    """The given senders that still have events."""
    found: Set[str] = set()
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(senders)), 500):
            found.update(r[0] for r in conn.execute(
                select(events.c.sender_id).where(events.c.sender_id.in_(chunk)).distinct()))
    return found


def purge_senders(engine: Engine, senders: Sequence[str]) -> int:
    from clinicbot.privacy import overwrite_deleted_rows

    deleted = 0
    for chunk in _chunks(list(senders), 500):
        with engine.begin() as conn:
            overwrite_deleted_rows(conn)
            deleted += conn.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount
    return deleted


def to_epoch(day: dt.date, tz) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp()
