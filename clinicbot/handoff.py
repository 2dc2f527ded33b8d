"""A patient asks for a person, and live handoff to a member of staff.

What action_human_handoff answers depends on the clinic's opening hours
(clinic.yml `clinic.weekly_hours`):

- open: the patient waits for a member of staff, who takes the conversation
  from the staff console (live handoff, below);
- closed: the clinic's and the out-of-hours numbers, and a call back offer
  (the callback form, clinicbot/callbacks.py).

The live handoff's state lives in Rasa's tracker, nowhere else, so every
process (Rasa, the widget server, the console) reads the same truth:

- the slot `handoff_status` is "waiting" (the patient asked for a person while
  the clinic was open) or "staff" (a member of staff has the conversation; a
  rule keeps the bot silent then, except for red flags), else empty;
- the slot `handoff_staff` names the member of staff;
- staff messages are bot events whose metadata names the member of staff.

This module turns tracker events (Rasa's JSON) into that state, and builds the
events the console appends through Rasa's HTTP API. No Rasa import;
actions/actions.py only sends the replies.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from clinicbot.callbacks import offer_buttons
from clinicbot.content import ClinicContent, ContentError
from clinicbot.conversation import Reply
from clinicbot.opening_hours import describe_opening

STATUS_SLOT = "handoff_status"
STAFF_SLOT = "handoff_staff"
WAITING = "waiting"
WITH_STAFF = "staff"
# In a bot event's metadata: the member of staff who wrote it.
STAFF_KEY = "handoff_staff"
# In a bot event's metadata: a notice about the handoff (joined, handed back...).
NOTICE_KEY = "handoff_notice"
# What the trigger_intent API puts into the user event it adds.
EXTERNAL_PREFIX = "EXTERNAL: "
# Triggered through the HTTP API when nobody took a waiting patient in time;
# a rule answers it with the call back offer (utter_callback_offer).
UNANSWERED_INTENT = "handoff_unanswered"
MAX_STAFF_MESSAGE = 2000
TEXT_KEYS = ("waiting", "staff_joined", "handed_back", "closed", "unanswered")
# Keys of the clinic file's `handoff:` section that clinicbot.content reads.
CONTENT_KEYS = ("when_closed",)


class HandoffError(ValueError):
    """A staff action that cannot be done (with a message for the staff member)."""


@dataclass(frozen=True)
class HandoffSettings:
    unanswered_after_seconds: float
    texts: Mapping[str, str]   # TEXT_KEYS -> template with {clinic.*} and {staff}

    def text(self, content: ClinicContent, key: str, staff: str = "") -> str:
        return content.render(self.texts[key], extra={"staff": staff})


def load_settings(content: ClinicContent) -> HandoffSettings:
    """The live handoff's part of the clinic file's `handoff:` section, validated
    (`when_closed` is read with the rest of the content, as content.handoff)."""
    path = Path(content.source)
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    section = data.get("handoff") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ContentError(f"{path}: a 'handoff:' section is required (see README, live handoff)")
    seconds = section.get("unanswered_after_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not math.isfinite(seconds) or seconds <= 0:
        raise ContentError(f"{path}: 'handoff.unanswered_after_seconds' must be a number of "
                           f"seconds above 0, got {seconds!r}")
    texts: Dict[str, str] = {}
    for key in TEXT_KEYS:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{path}: 'handoff.{key}' must be a text")
        texts[key] = " ".join(value.split())
        content.render(texts[key], extra={"staff": "x"})  # unknown placeholders stop here
    unknown = sorted(set(section) - set(TEXT_KEYS) - set(CONTENT_KEYS)
                     - {"unanswered_after_seconds"})
    if unknown:
        raise ContentError(f"{path}: unknown key(s) in 'handoff': {', '.join(map(str, unknown))}")
    return HandoffSettings(float(seconds), texts)


# --- what the bot answers ------------------------------------------------------------

def handoff_when_open(content: ClinicContent, settings: HandoffSettings) -> Reply:
    """Someone can answer now: the patient waits in the console's Live chats queue.

    The widget starts fetching staff messages when it sees this payload; the
    action sets handoff_status to WAITING."""
    return Reply([settings.text(content, "waiting")],
                 payload={"type": "handoff", "status": WAITING})


def handoff_when_closed(content: ClinicContent, now: dt.datetime) -> Reply:
    """Nobody can answer now: the clinic's and the out-of-hours numbers, and a call back."""
    opens = content.clinic.weekly_hours.next_opening(now)
    text = content.render(content.handoff.when_closed, extra={
        "opens_next": describe_opening(opens, now) if opens else "as soon as we can"})
    return Reply([text], buttons=offer_buttons(content))


def handoff_reply(content: ClinicContent, now: dt.datetime) -> Reply:
    if content.clinic.weekly_hours.is_open(now):
        return handoff_when_open(content, load_settings(content))
    return handoff_when_closed(content, now)


def queues_for_staff(reply: Reply) -> bool:
    """Whether this handoff reply put the patient in the staff queue."""
    return (reply.payload or {}).get("status") == WAITING


# --- the live handoff's state --------------------------------------------------------

@dataclass(frozen=True)
class HandoffState:
    status: Optional[str] = None    # None, WAITING or WITH_STAFF
    since: Optional[float] = None   # when the status was set (epoch seconds)
    staff: Optional[str] = None

    def unanswered(self, now: float, settings: HandoffSettings) -> bool:
        return (self.status == WAITING and self.since is not None
                and now - self.since >= settings.unanswered_after_seconds)


