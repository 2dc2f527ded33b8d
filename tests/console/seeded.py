"""The fast tier: the console app (Flask's test client) on a tracker store that Rasa's own
SQLTrackerStore wrote, from conversations declared with console.conversation_filters'
Said / Answered / SlotWasSet. No bot, no server: a test runs in well under a second."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Dict

from console import staff_db
from console.config import ConsoleSettings, resolve_db_url
from console.conversation_filters import Answered, Conversation, Said, SlotWasSet

ADMIN_PASSWORD = "correct-horse-battery-staple"
REVIEWER_PASSWORD = "quiet-lantern-orbit-1234"
CSRF_TOKEN = "test-csrf-token"
CLINIC_TZ = "Europe/London"
TEST_SENDER_PREFIXES = ("test-", "bench-")


def rasa_events(conversation: Conversation, started_at: float) -> list:
    """The events the bot would have stored for the conversation, one second apart."""
    from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)

    clock = iter(started_at + second for second in range(1000))
    events = [ActionExecuted("action_session_start", timestamp=next(clock)),
              SessionStarted(timestamp=next(clock)),
              ActionExecuted("action_listen", timestamp=next(clock))]
    for step in conversation.steps:
        if isinstance(step, Said):
            intent = {"name": step.intent, "confidence": step.confidence}
            if step.retrieval_intent:
                intent["full_retrieval_intent_name"] = step.retrieval_intent
            events.append(UserUttered(step.text, intent, [], {
                "intent": intent, "entities": [], "text": step.text,
                "intent_ranking": [{"name": step.intent, "confidence": step.confidence}]},
                timestamp=next(clock)))
        elif isinstance(step, SlotWasSet):
            events.append(SlotSet(step.name, step.value, timestamp=next(clock)))
        elif isinstance(step, Answered):
            events.append(ActionExecuted("utter_answer", policy="RulePolicy", confidence=1.0,
                                         timestamp=next(clock)))
            events.append(BotUttered(step.text, {"buttons": None, "custom": None},
                                     timestamp=next(clock)))
            events.append(ActionExecuted("action_listen", timestamp=next(clock)))
    return events


def write_tracker_store(db_path: Path, conversations: Dict[str, Conversation]) -> None:
    """Stores each sender's conversation with Rasa's SQLTrackerStore (table `events`), a
    minute apart in the order given (the last is the newest), ending before now."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db_path))
    first = time.time() - 60 * (len(conversations) + 1)
    for order, (sender, conversation) in enumerate(conversations.items()):
        started_at = first + 60 * order - conversation.days_ago * 86400
        tracker = DialogueStateTracker.from_events(sender, rasa_events(conversation, started_at))
        asyncio.run(tracker_store.save(tracker))
    tracker_store.engine.dispose()


class SeededConsole:
    """The console app on a seeded tracker store, with an admin and a reviewer."""

    def __init__(self, work: Path, conversations: Dict[str, Conversation]) -> None:
        from console.web import create_app

        self.work = work
        self.tracker_url = f"sqlite:///{work / 'tracker.db'}"
        write_tracker_store(work / "tracker.db", conversations)
        self.settings = ConsoleSettings(tracker_db_url=resolve_db_url(self.tracker_url),
                                 staff_db_url=resolve_db_url(f"sqlite:///{work / 'staff.db'}"),
                                 secret_key="k" * 40, erasure_key=b"e" * 40,
                                 retrain_root=work,
                                 clinic_timezone=CLINIC_TZ,
                                 test_sender_prefixes=TEST_SENDER_PREFIXES)
        self.app = create_app(self.settings, run_migrations=True)
        self.app.config["TESTING"] = True
        self.staff = self.app.extensions["console"].staff
        self.tracker = self.app.extensions["console"].tracker
        self.users = {"admin": staff_db.create_user(self.staff, "admin", ADMIN_PASSWORD, "admin"),
                      "reviewer": staff_db.create_user(self.staff, "reviewer", REVIEWER_PASSWORD,
                                                    "reviewer")}
        from sqlalchemy import func, select

        from console.tracker import events
        with self.tracker.connect() as conn:
            self.ids: Dict[str, int] = dict(conn.execute(
                select(events.c.sender_id, func.min(events.c.id))
                .group_by(events.c.sender_id)).all())

    def client(self, username: str = "reviewer"):
        """A test client with a live session for `username` and a known CSRF token."""
        client = self.app.test_client()
        token = staff_db.start_session(self.staff, self.users[username], "127.0.0.1")
        with client.session_transaction() as session:
            session["sid"] = token
            session["csrf"] = CSRF_TOKEN
        return client
