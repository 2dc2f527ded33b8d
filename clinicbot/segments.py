"""Splits a patient's message into the questions it asks.

"how much is it and how long is the downtime?" asks two things; the intent
classifier judges each part on its own, so both get an answer.

Two more ways of asking two things are offered to the classifier as
candidates, which it keeps only when each part is clearly its own topic:

* joined without a second question word: "what's the cost and the recovery
  time?", "can I exercise and wear makeup yet?", "price and downtime please"
  (`conjunct_splits`);
* a question asked as a request or after a preamble: "I'd like to know the
  price", "Hi, two questions - how many sessions will I need" (`is_question`).
"""

from __future__ import annotations

import re
from typing import List, Tuple

SENTENCE = re.compile(r"(?<=[?!.;])\s+|\n+")
QUESTION_WORDS = (
    r"what|whats|what's|how|hows|how's|when|whens|can|could|will|would|is|are|do|does|"
    r"should|which|where|why|any|am|shall|may|wat|whether"
)
# "... and how long ...", "... also when can I ...": a joiner followed by a
# question word starts a new question.
JOINED_QUESTION = re.compile(
    r"\s*(?:,\s*)?\b(?:and|also|plus|&|n|aswell as|as well as)\s+"
    # "and also when can I ...", not "and also go back to the gym"
    r"(?=(?:also\s+)?(?:what|whats|what's|how|hows|how's|when|whens|can|could|will|would|is|are|"
    r"do|does|should|which|where|why|any|whether)\b)",
    re.IGNORECASE,
)
MIN_WORDS = 2
QUESTION_START = re.compile(
    rf"^(?:so\s+|and\s+|but\s+|also\s+|ok\s+|okay\s+)?(?:{QUESTION_WORDS})\b",
    re.IGNORECASE,
)
# A question word after a preamble: "Hi, two questions - how many ...",
# "one more thing: is it ...".
# A date (masked as DATE) ends what came before too: "had it done DATE can I
# wear makeup".
QUESTION_AFTER_BREAK = re.compile(
    rf"(?:[,:\-\u2013\u2014]|\bDATE\b)\s*(?P<question>(?:{QUESTION_WORDS})\b.*)", re.IGNORECASE
)
# A question asked as a request: "I'd like to know the price", "tell me about
# the downtime", "wondering how long it lasts", "my question is when ...".
REQUEST = re.compile(
    r"\b(?:(?:like|want|wanted|need|needed|trying|love)\s+to\s+(?:know|find\s+out|ask|check)|"
    r"tell\s+me|let\s+me\s+know|wonder|wondering|wondered|curious|any\s+idea|question\s+(?:is|was)|"
    r"info(?:rmation)?\s+(?:on|about)|(?:more|some)\s+details?\s+(?:on|about))\b",
    re.IGNORECASE,
)
# "and" (or "&", "plus", "as well as") between two parts of one question.
CONJUNCTION = re.compile(
    r"\s*,?\s*\b(?:and|plus|as\s+well\s+as)\b(?:\s+also\b)?\s*|\s*&\s*(?:also\b\s*)?", re.IGNORECASE
)


# A what-if condition that names a day, in text whose dates are masked as
# DATE: "if I have it on DATE", "say I get it done DATE", "thinking of having it
# DATE". Up to the next punctuation, so the question around it stays.
CONDITION = re.compile(
    r"(?:\bhypothetically(?:\s+speaking)?[\s,]*)?"
    r"\b(?:what\s+if|if|say|suppose|supposing|imagine|assuming|let'?s\s+say|"
    r"(?:thinking|planning|considering|hoping)(?:\s+(?:of|about|on|to))?)\s+[^,?.;!]*?\bDATE\b"
    # up to the question that follows ("if I do it DATE how long ..."), else
    # to the next punctuation
    rf"(?:[^,?.;!]*?(?=\s+(?:{QUESTION_WORDS})\b)|[^,?.;!]*)",
    re.IGNORECASE,
)


def without_condition(masked: str) -> str:
    """The question a what-if asks, without its condition: "if I have it on
    DATE, when can I exercise?" -> "when can I exercise?". Text without one
    comes back as it is."""
    return " ".join(CONDITION.sub(" ", masked).split()).strip(" ,")


# "they" in a second question is usually a thing the first one named: "when
# will I see results and how long do they last?" ("it" is mostly the treatment).
PLURAL_PRONOUN = re.compile(r"\b(?:they|them|those|these|theyll|they'll|they're|theyre)\b", re.IGNORECASE)
WORD = re.compile(r"[a-z][a-z'-]{3,}", re.IGNORECASE)
NOT_A_THING = frozenset(
    (
        "what when where which will would could should does have having about after before "
        "with from that this there their then than into your yours mine just much many long "
        "soon going been being also like want know tell take make need doing done still "
        "start started showing show"
    ).split()
)


def pronoun_readings(previous: str, segment: str) -> List[str]:
    """`segment` with its "they" replaced by each thing `previous` names:
    ("when will I see results", "how long do they last?") -> ["how long do
    results last?"]. Empty when there is no "they" to resolve."""
    if not PLURAL_PRONOUN.search(segment):
        return []
    things = [w for w in WORD.findall(previous) if w.lower() not in NOT_A_THING]
    return [PLURAL_PRONOUN.sub(thing, segment, count=1) for thing in dict.fromkeys(things)]


