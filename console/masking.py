"""Masks phone numbers and email addresses for list views and exports.

07700 900123 -> 07*** ***123 (first two and last three digits kept, separators
kept); jane.doe@example.com -> j***@example.com.

Phone numbers are found with libphonenumber's matcher (the `phonenumbers`
package) for the clinic's region, at its most lenient level so that numbers
glued to words ("on07700900123"), with odd separators ("07700/900123") or
without an area code ("7946 0321") are caught too; a second, plain pass masks
any other long digit run glued to a word. Dates such as 2026-11-18, 10/11/2025
or 10.11.2025 and times are left alone. Email addresses may contain any letters
(jané@exämple.com).
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

DEFAULT_REGION = "GB"
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15
# Fallback: digit runs (with the usual separators) of 9+ digits glued to a letter.
MIN_FALLBACK_DIGITS = 9
MAX_MASK_INPUT = 100_000  # longer texts are cut before masking (lists show less anyway)

# Unicode-aware: \w is any letter or digit. The local part starts with a letter or
# digit; the domain is dot-separated labels ending in a label of letters.
EMAIL = re.compile(
    r"(?<![\w.+-])([^\W_])[\w.%+'-]*@((?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,})(?![\w-])")
DIGIT_RUN = re.compile(r"(?<=[^\W\d_])\+?[0-9][0-9\s().\/-]*[0-9]"
                       r"|\+?[0-9][0-9\s().\/-]*[0-9](?=[^\W\d_])")
DATE_LIKE = re.compile(
    r"[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}"           # 2026-11-18
    r"|[0-9]{1,2}[-./][0-9]{1,2}[-./](?:[0-9]{4}|[0-9]{2})"  # 10/11/2025, 10.11.25
    r"|[0-9]{1,2}:[0-9]{2}")                              # 14:30


def region_for(phone: str = "", timezone: str = "", configured: str = "") -> str:
    """The clinic's two-letter phone region.

    `configured` (e.g. a `region` in the clinic file) wins; else the clinic's phone in
    international form (+44 ...) gives it; else the region whose numbers the clinic's
    phone is valid for in the clinic's timezone; else GB.
    """
    if configured and configured.upper() in phonenumbers.SUPPORTED_REGIONS:
        return configured.upper()
    phone = (phone or "").strip()
    if phone:
        try:
            if phone.startswith("+"):
                region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
                if region and region != "ZZ":
                    return region
            elif timezone:
                from phonenumbers import timezone as phone_tz

                for region in sorted(phonenumbers.SUPPORTED_REGIONS):
                    try:
                        number = phonenumbers.parse(phone, region)
                    except phonenumbers.NumberParseException:
                        continue
                    if phonenumbers.is_valid_number_for_region(number, region) \
                            and timezone in phone_tz.time_zones_for_number(number):
                        return region
        except phonenumbers.NumberParseException:
            pass
    return DEFAULT_REGION


def _digits(text: str) -> int:
    return sum("0" <= c <= "9" for c in text)


def _looks_like_date(candidate: str) -> bool:
    return DATE_LIKE.fullmatch(candidate.strip()) is not None


def _phone_spans(text: str, region: str) -> List[Tuple[int, int]]:
    spans: List[Tuple[int, int]] = []
    try:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE,
                                        max_tries=10_000):
            raw = match.raw_string
            if MIN_PHONE_DIGITS <= _digits(raw) <= MAX_PHONE_DIGITS and not _looks_like_date(raw):
                spans.append((match.start, match.end))
    except Exception:  # pragma: no cover - the library must never stop a page; fallback below
        pass
    for run in DIGIT_RUN.finditer(text):
        raw = run.group(0).rstrip(" .-(/")
        if MIN_FALLBACK_DIGITS <= _digits(raw) <= MAX_PHONE_DIGITS * 2 \
                and not _looks_like_date(raw):
            spans.append((run.start(), run.start() + len(raw)))
    return spans


def _mask_digits(text: str) -> str:
    digits = _digits(text)
    out, seen = [], 0
    for char in text:
        if "0" <= char <= "9":
            seen += 1
            out.append(char if seen <= 2 or seen > digits - 3 else "*")
        else:
            out.append(char)
    return "".join(out)


def mask(text: str, region: Optional[str] = None) -> str:
    if not text:
        return ""
    text = str(text)[:MAX_MASK_INPUT]
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    spans = sorted(_phone_spans(text, region or DEFAULT_REGION))
    if not spans:
        return text
    merged: List[List[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(_mask_digits(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
