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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from dateutil.relativedelta import relativedelta

from clinicbot.content import ClinicContent, Milestone, format_patient_date
from clinicbot.dates import (
    FUTURE,
    HYPOTHETICAL,
    NUMBER_WORDS,
    PAST,
    PAST_CUE,
    VAGUE,
    DateFound,
    DateMention,
    find_date_mentions,
    own_treatment_date,
    read_treatment_date,
)
from clinicbot.timeline import TIMELINE_TOPIC, topic_status

FOUND = "found"
TREATMENT, EVENT = "treatment", "event"
# Words that make a date the (planned) treatment day: "if I have it on Friday",
# "I'm booked in for 14 December", "say I get lasered on the 3rd".
PLANNED_TREATMENT = re.compile(
    r"\b(?:booked|booking|book|appointment|having it|have it|had it|get it|getting it|got it|did it|"
    r"it(?:['\u2019]?s|\s+is|\s+was|\s+gets|\s+got)?\s+done|treatment|treated|lasered|laser|lazered|lazer|"
    r"procedure|session|scheduled|co2|do it|slot|opening|cancellation|"
    r"doing it|go in|come in|came in|went in|go ahead|went ahead|going ahead)\b",
    re.IGNORECASE,
)
# "... on the 10th if I get lasered on the 3rd": a condition is a clause of its own.
CLAUSE_BREAK = re.compile(r"[,.;:!?\n]|\b(?:and|but|so|then|if|once)\b", re.IGNORECASE)
DAY_OF_MONTH = re.compile(r"^(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?$", re.IGNORECASE)
WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
PAST_WEEKDAY = re.compile(r"\b(?:last|before\s+last|ago)\b", re.IGNORECASE)
# "the day before": a count of one, as "a day before" (dates.NUMBER_WORDS).
NUMBERS = {**NUMBER_WORDS, "the": 1}
# "get it done the day before my birthday on 9 December", "... 10 days before"
OFFSET_BEFORE = re.compile(
    r"\b(?P<n>" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r"|\d{1,2})\s+"
    r"(?P<unit>days?|weeks?|fortnights?)\s+(?:before|earlier|ahead)\b",
    re.IGNORECASE,
)
# "if I have it on Sunday, could I wear makeup a week later?"
OFFSET_AFTER = re.compile(
    r"\b(?P<n>" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r"|\d{1,2})\s+"
    r"(?P<unit>days?|weeks?|fortnights?)\s+(?:later|after|afterwards|on)\b",
    re.IGNORECASE,
)
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
# An event word this close after a date names what the date is ("30 Dec
# school reunion"), and the words that may stand between a treatment word and
# its own date ("booked in for the 3rd").
EVENT_RIGHT_AFTER = 2
LINKING_WORDS = {"in", "for", "on", "at", "the", "a", "is", "was", "be", "of", "done", "it", "-"}
# How many words after a date can still say what it is ("on the 20th for my
# sister's wedding", "Friday is my party").
WORDS_AFTER = 4


@dataclass(frozen=True)
class EventPlan:
    text: str
    event: Optional[dt.date] = None
    treatment: Optional[dt.date] = None
    latest_treatment: Optional[dt.date] = None
    recovery_day: Optional[int] = None
    allowed: Optional[bool] = None
    # The recovery topic the plan answers for its day ("can I wear makeup on
    # Wednesday?" -> makeup), if it answers one.
    topic: Optional[str] = None
    # The patient's own past treatment date, told in this message ("had it
    # on Monday, can I wear makeup at my party on Saturday?"): to be kept.
    told_treatment: Optional[dt.date] = None

    def payload(self) -> dict:
        """The plan card. Its treatment_date is the day the plan is for: the
        one the patient named, else the latest one it suggests."""

        def iso(day: Optional[dt.date]) -> Optional[str]:
            return day.isoformat() if day else None

        return {
            "type": "plan",
            "event_date": iso(self.event),
            "treatment_date": iso(self.treatment or self.latest_treatment),
            "latest_treatment_date": iso(self.latest_treatment),
            "day": self.recovery_day,
            "allowed": self.allowed,
            "topic": self.topic,
        }


