"""What the bot says to recovery questions and treatment dates.

Plain Python: the Rasa custom actions only translate a tracker into these
calls and the result back into messages and slots.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from clinicbot.callbacks import request_button
from clinicbot.content import ClinicContent, format_patient_date
from clinicbot.dates import (DateFound, ImpossibleDate, VagueDate, about_someone_else,
                             read_treatment_date, today_in)
from clinicbot.opening_hours import describe_opening
from clinicbot.timeline import TIMELINE_TOPIC, general_answer, recovery_day, topic_answer


@dataclass
class Reply:
    texts: List[str]
    payload: Optional[Dict[str, Any]] = None
    treatment_date: Optional[dt.date] = None   # a date to remember
    pending_topic: Optional[str] = None        # a question to answer once we know the date
    buttons: List[Tuple[str, str]] = field(default_factory=list)  # (title, payload), last text
    extra: Dict[str, Any] = field(default_factory=dict)


# A question about treating a symptom at home: "should I just put cream on
# it?", "can I pop it?", "is ice ok?".
SELF_TREATMENT = re.compile(
    r"\b(put|putting|apply|applying|use|using|rub|cover|covering|pop|popping|burst|bursting|"
    r"squeeze|squeezing|pick|picking|drain|draining|lance|prick|treat|ice|cream|ointment|"
    r"vaseline|sudocrem|savlon|germolene|antiseptic|antibiotics?|aloe|plaster|bandage|"
    r"paracetamol|ibuprofen|antihistamines?|home remed(?:y|ies)|myself|at home)\b",
    re.IGNORECASE)

def is_self_treatment_question(text: str) -> bool:
    return bool(SELF_TREATMENT.search(text or ""))


def urgent_advice(content: ClinicContent, now: dt.datetime,
                  treatment_date: Optional[dt.date] = None) -> Reply:
    """The urgent card: call now if the clinic is open, else the out-of-hours route;
    either way the patient can ask for a call back. A treatment date the
    patient gave with the symptom is kept, so staff see the recovery day."""
    hours = content.clinic.weekly_hours
    payload: Dict[str, Any] = {"type": "red_flag", "urgent": True,
                               "phone": content.clinic.phone,
                               "emergency_number": content.clinic.emergency_number}
    if hours.is_open(now):
        return Reply([content.render(content.urgent.when_open)],
                     payload={**payload, "open_now": True}, buttons=request_button(content),
                     treatment_date=treatment_date)
    opens = hours.next_opening(now)
    text = content.render(content.urgent.when_closed, extra={
        "opens_next": describe_opening(opens, now) if opens else "as soon as we can"})
    return Reply([text], payload={**payload, "open_now": False,
                                  "out_of_hours_service": content.clinic.out_of_hours_service,
                                  "out_of_hours_number": content.clinic.out_of_hours_number},
                 buttons=request_button(content), treatment_date=treatment_date)


def self_treatment_warning(content: ClinicContent) -> Reply:
    return Reply([content.render(content.urgent.self_treatment)], payload={
        "type": "red_flag", "urgent": True, "phone": content.clinic.phone,
        "emergency_number": content.clinic.emergency_number})


def parse_known_date(value: Any) -> Optional[dt.date]:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def patient_today(content: ClinicContent, patient_timezone: Optional[str],
                  now: Optional[dt.datetime] = None) -> dt.date:
    return today_in(patient_timezone or content.clinic.timezone, content.clinic.timezone, now)


def answer_for_date(content: ClinicContent, topic: str, treatment_date: dt.date,
                    today: dt.date, newly_given: bool = True) -> Reply:
    """`newly_given`: the date came in this message, so it is to be stored."""
    to_store = treatment_date if newly_given else None
    day = recovery_day(treatment_date, today)
    if day < 0:
        when = format_patient_date(treatment_date)
        return Reply([f"Your treatment is on {when}. " + content.render(content.recovery.pre_treatment)],
                     treatment_date=to_store)
    if day >= content.recovery.max_days_since_treatment:
        return Reply([content.render(content.recovery.too_long_ago)], pending_topic=topic)
    answer = topic_answer(content, topic, treatment_date, today)
    return Reply([answer.text], payload=answer.payload, treatment_date=to_store)


def answer_recovery_question(content: ClinicContent, topic: str, message_text: str,
                             known_date: Optional[dt.date], today: dt.date) -> Reply:
    """A recovery question, with the date from this message or an earlier one."""
    if topic not in content.topics and topic != TIMELINE_TOPIC:
        topic = TIMELINE_TOPIC
    reading = read_treatment_date(message_text, today, content.clinic.date_order, explicit=False)
    if isinstance(reading, ImpossibleDate):
        return Reply([general_answer(content, topic),
                      content.render(content.recovery.impossible_date,
                                     extra={"text": reading.matched_text})],
                     pending_topic=topic)
    if isinstance(reading, DateFound):
        return answer_for_date(content, topic, reading.date, today,
                               newly_given=not about_someone_else(message_text))
    if isinstance(reading, VagueDate) and known_date is None:
        return Reply([general_answer(content, topic), content.render(
            content.responses["ask_which_day"])], pending_topic=topic)
    if known_date is None:
        return Reply([general_answer(content, topic),
                      content.render(content.recovery.offer_personalise)],
                     pending_topic=topic)
    return answer_for_date(content, topic, known_date, today, newly_given=False)


def answer_treatment_date(content: ClinicContent, message_text: str,
                          pending_topic: Optional[str], today: dt.date) -> Reply:
    """The patient told us their treatment date (or tried to)."""
    topic = pending_topic if pending_topic else TIMELINE_TOPIC
    reading = read_treatment_date(message_text, today, content.clinic.date_order, explicit=True)
    if isinstance(reading, ImpossibleDate):
        return Reply([content.render(content.recovery.impossible_date,
                                     extra={"text": reading.matched_text})],
                     pending_topic=pending_topic)
    if isinstance(reading, VagueDate):
        return Reply([content.render(content.responses["ask_which_day"])],
                     pending_topic=pending_topic)
    if not isinstance(reading, DateFound):
        return Reply([content.render(content.recovery.offer_personalise)],
                     pending_topic=pending_topic)
    return answer_for_date(content, topic, reading.date, today,
                           newly_given=not about_someone_else(message_text))
