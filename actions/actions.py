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
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from clinicbot.callbacks import Checked, callback_reason, read_first_name, read_phone_number
from clinicbot.content import ClinicContent, cached_content
from clinicbot.conversation import (
    Reply,
    answer_for_date,
    answer_recovery_question,
    answer_treatment_date,
    is_self_treatment_question,
    parse_known_date,
    patient_today,
    self_treatment_warning,
    urgent_advice,
)
from clinicbot.dates import own_treatment_date, what_if_treated_on
from clinicbot.fever import below_fever_note
from clinicbot.privacy import erase_after_turn_is_saved
from clinicbot.segments import question_segments
from console.erasure import PatientErasure, erase_for_patient
from clinicbot.clarify import choices, likely_labels
from clinicbot import handoff
from clinicbot.planning import (
    answers_event_question,
    asks_about_an_event_ahead,
    asks_what_if,
    names_a_day_ahead,
    only_a_past_treatment,
    plan_around_event,
    plan_reasons,
    what_if_answer,
)
from clinicbot.timeline import TIMELINE_TOPIC, general_answer

FAQ_INTENT = "faq"
PLAN_INTENT = "plan_event"

RECOVERY_INTENT = "recovery"


def _patient_timezone(tracker: Tracker) -> Optional[str]:
    metadata = tracker.latest_message.get("metadata") or {}
    timezone = metadata.get("timezone") if isinstance(metadata, dict) else None
    return timezone if isinstance(timezone, str) else None


def recovery_topic(latest_message: Dict[Text, Any]) -> str:
    """'makeup' from the recovery response selector's 'recovery/makeup'."""
    selected = (
        latest_message.get("response_selector", {})
        .get(RECOVERY_INTENT, {})
        .get("response", {})
        .get("intent_response_key")
        or ""
    )
    prefix = RECOVERY_INTENT + "/"
    return selected[len(prefix) :] if selected.startswith(prefix) else TIMELINE_TOPIC


def planning_topic(latest_message: Dict[Text, Any], topics: Set[str]) -> Optional[str]:
    """The recovery topic a planning question is about ("can I wear makeup
    at my wedding", "will I still be red"): the most likely one the clinic has
    phases for."""
    ranking = latest_message.get("response_selector", {}).get(RECOVERY_INTENT, {}).get("ranking") or []
    prefix = RECOVERY_INTENT + "/"
    for item in ranking:
        key = str(item.get("intent_response_key") or "")
        if key.startswith(prefix) and key[len(prefix) :] in topics:
            return key[len(prefix) :]
    return None


def _send(reply: Reply, dispatcher: CollectingDispatcher) -> List[EventType]:
    for index, text in enumerate(reply.texts):
        is_last = index == len(reply.texts) - 1
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(
            text=text,
            json_message=reply.payload if is_last else None,
            buttons=buttons if is_last and buttons else None,
        )
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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
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
        answer = self._answer(content, tracker, today, text)
        # "37.6 on day 1, is that a fever?": the reading against the
        # clinic's threshold first, then the answer for the day.
        note = below_fever_note(content, tracker.latest_message.get("urgency"))
        if note:
            answer.texts.insert(0, note)
        return answer

    def _answer(self, content: ClinicContent, tracker: Tracker, today: date, text: str) -> Reply:
        if answers_the_event_question(content, tracker, today):
            # "When is your event?" ... "the 24th": the pending question wins.
            return _plan_reply(content, tracker, today)
        known = parse_known_date(tracker.get_slot("treatment_date"))
        if asks_about_an_event_ahead(content, text, today):
            # "can I wear makeup at my wedding on 20 December?": the plan, or
            # for a patient already treated ("had it Monday, can I wear
            # makeup at the party on Saturday?") that day of their recovery.
            return _plan_reply(content, tracker, today)
        imagined = what_if_treated_on(text, today, content.clinic.date_order)
        if imagined is not None and not (imagined >= today and asks_what_if(content, text, today)):
            # "say I'd had it a week ago, would I still be red?"
            return answer_for_date(
                content, recovery_topic(tracker.latest_message), imagined, today, newly_given=False
            )
        if asks_what_if(content, text, today):
            # "suppose I have it on Friday, when can I exercise?": the topic
            # for that day, or a plan; never the patient's treatment date.
            return _what_if_reply(
                content,
                tracker,
                today,
                _asked_labels(tracker.latest_message)[:1]
                or [f"{RECOVERY_INTENT}/{recovery_topic(tracker.latest_message)}"],
            )
        return answer_recovery_question(
            content,
            topic=recovery_topic(tracker.latest_message),
            message_text=tracker.latest_message.get("text") or "",
            known_date=known,
            today=today,
        )


