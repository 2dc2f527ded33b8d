"""Scores multi-turn conversations against what the bot should have done.

The held-out conversation set (tests/data/conversations_heldout.yml) writes
dates as placeholders relative to the day it runs ({date:-3:d_month}), and
says per turn which topics must be answered, for which recovery day, whether
it is allowed, and what must (or must not) be stored. This module fills the
placeholders, reads the bot's replies back into labels, and judges each turn.
Plain Python: the test and `make bench` give it a way to talk to the bot.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from clinicbot.content import ClinicContent
from clinicbot.paths import TESTS_DATA_DIR
from clinicbot.render_responses import responses
from clinicbot.training_data import checked_sources, faq_answers

CONVERSATIONS_HELDOUT = TESTS_DATA_DIR / "conversations_heldout.yml"
PLACEHOLDER = re.compile(r"\{date:([+-]?\d+):([a-z_]+)\}")
# A reply: the REST channel's list of messages; a slot reader: the tracker's slot.
Send = Callable[[str, str], List[Dict[str, Any]]]
StoredDate = Callable[[str], Optional[str]]


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


FORMATS: Dict[str, Callable[[dt.date], str]] = {
    "d_month": lambda d: f"{d.day} {d:%B}",
    "d_mon": lambda d: f"{d.day} {d:%b}",
    "month_d": lambda d: f"{d:%B} {d.day}",
    "ordinal": lambda d: f"{_ordinal(d.day)} of {d:%B}",
    "the_ordinal": lambda d: f"the {_ordinal(d.day)}",
    "dmy": lambda d: f"{d.day}/{d.month}",
    "dmy_dot": lambda d: f"{d.day}.{d.month}.",
    "iso": lambda d: d.isoformat(),
    "weekday": lambda d: f"{d:%A}",
}


def render(text: str, today: dt.date) -> str:
    def fill(match: "re.Match[str]") -> str:
        day = today + dt.timedelta(days=int(match.group(1)))
        return FORMATS[match.group(2)](day)
    return PLACEHOLDER.sub(fill, text)


@dataclass
class Turn:
    user: str
    expect: Dict[str, Any]


@dataclass
class Conversation:
    id: str
    kind: str
    turns: List[Turn]


def load_conversations(path: Optional[Path] = None) -> List[Conversation]:
    data = yaml.safe_load(Path(path or CONVERSATIONS_HELDOUT).read_text(encoding="utf-8"))
    return [Conversation(str(c["id"]), str(c.get("class", "")),
                         [Turn(str(t["user"]), dict(t.get("expect") or {})) for t in c["turns"]])
            for c in data["conversations"]]


class ReplyReader:
    """Reads which topics a reply answered, from the clinic's own texts."""

    def __init__(self, content: ClinicContent) -> None:
        rendered = responses(content, faq_answers(checked_sources()))
        self.content = content
        self.label_of_text: Dict[str, str] = {}
        for name, variants in rendered.items():
            if name.startswith(("utter_faq/", "utter_recovery/")) or name in (
                    "utter_book_consultation", "utter_human_handoff"):
                self.label_of_text[variants[0]["text"].strip()] = name[len("utter_"):]
        # The handoff while the clinic is closed names when it opens next.
        before, _, after = content.render(content.handoff.when_closed,
                                          extra={"opens_next": "\x00"}).partition("\x00")
        self.handoff_closed = re.compile(re.escape(before.strip()) + ".*" + re.escape(after.strip()),
                                         re.DOTALL)
        # The bot asks for the treatment date either way: "Which day was your
        # treatment?" after a vague time, or, after a general answer, "Tell
        # me the date of your treatment ... and I'll tell you ...".
        self.asks_for_the_date = (
            content.render(content.responses["ask_which_day"]).strip(),
            content.render(content.recovery.offer_personalise).strip(),
        )

    def answers(self, reply: List[Dict[str, Any]]) -> List[Tuple[str, ...]]:
        """What each message of the reply answered, in order: a plan card
        that answers a recovery topic for its day ("if I have it on Friday,
        can I wear makeup on Wednesday?") answers both the plan and the topic."""
        found: List[Tuple[str, ...]] = []
        for message in reply:
            custom = message.get("custom") or {}
            options: Tuple[str, ...] = ()
            if custom.get("type") == "recovery":
                options = (f"recovery/{custom.get('topic')}",)
            elif custom.get("type") == "red_flag":
                options = ("red_flag",)
            elif custom.get("type") == "handoff" or self.handoff_closed.fullmatch(
                    (message.get("text") or "").strip()):
                options = ("human_handoff",)
            elif custom.get("type") == "plan":
                topic = custom.get("topic")
                options = ("plan_event", f"recovery/{topic}") if topic else ("plan_event",)
            elif (message.get("text") or "").strip() in self.label_of_text:
                options = (self.label_of_text[(message.get("text") or "").strip()],)
            if options and not any(options[0] == seen[0] for seen in found):
                found.append(options)
        return found

    def labels(self, reply: List[Dict[str, Any]]) -> List[str]:
        return [options[0] for options in self.answers(reply)]


