"""Loads and validates the clinic's content file (clinic/clinic.yml).

Every text a patient sees comes from that file. Problems are reported with the
field that is wrong, at load time, so a typo in the file stops the build with a
readable message instead of surfacing as a broken answer in a chat.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml

from clinicbot.alerts import AlertConfigError, AlertSettings, parse_alert_settings
from clinicbot.opening_hours import OpeningHoursError, WeeklyHours, parse_weekly_hours
from clinicbot.paths import CLINIC_DIR, PROJECT_ROOT

DEFAULT_CONTENT_PATH = CLINIC_DIR / "clinic.yml"
CONTENT_PATH_ENV = "CLINIC_CONTENT_FILE"
START = "start"  # a phase that begins on the treatment day
PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}")
DATE_ORDERS = ("DMY", "MDY")


class ContentError(ValueError):
    """The clinic content file is missing something or has a wrong value."""


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    emergency_number: str
    opening_hours: str
    timezone: str
    date_order: str
    out_of_hours_service: str
    out_of_hours_number: str
    weekly_hours: WeeklyHours
    # Two-letter phone region (GB, IE, FR, ...): phone numbers patients type are read
    # for it, and numbers from elsewhere need their country code (+33 ...).
    region: str = "GB"


@dataclass(frozen=True)
class Treatment:
    laser_minutes: int
    numbing_minutes: int
    visit_minutes: int


@dataclass(frozen=True)
class Milestone:
    key: str
    day: int
    label: str


@dataclass(frozen=True)
class Phase:
    starts_at: str  # START or a milestone key
    text: str
    allowed: Optional[bool] = None


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    general: str
    phases: Tuple[Phase, ...]

    @property
    def has_yes_no(self) -> bool:
        return any(phase.allowed is not None for phase in self.phases)


@dataclass(frozen=True)
class RecoverySettings:
    max_days_since_treatment: int
    offer_personalise: str
    pre_treatment: str
    too_long_ago: str
    impossible_date: str
    # A temperature under the fever threshold (clinicbot/fever.py); may use
    # {reading} {fever_from} {fever_from_other_scale}. Optional.
    temperature_below_fever: str = ""


@dataclass(frozen=True)
class Planning:
    ready_milestones: Tuple[str, ...]
    ask_event_date: str
    latest_date: str  # may use {event} {latest} {days} {milestones}
    too_soon: str
    # Words that name an occasion: a message with one date and one of these
    # asks about the event, not about a treatment on that day.
    event_words: Tuple[str, ...] = ()
    # A follow-up to a plan ("why that long?"); may use {milestones}. Optional.
    why: str = ""


@dataclass(frozen=True)
class UrgentAdvice:
    static: str  # when the opening hours can't be checked
    when_open: str
    when_closed: str  # may use {opens_next}
    self_treatment: str


@dataclass(frozen=True)
class Handoff:
    when_closed: str  # may use {opens_next}


@dataclass(frozen=True)
class ConsoleOptions:
    """The optional `console:` section: how the staff console treats conversations."""

    # Conversations whose sender id starts with one of these are the clinic's own tests
    # (monitoring, benchmarks): hidden from the staff queues and analytics by default.
    test_sender_prefixes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class WidgetLook:
    """The optional `widget:` section. Lenient on purpose: a wrong value is left
    out (with a problem the widget server logs), so a typo falls back to the
    default look instead of breaking the chat."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    problems: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ClinicContent:
    clinic: Clinic
    treatment: Treatment
    milestones: Mapping[str, Milestone]
    recovery: RecoverySettings
    topics: Mapping[str, Topic]
    urgent: UrgentAdvice
    planning: Planning
    handoff: Handoff
    responses: Mapping[str, str]
    # response name -> ((button title, payload), ...)
    response_buttons: Mapping[str, Tuple[Tuple[str, str], ...]]
    source: Path = field(default=DEFAULT_CONTENT_PATH)
    console: ConsoleOptions = field(default_factory=ConsoleOptions)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    widget: WidgetLook = field(default_factory=WidgetLook)
    # Health, skin and medicine words that make a question one for the doctor
    # at the consultation (suitability.conditions).
    suitability_conditions: Tuple[str, ...] = ()

    @property
    def red_flag_advice(self) -> str:
        return self.urgent.static

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def milestone_day(self, key: str) -> int:
        return 0 if key == START else self.milestones[key].day

    def render(
        self,
        template: str,
        treatment_date: Optional[dt.date] = None,
        extra: Optional[Mapping[str, str]] = None,
    ) -> str:
        """Fills {group.field} placeholders; dates need a treatment date."""

        def value(match: "re.Match[str]") -> str:
            group, name = match.group(1), match.group(2)
            if group == "clinic" and hasattr(self.clinic, name):
                return str(getattr(self.clinic, name))
            if group == "treatment" and hasattr(self.treatment, name):
                return str(getattr(self.treatment, name))
            if group in self.milestones and name == "day":
                return str(self.milestones[group].day)
            if group in self.milestones and name == "date" and treatment_date:
                return format_patient_date(treatment_date + dt.timedelta(days=self.milestones[group].day))
            raise ContentError(
                f"{self.source}: unknown placeholder {match.group(0)} in text starting {template[:60]!r}"
            )

        text = PLACEHOLDER.sub(value, template)
        for key, replacement in (extra or {}).items():
            text = text.replace("{" + key + "}", replacement)
        return text


