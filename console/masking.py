"""Masks phone numbers and email addresses for list views.

07700 900123 -> 07*** ***123 (first two and last three digits kept, separators
kept); jane.doe@example.com -> j***@example.com. Dates such as 2026-11-18 or
10/11/2025 have too few digits to be taken for phone numbers.
"""
from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
# A run of digits with spaces, dots, dashes or brackets between them, + in front.
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?!\w)")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 9, 15


def _mask_phone(match: "re.Match[str]") -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return text
    out, seen = [], 0
    for char in text:
        if char.isdigit():
            seen += 1
            out.append(char if seen <= 2 or seen > digits - 3 else "*")
        else:
            out.append(char)
    return "".join(out)


def mask(text: str) -> str:
    if not text:
        return ""
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return PHONE.sub(_mask_phone, text)


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