def _asked_for_the_event_date(tracker: Tracker) -> bool:
    """Was the bot's last turn a plan card that asked when the event is (no
    date in it at all)?"""
    seen_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                return False
            seen_latest = True
        elif kind == "bot" and seen_latest:
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("type") == "plan" and not any(
                custom.get(key) for key in ("event_date", "treatment_date", "latest_treatment_date")
            ):
                return True
    return False


def answers_the_event_question(content: ClinicContent, tracker: Tracker, today: date) -> bool:
    """The patient answers the bot's "When is your event?" with a day ahead."""
    return _asked_for_the_event_date(tracker) and answers_event_question(
        content, tracker.latest_message.get("text") or "", today
    )


def _plan_reply(content: ClinicContent, tracker: Tracker, today: date) -> Reply:
    plan = plan_around_event(
        content,
        tracker.latest_message.get("text") or "",
        today,
        planning_topic(tracker.latest_message, set(content.topics)),
        parse_known_date(tracker.get_slot("treatment_date")),
    )
    return Reply([plan.text], payload=plan.payload(), treatment_date=plan.told_treatment)


def _topic_reply(
    content: ClinicContent,
    label: str,
    tracker: Tracker,
    today: date,
    dispatcher: CollectingDispatcher,
    text: str,
) -> List[EventType]:
    """Answers one question by its label: faq/<key> from the domain's own
    response, recovery/<topic> personalised with the treatment date."""
    intent, _, key = label.partition("/")
    if intent == FAQ_INTENT:
        dispatcher.utter_message(response=f"utter_{label}")
        return []
    reply = answer_recovery_question(
        content,
        topic=key or TIMELINE_TOPIC,
        message_text=text,
        known_date=parse_known_date(tracker.get_slot("treatment_date")),
        today=today,
    )
    return _send(reply, dispatcher)


def _answered_label(event: Dict[Text, Any]) -> Optional[str]:
    """The faq/recovery label a user event was answered with, if any."""
    parse = event.get("parse_data") or {}
    questions = parse.get("questions") or []
    intent = parse.get("intent") or {}
    label = intent.get("full_retrieval_intent_name") or ""
    if intent.get("name") == "multiple_questions" and questions:
        return questions[-1].get("label")
    if intent.get("name") == PLAN_INTENT:
        return PLAN_INTENT
    return label if "/" in label else None


class ActionAnswerQuestions(Action):
    """Two questions in one message: both answered, in the order asked. Before
    a booking or a handoff, the question asked beside it ("how much and can
    I speak to someone")."""

    def name(self) -> Text:
        return "action_answer_questions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = cached_content()
        today = patient_today(content, _patient_timezone(tracker))
        events: List[EventType] = []
        text = tracker.latest_message.get("text") or ""
        questions = tracker.latest_message.get("questions") or []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent != "multiple_questions" and len(question_segments(text)) < 2:
            # "can I book a consultation?": the request is the whole message.
            # One event all the same, or ActionFailureGuardPolicy takes the
            # silence for a failed action.
            return [SlotSet("pending_recovery_topic", tracker.get_slot("pending_recovery_topic"))]
        for question in questions:
            events += _topic_reply(content, str(question.get("label")), tracker, today, dispatcher, text)
        return events or [SlotSet("pending_recovery_topic", None)]


