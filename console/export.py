"""Corrections as Rasa NLU training data (YAML, version "3.1")."""

from __future__ import annotations

import datetime as dt
from typing import Dict, Iterable

from clinicbot.nlu_format import nlu_yaml


def corrections_yaml(rows: Iterable[Dict], generated_at: dt.datetime) -> str:
    """Corrected messages by intent, oldest correction first within each."""
    ordered = sorted(rows, key=lambda r: (r["corrected_intent"], r["id"]))
    return nlu_yaml(
        ((row["corrected_intent"], row["text"]) for row in ordered),
        [
            f"Corrections from the staff console, exported {generated_at:%Y-%m-%d %H:%M %Z}.",
            "Training data for `make retrain` when placed in clinic/annotations/.",
        ],
    )
