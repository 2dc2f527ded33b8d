"""Callback requests: reading a first name and a phone number, and when to offer a call.

Plain Python; the Rasa form's validation action (actions/actions.py) only
passes the patient's text in and the verdict back. Every text a patient sees
comes from clinic/clinic.yml (`responses:`), keyed by the names below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberMatcher

from clinicbot.content import ClinicContent

MAX_NAME_CHARS = 40
MAX_NAME_WORDS = 3
# What a patient may type around their name: "my name is Ana", "it's Ana."
NAME_PREFIX = re.compile(r"^(?:(?:hi|hello|hey)[,!.]?\s+)?(?:my name is|my name's|name is|"
                         r"my first name is|i am|i'm|im|it is|it's|its|this is|call me)\s+",
                         re.IGNORECASE)
# Letters of any script, joined by single spaces, hyphens or apostrophes: "Anne-Marie",
# "O'Brien", "José". No digits, no markup, nothing a page could render as HTML.
NAME = re.compile(r"[^\W\d_]+(?:(?:[ '’-]|\. ?)[^\W\d_]+)*\.?")
# Longer input is never a phone number worth searching (messages are capped at 2,000).
MAX_PHONE_INPUT = 200

CALLBACK_OFFER = "callback_offer"        # response with the request/decline buttons
REQUEST_PAYLOAD = "/request_callback"

# Why a callback was requested; the console lists red-flag ones first.
REASON_RED_FLAG = "red_flag"
REASON_HANDOFF = "handoff"


@dataclass(frozen=True)
class Checked:
    """A value to store, or the clinic.yml response that explains the problem."""
    value: Optional[str] = None
    problem: Optional[str] = None


def read_first_name(text: str) -> Checked:
    cleaned = " ".join(str(text or "").split())
    cleaned = NAME_PREFIX.sub("", cleaned).strip(" ,!?")
    if len(cleaned) > MAX_NAME_CHARS or len(cleaned.split()) > MAX_NAME_WORDS:
        return Checked(problem="callback_name_too_long")
    if not cleaned or not NAME.fullmatch(cleaned):
        return Checked(problem="callback_name_invalid")
    return Checked(value=cleaned)


def read_phone_number(text: str, region: str) -> Checked:
    """A number valid for the clinic's region, or a valid one in international form
    (+33 ...); stored in international format so anyone can dial it."""
    text = str(text or "").strip()
    if not text or len(text) > MAX_PHONE_INPUT:
        return Checked(problem="callback_phone_invalid")
    candidates = [match.number for match in PhoneNumberMatcher(text, region)]
    if not candidates:
        try:
            candidates = [phonenumbers.parse(text, region)]
        except phonenumbers.NumberParseException:
            candidates = []
    for number in candidates:
        if phonenumbers.is_valid_number(number):
            return Checked(value=phonenumbers.format_number(
                number, PhoneNumberFormat.INTERNATIONAL))
    return Checked(problem="callback_phone_invalid")


def callback_reason(had_red_flag: bool) -> str:
    return REASON_RED_FLAG if had_red_flag else REASON_HANDOFF


def offer_buttons(content: ClinicContent) -> List[Tuple[str, str]]:
    return [(content.render(title), payload)
            for title, payload in content.response_buttons.get(CALLBACK_OFFER, ())]


def request_button(content: ClinicContent) -> List[Tuple[str, str]]:
    """Only the "Request a call back" button, for the urgent card."""
    return [button for button in offer_buttons(content) if button[1] == REQUEST_PAYLOAD]
