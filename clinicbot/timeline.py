"""Turns a treatment date into recovery-day answers.

Day 0 is the treatment day. A topic's phases start at milestones from the
clinic file, so moving a milestone day moves every answer that depends on it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from clinicbot.content import ClinicContent, Phase, Topic, format_patient_date

TIMELINE_TOPIC = "timeline"
UPCOMING_MILESTONES_SHOWN = 3


@dataclass(frozen=True)
class TopicStatus:
    day: int
    phase: Phase
    allowed: Optional[bool]
    allowed_from: Optional[dt.date]


@dataclass(frozen=True)
class RecoveryAnswer:
    text: str
    payload: Dict[str, Any]


def recovery_day(treatment_date: dt.date, today: dt.date) -> int:
    return (today - treatment_date).days


def _phase_start(content: ClinicContent, phase: Phase) -> int:
    return content.milestone_day(phase.starts_at)


def topic_status(content: ClinicContent, topic: Topic, treatment_date: dt.date,
                 today: dt.date) -> TopicStatus:
    """Where a patient on `today` stands for one topic. Needs day >= 0."""
    day = recovery_day(treatment_date, today)
    if day < 0:
        raise ValueError("recovery has not started: the treatment date is in the future")
    index = max(i for i, phase in enumerate(topic.phases) if _phase_start(content, phase) <= day)
    phase = topic.phases[index]
    allowed_from: Optional[dt.date] = None
    if phase.allowed is False:
        later = next((p for p in topic.phases[index + 1:] if p.allowed), None)
        if later is not None:
            allowed_from = treatment_date + dt.timedelta(days=_phase_start(content, later))
    elif phase.allowed is True:
        # The date this permission began: the first allowed phase of the
        # unbroken run that ends with the current phase.
        first = index
        while first > 0 and topic.phases[first - 1].allowed:
            first -= 1
        allowed_from = treatment_date + dt.timedelta(
            days=_phase_start(content, topic.phases[first]))
    return TopicStatus(day, phase, phase.allowed, allowed_from)


def upcoming_milestones(content: ClinicContent, treatment_date: dt.date,
                        today: dt.date) -> List[Dict[str, Any]]:
    day = recovery_day(treatment_date, today)
    later = [m for m in all_milestones(content, treatment_date) if m["day"] > day]
    return later[:UPCOMING_MILESTONES_SHOWN]


def all_milestones(content: ClinicContent, treatment_date: dt.date) -> List[Dict[str, Any]]:
    """Every milestone with its calendar date, e.g. for a calendar file."""
    return [{"key": m.key, "label": m.label, "day": m.day,
             "date": (treatment_date + dt.timedelta(days=m.day)).isoformat()}
            for m in sorted(content.milestones.values(), key=lambda m: (m.day, m.key))]


def restriction_summary(content: ClinicContent, treatment_date: dt.date,
                        today: dt.date) -> Tuple[List[str], List[Dict[str, Any]]]:
    """Yes/no topics split into what is fine now and what is not yet."""
    ok_now, not_yet = [], []
    for topic in content.topics.values():
        if not topic.has_yes_no:
            continue
        status = topic_status(content, topic, treatment_date, today)
        if status.allowed:
            ok_now.append(topic.key)
        else:
            not_yet.append({"topic": topic.key, "title": topic.title,
                            "from": status.allowed_from.isoformat() if status.allowed_from else None})
    return ok_now, not_yet


def _payload(content: ClinicContent, topic_key: str, treatment_date: dt.date, today: dt.date,
             allowed: Optional[bool], allowed_from: Optional[dt.date],
             summary: Optional[Tuple[List[str], List[Dict[str, Any]]]] = None,
             upcoming: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    ok_now, not_yet = summary or restriction_summary(content, treatment_date, today)
    return {
        "type": "recovery",
        "treatment_date": treatment_date.isoformat(),
        "day": recovery_day(treatment_date, today),
        "topic": topic_key,
        "allowed": allowed,
        "allowed_from": allowed_from.isoformat() if allowed_from else None,
        "ok_now": ok_now,
        "not_yet": not_yet,
        "next_milestones": (upcoming if upcoming is not None
                            else upcoming_milestones(content, treatment_date, today)),
        "milestones": all_milestones(content, treatment_date),
    }


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def topic_answer(content: ClinicContent, topic_key: str, treatment_date: dt.date,
                 today: dt.date) -> RecoveryAnswer:
    """'Day 3: not yet. ... from Saturday 15 November.' plus the widget payload."""
    if topic_key == TIMELINE_TOPIC:
        return timeline_answer(content, treatment_date, today)
    topic = content.topics[topic_key]
    status = topic_status(content, topic, treatment_date, today)
    text = f"Day {status.day}: " + content.render(status.phase.text, treatment_date)
    return RecoveryAnswer(text, _payload(content, topic_key, treatment_date, today,
                                         status.allowed, status.allowed_from))


def timeline_answer(content: ClinicContent, treatment_date: dt.date,
                    today: dt.date) -> RecoveryAnswer:
    day = recovery_day(treatment_date, today)
    ok_now, not_yet = restriction_summary(content, treatment_date, today)
    parts = [f"Day {day} of your recovery (treatment on {format_patient_date(treatment_date)})."]
    if not_yet:
        waits = [f"{item['title'].lower()} from {format_patient_date(dt.date.fromisoformat(item['from']))}"
                 if item["from"] else item["title"].lower() for item in not_yet]
        parts.append("Not yet: " + "; ".join(waits) + ".")
    if ok_now:
        parts.append("Fine again now: " + "; ".join(
            content.topics[key].title.lower() for key in ok_now) + ".")
    upcoming = upcoming_milestones(content, treatment_date, today)
    if upcoming:
        parts.append("Coming up: " + "; ".join(
            f"{m['label'].lower()} ({format_patient_date(dt.date.fromisoformat(m['date']))})"
            for m in upcoming) + ".")
    else:
        parts.append("You are past the main recovery milestones.")
    parts.append("Keep up sun protection with SPF 30.")
    return RecoveryAnswer(" ".join(parts), _payload(content, TIMELINE_TOPIC, treatment_date, today,
                                                    None, None, (ok_now, not_yet), upcoming))


def general_answer(content: ClinicContent, topic_key: str) -> str:
    """The answer for a patient who has not given a treatment date."""
    if topic_key == TIMELINE_TOPIC:
        steps = [f"Day {m.day}: {m.label.lower()}." for m in
                 sorted(content.milestones.values(), key=lambda m: (m.day, m.key))]
        return " ".join(["Recovery in short. Day 0 is the treatment day."] + steps)
    return content.render(content.topics[topic_key].general)


def recovery_topics(content: ClinicContent) -> List[str]:
    return list(content.topics) + [TIMELINE_TOPIC]


__all__ = ["RecoveryAnswer", "TopicStatus", "TIMELINE_TOPIC", "general_answer",
           "recovery_day", "recovery_topics", "timeline_answer", "topic_answer",
           "topic_status", "upcoming_milestones"]
