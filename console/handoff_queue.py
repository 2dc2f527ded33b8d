"""Live handoff as the console sees it: who is waiting or talking to staff.

Read from Rasa's SQL tracker store, like the rest of the console; the state
itself is worked out by clinicbot.handoff from the handoff slots' events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from clinicbot import handoff
from console.tracker import events, json_text


@dataclass
class QueueEntry:
    conversation_id: int
    sender_id: str
    status: str  # handoff.WAITING or handoff.WITH_STAFF
    since: float
    staff: Optional[str]
    last_patient_text: str


def _slot_events(engine: Engine, sender_id: Optional[str] = None) -> Dict[str, List[dict]]:
    query = (
        select(events.c.sender_id, events.c.data)
        .where(
            events.c.type_name == "slot",
            json_text(events.c.data, "name").in_([handoff.STATUS_SLOT, handoff.STAFF_SLOT]),
        )
        .order_by(events.c.id)
    )
    if sender_id is not None:
        query = query.where(events.c.sender_id == sender_id)
    by_sender: Dict[str, List[dict]] = defaultdict(list)
    with engine.connect() as conn:
        for row in conn.execute(query):
            try:
                by_sender[row.sender_id].append(json.loads(row.data or "{}"))
            except ValueError:
                continue
    return by_sender


def state_for(engine: Engine, sender_id: str) -> handoff.HandoffState:
    return handoff.state_of(_slot_events(engine, sender_id).get(sender_id, []))


def queue(engine: Engine) -> List[QueueEntry]:
    """Waiting patients first, longest wait first; then conversations staff have."""
    entries: List[QueueEntry] = []
    active = {
        sender: state
        for sender, slot_events in _slot_events(engine).items()
        for state in [handoff.state_of(slot_events)]
        if state.status
    }
    if not active:
        return entries
    with engine.connect() as conn:
        firsts = dict(
            conn.execute(
                select(events.c.sender_id, func.min(events.c.id))
                .where(events.c.sender_id.in_(list(active)))
                .group_by(events.c.sender_id)
            ).all()
        )
        for sender, state in active.items():
            row = conn.execute(
                select(events.c.data)
                .where(events.c.sender_id == sender, events.c.type_name == "user")
                .order_by(events.c.id.desc())
                .limit(1)
            ).first()
            text = ""
            if row is not None:
                try:
                    text = str(json.loads(row.data or "{}").get("text") or "")
                except ValueError:
                    text = ""
            assert state.status is not None  # only active conversations are here
            entries.append(
                QueueEntry(int(firsts[sender]), sender, state.status, state.since or 0.0, state.staff, text)
            )
    entries.sort(key=lambda e: (e.status != handoff.WAITING, e.since))
    return entries
