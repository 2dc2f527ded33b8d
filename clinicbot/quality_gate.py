"""Decides whether a newly trained model may replace the live one.

Plain Python on plain data (predictions, answers, example counts), so every
rule is unit-tested without training anything. A reason is written for the
clinic manager who pressed "Retrain", not for a developer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Mapping, Sequence, Tuple

from clinicbot.model_quality import RED_FLAG, Outcome, accuracy, recall_of

# Safety-critical examples may be tidied, not removed in bulk.
MAX_RED_FLAG_EXAMPLE_LOSS = 0.10


@dataclass(frozen=True)
class ModelFacts:
    """What a model was trained with, from its manifest."""
    labels: Tuple[str, ...]
    example_counts: Mapping[str, int]
    faq_answers: Mapping[str, str]  # FAQ key -> rendered answer text


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Decision:
    checks: List[Check] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def reasons(self) -> List[str]:
        return [check.detail for check in self.checks if not check.passed]

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_sources(live: ModelFacts, candidate: ModelFacts) -> Decision:
    """Checks that need no training: run first, so a harmful edit is refused in seconds."""
    decision = Decision()

    lost = [key for key in live.faq_answers if not candidate.faq_answers.get(key, "").strip()]
    decision.add("no FAQ loses its answer", not lost,
                 "every FAQ still has an answer" if not lost else
                 "these FAQs would lose their answer: " + ", ".join(f"faq/{k}" for k in lost))

    moved = []
    live_by_text = {_normalised(text): key for key, text in live.faq_answers.items()}
    for key, text in candidate.faq_answers.items():
        owner = live_by_text.get(_normalised(text))
        if owner is not None and owner != key and \
                _normalised(live.faq_answers.get(key, "")) != _normalised(text):
            moved.append(f"faq/{key} would answer with the text of faq/{owner}")
    decision.add("no answer moved to another FAQ", not moved,
                 "no FAQ answer moved to another question" if not moved else
                 "answers were swapped or moved: " + "; ".join(moved) +
                 ". Put each answer back under its own question.")

    emptied = [label for label, count in live.example_counts.items()
               if count > 0 and candidate.example_counts.get(label, 0) == 0]
    decision.add("no label loses all its examples", not emptied,
                 "every label the live bot knows still has examples" if not emptied else
                 "these would have no training examples left, so the bot could no longer "
                 "recognise them: " + ", ".join(
                     f"{label} (had {live.example_counts[label]})" for label in emptied))

    before = live.example_counts.get(RED_FLAG, 0)
    after = candidate.example_counts.get(RED_FLAG, 0)
    kept = before == 0 or after >= before * (1 - MAX_RED_FLAG_EXAMPLE_LOSS)
    decision.add("red-flag examples kept", kept,
                 f"red-flag examples: {before} before, {after} now" if kept else
                 f"red-flag examples would drop from {before} to {after}; urgent-symptom "
                 "examples may be corrected but not removed in bulk")
    return decision


def check_evaluation(live: Mapping[str, Sequence[Outcome]],
                     candidate: Mapping[str, Sequence[Outcome]],
                     max_accuracy_drop: float = 0.0) -> Decision:
    """live and candidate map an evaluation set's name to its outcomes. With no
    live results (the first model) only the safety check applies."""
    decision = Decision()
    for name, outcomes in candidate.items():
        if not outcomes or not live:
            continue
        before, after = accuracy(live.get(name, ())), accuracy(outcomes)
        ok = after >= before - max_accuracy_drop - 1e-12
        right_before = {(text, gold) for text, gold, guess in live.get(name, ()) if gold == guess}
        newly_wrong = [f"'{text}' ({gold}, now {guess})" for text, gold, guess in outcomes
                       if gold != guess and (text, gold) in right_before]
        decision.add(f"accuracy on {name} does not drop", ok,
                     f"accuracy on {name}: {before:.1%} live, {after:.1%} new" +
                     ("" if ok else f" (a drop of {before - after:.1%}; allowed "
                                    f"{max_accuracy_drop:.1%}). Now wrong: " +
                      "; ".join(newly_wrong[:5]) + ". Adding examples like these to "
                      "the right FAQ or label usually fixes it."))

    everything = [o for outcomes in candidate.values() for o in outcomes]
    recall = recall_of(everything, RED_FLAG)
    missed = [text for text, gold, guess in everything if gold == RED_FLAG and guess != RED_FLAG]
    decision.add("red-flag recall stays at 100%", recall is not None and not missed,
                 "no red-flag examples to check" if recall is None else
                 f"red-flag recall {recall:.0%}" + (
                     "" if not missed else ": these urgent messages would not get the urgent "
                     "advice: " + "; ".join(f"'{text}'" for text in missed[:5])))

    if not live:
        return decision
    faq_labels = sorted({gold for _, gold, _ in everything if gold.startswith("faq/")})
    live_all = [o for outcomes in live.values() for o in outcomes]
    unanswered = [label for label in faq_labels
                  if (recall_of(live_all, label) or 0) > 0 and recall_of(everything, label) == 0]
    decision.add("every FAQ is still recognised", not unanswered,
                 "every FAQ in the test set is still recognised" if not unanswered else
                 "the new model never recognises: " + ", ".join(unanswered))
    return decision
