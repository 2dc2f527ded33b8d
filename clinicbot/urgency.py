"""Is this message urgent? The rules and a learned classifier, together.

Safety first: the message is urgent when the red-flag rules find a symptom
reported, OR when the learned classifier scores any clause (or the whole
message) at or above its threshold. The threshold is set at training time,
from out-of-fold predictions on the training data, never by hand: the lowest
(most sensitive) threshold whose false alarms stay within a budget.

Where the rules themselves ruled out every symptom a clause names ("no
fever, pus or bleeding", "could I get blisters?"), the classifier needs
`overrule_threshold` to overrule them: across authors, the classifier's scores
on negated lists were the main source of false alarms, but the rules' reading
is not always right either ("it's not clear fluid anymore, it's thick and
yellow"). The product sets it high (0.95, config.yml).

Every verdict says which part decided and on which words, so `/model/parse`
and the staff console can show why the bot raised the alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from spacy.tokens import Doc

from clinicbot.red_flags import BELOW_THRESHOLD, NEGATED, RedFlagDetector, RedFlagFinding
from clinicbot.segments import without_leading_joiners

# Texts this short ("and makeup?") give the classifier too little to go on,
# and so do those with a single word that is more than a function word ("and
# the gym?" scored as urgent as a report). The rules still judge them.
MIN_WORDS = 3
MIN_CONTENT_WORDS = 2


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )


def _pipeline(c: float, seed: int) -> Pipeline:
    return Pipeline(
        [
            ("features", _features()),
            (
                "classifier",
                LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed),
            ),
        ]
    )


@dataclass
class TrainingReport:
    examples: int
    urgent_examples: int
    threshold: float
    out_of_fold_recall: float
    out_of_fold_false_alarm_rate: float

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class UrgencyClassifier:
    pipeline: Pipeline
    threshold: float
    overrule_threshold: float
    report: TrainingReport

    def probabilities(self, texts: Sequence[str]) -> List[float]:
        if not texts:
            return []
        urgent_column = list(self.pipeline.classes_).index(True)
        return [float(p) for p in self.pipeline.predict_proba(list(texts))[:, urgent_column]]


def train_urgency_classifier(
    texts: Sequence[str],
    urgent: Sequence[bool],
    *,
    rules_urgent: Optional[Sequence[bool]] = None,
    rules_cleared: Optional[Sequence[bool]] = None,
    max_false_alarm_rate: float = 0.01,
    overrule_threshold: float = 0.9,
    c: float = 4.0,
    folds: int = 5,
    seed: int = 42,
) -> UrgencyClassifier:
    """Trains on every example and sets the threshold for recall.

    The threshold is the lowest one at which rules and classifier together
    raise no more than `max_false_alarm_rate` false alarms on the non-urgent
    examples, judged on out-of-fold predictions (each example scored by a
    model that never saw it): as much recall as the budget allows."""
    labels = np.array([bool(u) for u in urgent])
    if labels.all() or not labels.any():
        raise ValueError("the urgency classifier needs urgent and non-urgent examples")
    by_rules = np.zeros(len(labels), bool) if rules_urgent is None else np.array(rules_urgent, bool)
    cleared = np.zeros(len(labels), bool) if rules_cleared is None else np.array(rules_cleared, bool)
    folds = max(2, min(folds, int(labels.sum()), int((~labels).sum())))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out_of_fold = cross_val_predict(
        _pipeline(c, seed), list(texts), labels, cv=splitter, method="predict_proba"
    )[:, 1]

    def predicted(threshold: float) -> np.ndarray:
        needed = np.where(cleared, max(threshold, overrule_threshold), threshold)
        return by_rules | (out_of_fold >= needed)

    threshold = 0.99
    for candidate in np.round(np.arange(0.05, 0.99, 0.01), 2):
        if predicted(float(candidate))[~labels].mean() <= max_false_alarm_rate:
            threshold = float(candidate)
            break
    chosen = predicted(threshold)
    report = TrainingReport(
        examples=len(labels),
        urgent_examples=int(labels.sum()),
        threshold=threshold,
        out_of_fold_recall=float(chosen[labels].mean()),
        out_of_fold_false_alarm_rate=float(chosen[~labels].mean()),
    )
    pipeline = _pipeline(c, seed).fit(list(texts), labels)
    return UrgencyClassifier(pipeline, threshold, max(overrule_threshold, threshold), report)


def train_beside_rules(
    texts: Sequence[str], urgent: Sequence[bool], detector: RedFlagDetector, nlp: Any, **settings: Any
) -> UrgencyClassifier:
    """The classifier's threshold is set with the rules' verdicts on the same
    examples, so the pair meets the false-alarm budget together."""
    findings = [detector.detect(doc) for doc in nlp.pipe(texts)]
    return train_urgency_classifier(
        texts,
        urgent,
        rules_urgent=[f.is_red_flag for f in findings],
        rules_cleared=[f.cleared for f in findings],
        **settings,
    )


@dataclass
class UrgencyVerdict:
    urgent: bool
    rules: RedFlagFinding
    classifier_probability: Optional[float] = None
    classifier_text: Optional[str] = None
    classifier_threshold: Optional[float] = None
    decided_by: List[str] = field(default_factory=list)

    def explanation(self) -> Dict[str, Any]:
        """What /model/parse and the console show: which part fired, on which words."""
        return {
            "urgent": self.urgent,
            "decided_by": self.decided_by,
            "symptoms": list(self.rules.symptoms),
            "rules": [m.to_dict() for m in self.rules.mentions],
            "classifier": None
            if self.classifier_probability is None
            else {
                "probability": round(self.classifier_probability, 4),
                "threshold": round(self.classifier_threshold or 0.0, 4),
                "text": self.classifier_text,
            },
        }


def enough_to_judge(unit: str, is_stop: Callable[[str], bool]) -> bool:
    """Whether the classifier may judge this text: MIN_WORDS words, of which
    MIN_CONTENT_WORDS are not stop words of the pipeline's language."""
    words = unit.split()
    content = [word for word in re.findall(r"[\w']+", unit) if not is_stop(word)]
    return len(words) >= MIN_WORDS and len(content) >= MIN_CONTENT_WORDS


