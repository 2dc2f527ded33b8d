"""Is the clinic open now, and when does it open next?

From the structured weekly hours in clinic/clinic.yml, read in the clinic's
own timezone, so the urgent advice can say "we're open now, call us" or give
the out-of-hours route instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOSED = "closed"
HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


class OpeningHoursError(ValueError):
    """The weekly hours in the clinic file cannot be read."""


@dataclass(frozen=True)
class WeeklyHours:
    # weekday index (Monday = 0) -> (opens, closes), or absent when closed
    days: Mapping[int, Tuple[dt.time, dt.time]]
    timezone: str

    def is_open(self, moment: dt.datetime) -> bool:
        local = _local(moment, self.timezone)
        hours = self.days.get(local.weekday())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, moment: dt.datetime) -> Optional[dt.datetime]:
        """The next time the clinic opens after `moment`, in the clinic's zone."""
        local = _local(moment, self.timezone)
        for ahead in range(0, 8):
            day = local.date() + dt.timedelta(days=ahead)
            hours = self.days.get(day.weekday())
            if hours is None:
                continue
            opens = dt.datetime.combine(day, hours[0], tzinfo=local.tzinfo)
            if opens > local:
                return opens
        return None


def _local(moment: dt.datetime, timezone: str) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(ZoneInfo(timezone))


def parse_weekly_hours(data: Mapping[str, object], timezone: str) -> WeeklyHours:
    """{'monday': '09:00-18:00', 'sunday': 'closed', ...}; every weekday named."""
    missing = [day for day in WEEKDAYS if day not in data]
    unknown = [str(day) for day in data if day not in WEEKDAYS]
    if missing or unknown:
        raise OpeningHoursError(
            f"weekly hours must name each weekday once; missing {missing}, unknown {unknown}"
        )
    days: Dict[int, Tuple[dt.time, dt.time]] = {}
    for index, name in enumerate(WEEKDAYS):
        value = str(data[name]).strip().lower()
        if value == CLOSED:
            continue
        match = HOURS.match(value)
        if not match:
            raise OpeningHoursError(f"{name}: {data[name]!r} is not like '09:00-18:00' or 'closed'")
        start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
        opens = dt.time(start_h, start_m)
        closes = dt.time.max if (end_h, end_m) == (24, 0) else dt.time(end_h % 24, end_m)
        if closes <= opens:
            raise OpeningHoursError(f"{name}: closes before it opens ({data[name]!r})")
        days[index] = (opens, closes)
    return WeeklyHours(days, timezone)


def describe_opening(moment: dt.datetime, now: dt.datetime) -> str:
    """'today at 9:00', 'tomorrow at 9:00' or 'Monday at 9:00'."""
    local_now = now.astimezone(moment.tzinfo)
    days = (moment.date() - local_now.date()).days
    at = f"{moment.hour}:{moment.minute:02d}"
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    return f"{moment.strftime('%A')} at {at}"
