"""Numbers for the analytics page and its CSV downloads (days in the clinic's timezone)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from console import tracker

VIEWS = ("volume", "intents", "fallback", "red_flags", "summary")


@dataclass
class Analytics:
    start: dt.date
    end: dt.date  # inclusive
    days: List[dt.date] = field(default_factory=list)
    conversations: List[int] = field(default_factory=list)
    patient_messages: List[int] = field(default_factory=list)
    bot_messages: List[int] = field(default_factory=list)
    fallback_messages: List[int] = field(default_factory=list)
    red_flag_conversations: List[int] = field(default_factory=list)
    top_intents: List[Tuple[str, int]] = field(default_factory=list)
    total_conversations: int = 0
    total_patient_messages: int = 0
    median_length: Optional[float] = None
    with_treatment_date: int = 0
    total_red_flag_conversations: int = 0

    @property
    def fallback_rate(self) -> List[Optional[float]]:
        return [100.0 * f / m if m else None
                for f, m in zip(self.fallback_messages, self.patient_messages)]

    @property
    def overall_fallback_rate(self) -> Optional[float]:
        total = sum(self.patient_messages)
        return 100.0 * sum(self.fallback_messages) / total if total else None

    @property
    def treatment_date_share(self) -> Optional[float]:
        if not self.total_conversations:
            return None
        return 100.0 * self.with_treatment_date / self.total_conversations


def compute(engine: Engine, start: dt.date, end: dt.date, tz: ZoneInfo, top: int = 15,
            hidden_prefixes: Sequence[str] = (), hidden_senders: Iterable[str] = ()) -> Analytics:
    """The period's numbers, without the hidden (test) conversations."""
    result = Analytics(start, end)
    span = (end - start).days + 1
    result.days = [start + dt.timedelta(days=i) for i in range(span)]
    index = {day: i for i, day in enumerate(result.days)}
    conv_per_day: Dict[int, set] = defaultdict(set)
    red_per_day: Dict[int, set] = defaultdict(set)
    patient = [0] * span
    bot = [0] * span
    fallback = [0] * span
    intents: Counter = Counter()
    length: Counter = Counter()
    rows = tracker.analytics_rows(engine, tracker.to_epoch(start, tz),
                                  tracker.to_epoch(end + dt.timedelta(days=1), tz),
                                  hidden_prefixes, hidden_senders)
    for row in rows:
        day = dt.datetime.fromtimestamp(row.timestamp, tz).date()
        i = index.get(day)
        if i is None:
            continue
        if row.type_name == "bot":
            bot[i] += 1
            continue
        patient[i] += 1
        conv_per_day[i].add(row.sender_id)
        length[row.sender_id] += 1
        intents[row.full_intent or row.intent_name or "(none)"] += 1
        if row.intent_name in tracker.FALLBACK_INTENTS:
            fallback[i] += 1
        if row.intent_name == tracker.RED_FLAG_INTENT:
            red_per_day[i].add(row.sender_id)
    result.conversations = [len(conv_per_day[i]) for i in range(span)]
    result.patient_messages = patient
    result.bot_messages = bot
    result.fallback_messages = fallback
    result.red_flag_conversations = [len(red_per_day[i]) for i in range(span)]
    result.top_intents = sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    result.total_red_flag_conversations = len(set().union(*red_per_day.values()))
    result.total_conversations = len(length)
    result.total_patient_messages = sum(patient)
    result.median_length = statistics.median(length.values()) if length else None
    result.with_treatment_date = len(tracker.senders_with_treatment_date(engine, list(length)))
    return result


def _safe(value) -> str:
    """CSV cell that spreadsheet programs will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _pct(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.1f}"


def to_csv(data: Analytics, view: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if view == "volume":
        writer.writerow(["date", "conversations", "patient_messages", "bot_messages"])
        for day, c, p, b in zip(data.days, data.conversations, data.patient_messages,
                                data.bot_messages):
            writer.writerow([day.isoformat(), c, p, b])
    elif view == "intents":
        writer.writerow(["intent", "patient_messages", "share_percent"])
        total = data.total_patient_messages
        for name, count in data.top_intents:
            writer.writerow([_safe(name), count, _pct(100.0 * count / total if total else None)])
    elif view == "fallback":
        writer.writerow(["date", "patient_messages", "fallback_or_out_of_scope", "fallback_rate_percent"])
        for day, m, f, rate in zip(data.days, data.patient_messages, data.fallback_messages,
                                   data.fallback_rate):
            writer.writerow([day.isoformat(), m, f, _pct(rate)])
    elif view == "red_flags":
        writer.writerow(["date", "conversations_with_red_flag"])
        for day, count in zip(data.days, data.red_flag_conversations):
            writer.writerow([day.isoformat(), count])
    elif view == "summary":
        writer.writerow(["metric", "value"])
        writer.writerow(["period_start", data.start.isoformat()])
        writer.writerow(["period_end", data.end.isoformat()])
        writer.writerow(["conversations", data.total_conversations])
        writer.writerow(["patient_messages", data.total_patient_messages])
        writer.writerow(["median_patient_messages_per_conversation",
                         "" if data.median_length is None else data.median_length])
        writer.writerow(["conversations_with_treatment_date", data.with_treatment_date])
        writer.writerow(["share_with_treatment_date_percent", _pct(data.treatment_date_share)])
        writer.writerow(["fallback_rate_percent", _pct(data.overall_fallback_rate)])
        writer.writerow(["red_flag_conversations", data.total_red_flag_conversations])
    else:
        raise ValueError(view)
    return buffer.getvalue()
