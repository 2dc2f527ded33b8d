"""Red flags as the bot stored them: the tracker store's `events` table (read only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Collection, Dict, List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from console.tracker import DATE_SLOT, RED_FLAG_INTENT, events, json_text

CALLBACK_SLOTS = ("callback_phone", "callback_consent")


@dataclass(frozen=True)
class StoredRedFlag:
    event_id: int
    sender_id: str
    timestamp: float


def newest_event_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(events.c.id))).scalar() or 0)


def newest_event_id_before(engine: Engine, before: float) -> int:
    """The newest event id whose event happened before `before` (epoch seconds)."""
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.max(events.c.id)).where(events.c.timestamp < before)).scalar() or 0
        )


def red_flags_after(
    engine: Engine, after_id: int, limit: int = 500, handled: Collection[int] = ()
) -> List[StoredRedFlag]:
    """Patient messages judged red_flag (by the urgency detector or the classifier), oldest
    first, leaving out those already handled."""
    query = (
        select(events.c.id, events.c.sender_id, events.c.timestamp)
        .where(events.c.id > after_id, events.c.type_name == "user", events.c.intent_name == RED_FLAG_INTENT)
        .order_by(events.c.id)
        .limit(limit)
    )
    if handled:
        query = query.where(events.c.id.not_in(sorted(handled)))
    with engine.connect() as conn:
        return [StoredRedFlag(r.id, r.sender_id, r.timestamp or 0.0) for r in conn.execute(query)]


@dataclass(frozen=True)
class FlagContext:
    message: Dict[str, Any]  # the user event's data (text, parse_data)
    conversation_id: int  # the console's id: the sender's first event id
    treatment_date: Optional[str]  # the slot's latest value before the flag


def flag_context(engine: Engine, flag: StoredRedFlag) -> Optional[FlagContext]:
    """None when the conversation was erased before it was read."""
    with engine.connect() as conn:
        raw = conn.execute(select(events.c.data).where(events.c.id == flag.event_id)).scalar()
        if raw is None:
            return None
        first = conn.execute(
            select(func.min(events.c.id)).where(events.c.sender_id == flag.sender_id)
        ).scalar()
        date = conn.execute(
            select(json_text(events.c.data, "value"))
            .where(
                events.c.sender_id == flag.sender_id,
                events.c.type_name == "slot",
                events.c.action_name == DATE_SLOT,
                events.c.id < flag.event_id,
            )
            .order_by(events.c.id.desc())
            .limit(1)
        ).scalar()
    try:
        message = json.loads(raw)
    except ValueError:
        message = {}
    return FlagContext(
        message if isinstance(message, dict) else {}, int(first or flag.event_id), str(date) if date else None
    )


def callback_slot_values(engine: Engine, sender_id: str) -> List[Tuple[str, Any]]:
    """(slot, value) of the callback slots, in event order (none if that flow is not installed)."""
    query = (
        select(events.c.action_name, events.c.data)
        .where(
            events.c.sender_id == sender_id,
            events.c.type_name == "slot",
            events.c.action_name.in_(CALLBACK_SLOTS),
        )
        .order_by(events.c.id)
    )
    values: List[Tuple[str, Any]] = []
    with engine.connect() as conn:
        for name, raw in conn.execute(query):
            try:
                values.append((name, json.loads(raw or "{}").get("value")))
            except (ValueError, AttributeError):
                continue
    return values
