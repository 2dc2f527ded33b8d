"""Rasa's SQL tracker store, with nothing lost while its database is away.

Named in endpoints.yml (`type: tracker.durable_sql.DurableSQLTrackerStore`).
A turn the database cannot take is written to a local spool file
(`clinicbot/event_spool.py`, fsync'd) and the conversation carries on from
what this instance last knew of it. Spooled turns are written back, in order
and once, when the database answers again: before the conversation's next
turn, every few seconds in the background, and when the process starts.

Rasa wraps every tracker store in its FailSafeTrackerStore, which on an error
answers from a throw-away in-memory store; this store handles database errors
itself, so that wrapper never has to.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Text

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.event_spool import EventSpool, StoredRow, conversation_lock_key, event_data, plan_replay

logger = logging.getLogger(__name__)

DEFAULT_SPOOL_PATH = os.path.join("var", "tracker-spool.db")
# Without it a database host that drops packets holds a turn for minutes.
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = "5"
# Conversations whose latest state this instance keeps, to carry them on
# during an outage.
REMEMBERED_CONVERSATIONS = 2000
# Rows stored up to this long before a spooled turn are read for the replay
# (turns of one conversation are seconds apart; clocks of several machines
# may differ a little).
REPLAY_WINDOW_SECONDS = 1.0


def _with_connect_timeout(url: Optional[Text]) -> Optional[Text]:
    if not url or "://" not in url:
        return url
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    return parsed.update_query_dict({"connect_timeout": POSTGRESQL_CONNECT_TIMEOUT_SECONDS}) \
        .render_as_string(hide_password=False)


def _is_outage(error: Exception) -> bool:
    """The database is away (or the connection to it broke), as opposed to
    refusing what was sent."""
    return isinstance(error, (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)) or \
        bool(getattr(error, "connection_invalidated", False))


def _row(sender_id: Text, event: Dict[Text, Any]) -> Dict[Text, Any]:
    """The columns Rasa's SQLTrackerStore.save writes for an event."""
    return {
        "sender_id": sender_id,
        "type_name": event.get("event"),
        "timestamp": event.get("timestamp"),
        "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": event.get("name"),
        "data": event_data(event),
    }


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None,
                 spool_path: Optional[Text] = None, replay_interval_seconds: float = 2.0,
                 **kwargs: Any) -> None:
        super().__init__(domain=domain, host=_with_connect_timeout(host), **kwargs)
        self._events_table = self.SQLEvent.__table__
        self._is_postgresql = self.engine.dialect.name == "postgresql"
        database = self.engine.url.render_as_string(hide_password=True)
        self.spool = EventSpool(spool_path or DEFAULT_SPOOL_PATH, database)
        for other, count in self.spool.other_databases().items():
            logger.warning(f"{self.spool.path} holds {count} turns for another tracker database "
                           f"({other}); they are kept there and not replayed into this one.")
        self._spool_lock = threading.RLock()
        self._pending_senders = self.spool.pending_senders()
        self._views: "OrderedDict[Text, List[Event]]" = OrderedDict()
        self._views_without_history: set = set()
        self._database_reachable = True
        self.replay_all()
        self._stopping = threading.Event()
        self._replayer = threading.Thread(target=self._replay_periodically, args=(replay_interval_seconds,),
                                          name="tracker-spool-replay", daemon=True)
        self._replayer.start()

    # Reading

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve_durably(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve_durably(conversation_id, all_sessions=True)

    async def _retrieve_durably(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        if sender_id in self._pending_senders and self._database_reachable:
            self._replay_sender(sender_id)
        if sender_id not in self._pending_senders and self._database_reachable:
            try:
                tracker = await self._retrieve(sender_id, fetch_events_from_all_sessions=all_sessions)
            except SQLAlchemyError as error:
                self._note_database_error(error)
            else:
                self._note_reachable()
                if not all_sessions:
                    self._remember(sender_id, tracker.events if tracker else [])
                    self._views_without_history.discard(sender_id)
                return tracker
        view = self._views.get(sender_id)
        if view is None and all_sessions:
            return None
        if view is None:
            # Rasa starts a new conversation; its turns are spooled like any other.
            self._remember(sender_id, [])
            self._views_without_history.add(sender_id)
            return None
        if not view:
            return None
        return DialogueStateTracker.from_dict(sender_id, [event.as_dict() for event in view],
                                              self.domain.slots)

    # Writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        view = self._views.get(sender_id)
        all_events = list(tracker.events)
        # What this store handed out (or last saved) is stored or spooled
        # already; only the rest is new. Unknown: count rows, like Rasa.
        new_events = None if view is None else [event.as_dict() for event in all_events[len(view):]]
        if sender_id in self._pending_senders and self._database_reachable:
            self._replay_sender(sender_id)
        if sender_id not in self._pending_senders and self._database_reachable:
            try:
                self._write(tracker, new_events)
            except SQLAlchemyError as error:
                self._note_database_error(error)
            else:
                self._note_reachable()
                self._remember(sender_id, all_events)
                return
        if new_events is None:
            new_events = [event.as_dict() for event in all_events]  # the replay skips stored ones
        started_without_history = sender_id in self._views_without_history and not any(
            event.type_name == "user" for event in (view or []))
        with self._spool_lock:
            self.spool.append(sender_id, new_events, started_without_history)
            self._pending_senders.add(sender_id)
        self._remember(sender_id, all_events)

    def _write(self, tracker: DialogueStateTracker, new_events: Optional[List[Dict[Text, Any]]]) -> None:
        with self.session_scope() as session:
            self._lock_conversation(session, tracker.sender_id)
            if new_events is None:
                new_events = [event.as_dict() for event in self._additional_events(session, tracker)]
            if new_events:
                session.execute(self._events_table.insert(),
                                [_row(tracker.sender_id, event) for event in new_events])
            session.commit()

    def _lock_conversation(self, session: Any, sender_id: Text) -> None:
        # A replay moves rows of a conversation; a turn of it saved meanwhile
        # by another instance must wait, or it would land among them.
        if self._is_postgresql:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                            {"key": conversation_lock_key(sender_id)})

    def _remember(self, sender_id: Text, events: Iterable[Event]) -> None:
        self._views[sender_id] = list(events)
        self._views.move_to_end(sender_id)
        while len(self._views) > REMEMBERED_CONVERSATIONS:
            forgotten, _ = self._views.popitem(last=False)
            self._views_without_history.discard(forgotten)

    # Replaying

    def replay_all(self) -> bool:
        """Writes back every spooled turn it can; False if the database is still away."""
        for sender_id in sorted(self._pending_senders):
            if not self._replay_sender(sender_id):
                return False
        return True

    def _replay_periodically(self, interval_seconds: float) -> None:
        # While the database is away, turns go straight to the spool (a host
        # that drops packets would hold each one for the connect timeout);
        # only this thread asks the database whether it is back.
        while not self._stopping.wait(interval_seconds):
            try:
                if self._pending_senders:
                    self.replay_all()
                elif not self._database_reachable:
                    self.probe_database()
            except Exception:  # keep the replayer alive; the turns stay spooled
                logger.exception("Replaying spooled turns failed")

    def probe_database(self) -> None:
        """Notes whether the database answers (turns go to the spool while it does not)."""
        try:
            with self.engine.connect() as connection:
                # A real read: SQLite answers "SELECT 1" even while its file is locked.
                connection.execute(sa.select(self._events_table.c.id).limit(1))
        except SQLAlchemyError as error:
            self._note_database_error(error)
        else:
            self._note_reachable()

    def _replay_sender(self, sender_id: Text) -> bool:
        """False when the database is away; a turn it refuses stays spooled."""
        with self._spool_lock:
            turns = self.spool.pending(sender_id)
            if not turns:
                self._pending_senders.discard(sender_id)
                return True
            stamps = [turn.earliest_timestamp for turn in turns if turn.earliest_timestamp is not None]
            since = min(stamps) - REPLAY_WINDOW_SECONDS if stamps else None
            table = self._events_table
            try:
                with self.session_scope() as session:
                    self._lock_conversation(session, sender_id)
                    query = sa.select(table).where(table.c.sender_id == sender_id)
                    earlier = None
                    if since is not None:
                        earlier = sa.select(table.c.id).where(table.c.sender_id == sender_id,
                                                              table.c.timestamp < since).limit(1)
                        query = query.where(table.c.timestamp >= since)
                    tail = [StoredRow(row.id, row.timestamp, row.data,
                                      {key: value for key, value in row._mapping.items() if key != "id"})
                            for row in session.execute(query.order_by(table.c.id))]
                    history_before_tail = earlier is not None and session.execute(earlier).first() is not None
                    plan = plan_replay(tail, turns, history_before_tail)
                    if plan.delete_ids:
                        session.execute(table.delete().where(table.c.id.in_(plan.delete_ids)))
                    if plan.insert:
                        session.execute(table.insert(), [
                            item.columns if isinstance(item, StoredRow) else _row(sender_id, item)
                            for item in plan.insert])
                    session.commit()
            except SQLAlchemyError as error:
                self._note_database_error(error)
                return self._database_reachable
            self._note_reachable()
            self.spool.discard(plan.replayed_seqs)
            self._pending_senders.discard(sender_id)
            logger.info(f"Wrote back {plan.spooled_events_written} spooled events of one conversation "
                        f"({len(turns)} turns, {len(plan.delete_ids)} stored rows moved after them); "
                        f"{self.spool.count()} turns left in {self.spool.path}.")
            return True

    def _note_database_error(self, error: Exception) -> None:
        if not _is_outage(error):
            # The database answered but refused the data: keep the turn
            # spooled (nothing is lost) and say so on every attempt.
            logger.error(f"The tracker database refused a turn, kept in {self.spool.path}: {error}")
            return
        if self._database_reachable:
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error) else repr(error)
            logger.warning(f"The tracker database is not answering ({reason}); turns are kept in "
                           f"{self.spool.path} until it does.")
        self._database_reachable = False

    def _note_reachable(self) -> None:
        if not self._database_reachable:
            logger.warning("The tracker database answers again; spooled turns are being written back.")
        self._database_reachable = True
