"""Unsure means ask: "Did you mean: cost / downtime?" with buttons.

When the intent classifier is not confident enough (Rasa's FallbackClassifier
says nlu_fallback), the bot offers the two or three most likely topics
instead of guessing. Each button sends a question the bot was trained on for
that topic, so pressing it gets that topic's answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Sequence

from clinicbot.content import ClinicContent
from clinicbot.training_data import checked_sources

# Labels that are no topic to offer.
NOT_TOPICS = {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank_you", "affirm", "deny",
              "red_flag", "multiple_questions", "follow_up", "delete_conversation",
              "handoff_unanswered"}
MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05


@dataclass(frozen=True)
class Choice:
    label: str
    title: str
    question: str


@lru_cache(maxsize=1)
def example_question() -> Mapping[str, str]:
    """One training question per label: the first, in file order."""
    first: Dict[str, str] = {}
    for example in checked_sources().examples():
        first.setdefault(example.label, example.text)
    return first


def title_of(content: ClinicContent, label: str) -> str:
    intent, _, key = label.partition("/")
    if intent == "recovery" and key in content.topics:
        return content.topics[key].title
    return (key or intent).replace("_", " ").capitalize()


def likely_labels(parse: Mapping[str, Any]) -> List[tuple]:
    """(full label, confidence), most likely first, from a parse result."""
    selector = parse.get("response_selector") or {}
    found: List[tuple] = []
    for item in parse.get("intent_ranking") or []:
        intent, confidence = item.get("name"), float(item.get("confidence") or 0.0)
        if intent in NOT_TOPICS or confidence < MIN_CONFIDENCE:
            continue
        if intent in selector and isinstance(selector[intent], dict):
            for sub in (selector[intent].get("ranking") or [])[:2]:
                found.append((sub.get("intent_response_key"),
                              confidence * float(sub.get("confidence") or 0.0)))
        else:
            found.append((intent, confidence))
    found = [(label, c) for label, c in found if label and c >= MIN_CONFIDENCE]
    return sorted(found, key=lambda item: -item[1])


def choices(content: ClinicContent, parse: Mapping[str, Any],
            questions: Optional[Mapping[str, str]] = None) -> Sequence[Choice]:
    questions = questions if questions is not None else example_question()
    picked: List[Choice] = []
    for label, _confidence in likely_labels(parse):
        if label in questions and label not in {c.label for c in picked}:
            picked.append(Choice(label, title_of(content, label), questions[label]))
        if len(picked) == MAX_CHOICES:
            break
    return picked