def format_patient_date(day: dt.date) -> str:
    """'Saturday 15 November' - the weekday helps patients more than a year."""
    return f"{day:%A} {day.day} {day:%B}"


def _require(data: Mapping[str, Any], key: str, where: str, kind: type) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise ContentError(f"missing '{where}{key}'")
    value = data[key]
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ContentError(f"'{where}{key}' must be a whole number, got {value!r}")
    if not isinstance(value, kind):
        raise ContentError(f"'{where}{key}' must be a {kind.__name__}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise ContentError(f"'{where}{key}' must not be empty")
    return value


def _responses(data: Mapping[str, Any]) -> Tuple[Dict[str, str], Dict[str, Tuple[Tuple[str, str], ...]]]:
    """Responses are text, or {text, buttons: [{title, payload}]}."""
    section = _require(data, "responses", "", dict)
    texts: Dict[str, str] = {}
    buttons: Dict[str, Tuple[Tuple[str, str], ...]] = {}
    for name, value in section.items():
        if isinstance(value, dict):
            texts[name] = _require(value, "text", f"responses.{name}.", str)
            buttons[name] = tuple(
                (
                    _require(b, "title", f"responses.{name}.buttons[{i}].", str),
                    _require(b, "payload", f"responses.{name}.buttons[{i}].", str),
                )
                for i, b in enumerate(_require(value, "buttons", f"responses.{name}.", list))
            )
        else:
            texts[name] = _require(section, name, "responses.", str)
    return texts, buttons


def _build(data: Mapping[str, Any], source: Path) -> ClinicContent:
    clinic_data = _require(data, "clinic", "", dict)
    texts = {
        name: _require(clinic_data, name, "clinic.", str)
        for name in (
            "name",
            "phone",
            "emergency_number",
            "opening_hours",
            "timezone",
            "date_order",
            "out_of_hours_service",
            "out_of_hours_number",
        )
    }
    try:
        ZoneInfo(texts["timezone"])
        weekly_hours = parse_weekly_hours(
            _require(clinic_data, "weekly_hours", "clinic.", dict), texts["timezone"]
        )
    except (ZoneInfoNotFoundError, ValueError) as error:
        if isinstance(error, OpeningHoursError):
            raise ContentError(f"'clinic.weekly_hours': {error}") from None
        raise ContentError(
            f"'clinic.timezone' {texts['timezone']!r} is not a known timezone (use a name like Europe/London)"
        ) from None
    region = str(clinic_data.get("region") or "GB").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ContentError(
            f"'clinic.region' {region!r} is not a two-letter phone region such as GB, IE or FR"
        )
    clinic = Clinic(**texts, weekly_hours=weekly_hours, region=region)
    if clinic.date_order not in DATE_ORDERS:
        raise ContentError(f"'clinic.date_order' must be one of {DATE_ORDERS}, got {clinic.date_order!r}")

    treatment_data = _require(data, "treatment", "", dict)
    treatment = Treatment(
        **{
            name: _require(treatment_data, name, "treatment.", int)
            for name in ("laser_minutes", "numbing_minutes", "visit_minutes")
        }
    )

    milestones: Dict[str, Milestone] = {}
    for key, item in _require(data, "milestones", "", dict).items():
        day = _require(item, "day", f"milestones.{key}.", int)
        if day < 0:
            raise ContentError(f"'milestones.{key}.day' must not be negative")
        milestones[key] = Milestone(key, day, _require(item, "label", f"milestones.{key}.", str))

    recovery_data = _require(data, "recovery", "", dict)
    recovery = RecoverySettings(
        max_days_since_treatment=_require(recovery_data, "max_days_since_treatment", "recovery.", int),
        **{
            name: _require(recovery_data, name, "recovery.", str)
            for name in ("offer_personalise", "pre_treatment", "too_long_ago", "impossible_date")
        },
        temperature_below_fever=_optional_text(recovery_data, "temperature_below_fever", "recovery."),
    )

    topics: Dict[str, Topic] = {}
    for key, item in _require(recovery_data, "topics", "recovery.", dict).items():
        where = f"recovery.topics.{key}."
        phases = []
        for index, phase in enumerate(_require(item, "phases", where, list)):
            starts_at = _require(phase, "from", f"{where}phases[{index}].", str)
            if starts_at != START and starts_at not in milestones:
                raise ContentError(f"'{where}phases[{index}].from' names unknown milestone {starts_at!r}")
            allowed = phase.get("allowed")
            if allowed is not None and not isinstance(allowed, bool):
                raise ContentError(f"'{where}phases[{index}].allowed' must be true or false")
            phases.append(Phase(starts_at, _require(phase, "text", f"{where}phases[{index}].", str), allowed))
        if not phases or phases[0].starts_at != START:
            raise ContentError(f"'{where}phases' must begin with a phase 'from: start'")
        days = [0 if p.starts_at == START else milestones[p.starts_at].day for p in phases]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ContentError(f"'{where}phases' must be in order of their milestone days")
        topics[key] = Topic(
            key, _require(item, "title", where, str), _require(item, "general", where, str), tuple(phases)
        )

    response_texts, response_buttons = _responses(data)
    content = ClinicContent(
        clinic=clinic,
        treatment=treatment,
        milestones=milestones,
        recovery=recovery,
        topics=topics,
        urgent=_urgent_advice(_require(data, "red_flags", "", dict)),
        planning=_planning(_require(data, "planning", "", dict), milestones),
        handoff=Handoff(_require(_require(data, "handoff", "", dict), "when_closed", "handoff.", str)),
        responses=response_texts,
        response_buttons=response_buttons,
        source=source,
        console=_console_options(data.get("console") or {}),
        alerts=_alerts(data.get("alerts")),
        widget=_widget_look(data, source),
        suitability_conditions=_suitability_conditions(data.get("suitability") or {}),
    )
    _check_every_text_renders(content)
    return content


def _console_options(data: Any) -> ConsoleOptions:
    if not isinstance(data, dict):
        raise ContentError("'console' must be a mapping")
    prefixes = data.get("test_sender_prefixes") or []
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p.strip() for p in prefixes):
        raise ContentError("'console.test_sender_prefixes' must be a list of non-empty texts")
    return ConsoleOptions(test_sender_prefixes=tuple(p.strip() for p in prefixes))