def answered_in_order(wanted: List[str], answered: List[Tuple[str, ...]]) -> bool:
    """The reply's first messages answer the wanted topics, in order."""
    return len(answered) >= len(wanted) and all(w in a for w, a in zip(wanted, answered))


@dataclass
class TurnResult:
    ok: bool
    problems: List[str] = field(default_factory=list)


def judge_turn(expect: Dict[str, Any], reply: List[Dict[str, Any]], reader: ReplyReader,
               stored_before: Optional[str], stored_after: Optional[str],
               today: dt.date) -> TurnResult:
    problems: List[str] = []
    answers = reader.answers(reply)
    answered = [options[0] for options in answers]
    wanted = [str(t) for t in expect.get("topics") or []]
    # follow_up is the patient's move; the bot answers the topic it refers to.
    wanted = [t for t in wanted if t != "follow_up"]
    # A date on its own is answered with the recovery day (or the question
    # that was waiting for it).
    if wanted == ["share_treatment_date"]:
        wanted = [a for a in answered if a.startswith("recovery/")][:1] or wanted
    if wanted and not answered_in_order(wanted, answers):
        problems.append(f"answered {answered}, wanted {wanted}")
    cards = [m.get("custom") or {} for m in reply]
    if "day" in expect:
        days = [c.get("day") for c in cards if c.get("type") in ("recovery", "plan")]
        if expect["day"] not in days:
            problems.append(f"day {days}, wanted {expect['day']}")
    if "allowed" in expect:
        allowed = [c.get("allowed") for c in cards if c.get("type") in ("recovery", "plan")
                   and c.get("allowed") is not None]
        if expect["allowed"] not in allowed:
            problems.append(f"allowed {allowed}, wanted {expect['allowed']}")
    if "stored_days_ago" in expect:
        ago = expect["stored_days_ago"]
        if ago in (None, "none"):
            if stored_after != stored_before:
                problems.append(f"stored {stored_after}, wanted nothing new")
        elif stored_after != (today - dt.timedelta(days=int(ago))).isoformat():
            problems.append(f"stored {stored_after}, wanted {ago} days ago")
    if expect.get("ask_date") and not any(
            asking in (m.get("text") or "") for m in reply for asking in reader.asks_for_the_date):
        problems.append("did not ask which day")
    # A plan for a day the patient proposed ("if I have it on 4 December,
    # will I be ready on the 9th?") names that day and the latest one that
    # would leave them ready: either answers "which treatment day".
    for key, field_names in (("event_days_ahead", ("event_date",)),
                             ("treatment_days_ahead", ("treatment_date", "latest_treatment_date"))):
        if key in expect:
            wanted_date = (today + dt.timedelta(days=int(expect[key]))).isoformat()
            named = [c.get(name) for c in cards if c.get("type") == "plan" for name in field_names]
            if wanted_date not in named:
                problems.append(f"{field_names[0]} not {wanted_date}")
    return TurnResult(not problems, problems)


@dataclass
class ConversationScore:
    passed: int = 0
    total: int = 0
    turns_passed: int = 0
    turns: int = 0
    by_class: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    failures: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else float("nan")

    def to_dict(self) -> Dict[str, Any]:
        return {"conversations": self.total, "passed": self.passed, "rate": self.rate,
                "turns": self.turns, "turns_passed": self.turns_passed,
                "by_class": {k: {"passed": p, "total": t} for k, (p, t) in self.by_class.items()},
                "failures": self.failures}


def run_conversations(conversations: List[Conversation], send: Send, stored: StoredDate,
                      content: ClinicContent, today: dt.date,
                      sender_prefix: str = "heldout") -> ConversationScore:
    reader = ReplyReader(content)
    score = ConversationScore()
    passed_by_class: Counter = Counter()
    total_by_class: Counter = Counter()
    for conversation in conversations:
        sender = f"{sender_prefix}-{conversation.id}"
        ok = True
        for turn in conversation.turns:
            text = render(turn.user, today)
            before = stored(sender)
            reply = send(sender, text)
            result = judge_turn(turn.expect, reply, reader, before, stored(sender), today)
            score.turns += 1
            score.turns_passed += result.ok
            if not result.ok:
                ok = False
                score.failures.append({"id": conversation.id, "class": conversation.kind,
                                       "user": text, "problems": result.problems})
        score.total += 1
        score.passed += ok
        total_by_class[conversation.kind] += 1
        passed_by_class[conversation.kind] += ok
    score.by_class = {k: (passed_by_class[k], total_by_class[k]) for k in sorted(total_by_class)}
    return score