class ActionAnswerFollowUp(Action):
    """ "why?", "how long?": answered for the topic of the last answer."""

    def name(self) -> Text:
        return "action_answer_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = cached_content()
        today = patient_today(content, _patient_timezone(tracker))
        user_events = [e for e in tracker.events if e.get("event") == "user"][:-1]
        answered = next(
            (
                (event, found)
                for event, found in ((e, _answered_label(e)) for e in reversed(user_events))
                if found
            ),
            None,
        )
        if answered is None:
            dispatcher.utter_message(response="utter_follow_up_unknown")
            return [SlotSet("pending_recovery_topic", None)]
        earlier, label = answered
        if label == PLAN_INTENT:
            # "why that long?" after a plan: the milestones behind it, then the plan again.
            if content.planning.why:
                dispatcher.utter_message(text=plan_reasons(content))
            return _answer_plan(
                content,
                earlier.get("parse_data") or {},
                str(earlier.get("text") or ""),
                tracker,
                today,
                dispatcher,
            )
        intent, _, key = label.partition("/")
        if intent == FAQ_INTENT or key not in content.topics:
            return _topic_reply(content, label, tracker, today, dispatcher, "") or [
                SlotSet("pending_recovery_topic", None)
            ]
        known = parse_known_date(tracker.get_slot("treatment_date"))
        text = tracker.latest_message.get("text") or ""
        if known is not None and names_a_day_ahead(content, text, today):
            # "what about tomorrow?" after "not yet": that day of their recovery.
            plan = plan_around_event(content, text, today, key, known)
            if plan.recovery_day is not None:
                return _send(Reply([plan.text], payload=plan.payload()), dispatcher)
        # The clinic's general text gives the why and the how long; the
        # personal day follows when the date is known.
        dispatcher.utter_message(text=general_answer(content, key))
        if known is not None:
            return _send(answer_recovery_question(content, key, "", known, today), dispatcher)
        return [SlotSet("pending_recovery_topic", None)]


class ActionPlanEvent(Action):
    """Planning around an event: the clinic's milestones, nothing stored. A
    what-if about the treatment day alone gets its topic's answer first."""

    def name(self) -> Text:
        return "action_plan_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = cached_content()
        today = patient_today(content, _patient_timezone(tracker))
        return _answer_plan(
            content,
            tracker.latest_message,
            tracker.latest_message.get("text") or "",
            tracker,
            today,
            dispatcher,
        )


def _answer_plan(
    content: ClinicContent,
    parse: Dict[Text, Any],
    text: str,
    tracker: Tracker,
    today: date,
    dispatcher: CollectingDispatcher,
) -> List[EventType]:
    """The plan for one message (its text and parse result)."""
    if only_a_past_treatment(content, text, today):
        # Read as planning, but the only day in it is one already had.
        return _send(
            answer_recovery_question(
                content,
                topic=planning_topic(parse, set(content.topics)) or TIMELINE_TOPIC,
                message_text=text,
                known_date=parse_known_date(tracker.get_slot("treatment_date")),
                today=today,
            ),
            dispatcher,
        )
    # A what-if's own question (judged without its condition), else the
    # question it answers ("when can I wear makeup?" ... "what if I have it on
    # the 5th?"); no treatment day named: the plan.
    labels = _what_if_labels(parse, tracker) if asks_what_if(content, text, today) else []
    label, plan = what_if_answer(
        content,
        text,
        today,
        labels,
        planning_topic(parse, set(content.topics)),
        parse_known_date(tracker.get_slot("treatment_date")),
    )
    events: List[EventType] = []
    if label is not None and label.startswith(FAQ_INTENT + "/"):
        dispatcher.utter_message(response=f"utter_{label}")
    elif label is not None:
        dispatcher.utter_message(text=general_answer(content, label.split("/", 1)[1]))
    if plan is not None:
        events = _send(
            Reply([plan.text], payload=plan.payload(), treatment_date=plan.told_treatment), dispatcher
        )
    return events or [SlotSet("pending_recovery_topic", None)]


