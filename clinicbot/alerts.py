"""Red-flag alerts to the clinic's on-call staff: settings, episodes, what an alert says.

Plain Python, no Rasa and no database: the worker (`alerts/`) reads the tracker
store and the outbox and calls these functions.

Patient text is health data, and email and chat tools are not a safe place for
it, so an alert names the rule that fired (symptom names from the clinic's own
rule file), the recovery day and a link to the transcript in the console; the
patient's words are added only when the clinic sets `include_patient_text`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
WEBHOOK_FORMATS = ("text", "json")
EMAIL_CHANNEL = "email"
WEBHOOK_PREFIX = "webhook:"
DEFAULT_EPISODE_HOURS = 24.0


class AlertConfigError(ValueError):
    """The `alerts` section of the clinic file, or an alert setting, is wrong."""


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str = ""  # written in the clinic file (fine for a URL that holds no secret) ...
    url_env: str = ""  # ... or the environment variable that holds it (Slack/Teams URLs are secrets)
    format: str = "text"  # text: {"text": ...}, what Slack and Teams take; json: adds the fields

    @property
    def channel(self) -> str:
        return WEBHOOK_PREFIX + self.name


@dataclass(frozen=True)
class AlertSettings:
    on_call: Tuple[Contact, ...] = ()
    webhooks: Tuple[Webhook, ...] = ()
    include_patient_text: bool = False
    episode_hours: float = DEFAULT_EPISODE_HOURS

    @property
    def channels(self) -> List[str]:
        """One delivery per channel per alert: one email to every contact, one post per webhook."""
        return ([EMAIL_CHANNEL] if self.on_call else []) + [hook.channel for hook in self.webhooks]

    @property
    def episode_seconds(self) -> float:
        return self.episode_hours * 3600

    def webhook(self, channel: str) -> Optional[Webhook]:
        return next((hook for hook in self.webhooks if hook.channel == channel), None)


def check_webhook_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertConfigError(f"{where} must be an http(s) URL")
    return url


def parse_alert_settings(data: Any, where: str = "alerts.") -> AlertSettings:
    """The clinic file's `alerts` section (absent: no channels, the defaults)."""
    if data is None:
        return AlertSettings()
    if not isinstance(data, Mapping):
        raise AlertConfigError(f"'{where.rstrip('.')}' must be a mapping")
    known = {"on_call", "webhooks", "include_patient_text", "episode_hours"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise AlertConfigError(
            f"unknown setting(s) {', '.join(where + k for k in unknown)}; expected {', '.join(sorted(known))}"
        )
    contacts = []
    for index, item in enumerate(data.get("on_call") or []):
        at = f"{where}on_call[{index}]"
        if not isinstance(item, Mapping):
            raise AlertConfigError(f"'{at}' must have a name and an email")
        name = str(item.get("name") or "").strip()
        email = str(item.get("email") or "").strip()
        if not name:
            raise AlertConfigError(f"'{at}.name' is missing")
        if not EMAIL.match(email):
            raise AlertConfigError(f"'{at}.email' is not an email address: {email!r}")
        contacts.append(Contact(name, email))
    hooks: List[Webhook] = []
    for index, item in enumerate(data.get("webhooks") or []):
        at = f"{where}webhooks[{index}]"
        if not isinstance(item, Mapping):
            raise AlertConfigError(f"'{at}' must have a name and a url or url_env")
        name = str(item.get("name") or "").strip()
        if not CHANNEL_NAME.match(name):
            raise AlertConfigError(
                f"'{at}.name' must be 1-40 lower-case letters, digits, - or _, got {name!r}"
            )
        if any(hook.name == name for hook in hooks):
            raise AlertConfigError(f"'{at}.name' {name!r} is used twice")
        url = str(item.get("url") or "").strip()
        url_env = str(item.get("url_env") or "").strip()
        if bool(url) == bool(url_env):
            raise AlertConfigError(
                f"'{at}' needs exactly one of url or url_env "
                f"(url_env: the environment variable holding a secret URL)"
            )
        if url:
            check_webhook_url(url, f"'{at}.url'")
        if url_env and not ENV_NAME.match(url_env):
            raise AlertConfigError(
                f"'{at}.url_env' must be an environment variable name like "
                f"ALERT_WEBHOOK_SLACK, got {url_env!r}"
            )
        kind = str(item.get("format") or "text")
        if kind not in WEBHOOK_FORMATS:
            raise AlertConfigError(f"'{at}.format' must be one of {WEBHOOK_FORMATS}, got {kind!r}")
        hooks.append(Webhook(name, url, url_env, kind))
    include = data.get("include_patient_text", False)
    if not isinstance(include, bool):
        raise AlertConfigError(f"'{where}include_patient_text' must be true or false")
    hours = data.get("episode_hours", DEFAULT_EPISODE_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
        raise AlertConfigError(
            f"'{where}episode_hours' must be a number of hours between 0 and 720, got {hours!r}"
        )
    return AlertSettings(tuple(contacts), tuple(hooks), include, float(hours))


# --- episodes -------------------------------------------------------------------------


def starts_new_episode(
    episode_started_at: Optional[float], flagged_at: float, episode_seconds: float
) -> bool:
    """A red flag raises an alert unless the conversation's last alert began an episode
    that is still running: several urgent messages in a row are one alert, not a flood."""
    return episode_started_at is None or flagged_at >= episode_started_at + episode_seconds


# --- retries --------------------------------------------------------------------------


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """Exponential backoff after `attempts` failed attempts: base, 2*base, 4*base, ... cap."""
    return min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))


