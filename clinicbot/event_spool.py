"""Turns the tracker database could not take, kept on local disk until it can.

Plain Python (stdlib sqlite3), no Rasa import. The Rasa adapter is
`tracker/durable_sql.py`; README "Deploying at scale" explains the choice.

A *spooled turn* is the list of events (Rasa's JSON dicts) one save added to
one conversation. Each Rasa instance has its own spool file. When the
database is back, `plan_replay` decides where each spooled turn goes among
the rows already stored, so that a conversation whose turns were taken by
several instances during an outage ends up in the order they happened, and a
turn that was already stored (a replay interrupted after its commit) is not
written twice.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Union

# Events a conversation view born during an outage (the instance had no
# history for it) starts with: they only describe an empty conversation.
_SESSION_PRELUDE_KINDS = {"action", "session_started", "slot"}


def event_data(event: Dict[str, Any]) -> str:
    """The text Rasa's SQL tracker store keeps in `events.data` for an event."""
    return json.dumps(event)


def conversation_lock_key(sender_id: str) -> int:
    """A stable signed 64-bit key for one conversation (PostgreSQL advisory locks)."""
    digest = hashlib.blake2b(sender_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class SpooledTurn:
    seq: int
    sender_id: str
    events: List[Dict[str, Any]]
    # The instance had no history of this conversation when it took the turn.
    started_without_history: bool = False

    @property
    def earliest_timestamp(self) -> Optional[float]:
        stamps = [e["timestamp"] for e in self.events if isinstance(e.get("timestamp"), (int, float))]
        return min(stamps) if stamps else None


class EventSpool:
    """An fsync'd SQLite file of spooled turns, for one tracker database.

    `database` names the tracker database (a URL without its password): a
    spool moved to another deployment never replays into the wrong one.
    """

    def __init__(self, path: Union[str, Path], database: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.database = database
        self._connection = sqlite3.connect(str(self.path), isolation_level=None,
                                           check_same_thread=False, timeout=30)
        # WAL with synchronous=FULL: every commit is on disk before it returns,
        # so a turn the patient saw answered survives a crash of the process.
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS spooled_turns ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " database TEXT NOT NULL,"
            " sender_id TEXT NOT NULL,"
            " events TEXT NOT NULL,"
            " started_without_history INTEGER NOT NULL DEFAULT 0,"
            " spooled_at REAL NOT NULL)")
        self._connection.execute(
            "CREATE INDEX IF NOT EXISTS spooled_turns_by_sender ON spooled_turns (database, sender_id, seq)")

    def append(self, sender_id: str, events: Sequence[Dict[str, Any]],
               started_without_history: bool = False) -> None:
        self._connection.execute(
            "INSERT INTO spooled_turns (database, sender_id, events, started_without_history, spooled_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (self.database, sender_id, json.dumps(list(events)), int(started_without_history), time.time()))

    def pending_senders(self) -> Set[str]:
        rows = self._connection.execute(
            "SELECT DISTINCT sender_id FROM spooled_turns WHERE database = ?", (self.database,))
        return {sender for (sender,) in rows}

    def pending(self, sender_id: str) -> List[SpooledTurn]:
        """The conversation's spooled turns, in the order they were taken."""
        rows = self._connection.execute(
            "SELECT seq, events, started_without_history FROM spooled_turns"
            " WHERE database = ? AND sender_id = ? ORDER BY seq", (self.database, sender_id))
        return [SpooledTurn(seq, sender_id, json.loads(events), bool(fresh)) for seq, events, fresh in rows]

    def discard(self, seqs: Iterable[int]) -> None:
        self._connection.executemany("DELETE FROM spooled_turns WHERE seq = ?", [(seq,) for seq in seqs])

    def count(self) -> int:
        return self._connection.execute(
            "SELECT count(*) FROM spooled_turns WHERE database = ?", (self.database,)).fetchone()[0]

    def other_databases(self) -> Dict[str, int]:
        """Turns spooled for another database (a moved or re-pointed spool file)."""
        rows = self._connection.execute(
            "SELECT database, count(*) FROM spooled_turns WHERE database != ? GROUP BY database",
            (self.database,))
        return dict(rows.fetchall())

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class StoredRow:
    """One row of the `events` table, as much as the replay needs."""
    id: int
    timestamp: Optional[float]
    data: str
    columns: Dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ReplayPlan:
    """Delete `delete_ids` (stored rows) and insert `insert` in this order, in
    one transaction. Items of `insert` are StoredRows (moved) or event dicts
    (spooled). Rows before the first deleted one keep their ids."""
    delete_ids: List[int]
    insert: List[Union[StoredRow, Dict[str, Any]]]
    replayed_seqs: List[int]

    @property
    def spooled_events_written(self) -> int:
        return sum(1 for item in self.insert if not isinstance(item, StoredRow))


def _is_later(item: Union[StoredRow, Dict[str, Any]], than: float) -> bool:
    stamp = item.timestamp if isinstance(item, StoredRow) else item.get("timestamp")
    return isinstance(stamp, (int, float)) and stamp > than


def _without_empty_session_prelude(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Drops the action_listen/session-start events before the first thing the
    patient or the bot said."""
    for index, event in enumerate(events):
        if event.get("event") not in _SESSION_PRELUDE_KINDS:
            return events[index:]
    return []


def plan_replay(stored_tail: Sequence[StoredRow], turns: Sequence[SpooledTurn],
                history_before_tail: bool) -> ReplayPlan:
    """Where the spooled turns of one conversation go among its stored rows.

    `stored_tail` is the conversation's stored rows (in id order) from some
    time before the earliest spooled turn on; `history_before_tail` says
    whether it has rows before those.

    Every event of a turn was created after every event of the turns before
    it (a conversation takes one turn at a time), so a spooled turn belongs
    just before the first stored row later than its earliest event. Within a
    turn Rasa's order is kept: it is not timestamp order (an action's events
    are created before the ActionExecuted that precedes them).
    """
    merged: List[Union[StoredRow, Dict[str, Any]]] = list(stored_tail)
    stored_data = {row.data for row in stored_tail}
    first_changed = len(merged)
    replayed: List[int] = []
    for turn in turns:
        replayed.append(turn.seq)
        events = [event for event in turn.events if event_data(event) not in stored_data]
        earliest = turn.earliest_timestamp
        position = len(merged)
        if earliest is not None:
            position = next((i for i, item in enumerate(merged) if _is_later(item, earliest)), len(merged))
        if turn.started_without_history and (
                history_before_tail or any(isinstance(item, StoredRow) for item in merged[:position])):
            events = _without_empty_session_prelude(events)
        if not events:
            continue
        merged[position:position] = events
        stored_data.update(event_data(event) for event in events)
        first_changed = min(first_changed, position)
    moved = [item for item in merged[first_changed:] if isinstance(item, StoredRow)]
    return ReplayPlan(delete_ids=[row.id for row in moved], insert=merged[first_changed:],
                      replayed_seqs=replayed)