def _alerts(data: Any) -> AlertSettings:
    try:
        return parse_alert_settings(data)
    except AlertConfigError as error:
        raise ContentError(str(error)) from None


def _urgent_advice(data: Mapping[str, Any]) -> UrgentAdvice:
    return UrgentAdvice(
        *(
            _require(data, key, "red_flags.", str)
            for key in ("advice", "advice_when_open", "advice_when_closed", "self_treatment")
        )
    )


def _planning(data: Mapping[str, Any], milestones: Mapping[str, Milestone]) -> Planning:
    ready = _require(data, "ready_milestones", "planning.", list)
    unknown = [key for key in ready if key not in milestones]
    if unknown or not ready:
        raise ContentError(f"'planning.ready_milestones' must name milestones; unknown: {unknown}")
    event_words = _require(data, "event_words", "planning.", list)
    if not all(isinstance(word, str) and word.strip() for word in event_words):
        raise ContentError("'planning.event_words' must be a list of words")
    ask_event_date, latest_date, too_soon = (
        _require(data, key, "planning.", str) for key in ("ask_event_date", "latest_date", "too_soon")
    )
    return Planning(
        tuple(ready),
        ask_event_date,
        latest_date,
        too_soon,
        event_words=tuple(word.strip().lower() for word in event_words),
        why=_optional_text(data, "why"),
    )


def _suitability_conditions(data: Mapping[str, Any]) -> Tuple[str, ...]:
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list) or not all(isinstance(w, str) and w.strip() for w in conditions):
        raise ContentError("'suitability.conditions' must be a list of words")
    return tuple(word.strip().lower() for word in conditions)


def _optional_text(data: Mapping[str, Any], key: str, where: str = "planning.") -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ContentError(f"'{where}{key}' must be text")
    return value


def _all_texts(content: ClinicContent) -> List[str]:
    recovery = content.recovery
    texts = [
        recovery.offer_personalise,
        recovery.pre_treatment,
        recovery.too_long_ago,
        recovery.impossible_date,
        recovery.temperature_below_fever,
        content.urgent.static,
        content.urgent.when_open,
        content.urgent.when_closed,
        content.urgent.self_treatment,
        content.planning.ask_event_date,
        content.planning.latest_date,
        content.planning.too_soon,
        content.planning.why,
        content.handoff.when_closed,
    ]
    texts += list(content.responses.values())
    texts += [title for buttons in content.response_buttons.values() for title, _ in buttons]
    for topic in content.topics.values():
        texts.append(topic.general)
        texts += [phase.text for phase in topic.phases]
    return texts


