"""Callback requests, read from the tracker store's events.

The chat's callback form stores the patient's answers as slots
(callback_name, callback_phone, callback_consent); with consent, the bot then
sets callback_reason ("red_flag" or "handoff"). Each such callback_reason
event is one request, with the answers given before it. Nothing is copied
into the console's own tables, so erasing the conversation (chat, console or
purge) removes the number everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from console.masking import mask
from console.tracker import events, json_text

NAME_SLOT, PHONE_SLOT, CONSENT_SLOT = "callback_name", "callback_phone", "callback_consent"
REASON_SLOT = "callback_reason"
RED_FLAG = "red_flag"
REASONS = {RED_FLAG: "Red flag", "handoff": "Asked for a person"}
STATUS_LABELS = {"new": "New", "called": "Called", "no_answer": "No answer", "done": "Done"}


@dataclass
class CallbackRequest:
    request_id: int          # the id of its callback_reason event
    sender_id: str
    conversation_id: int
    requested_at: float
    name: str
    phone: str
    reason: str

    @property
    def red_flag(self) -> bool:
        return self.reason == RED_FLAG

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)


def callback_requests(engine: Engine, sender_id: Optional[str] = None,
                      senders: Optional[Sequence[str]] = None) -> List[CallbackRequest]:
    slot_events = and_(events.c.type_name == "slot",
                       events.c.action_name.in_((NAME_SLOT, PHONE_SLOT, CONSENT_SLOT,
                                                 REASON_SLOT)))
    with_requests = select(events.c.sender_id).where(
        events.c.type_name == "slot", events.c.action_name == REASON_SLOT,
        json_text(events.c.data, "value").isnot(None))
    if sender_id is not None:
        with_requests = with_requests.where(events.c.sender_id == sender_id)
    if senders is not None:
        with_requests = with_requests.where(events.c.sender_id.in_(list(senders)))
    query = (select(events.c.id, events.c.sender_id, events.c.timestamp, events.c.action_name,
                    json_text(events.c.data, "value").label("value"))
             .where(slot_events, events.c.sender_id.in_(with_requests))
             .order_by(events.c.id))
    firsts = (select(events.c.sender_id, func.min(events.c.id).label("first_id"))
              .where(events.c.sender_id.in_(with_requests)).group_by(events.c.sender_id))
    with engine.connect() as conn:
        conversation_ids = {r.sender_id: r.first_id for r in conn.execute(firsts)}
        rows = conn.execute(query).all()
    answers: Dict[str, Dict[str, Optional[str]]] = {}
    found: List[CallbackRequest] = []
    for row in rows:
        given = answers.setdefault(row.sender_id, {})
        value = None if row.value is None else str(row.value)
        if row.action_name != REASON_SLOT:
            given[row.action_name] = value
            continue
        # json_text gives JSON true as 1 (SQLite) or "true" (PostgreSQL)
        consented = given.get(CONSENT_SLOT) in ("1", "true", "True")
        if value and consented and given.get(PHONE_SLOT):
            found.append(CallbackRequest(row.id, row.sender_id, conversation_ids[row.sender_id],
                                         row.timestamp or 0.0, given.get(NAME_SLOT) or "",
                                         given[PHONE_SLOT] or "", value))
    return found


def in_queue_order(requests: List[CallbackRequest], statuses: Dict[int, Dict]
                   ) -> List[CallbackRequest]:
    """Open requests before done ones; within each, red flags first, then oldest first."""
    def order(request: CallbackRequest):
        done = statuses.get(request.request_id, {}).get("status") == "done"
        return (done, not request.red_flag, request.requested_at, request.request_id)

    return sorted(requests, key=order)


def latest_by_sender(engine: Engine, senders: Sequence[str]) -> Dict[str, CallbackRequest]:
    """Each conversation's latest callback request, for the red-flag queue."""
    latest: Dict[str, CallbackRequest] = {}
    if not senders:
        return latest
    for request in callback_requests(engine, senders=senders):
        latest[request.sender_id] = request  # in event order: the last one wins
    return latest


def request_by_id(engine: Engine, request_id: int) -> Optional[CallbackRequest]:
    with engine.connect() as conn:
        sender = conn.execute(select(events.c.sender_id).where(
            events.c.id == request_id, events.c.type_name == "slot",
            events.c.action_name == REASON_SLOT)).scalar_one_or_none()
    if sender is None:
        return None
    return next((r for r in callback_requests(engine, sender) if r.request_id == request_id), None)


def hide_callback_numbers(items: List, region: str) -> bool:
    """Masks a conversation's callback numbers in its transcript items (texts and the
    callback_phone slot), wherever the patient or the bot wrote them, in any format;
    other numbers (the clinic's own) stay as they are. True if there were any."""
    found = (_e164(str(item.value), region) for item in items
             if item.kind == "slot" and item.slot == PHONE_SLOT and item.value)
    numbers = {number for number in found if number is not None}
    if not numbers:
        return False
    for item in items:
        if item.kind == "slot" and item.slot == PHONE_SLOT and item.value:
            item.value = mask(str(item.value), region)
        if item.text:
            item.text = _mask_numbers(item.text, numbers, region)
    return True


def _e164(text: str, region: str) -> Optional[str]:
    try:
        return phonenumbers.format_number(phonenumbers.parse(text, region),
                                          phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return None


def _mask_numbers(text: str, numbers: Set[str], region: str) -> str:
    spans = [(m.start, m.end) for m in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE)
             if phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) in numbers]
    for start, end in reversed(spans):
        text = text[:start] + mask(text[start:end], region) + text[end:]
    return text