# --- what an alert says ---------------------------------------------------------------


@dataclass(frozen=True)
class RedFlagFacts:
    """What is known about one red flag, kept in the outbox (JSON)."""

    conversation_id: int
    flagged_at: float
    symptoms: Tuple[str, ...] = ()
    decided_by: Tuple[str, ...] = ()
    classifier_probability: Optional[float] = None
    classifier_threshold: Optional[float] = None
    treatment_date: Optional[str] = None  # ISO date from the treatment_date slot
    recovery_day: Optional[int] = None
    patient_text: Optional[str] = None  # only when the clinic allows it

    def to_dict(self) -> Dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "flagged_at": self.flagged_at,
            "symptoms": list(self.symptoms),
            "decided_by": list(self.decided_by),
            "classifier_probability": self.classifier_probability,
            "classifier_threshold": self.classifier_threshold,
            "treatment_date": self.treatment_date,
            "recovery_day": self.recovery_day,
            "patient_text": self.patient_text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RedFlagFacts":
        return cls(
            int(data["conversation_id"]),
            float(data["flagged_at"]),
            tuple(data.get("symptoms") or ()),
            tuple(data.get("decided_by") or ()),
            data.get("classifier_probability"),
            data.get("classifier_threshold"),
            data.get("treatment_date"),
            data.get("recovery_day"),
            data.get("patient_text"),
        )


