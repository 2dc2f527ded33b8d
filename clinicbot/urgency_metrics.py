"""How well urgent messages are caught: recall with its confidence bound,
false alarms, and the misses by class. Plain Python, used by the held-out
test and by `make bench` alike.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import yaml
from scipy.stats import beta

from clinicbot.paths import TESTS_DATA_DIR

URGENCY_HELDOUT = TESTS_DATA_DIR / "urgency_heldout.yml"
# Ordinary messages only (everyday life, plans, normal recovery told as a
# statement), by another author: the alarm must stay quiet on plain talk too.
URGENCY_STATEMENTS_HELDOUT = TESTS_DATA_DIR / "urgency_statements_heldout.yml"


@dataclass(frozen=True)
class UrgencyCase:
    text: str
    urgent: bool
    kind: str     # the class it was written for: temperature_number, negated_list, ...


def load_urgency_cases(path: Optional[Path] = None) -> List[UrgencyCase]:
    source = Path(path or URGENCY_HELDOUT)
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    # A misspelt section ("non_urgent") would silently drop half the set.
    unknown = set(data) - {"urgent", "not_urgent"}
    if unknown:
        raise ValueError(f"{source}: unknown sections {sorted(unknown)}; expected 'urgent' and 'not_urgent'")
    cases: List[UrgencyCase] = []
    for section, urgent in (("urgent", True), ("not_urgent", False)):
        for kind, texts in (data.get(section) or {}).items():
            cases.extend(UrgencyCase(str(text), urgent, kind) for text in texts)
    return cases


def miss_rate_upper_bound(misses: int, total: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of the true miss rate."""
    if total == 0:
        return 1.0
    if misses >= total:
        return 1.0
    return float(beta.ppf(confidence, misses + 1, total - misses))


@dataclass
class UrgencyScore:
    urgent_total: int = 0
    misses: List[UrgencyCase] = field(default_factory=list)
    not_urgent_total: int = 0
    false_alarms: List[UrgencyCase] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return 1 - len(self.misses) / self.urgent_total if self.urgent_total else float("nan")

    @property
    def miss_rate_upper_95(self) -> float:
        return miss_rate_upper_bound(len(self.misses), self.urgent_total)

    @property
    def false_alarm_rate(self) -> float:
        return (len(self.false_alarms) / self.not_urgent_total if self.not_urgent_total
                else float("nan"))

    def to_dict(self) -> Dict[str, object]:
        return {
            "urgent": self.urgent_total, "recall": self.recall,
            "misses": len(self.misses), "miss_rate_upper_95": self.miss_rate_upper_95,
            "misses_by_class": dict(Counter(c.kind for c in self.misses)),
            "not_urgent": self.not_urgent_total, "false_alarms": len(self.false_alarms),
            "false_alarm_rate": self.false_alarm_rate,
            "false_alarms_by_class": dict(Counter(c.kind for c in self.false_alarms)),
            "missed_texts": [c.text for c in self.misses],
            "false_alarm_texts": [c.text for c in self.false_alarms],
        }

    def summary(self) -> str:
        return (f"urgent recall {self.recall:.4f} ({self.urgent_total - len(self.misses)}/"
                f"{self.urgent_total}, miss rate < {self.miss_rate_upper_95:.2%} at 95%), "
                f"false alarms {len(self.false_alarms)}/{self.not_urgent_total} "
                f"({self.false_alarm_rate:.2%})")


def score_urgency(cases: Iterable[UrgencyCase],
                  judged_urgent: Callable[[str], bool]) -> UrgencyScore:
    score = UrgencyScore()
    for case in cases:
        verdict = judged_urgent(case.text)
        if case.urgent:
            score.urgent_total += 1
            if not verdict:
                score.misses.append(case)
        else:
            score.not_urgent_total += 1
            if verdict:
                score.false_alarms.append(case)
    return score


def is_urgent_parse(parsed: dict) -> bool:
    """What the bot does with a /model/parse result: urgent means red_flag."""
    return (parsed.get("intent") or {}).get("name") == "red_flag"


__all__: Tuple[str, ...] = ("URGENCY_HELDOUT", "URGENCY_STATEMENTS_HELDOUT", "UrgencyCase", "UrgencyScore", "load_urgency_cases",
                            "miss_rate_upper_bound", "score_urgency", "is_urgent_parse")