def _asked_labels(latest_message: Dict[Text, Any]) -> List[str]:
    """faq/recovery labels a message asks about, most likely first: the
    classifier's question (for a what-if, the question without its
    condition), then its ranking."""
    asked = [str(q.get("label")) for q in latest_message.get("questions") or []]
    ranked = [label for label, _ in likely_labels(latest_message)]
    return [label for label in dict.fromkeys(asked + ranked) if "/" in label]


def _what_if_labels(parse: Dict[Text, Any], tracker: Tracker) -> List[str]:
    asked = [str(q.get("label")) for q in parse.get("questions") or [] if "/" in str(q.get("label"))]
    pending = tracker.get_slot("pending_recovery_topic")
    return asked or ([f"{RECOVERY_INTENT}/{pending}"] if pending else [])


def _what_if_reply(content: ClinicContent, tracker: Tracker, today: date, labels: List[str]) -> Reply:
    label, plan = what_if_answer(
        content,
        tracker.latest_message.get("text") or "",
        today,
        labels,
        planning_topic(tracker.latest_message, set(content.topics)),
        parse_known_date(tracker.get_slot("treatment_date")),
    )
    texts = [general_answer(content, label.split("/", 1)[1])] if label else []
    if plan is None:
        return Reply(texts)
    return Reply(texts + [plan.text], payload=plan.payload())


class ActionClarify(Action):
    """Not sure what was asked: offer the most likely topics as buttons."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = cached_content()
        today = patient_today(content, _patient_timezone(tracker))
        if answers_the_event_question(content, tracker, today):
            # "When is your event?" ... "its 18 Dec": unsure of the label,
            # but the question waiting for a date is answered.
            return _send(_plan_reply(content, tracker, today), dispatcher)
        picked = choices(content, tracker.latest_message)
        if len(picked) < 2:
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(
                response="utter_clarify",
                buttons=[{"title": choice.title, "payload": choice.question} for choice in picked],
            )
        return [SlotSet("pending_recovery_topic", None)]


class ActionUrgentAdvice(_ClinicAction):
    """Urgent advice that knows whether the clinic is open right now.

    If the action server fails, ActionFailureGuardPolicy answers with the
    static utter_red_flag instead, so urgent advice never depends on it."""

    def name(self) -> Text:
        return "action_urgent_advice"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        text = tracker.latest_message.get("text") or ""
        told = own_treatment_date(text, today, content.clinic.date_order)
        return urgent_advice(content, dt.datetime.now(dt.timezone.utc), told.date if told else None)


class ActionHumanHandoff(_ClinicAction):
    """A patient asks for a person: queued for live staff while the clinic is
    open, else the out-of-hours route and a call back offer (clinicbot/handoff.py)."""

    def name(self) -> Text:
        return "action_human_handoff"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        return handoff.handoff_reply(content, dt.datetime.now(dt.timezone.utc))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = cached_content()
        reply = self.reply(content, tracker, patient_today(content, _patient_timezone(tracker)))
        status = handoff.WAITING if handoff.queues_for_staff(reply) else None
        return _send(reply, dispatcher) + [SlotSet(handoff.STATUS_SLOT, status)]


CALLBACK_SLOTS = ("callback_name", "callback_phone", "callback_consent", "callback_reason")


class ActionCallbackStart(Action):
    """Empties an earlier request's answers so the form asks again."""

    def name(self) -> Text:
        return "action_callback_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]