class ClassifierUnit(NamedTuple):
    """A text the classifier judges, and what the rules said about it."""

    text: str
    # The rules named symptoms here and ruled out every one.
    cleared: bool
    # The patient says here, or right after, that it is over or easing.
    settled: bool = False


def classifier_units(
    text: str, finding: RedFlagFinding, is_stop: Callable[[str], bool] = lambda word: False
) -> List[ClassifierUnit]:
    """What the classifier scores: the whole message, and each clause on its
    own, so that a symptom after an ordinary question is judged without the
    question around it. A clause the rules cleared stays with the clause it
    qualifies ("my skin is red | but not hot and not spreading"): alone, the
    first half reads like a report."""
    cleared_clauses = finding.cleared_clauses
    named = {m.clause for m in finding.mentions}
    clauses = list(finding.clauses)

    def settled(last: int) -> bool:
        # A text is settled when it ends on easing: "the pain was bad on day 1
        # but it's much better now", but not "the redness has faded but my
        # lip is swelling now". The clause after settles the one before when
        # it names no symptom of its own.
        return last in finding.settled or (last + 1 in finding.settled and last + 1 not in named)

    # The whole message is settled where it ends on easing, or where easing
    # is all it says of symptoms ("pain is so much better than day 1. when
    # can I wear makeup?"); each clause is still scored on its own.
    eases_only = bool(finding.settled) and not finding.is_red_flag and named <= set(finding.settled)
    units = [ClassifierUnit(text, finding.cleared, settled(len(clauses) - 1) or eases_only)]
    index = 0
    while index < len(clauses):
        unit, cleared, index = clauses[index], index in cleared_clauses, index + 1
        if not cleared:
            while index < len(clauses) and index in cleared_clauses:
                unit, index = f"{unit} {clauses[index]}", index + 1
        else:
            # "the redness spread a bit | but it's shrinking now": the clause
            # that says it is over stays with the symptom it settles.
            while index < len(clauses) and index in finding.qualifiers:
                unit, index = f"{unit} {clauses[index]}", index + 1
        # Joining words say nothing of urgency, yet the classifier learns them
        # from symptoms told as an afterthought ("also my temp is 38.7") and
        # then alarms on "also whats the aftercare"; the whole message keeps
        # them.
        unit = without_leading_joiners(unit)
        if unit != text:
            units.append(ClassifierUnit(unit, cleared, settled(index - 1)))
    return [unit for unit in units if enough_to_judge(unit.text, is_stop)]


def assess(
    doc: Doc,
    detector: RedFlagDetector,
    classifier: Optional[UrgencyClassifier],
    settled_threshold: Optional[float] = None,
    negated_threshold: Optional[float] = None,
) -> UrgencyVerdict:
    """`settled_threshold`: what the classifier needs on a text whose patient
    says it is over or easing; None judges it like any other.
    `negated_threshold`: what it needs to overrule the rules where every
    symptom they found is negated ("no fever, pus or bleeding"); None: the
    classifier's own overrule threshold."""
    finding = detector.detect(doc)
    verdict = UrgencyVerdict(urgent=finding.is_red_flag, rules=finding)
    if finding.is_red_flag:
        verdict.decided_by.append("rules")
    if classifier is None or not doc.text.strip():
        return verdict
    units = classifier_units(doc.text.lower(), finding, lambda word: doc.vocab[word].is_stop)
    if not units:
        return verdict
    scores = classifier.probabilities([unit.text for unit in units])

    # Every symptom the rules found is said to be absent: their reading of a
    # negation is explicit, and the classifier, which cannot read one, was
    # the main source of false alarms on such lists.
    # A reading under the fever threshold is as explicit ("37 point 3").
    all_negated = bool(finding.mentions) and all(
        m.status in (NEGATED, BELOW_THRESHOLD) for m in finding.mentions
    )

    # A temperature under the threshold, with nothing the rules read as
    # present: the patient has measured and is asking whether it matters
    # ("37.8 on day 1, is that a fever?"), which the classifier, blind to
    # numbers, reads as a fever report in every part of the message.
    # The same holds for a pain score under the severe one.
    measured_below = any(m.status == BELOW_THRESHOLD for m in finding.mentions)

    def needed(unit: ClassifierUnit) -> float:
        if unit.cleared:
            if all_negated and negated_threshold is not None:
                return max(classifier.overrule_threshold, negated_threshold)
            return classifier.overrule_threshold
        plain = classifier.overrule_threshold if measured_below else classifier.threshold
        if unit.settled and settled_threshold is not None:
            return max(plain, settled_threshold)
        return plain

    margins = [score - needed(unit) for score, unit in zip(scores, units)]
    best = int(np.argmax(margins))
    verdict.classifier_probability = scores[best]
    verdict.classifier_text = units[best].text
    verdict.classifier_threshold = scores[best] - margins[best]
    if margins[best] >= 0:
        verdict.urgent = True
        verdict.decided_by.append("classifier")
    return verdict
