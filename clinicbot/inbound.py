"""What the REST webhook accepts from a browser, before Rasa sees it.

Plain Python so the rules are tested without a server; the Rasa input
channel (channels/clinic_rest.py) only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable, Optional
from zoneinfo import available_timezones

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# The metadata keys the product uses, each with its longest allowed value.
METADATA_LIMITS = {"timezone": 64, "language": 16}


class Refused(ValueError):
    """The request is malformed: answered with 400 and this text."""


@dataclass(frozen=True)
class Inbound:
    sender: str
    text: Any  # a str, or whatever came (Rasa drops non-text)
    metadata: Dict[str, str]
    too_long: bool = False


@lru_cache(maxsize=1)
def _timezones() -> FrozenSet[str]:
    return frozenset(available_timezones())


def clean_metadata(metadata: Any) -> Dict[str, str]:
    """Only the keys the product reads, as short strings; an unknown timezone
    is dropped so the clinic's own timezone applies."""
    if not isinstance(metadata, dict):
        return {}
    kept: Dict[str, str] = {}
    for key, limit in METADATA_LIMITS.items():
        value = metadata.get(key)
        if isinstance(value, str) and 0 < len(value) <= limit:
            kept[key] = value
    if "timezone" in kept and kept["timezone"] not in _timezones():
        del kept["timezone"]
    return kept


def plain_text(text: str, own_payloads: Iterable[str]) -> str:
    """A typed "/red_flag" would force an intent; only the bot's own button
    payloads may do that. Anything else is read as words."""
    stripped = text.strip()
    if stripped.startswith("/") and stripped not in set(own_payloads):
        return stripped.lstrip("/")
    return text


def check(body: Any, own_payloads: Iterable[str]) -> Inbound:
    if not isinstance(body, dict):
        raise Refused("the body must be a JSON object with 'sender' and 'message'")
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise Refused("'sender' is required: a non-empty string that identifies the chat")
    if len(sender) > MAX_SENDER_CHARS:
        raise Refused(f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    text: Optional[Any] = body.get("message")
    too_long = isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS
    if isinstance(text, str) and not too_long:
        text = plain_text(text, own_payloads)
    return Inbound(sender, text, clean_metadata(body.get("metadata")), too_long)
