"""Does the patient say they have a health, skin or medicine condition the
doctor checks at the consultation ("I'm pregnant", "I'm on Roaccutane")? Then
whatever else they ask, the suitability answer comes first: the bot must not
answer a pregnant patient's question about downtime as if it had nothing to
add. A question about a condition in general ("does it work on dark skin?")
is the question it is."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, List, Sequence, Tuple


FIRST_PERSON = r"(?:i|i['\u2019]?m|i\s+am|i['\u2019]?ve|my|we['\u2019]?re|we\s+are|me)"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=8)
def _pattern(conditions: Tuple[str, ...]) -> "re.Pattern[str] | None":
    words = {c.lower() for c in conditions}
    if not words:
        return None
    # A condition said in the first person already ("i get cold sores")
    # stands alone; any other needs the patient's own words up to three
    # words before it ("I'm pregnant", "im on accutane", "my skin type").
    own = [w for w in words if re.match(FIRST_PERSON + r"\b", w)]
    parts = [
        rf"\b{FIRST_PERSON}\b(?:[\s,]+[\w'\u2019-]+){{0,3}}?[\s,]+(?P<condition>{_alternatives(words)})\b"
    ]
    if own:
        parts.append(rf"\b(?P<own>{_alternatives(own)})\b")
    return re.compile("|".join(parts), re.IGNORECASE)


def named_conditions(text: str, conditions: Sequence[str]) -> List[str]:
    """The patient's own conditions named in `text`, in order."""
    pattern = _pattern(tuple(conditions))
    return [m.group("condition") or m.group("own") for m in pattern.finditer(text or "")] if pattern else []