class ValidateCallbackForm(FormValidationAction):
    """First name and phone number, read by clinicbot.callbacks; a problem gets
    the clinic's retry text and the form asks again."""

    def name(self) -> Text:
        return "validate_callback_form"

    @staticmethod
    def _verdict(slot: str, checked: Checked, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        if checked.problem:
            dispatcher.utter_message(response=f"utter_{checked.problem}")
        return {slot: checked.value}

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._verdict("callback_name", read_first_name(str(value or "")), dispatcher)

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        checked = read_phone_number(str(value or ""), cached_content().clinic.region)
        return self._verdict("callback_phone", checked, dispatcher)

    def validate_callback_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in CONSENT_ANSWERS:
            return {"callback_consent": CONSENT_ANSWERS[intent]}
        dispatcher.utter_message(response="utter_callback_consent_unclear")
        return {"callback_consent": None}


CONSENT_ANSWERS = {"affirm": True, "deny": False}


class ActionCallbackSubmit(Action):
    """With consent, records why (callback_reason: the request the console
    lists) and confirms; without, forgets the number and gives the phone numbers."""

    def name(self) -> Text:
        return "action_callback_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        complete = tracker.get_slot("callback_consent") is True and all(
            tracker.get_slot(slot) for slot in ("callback_name", "callback_phone")
        )
        if not complete:
            dispatcher.utter_message(response="utter_callback_declined")
            return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        dispatcher.utter_message(response="utter_callback_confirmed")
        reason = callback_reason(bool(tracker.get_slot("red_flag_followup")))
        return [SlotSet("callback_reason", reason)]


class ActionStoreTreatmentDate(_ClinicAction):
    def name(self) -> Text:
        return "action_store_treatment_date"

    def reply(self, content: ClinicContent, tracker: Tracker, today: date) -> Reply:
        if answers_the_event_question(content, tracker, today):
            # "When is your event?" ... "4 January": the event, nothing stored
            return _plan_reply(content, tracker, today)
        if asks_what_if(content, tracker.latest_message.get("text") or "", today):
            # "say I get it done on 9 December": a plan, never the treatment date
            return _what_if_reply(content, tracker, today, _what_if_labels(tracker.latest_message, tracker))
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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        database_url = os.environ.get("TRACKER_DB_URL")
        if not database_url:
            dispatcher.utter_message(response="utter_delete_failed")
            return [SlotSet("pending_recovery_topic", None)]
        engine = _tracker_store_engine(database_url)
        loop = asyncio.get_running_loop()
        console_side = loop.run_in_executor(None, erase_for_patient, tracker.sender_id)
        # The erase waits for Rasa to save this turn, so it must not block it.
        task = loop.run_in_executor(None, erase_after_turn_is_saved, engine, tracker.sender_id, self.name())
        _background_erasures.add(task)
        task.add_done_callback(_background_erasures.discard)
        try:
            console = await asyncio.wait_for(asyncio.shield(console_side), CONSOLE_ERASURE_SECONDS)
        except asyncio.TimeoutError:
            console = PatientErasure(done=False)
        dispatcher.utter_message(response=deletion_response(console))
        return [SlotSet("pending_recovery_topic", None)]


# A staff database that answers slower than this counts as unreachable for the reply;
# the erasure itself carries on, and reconciliation finishes it if it fails.
CONSOLE_ERASURE_SECONDS = 10.0


def deletion_response(console: PatientErasure) -> str:
    """Never more than was done: the console side may be pending, and a model trained
    on the patient's corrections keeps them until the next retrain."""
    if not console.done:
        return "utter_conversation_deleted_notes_pending"
    if console.was_in_training_sources:
        return "utter_conversation_deleted_from_training"
    return "utter_conversation_deleted"


_background_erasures: Set["asyncio.Future[Optional[int]]"] = set()
_engines: Dict[str, Engine] = {}


def _tracker_store_engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = sa.create_engine(url)
    return _engines[url]
