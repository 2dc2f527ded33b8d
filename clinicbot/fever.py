"""A temperature reading under the clinic's fever threshold, told back to the patient.

The urgency detector marks a reading under the threshold `below_threshold`
(clinicbot/red_flags.py); this turns that mark into one line for the recovery
answer: "A temperature of 37.6 °C is under 38.0 °C ...". The thresholds are
the clinic's, from `vital_signs.temperature` in clinic/red_flags.yml. This
module reads only those two numbers, so the action server does not load the
detector (and spaCy) to use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from clinicbot.content import ClinicContent
from clinicbot.paths import CLINIC_DIR

RULES_FILE = CLINIC_DIR / "red_flags.yml"
BELOW_THRESHOLD = "below_threshold"  # the status clinicbot.red_flags gives such a reading
# Readings above this are Fahrenheit: the detector reads Celsius up to 43.5.
HIGHEST_CELSIUS = 45.0
NUMBER = re.compile(r"\d{2,3}(?:[.,]\d+)?")


@dataclass(frozen=True)
class FeverThresholds:
    symptom: str
    celsius: float
    fahrenheit: float


@lru_cache(maxsize=4)
def fever_thresholds(path: Path = RULES_FILE) -> Optional[FeverThresholds]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    temperature = (data.get("vital_signs") or {}).get("temperature")
    if not temperature:
        return None
    return FeverThresholds(
        symptom=str(temperature["symptom"]),
        celsius=float(temperature["fever_from_celsius"]),
        fahrenheit=float(temperature["fever_from_fahrenheit"]),
    )


def reading_below_fever(urgency: Optional[Mapping[str, Any]], thresholds: FeverThresholds) -> Optional[float]:
    """The last temperature the detector read as under the threshold, if any."""
    if not isinstance(urgency, Mapping) or urgency.get("urgent"):
        return None
    value = None
    for mention in urgency.get("rules") or []:
        if not isinstance(mention, Mapping):
            continue
        if mention.get("symptom") != thresholds.symptom or mention.get("status") != BELOW_THRESHOLD:
            continue
        number = NUMBER.search(str(mention.get("words") or ""))
        if number:
            value = float(number.group(0).replace(",", "."))
    return value


def _degrees(value: float, celsius: bool) -> str:
    return f"{value:.1f} °{'C' if celsius else 'F'}"


def below_fever_note(
    content: ClinicContent, urgency: Optional[Mapping[str, Any]], path: Path = RULES_FILE
) -> Optional[str]:
    """ "A temperature of 37.6 °C is under 38.0 °C ...", or None where the
    message gave no such reading or the clinic has no text for it."""
    template = content.recovery.temperature_below_fever
    thresholds = fever_thresholds(path)
    if not template or thresholds is None:
        return None
    value = reading_below_fever(urgency, thresholds)
    if value is None:
        return None
    celsius = value <= HIGHEST_CELSIUS
    fever_from = thresholds.celsius if celsius else thresholds.fahrenheit
    other = thresholds.fahrenheit if celsius else thresholds.celsius
    return content.render(
        template,
        extra={
            "reading": _degrees(value, celsius),
            "fever_from": _degrees(fever_from, celsius),
            "fever_from_other_scale": _degrees(other, not celsius),
        },
    )