# "ok and what about exercise?", "and how about sunscreen": a new topic named
# after a follow-up's opening words, not a follow-up to the last answer.
TOPIC_SWITCH = re.compile(
    r"^\s*(?:(?:ok|okay|ok\s+then|right|cool|great|thanks|thank\s+you|so|and|also)[\s,.!]+)*"
    r"(?:and\s+)?(?:what|how)\s+about\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
NOT_A_TOPIC = re.compile(
    r"^(?:it|that|this|then|them|those|these|after(?:\s+that)?|later|now|tomorrow|today)\W*$",
    re.IGNORECASE,
)


# "and running?", "ok and sunbathing?": "and" with a topic and no question
# word names a topic too ("and how long?", "and why" point back).
AND_TOPIC = re.compile(
    r"^\s*(?:(?:ok|okay|ok\s+then|right|cool|great|thanks|thank\s+you|so)[\s,.!]+)*"
    rf"(?:and|also|plus)\s+(?!(?:{QUESTION_WORDS}|what|how)\b)(?P<rest>.+)$",
    re.IGNORECASE,
)


def switched_topic(text: str) -> str:
    """The topic a "what about ...?" or "and ...?" names ("ok and what about
    exercise?" -> "exercise?", "and running?" -> "running?"), or "" when it
    names none ("what about after that?", "and why?")."""
    match = TOPIC_SWITCH.match(text or "") or AND_TOPIC.match(text or "")
    if not match or NOT_A_TOPIC.match(match.group("rest").strip()):
        return ""
    return match.group("rest").strip()


def question_segments(text: str) -> List[str]:
    """The parts of `text` that can stand as questions of their own, in order."""
    parts: List[str] = []
    for sentence in SENTENCE.split(text or ""):
        for part in JOINED_QUESTION.split(sentence):
            part = part.strip(" ,")
            # one word asks too when it ends with "?": "price? and downtime?"
            if len(part.split()) >= MIN_WORDS or (part.endswith("?") and part.strip("?")):
                parts.append(part)
    return parts


def question_after_break(segment: str) -> str:
    """The question asked after a preamble or a date in one sentence ("my
    treatment was on DATE, are the scabs meant to be gone" -> "are the scabs
    meant to be gone"), or "" when there is none."""
    match = QUESTION_AFTER_BREAK.search(segment or "")
    return match.group("question").strip() if match else ""


def is_question(segment: str) -> bool:
    """A part that asks something, not context ("I usually run every morning.")."""
    segment = segment.strip()
    return (
        segment.endswith("?")
        or bool(QUESTION_START.match(segment))
        or bool(QUESTION_AFTER_BREAK.search(segment))
        or bool(REQUEST.search(segment))
    )


def conjunct_splits(segment: str) -> List[Tuple[str, str]]:
    """Each way to read `segment` as two parts joined by "and": (before, after).

    "can I exercise and wear makeup yet?" -> [("can I exercise", "wear makeup
    yet?")]. Whether the parts are two questions is for the classifier to say
    (two different topics, each clear on its own); "red and sore" is one.
    """
    splits = []
    for joiner in CONJUNCTION.finditer(segment):
        before, after = segment[: joiner.start()].strip(" ,"), segment[joiner.end() :].strip(" ,")
        # The part before "and" carries the question ("can I exercise", "what's
        # the cost") or is a bare topic ("price and downtime").
        if before and after and (len(before.split()) <= 2 or is_question(before)):
            splits.append((before, after))
    return splits


def in_frame(before: str, after: str) -> str:
    """The part after "and" read in the question of the part before it: its
    words take the place of as many of the last words before "and" (keeping the
    first). "what's the cost" + "the recovery time?" -> "what's the recovery
    time?"; "can it help with large pores" + "oily skin" -> "can it help with
    oily skin", still the first part's topic, so one question."""
    words = before.split()
    if len(words) <= 1:
        return after
    keep = len(words) - min(len(after.split()), len(words) - 1)
    return " ".join(words[:keep] + [after])


# A greeting or thanks in front of the message proper: "hi i had the co2
# three days ago", "thanks! and can I swim?".
LEADING_COURTESY = re.compile(
    r"^\s*(?:(?:hi+|hello|hey+|hiya|heya|morning|good\s+(?:morning|afternoon|evening)|thanks|"
    r"thank\s+you|thx|ty|cheers|ok|okay)\b(?:\s+there)?[\s,.!:;-]*)+",
    re.IGNORECASE,
)


def without_courtesy(text: str) -> str:
    """`text` without the greeting or thanks it opens with."""
    return LEADING_COURTESY.sub("", text, count=1).strip()


# What the patient says they do not have, before what they ask: "no fever,
# just some redness, is that normal?", "not hot. not spreading. can I swim?".
LEADING_ABSENCES = re.compile(
    r"^\s*(?:(?:no|not|never|nothing|none|neither|nor)\b[^,.;:!?]*[,.;:!]\s*)+",
    re.IGNORECASE,
)


def without_leading_absences(text: str) -> str:
    """`text` without the absent symptoms it opens with."""
    return LEADING_ABSENCES.sub("", text, count=1).strip()


# Words that join a clause to what came before: "also whats the aftercare",
# "oh and btw my temp is 38.7".
LEADING_JOINERS = re.compile(
    r"^(?:(?:and|also|plus|btw|by the way|oh|ps|p\.s\.|anyway|one more thing|another thing)\b[\s,.:;!-]*)+",
    re.IGNORECASE,
)


def without_leading_joiners(text: str) -> str:
    """`text` without the joining words it opens with."""
    return LEADING_JOINERS.sub("", text, count=1)
