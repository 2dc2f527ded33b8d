"""Custom actions: thin adapters from a Rasa tracker to clinicbot.conversation.

Every action returns at least one event or message: the dialogue policy
ActionFailureGuardPolicy reads "a custom action with no events" as a failure
and answers for it.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
from abc import ABC, abstractmethod
from datetime import date
from typing import Any, Dict, List, Optional, Set, Text

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.content import ClinicContent, cached_content
from clinicbot.conversation import (Reply, answer_recovery_question, answer_treatment_date,
                                    is_self_treatment_question, parse_known_date,
                                    patient_today, self_treatment_warning, urgent_advice)
from clinicbot.privacy import erase_after_turn_is_saved
from clinicbot.timeline import TIMELINE_TOPIC

RECOVERY_INTENT = "recovery"


def _patient_timezone(tracker: Tracker) -> Optional[str]:
    metadata = tracker.latest_message.get("metadata") or {}
    timezone = metadata.get("timezone") if isinstance(metadata, dict) else None
    return timezone if isinstance(timezone, str) else None


def recovery_topic(latest_message: Dict[Text, Any]) -> str:
    """'makeup' from the recovery response selector's 'recovery/makeup'."""
    selected = (latest_message.get("response_selector", {}).get(RECOVERY_INTENT, {})
                .get("response", {}).get("intent_response_key") or "")
    prefix = RECOVERY_INTENT + "/"
    return selected[len(prefix):] if selected.startswith(prefix) else TIMELINE_TOPIC


def _send(reply: Reply, dispatcher: CollectingDispatcher) -> List[EventType]:
    for index, text in enumerate(reply.texts):
        is_last = index == len(reply.texts) - 1
        dispatcher.utter_message(text=text, json_message=reply.payload if is_last else None)
    events: List[EventType] = [SlotSet("pending_recovery_topic", reply.pending_topic)]
    if reply.treatment_date is not None:
        events.append(SlotSet("treatment_date", reply.treatment_date.isoformat()))
    return events


class _ClinicAction(Action, ABC):
    """Runs one clinicbot.conversation function and sends its reply.

    Abstract, so rasa-sdk does not register it as an action of its own."""

    @abstractmethod
    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        """The reply for this tracker."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        content = cached_content()
        today = patient_today(content, _patient_timezone(tracker))
        return _send(self.reply(content, tracker, today), dispatcher)


class ActionRecoveryAnswer(_ClinicAction):
    def name(self) -> Text:
        return "action_recovery_answer"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("red_flag_followup") and is_self_treatment_question(text):
            # After urgent advice, home treatment is not the answer: call.
            return self_treatment_warning(content)
        return answer_recovery_question(
            content,
            topic=recovery_topic(tracker.latest_message),
            message_text=tracker.latest_message.get("text") or "",
            known_date=parse_known_date(tracker.get_slot("treatment_date")),
            today=today,
        )


class ActionUrgentAdvice(_ClinicAction):
    """Urgent advice that knows whether the clinic is open right now.

    If the action server fails, ActionFailureGuardPolicy answers with the
    static utter_red_flag instead, so urgent advice never depends on it."""

    def name(self) -> Text:
        return "action_urgent_advice"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        return urgent_advice(content, dt.datetime.now(dt.timezone.utc))


class ActionStoreTreatmentDate(_ClinicAction):
    def name(self) -> Text:
        return "action_store_treatment_date"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        return answer_treatment_date(
            content,
            message_text=tracker.latest_message.get("text") or "",
            pending_topic=tracker.get_slot("pending_recovery_topic"),
            today=today,
        )


class ActionDeleteConversation(Action):
    """Erases the patient's conversation after they confirmed it."""

    def name(self) -> Text:
        return "action_delete_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        database_url = os.environ.get("TRACKER_DB_URL")
        if not database_url:
            dispatcher.utter_message(response="utter_delete_failed")
            return [SlotSet("pending_recovery_topic", None)]
        engine = _tracker_store_engine(database_url)
        # The erase waits for Rasa to save this turn, so it must not block it.
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(None, erase_after_turn_is_saved, engine,
                                    tracker.sender_id, self.name())
        _background_erasures.add(task)
        task.add_done_callback(_background_erasures.discard)
        dispatcher.utter_message(response="utter_conversation_deleted")
        return [SlotSet("pending_recovery_topic", None)]


_background_erasures: Set["asyncio.Future[Optional[int]]"] = set()
_engines: Dict[str, Engine] = {}


def _tracker_store_engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = sa.create_engine(url)
    return _engines[url]
