"""Custom actions: thin adapters from a Rasa tracker to clinicbot.conversation.

Every action returns at least one event or message: the dialogue policy
ActionFailureGuardPolicy reads "a custom action with no events" as a failure
and answers for it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.content import ClinicContent, cached_content
from clinicbot.conversation import (Reply, answer_recovery_question, answer_treatment_date,
                                    parse_known_date, patient_today)
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
        return answer_recovery_question(
            content,
            topic=recovery_topic(tracker.latest_message),
            message_text=tracker.latest_message.get("text") or "",
            known_date=parse_known_date(tracker.get_slot("treatment_date")),
            today=today,
        )


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