def facts_from_message(
    conversation_id: int,
    flagged_at: float,
    message: Mapping[str, Any],
    treatment_date: Optional[str],
    clinic_day: dt.date,
    include_patient_text: bool,
) -> RedFlagFacts:
    """Facts from a stored patient message (the user event's data) and the treatment date.

    `urgency` is the urgency detector's explanation in the message's parse data. A message
    made red_flag by the intent classifier alone (no explanation) says so.
    """
    parse = _mapping(message.get("parse_data"))
    urgency = _mapping(parse.get("urgency"))
    classifier = _mapping(urgency.get("classifier"))
    decided_by = tuple(str(d) for d in urgency.get("decided_by") or ()) or ("intent classifier",)
    day: Optional[int] = None
    if treatment_date:
        try:
            day = (clinic_day - dt.date.fromisoformat(str(treatment_date))).days
        except ValueError:
            treatment_date = None
    text = message.get("text") if include_patient_text else None
    return RedFlagFacts(
        conversation_id=conversation_id,
        flagged_at=flagged_at,
        symptoms=tuple(str(s) for s in urgency.get("symptoms") or ()),
        decided_by=decided_by,
        classifier_probability=_number(classifier.get("probability")),
        classifier_threshold=_number(classifier.get("threshold")),
        treatment_date=treatment_date,
        recovery_day=day,
        patient_text=str(text) if text else None,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def symptom_label(symptom: str) -> str:
    """'infection_pus_or_smell' -> 'infection pus or smell' (names from clinic/red_flags.yml)."""
    return symptom.replace("_", " ")


def rule_description(facts: RedFlagFacts) -> str:
    parts = []
    if "rules" in facts.decided_by:
        named = ", ".join(symptom_label(s) for s in facts.symptoms) or "a symptom rule"
        parts.append(f"symptom rules: {named}")
    if "classifier" in facts.decided_by:
        if facts.classifier_probability is not None and facts.classifier_threshold is not None:
            parts.append(
                f"learned urgency classifier: probability {facts.classifier_probability:.2f}"
                f" (threshold {facts.classifier_threshold:.2f})"
            )
        else:
            parts.append("learned urgency classifier")
    if not parts:
        parts.append(", ".join(facts.decided_by))
    return "; ".join(parts)


def recovery_description(facts: RedFlagFacts) -> str:
    if facts.recovery_day is None:
        return "not known (the patient has not given a treatment date)"
    if facts.recovery_day < 0:
        return f"before treatment (treatment date {facts.treatment_date})"
    return f"day {facts.recovery_day} (treated {facts.treatment_date})"


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    fields: Dict[str, Any] = field(default_factory=dict)


def compose(
    facts: RedFlagFacts, clinic_name: str, console_url: str, tz: dt.tzinfo, callback_left: Optional[bool]
) -> AlertMessage:
    """The alert every channel sends: the same words in email and chat."""
    flagged = dt.datetime.fromtimestamp(facts.flagged_at, tz)
    when = flagged.strftime("%a %d %b %Y %H:%M %Z")
    callback = {
        True: "yes: see the conversation in the console",
        False: "no",
        None: "unknown (the conversation could not be read)",
    }[callback_left]
    symptoms = ", ".join(symptom_label(s) for s in facts.symptoms)
    subject = f"[{clinic_name}] Red flag: a patient reported urgent symptoms" + (
        f" ({symptoms})" if symptoms else ""
    )
    lines = [
        f"A patient's chat with the {clinic_name} assistant was flagged as urgent at {when}.",
        "The assistant gave them the urgent advice and the clinic's numbers.",
        "",
        f"Transcript: {console_url}",
        f"Recovery day: {recovery_description(facts)}",
        f"Why it was flagged: {rule_description(facts)}",
        f"Callback number left: {callback}",
    ]
    if facts.patient_text:
        lines += ["", f"Patient's message: {facts.patient_text}"]
    lines += ["", "Mark the red flag followed up in the console once someone has acted on it."]
    fields = {
        "clinic": clinic_name,
        "flagged_at": flagged.isoformat(),
        "transcript_url": console_url,
        "recovery_day": facts.recovery_day,
        "treatment_date": facts.treatment_date,
        "rule": rule_description(facts),
        "symptoms": list(facts.symptoms),
        "decided_by": list(facts.decided_by),
        "callback_number_left": callback_left,
    }
    if facts.patient_text:
        fields["patient_text"] = facts.patient_text
    return AlertMessage(subject, "\n".join(lines) + "\n", fields)


def callback_left(slot_values: Sequence[Tuple[str, Any]]) -> bool:
    """Whether the patient left a number they agreed to be called on: the latest values of
    the `callback_phone` and `callback_consent` slots, in event order."""
    latest: Dict[str, Any] = {}
    for name, value in slot_values:
        latest[name] = value
    consent = latest.get("callback_consent")
    return bool(latest.get("callback_phone")) and consent not in (False, "false", "no")
