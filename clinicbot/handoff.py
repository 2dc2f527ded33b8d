"""A patient asks for a person: what the bot does, by whether the clinic is open.

Plain Python; actions/actions.py (action_human_handoff) only sends the reply.
"""
from __future__ import annotations

import datetime as dt

from clinicbot.callbacks import offer_buttons
from clinicbot.content import ClinicContent
from clinicbot.conversation import Reply
from clinicbot.opening_hours import describe_opening


def handoff_when_open(content: ClinicContent) -> Reply:
    """A patient asks for a person while the clinic is open: the phone number.

    Kept apart from the closed branch so a live-staff queue can replace it."""
    return Reply([content.render(content.responses["human_handoff"])])


def handoff_when_closed(content: ClinicContent, now: dt.datetime) -> Reply:
    """Nobody can answer now: the clinic's and the out-of-hours numbers, and a call back."""
    opens = content.clinic.weekly_hours.next_opening(now)
    text = content.render(content.handoff.when_closed, extra={
        "opens_next": describe_opening(opens, now) if opens else "as soon as we can"})
    return Reply([text], buttons=offer_buttons(content))


def handoff_reply(content: ClinicContent, now: dt.datetime) -> Reply:
    if content.clinic.weekly_hours.is_open(now):
        return handoff_when_open(content)
    return handoff_when_closed(content, now)
