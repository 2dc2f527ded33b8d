"""Planning a treatment around an event, from the clinic's milestones.

"I have a wedding on 12 December, when should I have it done?" gets the last
treatment day that leaves the clinic's "ready" milestones (makeup allowed,
redness usually faded) behind by the event. "If I have it on Friday, can I
wear makeup on Wednesday?" gets what applies on that recovery day. Nothing
here is a treatment date: nothing is stored.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from clinicbot.content import ClinicContent, format_patient_date
from clinicbot.dates import DateMention, find_date_mentions
from clinicbot.timeline import TIMELINE_TOPIC, topic_status

FOUND = "found"
# A single future date said like this is the planned treatment, not the event:
# "I'm booked in for 14 December, when can I go back to the gym?"
PLANNED_TREATMENT = re.compile(
    r"\b(?:booked|booking|book|appointment|having it|have it|get it|getting it|"
    r"treatment is|laser is|session is|scheduled)\b", re.IGNORECASE)


@dataclass(frozen=True)
class EventPlan:
    text: str
    event: Optional[dt.date] = None
    treatment: Optional[dt.date] = None
    latest_treatment: Optional[dt.date] = None
    recovery_day: Optional[int] = None
    allowed: Optional[bool] = None

    def payload(self) -> dict:
        def iso(day: Optional[dt.date]) -> Optional[str]:
            return day.isoformat() if day else None
        return {"type": "plan", "event_date": iso(self.event),
                "treatment_date": iso(self.treatment),
                "latest_treatment_date": iso(self.latest_treatment),
                "day": self.recovery_day, "allowed": self.allowed}


def _future_dates(mentions: List[DateMention], today: dt.date) -> List[dt.date]:
    """Dates ahead; a day and month without a year is the next one, since a
    plan is always about the future ("wedding on 14 December")."""
    dates = []
    for mention in mentions:
        day = mention.date
        if mention.status != FOUND or day is None:
            continue
        if day < today and mention.kind == "calendar" and not re.search(r"\d{4}", mention.text):
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:  # 29 February
                continue
        if day >= today:
            dates.append(day)
    return dates


def _names_an_event(text: str, event_words: Sequence[str]) -> bool:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return any(word in words for word in event_words)


def plan_around_event(content: ClinicContent, text: str, today: dt.date,
                      topic: Optional[str]) -> EventPlan:
    dates = _future_dates(find_date_mentions(text, today, content.clinic.date_order), today)
    ready = [content.milestones[key] for key in content.planning.ready_milestones]
    ready_day = max((m.day for m in ready), default=0)
    if not dates:
        return EventPlan(content.render(content.planning.ask_event_date))
    if len(dates) >= 2 and topic is not None and topic in content.topics:
        treatment, event = dates[0], dates[1]
        while event <= treatment:   # "on Friday ... on Wednesday": the Wednesday after
            event += dt.timedelta(days=7)
        status = topic_status(content, content.topics[topic], treatment, event)
        answer = content.render(status.phase.text, treatment)
        text = (f"If you have your treatment on {format_patient_date(treatment)}, "
                f"{format_patient_date(event)} is day {status.day} of your recovery: {answer}")
        return EventPlan(text, event=event, treatment=treatment, recovery_day=status.day,
                         allowed=status.allowed)
    if len(dates) == 1 and topic is not None and topic in content.topics and PLANNED_TREATMENT.search(text) \
            and not _names_an_event(text, content.planning.event_words):
        treatment = dates[0]
        status = topic_status(content, content.topics[topic], treatment, treatment)
        answer = content.render(status.phase.text, treatment)
        return EventPlan(f"If you have your treatment on {format_patient_date(treatment)}, then "
                         f"on the day itself: {answer}", treatment=treatment, recovery_day=0,
                         allowed=status.allowed)
    event = dates[-1]
    latest = event - dt.timedelta(days=ready_day)
    milestones = " and ".join(m.label.lower() for m in ready)
    if latest < today:
        text = content.render(content.planning.too_soon, extra={
            "event": format_patient_date(event), "days": str(ready_day),
            "milestones": milestones})
        return EventPlan(text, event=event, latest_treatment=latest)
    text = content.render(content.planning.latest_date, extra={
        "event": format_patient_date(event), "latest": format_patient_date(latest),
        "days": str(ready_day), "milestones": milestones})
    return EventPlan(text, event=event, latest_treatment=latest)


__all__ = ["EventPlan", "plan_around_event", "TIMELINE_TOPIC"]