def state_of(events: Sequence[Mapping[str, Any]]) -> HandoffState:
    status: Optional[str] = None
    since: Optional[float] = None
    staff: Optional[str] = None
    for event in events:
        if event.get("event") != "slot":
            continue
        if event.get("name") == STATUS_SLOT:
            value = event.get("value")
            if value != status:
                since = _number(event.get("timestamp"))
            status = value if value in (WAITING, WITH_STAFF) else None
        elif event.get("name") == STAFF_SLOT:
            staff = event.get("value") if isinstance(event.get("value"), str) else None
    return HandoffState(status, since if status else None, staff if status == WITH_STAFF else None)


def _mapping(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_external(event: Mapping[str, Any]) -> bool:
    metadata = _mapping(event.get("metadata"))
    return bool(metadata.get("is_external")) or \
        str(event.get("text") or "").startswith(EXTERNAL_PREFIX)


def pushed_messages(events: Sequence[Mapping[str, Any]], after: Optional[int]
                    ) -> Tuple[List[Dict[str, Any]], int]:
    """Bot messages the patient's widget did not get as replies to its own
    messages, after event index `after`, and the index to ask from next time.

    The REST webhook returns the bot messages of the patient's own turn (from
    their message to the next action_listen). Everything else - staff
    messages and notices appended through the HTTP API, the bot's answer to an
    intent triggered through the API - only reaches the widget by polling.
    Without `after` (a widget that just started polling), it starts at the
    latest handoff request, so nothing the staff wrote since is missed.
    """
    if after is None:
        after = len(events)
        for index, event in enumerate(events):
            if event.get("event") == "slot" and event.get("name") == STATUS_SLOT \
                    and event.get("value") == WAITING:
                after = index
    messages: List[Dict[str, Any]] = []
    in_patient_turn = False
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "user":
            in_patient_turn = not _is_external(event)
        elif kind == "action" and event.get("name") == "action_listen":
            in_patient_turn = False
        elif kind == "bot" and not in_patient_turn and index >= after:
            messages.append(widget_message(event))
    return messages, len(events)


def widget_message(event: Mapping[str, Any]) -> Dict[str, Any]:
    """A bot event in the shape of a REST webhook reply, plus who wrote it."""
    data = _mapping(event.get("data"))
    metadata = _mapping(event.get("metadata"))
    message: Dict[str, Any] = {"text": str(event.get("text") or "")}
    if isinstance(data.get("buttons"), list) and data["buttons"]:
        message["buttons"] = data["buttons"]
    if isinstance(data.get("custom"), dict):
        message["custom"] = data["custom"]
    if isinstance(metadata.get(STAFF_KEY), str):
        message["staff"] = metadata[STAFF_KEY]
    return message


# --- events the console appends through Rasa's HTTP API -------------------------------

def _slot(name: str, value: Optional[str]) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


# Rasa's events that end whatever form is active (none is a no-op).
STOP_FORM: Dict[str, Any] = {"event": "active_loop", "name": None}
REQUESTED_SLOT = "requested_slot"


def _bot(text: str, **metadata: Any) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}, "metadata": metadata}


def clean_staff_message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise HandoffError("Type a message first.")
    if len(text) > MAX_STAFF_MESSAGE:
        raise HandoffError(f"That message is {len(text)} characters long; "
                           f"the limit is {MAX_STAFF_MESSAGE}.")
    return text


def take_events(state: HandoffState, staff: str, content: ClinicContent,
                settings: HandoffSettings) -> List[Dict[str, Any]]:
    if state.status == WITH_STAFF and state.staff != staff:
        raise HandoffError(f"{state.staff} already has this conversation.")
    if state.status == WITH_STAFF:
        return []
    # A callback form the patient started while waiting stops: staff are there
    # now, and its next question would take the patient's reply to them.
    return [STOP_FORM, _slot(REQUESTED_SLOT, None),
            _slot(STATUS_SLOT, WITH_STAFF), _slot(STAFF_SLOT, staff),
            _bot(settings.text(content, "staff_joined", staff), **{NOTICE_KEY: "joined",
                                                                    STAFF_KEY: staff})]


def _require_holder(state: HandoffState, staff: str) -> None:
    if state.status != WITH_STAFF:
        raise HandoffError("Take the conversation first.")
    if state.staff != staff:
        raise HandoffError(f"{state.staff} has this conversation.")


def reply_events(state: HandoffState, staff: str, text: str) -> List[Dict[str, Any]]:
    _require_holder(state, staff)
    return [_bot(clean_staff_message(text), **{STAFF_KEY: staff})]


def release_events(state: HandoffState, staff: str, how: str, content: ClinicContent,
                   settings: HandoffSettings) -> List[Dict[str, Any]]:
    """Hand back to the bot (how="handed_back") or close (how="closed")."""
    if how not in ("handed_back", "closed"):
        raise HandoffError(f"unknown way to end a handoff: {how}")
    if state.status == WAITING and how == "closed":
        # A waiting patient nobody will take: say so, the bot answers again.
        return [_slot(STATUS_SLOT, None), _slot(STAFF_SLOT, None),
                _bot(settings.text(content, "closed", staff), **{NOTICE_KEY: how, STAFF_KEY: staff})]
    _require_holder(state, staff)
    return [_slot(STATUS_SLOT, None), _slot(STAFF_SLOT, None),
            _bot(settings.text(content, how, staff), **{NOTICE_KEY: how, STAFF_KEY: staff})]


def unanswered_events(content: ClinicContent, settings: HandoffSettings) -> List[Dict[str, Any]]:
    """Nobody took the conversation in time: back to the bot, with a notice. The
    caller then triggers UNANSWERED_INTENT, whose rule offers the call back."""
    return [_slot(STATUS_SLOT, None), _bot(settings.text(content, "unanswered"),
                                           **{NOTICE_KEY: "unanswered"})]


def _number(value: Any) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