def _check_every_text_renders(content: ClinicContent) -> None:
    sample_date = dt.date(2000, 1, 1)
    for text in _all_texts(content):
        content.render(text, treatment_date=sample_date, extra={"text": ""})


def load_content(path: Optional[os.PathLike] = None) -> ClinicContent:
    """Reads the clinic file named by CLINIC_CONTENT_FILE, or the default one."""
    source = Path(path or os.environ.get(CONTENT_PATH_ENV) or DEFAULT_CONTENT_PATH)
    try:
        with open(source, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ContentError(f"cannot read clinic content file {source}: {error}") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{source} is not valid YAML: {error}") from None
    try:
        return _build(data or {}, source)
    except ContentError as error:
        raise ContentError(f"{source}: {error}") from None


_cache: Dict[Tuple[str, float], ClinicContent] = {}


WIDGET_DIR = PROJECT_ROOT / "widget"
# The widget's look, set by the clinic (`widget:` in the clinic file).
WIDGET_STRINGS_FILE = re.compile(r"^strings\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?\.json$")
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_QUICK_REPLIES = 8


def _widget_look(data: Mapping[str, Any], path: Path) -> WidgetLook:
    """The optional `widget:` section of the clinic file, validated.

    Returns the usable settings and a list of problems (wrong values are left
    out, so a typo falls back to the default look instead of breaking the chat).
    """
    section = data.get("widget")
    problems: List[str] = []
    if section is None:
        return WidgetLook()
    if not isinstance(section, dict):
        return WidgetLook({}, (f"{path}: 'widget' must be a section with keys, got {section!r}",))
    result: Dict[str, Any] = {}
    for key in ("primary_color", "text_on_primary"):
        if key in section:
            value = section[key]
            if isinstance(value, str) and HEX_COLOR.match(value.strip()):
                result[key] = value.strip()
            else:
                problems.append(f"{path}: 'widget.{key}' must be a colour like \"#0d5f63\", got {value!r}")
    if "greeting" in section:
        value = section["greeting"]
        if isinstance(value, str) and value.strip():
            result["greeting"] = " ".join(value.split())
        else:
            problems.append(f"{path}: 'widget.greeting' must be a text")
    if "quick_replies" in section:
        replies = section["quick_replies"]
        if not isinstance(replies, list):
            problems.append(f"{path}: 'widget.quick_replies' must be a list")
            replies = []
        clean = []
        for index, item in enumerate(replies):
            if (
                isinstance(item, dict)
                and isinstance(item.get("title"), str)
                and item["title"].strip()
                and isinstance(item.get("message"), str)
                and item["message"].strip()
            ):
                clean.append({"title": item["title"].strip(), "message": item["message"].strip()})
            else:
                problems.append(
                    f"{path}: 'widget.quick_replies[{index}]' needs a 'title' and a 'message' text"
                )
        if len(clean) > MAX_QUICK_REPLIES:
            problems.append(
                f"{path}: 'widget.quick_replies' has {len(clean)} entries; "
                f"only the first {MAX_QUICK_REPLIES} are shown"
            )
            clean = clean[:MAX_QUICK_REPLIES]
        if clean:
            result["quick_replies"] = clean
    if "strings" in section:
        value = section["strings"]
        if isinstance(value, str) and WIDGET_STRINGS_FILE.match(value) and (WIDGET_DIR / value).is_file():
            result["strings"] = value
        else:
            problems.append(
                f"{path}: 'widget.strings' must name a file like strings.fr.json in widget/, got {value!r}"
            )
    unknown = sorted(
        set(section) - {"primary_color", "text_on_primary", "greeting", "quick_replies", "strings"}
    )
    if unknown:
        problems.append(f"{path}: unknown key(s) in 'widget': {', '.join(map(str, unknown))}")
    return WidgetLook(result, tuple(problems))


def cached_content(
    path: Optional[os.PathLike] = None,
    loader: Callable[[Optional[os.PathLike]], ClinicContent] = load_content,
) -> ClinicContent:
    """Reloads the file when it changes, so edits apply without a restart."""
    source = Path(path or os.environ.get(CONTENT_PATH_ENV) or DEFAULT_CONTENT_PATH)
    key = (str(source), source.stat().st_mtime)
    if key not in _cache:
        _cache.clear()
        _cache[key] = loader(source)
    return _cache[key]