def _future_dates(
    mentions: List[DateMention], today: dt.date, text: str = ""
) -> List[Tuple[DateMention, dt.date]]:
    """Dates ahead, with their mentions; a day and month without a year is
    the next one, since a plan is always about the future ("wedding on 14
    December"), unless its own clause says a treatment was had on it
    ("someone had co2 on 24/11")."""
    dates = []
    for mention in mentions:
        day = mention.date
        if mention.status != FOUND or day is None:
            continue
        if day < today and _treated_on(text, mention):
            continue
        if day < today and mention.kind == "calendar" and not re.search(r"\d{4}", mention.text):
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:  # 29 February
                continue
        elif day < today and WEEKDAY.search(mention.text) and not PAST_WEEKDAY.search(mention.text):
            # "family photos on Thursday": the coming one
            day += dt.timedelta(days=7 * ((today - day).days // 7 + 1))
        elif day < today and DAY_OF_MONTH.match(mention.text):
            # "a reunion on the 14th": the coming 14th
            day = _next_day_of_month(day, today)
            if day is None:
                continue
        if day >= today:
            dates.append((mention, day))
    return dates


def _treated_on(text: str, mention: DateMention) -> bool:
    clause = CLAUSE_BREAK.split(text[: mention.start])[-1]
    return bool(PAST_CUE.search(clause) and PLANNED_TREATMENT.search(clause))


def _next_day_of_month(day: dt.date, today: dt.date) -> Optional[dt.date]:
    """The first date on or after today with `day`'s day of the month."""
    for months in range(1, 13):
        later = day + relativedelta(months=months)
        if later.day == day.day and later >= today:
            return later
    return None


# Event words this long are still read with one letter left out or two
# neighbouring letters swapped ("weding", "aniversary", "chrismas",
# "brithday"); shorter ones would catch everyday words ("flight" -> "fight").
TYPO_MIN_LETTERS = 7


def _misspellings(word: str) -> Iterator[str]:
    """`word` with one inner letter left out or two inner neighbours swapped
    (the first and last letters are kept: "concert" is no "concern")."""
    yield word
    if len(word) < TYPO_MIN_LETTERS or not word.isalpha():
        return
    for i in range(1, len(word) - 1):
        yield word[:i] + word[i + 1 :]
        if i < len(word) - 2:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@lru_cache(maxsize=8)
def _event_pattern(event_words: Tuple[str, ...]) -> "re.Pattern[str]":
    forms = {form for word in event_words for form in _misspellings(word.lower())}
    return re.compile(
        r"\b(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")\b", re.IGNORECASE
    )


WHOSE = re.compile(r"(?:\b(?:my|his|her|our|their|your)|['\u2019]s)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8)
def _words_and_numbers(
    event_words: Tuple[str, ...],
) -> Tuple["re.Pattern[str]", Optional["re.Pattern[str]"]]:
    numbers = tuple(w for w in event_words if not w.isalpha())
    return _event_pattern(tuple(w for w in event_words if w.isalpha())), (
        _event_pattern(numbers) if numbers else None
    )


def names_an_event(text: str, event_words: Sequence[str]) -> bool:
    # Words, or a number after whose it is ("my 50th", "mum's 70th"): "the
    # 30th" alone is a date, not a 30th birthday.
    words, numbers = _words_and_numbers(tuple(event_words))
    return bool(words.search(text)) or (
        numbers is not None
        and any(WHOSE.search(text[max(0, m.start() - 20) : m.start()]) for m in numbers.finditer(text))
    )


def is_about_an_event(content: ClinicContent, text: str, today: dt.date) -> bool:
    """The message names an occasion ("wedding", "holiday") or a second day
    to plan for ("if I have it on Friday, can I swim on Wednesday?")."""
    dated = _future_dates(find_date_mentions(text, today, content.clinic.date_order), today, text)
    return names_an_event(text, content.planning.event_words) or len(dated) >= 2


def _last_position(pattern: "re.Pattern[str]", text: str) -> int:
    found = [m.end() for m in pattern.finditer(text)]
    return found[-1] if found else -1


# "family photos booked 29 Dec", "the wedding is booked for the 12th": the
# booking right after an event word is the occasion's, not the treatment's.
BOOKED_AFTER_EVENT = re.compile(
    r"^(?:\s+(?:is|are|was|were|has|have|been|all|now|already|got|finally))*\s+(?:booked|scheduled)\b",
    re.IGNORECASE,
)

DEADLINE_BEFORE = re.compile(
    r"\b(?:before|by|until|till|til|ahead\s+of|in\s+time\s+for)\s+(?:the\s+)?$", re.IGNORECASE
)


def date_role(text: str, mention: DateMention, event_words: Sequence[str]) -> Optional[str]:
    """Whether a date is the treatment day, the event, or not said.

    Read from the words of its own clause: the nearest treatment word ("if I
    have it on", "booked for") or event word ("wedding on") before it wins;
    else a few words after it ("the 20th for my party")."""
    before = text[: mention.start]
    if DEADLINE_BEFORE.search(before):
        # "have the laser before christmas", "healed by the 12th": the day
        # the treatment must come before is the occasion.
        return EVENT
    clause_starts = [m.end() for m in CLAUSE_BREAK.finditer(before)]
    before = before[clause_starts[-1] :] if clause_starts else before
    events = _event_pattern(tuple(event_words))
    treatment_at, event_at = _last_position(PLANNED_TREATMENT, before), _last_position(events, before)
    booked = BOOKED_AFTER_EVENT.match(before[event_at:]) if event_at >= 0 else None
    if booked and treatment_at == event_at + booked.end():
        treatment_at = -1
    after = CLAUSE_BREAK.split(text[mention.end :], maxsplit=1)[0]
    after = " ".join(after.split()[:WORDS_AFTER])
    if treatment_at > event_at and events.search(" ".join(after.split()[:EVENT_RIGHT_AFTER])):
        # "latest booking date for a 30 Dec school reunion": the date names
        # the occasion right after it, unless only linking words tie it to
        # the treatment word ("booked for 30 Dec wedding prep").
        between = before[treatment_at:].split()
        if any(word.lower() not in LINKING_WORDS for word in between):
            return EVENT
    if treatment_at >= 0 or event_at >= 0:
        return TREATMENT if treatment_at > event_at else EVENT
    if events.search(after):
        return EVENT
    if PLANNED_TREATMENT.search(after):
        return TREATMENT
    return None


def _offset(match: "re.Match[str]") -> dt.timedelta:
    count = NUMBERS.get(match.group("n").lower()) or int(match.group("n"))
    return dt.timedelta(days=count * UNIT_DAYS[match.group("unit").lower().rstrip("s")])


def offset_after_treatment(text: str) -> Optional[dt.timedelta]:
    """How long after the treatment the day asked about is: "a week later"."""
    match = OFFSET_AFTER.search(text)
    return _offset(match) if match else None


def treatment_offset(text: str) -> Optional[dt.timedelta]:
    """How long before the event the treatment would be, when said with a
    treatment word: "if I get it done the day before my birthday" -> 1 day."""
    for match in OFFSET_BEFORE.finditer(text):
        if PLANNED_TREATMENT.search(text[: match.start()]) or PLANNED_TREATMENT.search(text[match.end() :]):
            return _offset(match)
    return None


def asks_what_if(content: ClinicContent, text: str, today: dt.date) -> bool:
    """A question about a treatment the patient has not had: a what-if date
    for the treatment itself ("suppose I have it on 2 December, when can I
    exercise?", "if I have it done this week..."). Its answer is a plan, and
    the date is never the patient's treatment date."""
    mentions = find_date_mentions(text, today, content.clinic.date_order)
    if any(m.tense == PAST and m.status == FOUND for m in mentions):
        return False
    # A booked day with another day ahead asks the same ("booked in for
    # Tuesday, will I be ok to wear foundation on Sunday?").
    days_ahead = sum(m.tense == FUTURE and m.status == FOUND for m in mentions)
    return any(
        (m.tense == HYPOTHETICAL or (m.tense == FUTURE and days_ahead >= 2))
        and m.status in (FOUND, VAGUE)
        and date_role(text, m, content.planning.event_words) == TREATMENT
        for m in mentions
    )


def _treatment_and_event(
    dated: List[Tuple[DateMention, dt.date]], text: str, event_words: Sequence[str]
) -> Tuple[dt.date, dt.date]:
    """Of two or more dates, the treatment day and the day asked about: by
    their roles, else in the order written."""
    roles = [date_role(text, mention, event_words) for mention, _ in dated]
    treatment = next((day for (_, day), role in zip(dated, roles) if role == TREATMENT), None)
    event = next((day for (_, day), role in zip(dated, roles) if role == EVENT), None)
    if treatment is None:
        treatment = next(day for (_, day), role in zip(dated, roles) if role != EVENT)
    if event is None:
        event = next((day for _, day in dated if day != treatment), dated[-1][1])
    while event <= treatment:  # "on Friday ... on Wednesday": the Wednesday after
        event += dt.timedelta(days=7)
    return treatment, event


def _besides_the_treatment_day(
    content: ClinicContent, text: str, today: dt.date
) -> Tuple[List[DateMention], Optional[DateFound]]:
    """The dates in `text` other than the patient's own treatment day, which
    is no event ("had it on Monday, can I wear makeup at my party on
    Saturday?"), and that day if told."""
    mentions = find_date_mentions(text, today, content.clinic.date_order)
    told = own_treatment_date(text, today, content.clinic.date_order)
    if told is not None:
        mentions = [m for m in mentions if m.text != told.matched_text]
    return mentions, told


def plan_around_event(
    content: ClinicContent, text: str, today: dt.date, topic: Optional[str], treated: Optional[dt.date] = None
) -> EventPlan:
    """The plan for `text`. `treated` is the patient's own treatment date, if
    known: "I've got a party on 4 December, can I wear makeup?" from a patient
    already treated is about their recovery on that day, unless the message
    plans a treatment ("when should I book the next one?")."""
    mentions, told = _besides_the_treatment_day(content, text, today)
    dated = _future_dates(mentions, today, text)
    if (
        (
            told is not None
            or (treated is not None and treated <= today and not PLANNED_TREATMENT.search(text))
        )
        and topic in content.topics
        and len(dated) == 1
    ):
        own = told.date if told is not None else treated
        assert own is not None
        return _topic_on_the_day(
            content, str(topic), own, dated[0][1], planned=False, told=told.date if told is not None else None
        )
    ready = [content.milestones[key] for key in content.planning.ready_milestones]
    ready_day = max((m.day for m in ready), default=0)
    event_words = content.planning.event_words
    if not dated:
        return EventPlan(content.render(content.planning.ask_event_date))
    known_topic = topic is not None and topic in content.topics
    if len(dated) >= 2 and any(date_role(text, m, event_words) != EVENT for m, _ in dated):
        treatment, event = _treatment_and_event(dated, text, event_words)
        if known_topic:
            on_the_day = _topic_on_the_day(content, str(topic), treatment, event)
            if any(day == event and date_role(text, m, event_words) == EVENT for m, day in dated):
                # "If I get it done on 4 December, will I be ok for the
                # christening on 9 December?": and the last day that would
                # leave them ready for the occasion.
                return _and_the_latest_day(content, on_the_day, event, ready_day, ready)
            return on_the_day
        return _latest_for(content, event, today, ready_day, ready, treatment)
    before, after = treatment_offset(text), offset_after_treatment(text)
    if len(dated) == 1 and before is not None and known_topic:
        # "the day before my birthday on 9 December": the treatment is a day
        # before the event.
        on_the_day = _topic_on_the_day(content, str(topic), dated[0][1] - before, dated[0][1])
        return _and_the_latest_day(content, on_the_day, dated[0][1], ready_day, ready)
    if (
        len(dated) == 1
        and after is not None
        and known_topic
        and date_role(text, dated[0][0], event_words) != EVENT
    ):
        # "if I have it on Sunday, could I wear makeup a week later?"
        return _topic_on_the_day(content, str(topic), dated[0][1], dated[0][1] + after)
    if len(dated) == 1 and known_topic:
        mention, treatment = dated[0]
        if date_role(text, mention, event_words) == TREATMENT:
            status = topic_status(content, content.topics[str(topic)], treatment, treatment)
            answer = content.render(status.phase.text, treatment)
            return EventPlan(
                f"If you have your treatment on {format_patient_date(treatment)}, "
                f"then on the day itself: {answer}",
                treatment=treatment,
                recovery_day=0,
                allowed=status.allowed,
                topic=topic,
            )
    if len(dated) == 1 and not known_topic and date_role(text, dated[0][0], event_words) == TREATMENT:
        treatment = dated[0][1]
        return EventPlan(_milestones_after(content, treatment), treatment=treatment, recovery_day=0)
    events = [day for mention, day in dated if date_role(text, mention, event_words) == EVENT]
    return _latest_for(content, (events or [day for _, day in dated])[-1], today, ready_day, ready, None)


def _and_the_latest_day(
    content: ClinicContent, plan: EventPlan, event: dt.date, ready_day: int, ready: Sequence[Milestone]
) -> EventPlan:
    """`plan`, then the last treatment day that leaves the ready milestones
    behind by the occasion (planning.latest_date)."""
    latest = event - dt.timedelta(days=ready_day)
    line = content.render(content.planning.latest_date, extra=_plan_words(event, latest, ready_day, ready))
    return replace(plan, text=f"{plan.text} {line}", latest_treatment=latest)


def _plan_words(
    event: dt.date, latest: dt.date, ready_day: int, ready: Sequence[Milestone]
) -> Dict[str, str]:
    """What planning.latest_date and too_soon may say: {event} {latest} {days} {milestones}."""
    return {
        "event": format_patient_date(event),
        "latest": format_patient_date(latest),
        "days": str(ready_day),
        "milestones": " and ".join(m.label.lower() for m in ready),
    }


def _topic_on_the_day(
    content: ClinicContent,
    topic: str,
    treatment: dt.date,
    event: dt.date,
    planned: bool = True,
    told: Optional[dt.date] = None,
) -> EventPlan:
    """What `topic` allows on `event` after a treatment on `treatment`: one
    planned ("If you have your treatment on ..."), or the patient's own
    (`told` when this message gave it)."""
    status = topic_status(content, content.topics[topic], treatment, event)
    answer = content.render(status.phase.text, treatment)
    lead = f"If you have your treatment on {format_patient_date(treatment)}, " if planned else ""
    return EventPlan(
        f"{lead}{format_patient_date(event)} is day {status.day} of your recovery: {answer}",
        event=event,
        treatment=treatment,
        recovery_day=status.day,
        allowed=status.allowed,
        topic=topic,
        told_treatment=told,
    )


# A what-if treatment day is told with the milestones of its first month.
WHAT_IF_MILESTONE_DAYS = 30


def _milestones_after(content: ClinicContent, treatment: dt.date) -> str:
    """What a treatment on `treatment` would mean: the milestones' dates."""
    steps = sorted(
        (m for m in content.milestones.values() if 0 < m.day <= WHAT_IF_MILESTONE_DAYS),
        key=lambda m: (m.day, m.key),
    )
    dates = "; ".join(
        f"{m.label.lower()}: {format_patient_date(treatment + dt.timedelta(days=m.day))}" for m in steps
    )
    return f"If you have your treatment on {format_patient_date(treatment)}: {dates}."


def _latest_for(
    content: ClinicContent,
    event: dt.date,
    today: dt.date,
    ready_day: int,
    ready: Sequence[Milestone],
    treatment: Optional[dt.date],
) -> EventPlan:
    """The last treatment day that leaves the ready milestones behind by the event."""
    latest = event - dt.timedelta(days=ready_day)
    extra = _plan_words(event, latest, ready_day, ready)
    if treatment is not None:
        day = (event - treatment).days
        lead = (
            f"If you have your treatment on {format_patient_date(treatment)}, "
            f"{format_patient_date(event)} is day {day} of your recovery. "
        )
        return EventPlan(
            lead
            + content.render(
                content.planning.latest_date if treatment <= latest else content.planning.too_soon,
                extra=extra,
            ),
            event=event,
            treatment=treatment,
            latest_treatment=latest,
            recovery_day=day,
        )
    if latest < today:
        return EventPlan(
            content.render(content.planning.too_soon, extra=extra), event=event, latest_treatment=latest
        )
    return EventPlan(
        content.render(content.planning.latest_date, extra=extra), event=event, latest_treatment=latest
    )


def asks_about_an_event_ahead(content: ClinicContent, text: str, today: dt.date) -> bool:
    """An occasion on a day ahead: "can I wear makeup at my wedding on 20
    December?" from someone not yet treated is a plan, and so is "had it on
    Monday, can I wear makeup at my party on Saturday?" (the party's day of
    recovery)."""
    mentions, _ = _besides_the_treatment_day(content, text, today)
    if any(m.tense == PAST and m.status == FOUND for m in mentions):
        return False
    return names_an_event(text, content.planning.event_words) and bool(_future_dates(mentions, today, text))


def what_if_answer(
    content: ClinicContent,
    text: str,
    today: dt.date,
    labels: Sequence[str],
    topic: Optional[str],
    treated: Optional[dt.date] = None,
) -> Tuple[Optional[str], Optional[EventPlan]]:
    """How to answer a question about a treatment not had yet: (topic label to
    answer first, plan to give).

    With an occasion or a second day ("if I have it on Friday, can I wear
    makeup at the party on Wednesday?") it is a plan about recovery `topic`.
    About the treatment day alone ("if I have it on Thursday, when can I go
    back to the gym?", "if I book it for next Friday would I need time off
    work?") it is the question's own topic (the first of `labels`, most likely
    first: faq/... or recovery/...), then, for a recovery topic and a day
    given, what applies from that day. Either way nothing is the patient's
    treatment date."""
    label = next((label for label in labels if "/" in label), None)
    if is_about_an_event(content, text, today):
        plan = plan_around_event(content, text, today, topic, treated)
        if plan.event is None and label is not None and label.split("/", 1)[1] in content.topics:
            # "will I be able to wear makeup at my wedding if I have it done
            # this week?": with no day for the occasion the clinic's timeline
            # still answers the question; the plan then asks for the day.
            return label, plan
        return None, plan
    if label is None:
        # "I'm thinking of having it on Friday": what that day would mean,
        # for the recovery topic it names ("... when could I swim?"), if any
        return None, plan_around_event(content, text, today, topic)
    key = label.split("/", 1)[1]
    if label.startswith("recovery/") and key in content.topics:
        plan = plan_around_event(content, text, today, key)
        if plan.treatment is not None:
            return label, plan
    return label, None


def plan_reasons(content: ClinicContent) -> str:
    """Why a plan leaves the time it does: the clinic's ready milestones."""
    ready = [content.milestones[key] for key in content.planning.ready_milestones]
    milestones = "; ".join(f"{m.label.lower()} from day {m.day}" for m in ready)
    return content.render(content.planning.why, extra={"milestones": milestones})


def answers_event_question(content: ClinicContent, text: str, today: dt.date) -> bool:
    """After the bot asked "When is your event?": does `text` answer it? A day
    ahead ("5 February", "it's on the 20th", "Saturday") said without a word
    of the past ("I had it on 5 February", "3 days ago", "yesterday")."""
    mentions = find_date_mentions(text, today, content.clinic.date_order)
    if PAST_CUE.search(text) or any(
        m.tense == PAST
        and m.kind == "relative"
        and m.date
        and not WEEKDAY.search(m.text)
        and not DAY_OF_MONTH.match(m.text)
        for m in mentions
    ):
        return False
    return bool(_future_dates(mentions, today, text))


def names_a_day_ahead(content: ClinicContent, text: str, today: dt.date) -> bool:
    """The message names a day after today ("what about tomorrow?")."""
    mentions = find_date_mentions(text, today, content.clinic.date_order)
    return any(day > today for _, day in _future_dates(mentions, today, text))


def only_a_past_treatment(content: ClinicContent, text: str, today: dt.date) -> bool:
    """The message gives a day someone was treated and nothing ahead to plan
    for ("if someone had co2 on 24/11, could they swim today?"): a recovery
    question, whoever asks it."""
    reading = read_treatment_date(text, today, content.clinic.date_order, explicit=False)
    if not isinstance(reading, DateFound) or reading.date > today:
        return False
    return not names_a_day_ahead(content, text, today)


__all__ = [
    "EventPlan",
    "names_a_day_ahead",
    "only_a_past_treatment",
    "asks_about_an_event_ahead",
    "answers_event_question",
    "asks_what_if",
    "date_role",
    "is_about_an_event",
    "plan_around_event",
    "plan_reasons",
    "what_if_answer",
    "TIMELINE_TOPIC",
]
