"""Strict parsing of what staff type into URLs and forms (no Flask here).

ASCII only: str.isdigit() and \\d accept "²" or "٣", which int() refuses.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from console.masking import shorten

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER = re.compile(r"[0-9]{1,19}")
MAX_ID = 2 ** 63 - 1  # the largest integer SQLite and PostgreSQL (bigint) store
# Dates the console accepts: wide enough for any real conversation, and far enough from
# date.min/max that adding a day or a month never overflows.
MIN_DATE, MAX_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)


class InputError(ValueError):
    """A value staff gave that the console cannot use; the message says why, for them."""


def parse_int(raw: Optional[str], low: int = 1, high: int = MAX_ID) -> Optional[int]:
    """An ASCII decimal integer within [low, high], else None (never raises)."""
    raw = (raw or "").strip()
    if not NUMBER.fullmatch(raw):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def read_date(raw: str, name: str) -> Optional[dt.date]:
    """YYYY-MM-DD within MIN_DATE..MAX_DATE; None when empty; InputError otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    if DATE.fullmatch(raw):
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if MIN_DATE <= day <= MAX_DATE:
                return day
            raise InputError(f"“{name}” must be between {MIN_DATE.isoformat()} and "
                             f"{MAX_DATE.isoformat()}.")
    raise InputError(f"“{shorten(raw, 40)}” is not a date for “{name}”: use YYYY-MM-DD.")
