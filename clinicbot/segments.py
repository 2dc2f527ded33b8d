"""Splits a patient's message into the questions it asks.

"how much is it and how long is the downtime?" asks two things; the intent
classifier judges each part on its own, so both get an answer.
"""

from __future__ import annotations

import re
from typing import List

SENTENCE = re.compile(r"(?<=[?!.;])\s+|\n+")
# "... and how long ...", "... also when can I ...": a joiner followed by a
# question word starts a new question.
JOINED_QUESTION = re.compile(
    r"\s*(?:,\s*)?\b(?:and|also|plus|&|n|aswell as|as well as)\s+"
    r"(?=(?:what|whats|what's|how|hows|how's|when|whens|can|could|will|would|is|are|do|does|"
    r"should|which|where|why|any|also)\b)",
    re.IGNORECASE,
)
MIN_WORDS = 2
QUESTION_START = re.compile(
    r"^(?:so\s+|and\s+|but\s+|also\s+|ok\s+|okay\s+)?(?:what|whats|what's|how|hows|how's|when|"
    r"whens|can|could|will|would|is|are|do|does|should|which|where|why|any|am|shall|may|wat)\b",
    re.IGNORECASE,
)


def question_segments(text: str) -> List[str]:
    """The parts of `text` that can stand as questions of their own, in order."""
    parts: List[str] = []
    for sentence in SENTENCE.split(text or ""):
        for part in JOINED_QUESTION.split(sentence):
            part = part.strip(" ,")
            if len(part.split()) >= MIN_WORDS:
                parts.append(part)
    return parts


def is_question(segment: str) -> bool:
    """A part that asks something, not context ("I usually run every morning.")."""
    segment = segment.strip()
    return segment.endswith("?") or bool(QUESTION_START.match(segment))
