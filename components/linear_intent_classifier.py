"""NLU component: one linear classifier over every label, faq/* and recovery/* included.

Word 1-2-gram and character 2-5-gram TF-IDF features into a linear SVM with
calibrated probabilities (scikit-learn). Chosen by 5-fold cross-validation on
the training data (`python -m benchmarks.cross_validate_linear`), where it beat
a TF-IDF logistic regression; on the held-out set it also beat DIET plus two
ResponseSelectors (README "Benchmarks"). It trains in seconds, not minutes.

It predicts the full label (faq/cost) and fills Rasa's own outputs: `intent`
and `intent_ranking` at the intent level (faq, recovery, red_flag, ...) and
`response_selector` for each retrieval intent, exactly as ResponseSelector
does, so Rasa's retrieval actions, `full_retrieval_intent_name` in
/model/parse and the custom actions work unchanged. A clinic that prefers
DIET and ResponseSelector can switch back in config.yml.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from clinicbot.content import cached_content

# The roles TreatmentDateExtractor gives dates: their tense.
from clinicbot.dates import HYPOTHETICAL, PAST
from clinicbot.planning import names_an_event
from clinicbot.suitability import named_conditions
from clinicbot.segments import (
    conjunct_splits,
    in_frame,
    is_question,
    pronoun_readings,
    question_after_break,
    question_segments,
    switched_topic,
    without_condition,
    without_courtesy,
    without_leading_absences,
)
from components.treatment_date_extractor import DATE_ENTITY, masked_text

logger = logging.getLogger(__name__)
RESPONSE_SELECTOR = "response_selector"
MODEL_FILE = "linear_intent_classifier.joblib"
# The intent for a message that asks two answerable questions, and the parse
# output that lists them (label, confidence, text), in the order asked.
MULTIPLE_QUESTIONS = "multiple_questions"
QUESTIONS_KEY = "questions"
# A message that only gives a date: a question beside it wins over this.
DATE_ONLY_INTENT = "share_treatment_date"
FOLLOW_UP_INTENT = "follow_up"
MIN_QUESTION_WORDS = 2
PLAN_INTENT = "plan_event"
SUITABILITY_LABEL = "faq/suitability"
COURTESY_INTENTS = {"greet", "thank_you", "goodbye"}
# What must follow a greeting for the rest to be read on its own.
MIN_REST_WORDS = 3


def classifier_text(message: Message) -> Text:
    """What the classifier reads: the text with dates masked as DATE."""
    return masked_text(message.get(TEXT) or "", message.get(ENTITIES))


def intent_of(label: Text) -> Text:
    return label.split("/", 1)[0]


def build_model(config: Dict[Text, Any], smallest_label: int) -> Pipeline:
    words, chars = config["word_ngrams"], config["char_ngrams"]
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=tuple(words), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(chars), sublinear_tf=True)),
        ]
    )
    svm = LinearSVC(C=config["C"], random_state=config["random_seed"])
    folds = max(2, min(config["calibration_folds"], smallest_label))
    return Pipeline(
        [
            ("features", features),
            ("classifier", CalibratedClassifierCV(svm, cv=folds, method="sigmoid", ensemble=False)),
        ]
    )


def only_for_urgency(example: Message) -> bool:
    """Examples a block marks `metadata: {urgency_only: true}` teach the
    urgency classifier what is not urgent ("my wallet is bleeding"), and are
    kept from the intent classifier, whose labels they would blur: 611 such
    look-alikes took held-out intent accuracy from 0.981 to 0.974."""
    metadata = example.get("metadata") or {}
    intent_metadata = metadata.get("intent") if isinstance(metadata, dict) else None
    return isinstance(intent_metadata, dict) and bool(intent_metadata.get("urgency_only"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "C": 1.0,
            # folds for the probability calibration; fewer when a label is small
            "calibration_folds": 3,
            "ranking_length": 10,
            "random_seed": 42,
            # a part of a message counts as its own question at this confidence
            "segment_confidence": 0.5,
            # "cost and downtime": each part must be its own topic at this confidence
            "conjunct_confidence": 0.7,
            # What plan_event needs of a message read as suitability that
            # names an occasion ahead and asks, to be read as the plan.
            "plan_share": 0.25,
            # a what-if's question without its condition is its topic at this confidence
            "what_if_confidence": 0.3,
            # a later question about "they" below this is read with what "they" are
            "pronoun_confidence": 0.8,
            # a message this short is read as asking about what it names
            "short_message_words": 6,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Pipeline] = None,
        responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage, self._resource = model_storage, resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        pairs = set()
        for example in training_data.intent_examples:
            if only_for_urgency(example):
                continue
            label = example.get(INTENT_RESPONSE_KEY) or example.get(INTENT)
            if example.get(TEXT) and label:
                pairs.add((label, classifier_text(example)))
        # Sorted: the same examples give the same model whatever the file order,
        # so adding one FAQ does not reshuffle how every other label is learned.
        ordered = sorted(pairs)
        labels = [label for label, _ in ordered]
        texts = [text for _, text in ordered]
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("LinearIntentClassifier needs examples of at least two labels")
        self.model = build_model(self.config, min(counts.values()))
        # numpy labels: scikit-learn 1.1 miscounts a label list when calibrating
        self.model.fit(texts, np.array(labels))
        self.responses = {name: variants for name, variants in training_data.responses.items() if "/" in name}
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"model": self.model, "responses": self.responses}, directory / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                stored = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.debug("LinearIntentClassifier: no trained model in %s", resource.name)
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, stored["model"], stored["responses"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self.model is None or not text.strip():
                message.set(
                    INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True
                )
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            masked = classifier_text(message)
            units = self._question_units(masked)
            rows = self.model.predict_proba([masked] + [unit for unit, _ in units])
            by_label = dict(zip(self.model.classes_, rows[0]))
            questions = self._questions(units, self._resolve_pronouns(units, rows[1:]), self.model.classes_)
            best_label = max(by_label, key=lambda label: by_label[label])
            if best_label in COURTESY_INTENTS:
                # "hi i had the co2 DATE": the greeting is not what was said.
                by_label = self._read_alone(
                    masked,
                    without_courtesy(masked),
                    by_label,
                    lambda label: label not in COURTESY_INTENTS,
                )
                best_label = max(by_label, key=lambda label: by_label[label])
            if "/" in best_label:
                # "no fever, just some redness, is that normal?": what the
                # patient says is absent is not what they ask about.
                by_label = self._read_alone(
                    masked,
                    without_leading_absences(masked),
                    by_label,
                    lambda label: "/" in label,
                    clearer_than=by_label[best_label],
                )
                best_label = max(by_label, key=lambda label: by_label[label])
            # The urgency detector decides on red_flag whatever the label here.
            own_topic = switched_topic(masked)
            if own_topic:
                # "ok and what about exercise?" names a topic of its own; read
                # as a topic already ("what about make up?" as what_is, for
                # its "what"), the topic alone must be clearer still.
                row = self.model.predict_proba([own_topic])[0]
                label, confidence = self._best(row)
                needed = self.config["segment_confidence" if "/" not in best_label else "conjunct_confidence"]
                if "/" in label and confidence >= needed:
                    by_label = dict(zip(self.model.classes_, row))
            plan_question = (
                None if questions or "/" not in best_label else self._one_plan_question(units, rows[1:])
            )
            if len(questions) == 1 and (
                intent_of(best_label) == DATE_ONLY_INTENT
                or ("/" in best_label and questions[0]["label"] != best_label)
            ):
                # "had the laser yesterday. how red will I be", "skin feels
                # tight and itchy. am I allowed back at the gym?": the one
                # question asked wins over what the rest of the message tells.
                by_label = dict(zip(self.model.classes_, rows[1 + questions[0]["index"]]))
            elif plan_question is not None:
                # "I finished isotretinoin last year. Got an interview on 18
                # December - when would you book the laser for me?": the
                # planning question wins over the topic the rest names.
                by_label = dict(zip(self.model.classes_, rows[1 + plan_question]))
            elif not questions and intent_of(best_label) == DATE_ONLY_INTENT:
                # "my treatment was on DATE, are the scabs meant to be gone":
                # one sentence, and its question wins too.
                by_label = self._question_after_date(masked) or by_label
            if (
                max(by_label, key=lambda label: by_label[label]) == SUITABILITY_LABEL
                and by_label.get(PLAN_INTENT, 0.0) >= self.config["plan_share"]
                and self._plans_for_an_occasion_ahead(message, masked)
            ):
                # "her prom is January 4 and she has acne scarring ... when
                # would she need to have the laser by?": the occasion ahead
                # and the question when are the plan; the passing word about
                # her skin is not a question about suitability.
                by_label = dict(by_label)
                by_label[PLAN_INTENT] += by_label[SUITABILITY_LABEL]
                by_label[SUITABILITY_LABEL] = 0.0
            if PLAN_INTENT in by_label and self._only_past_dates(message, masked):
                # "22 November", "I came in on Saturday for the laser": a day
                # behind us, and no occasion named, is nothing to plan for.
                by_label = dict(by_label)
                by_label[DATE_ONLY_INTENT] = by_label.get(DATE_ONLY_INTENT, 0.0) + by_label[PLAN_INTENT]
                by_label[PLAN_INTENT] = 0.0
            if len(questions) < 2 and self._has_what_if(message):
                # "if I have it on Friday, when can I exercise?": the question
                # the what-if asks, without its condition.
                what_if = self._what_if_question(masked)
                if what_if and "/" in best_label and what_if[0]["label"] != best_label:
                    # "hypothetically if I got it done DATE when could I put
                    # makeup on": the question wins over its condition's words.
                    by_label = dict(zip(self.model.classes_, what_if[0].pop("row")))
                questions = [{k: v for k, v in q.items() if k != "row"} for q in what_if] or questions
            self._set_outputs(message, by_label)
            questions = self._suitability_first(masked, by_label, questions)
            if len(questions) >= 2:
                message.set(
                    INTENT,
                    {
                        INTENT_NAME_KEY: MULTIPLE_QUESTIONS,
                        PREDICTED_CONFIDENCE_KEY: min(q[PREDICTED_CONFIDENCE_KEY] for q in questions),
                    },
                    add_to_output=True,
                )
            message.set(
                QUESTIONS_KEY,
                [{k: v for k, v in q.items() if k != "index"} for q in questions],
                add_to_output=True,
            )
        return messages

    def _resolve_pronouns(self, units: List[Tuple[Text, bool]], rows: Any) -> Any:
        """A later question about "they" unclear on its own ("... and how long do
        they last?") is read with "they" as each thing the question before named;
        the clearest reading counts."""
        rows = np.array(rows, copy=True)
        for index in range(1, len(units)):
            if float(np.max(rows[index])) >= self.config["pronoun_confidence"]:
                continue
            readings = pronoun_readings(units[index - 1][0], units[index][0])
            if readings:
                candidates = self.model.predict_proba(readings)  # type: ignore[union-attr]
                best = candidates[int(np.argmax(candidates.max(axis=1)))]
                if float(np.max(best)) > float(np.max(rows[index])):
                    rows[index] = best
        return rows

    @staticmethod
    def _suitability_first(
        text: Text, by_label: Dict[Text, float], questions: List[Dict[Text, Any]]
    ) -> List[Dict[Text, Any]]:
        """ "I'm pregnant, how long is the downtime?": a condition the doctor
        checks (suitability.conditions in the clinic file) gets the
        suitability answer first, then the answer to what was asked."""
        named = named_conditions(text, cached_content().suitability_conditions)
        best = max(by_label, key=lambda label: by_label[label])
        asked = questions or (
            [{"label": best, PREDICTED_CONFIDENCE_KEY: by_label[best], "text": text, "index": 0}]
            if "/" in best
            else []
        )
        if not named or not asked or SUITABILITY_LABEL in {q["label"] for q in asked}:
            return questions
        first = {
            "label": SUITABILITY_LABEL,
            # chosen by the clinic's condition words, as sure as the question it precedes
            PREDICTED_CONFIDENCE_KEY: asked[0][PREDICTED_CONFIDENCE_KEY],
            "text": text,
            "index": -1,
            "condition_words": named,
        }
        return [first] + asked[:1]

    def _read_alone(
        self,
        masked: Text,
        rest: Text,
        by_label: Dict[Text, float],
        accept: Callable[[Text], bool],
        clearer_than: float = 0.0,
    ) -> Dict[Text, float]:
        """The reading of `rest`, what is left of the message without its
        opening, when it is long enough, clear alone and `accept`ed."""
        if rest == masked.strip() or len(rest.split()) < MIN_REST_WORDS:
            return by_label
        row = self.model.predict_proba([rest])[0]  # type: ignore[union-attr]
        label, confidence = self._best(row)
        if confidence >= self.config["segment_confidence"] and confidence > clearer_than and accept(label):
            return dict(zip(self.model.classes_, row))  # type: ignore[union-attr]
        return by_label

    def _one_plan_question(self, units: List[Tuple[Text, bool]], rows: Any) -> Optional[int]:
        """The index of the only question among several units, when it asks to plan."""
        asking = [index for index, (_unit, asks) in enumerate(units) if asks]
        if len(units) < 2 or len(asking) != 1:
            return None
        row = rows[asking[0]]
        best = int(np.argmax(row))
        label, confidence = self.model.classes_[best], float(row[best])  # type: ignore[union-attr]
        return asking[0] if label == PLAN_INTENT and confidence >= self.config["segment_confidence"] else None

    @staticmethod
    def _plans_for_an_occasion_ahead(message: Message, masked: Text) -> bool:
        """It names an occasion, a day not behind us, and asks something."""
        dates = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) == DATE_ENTITY]
        return (
            any(e.get(ENTITY_ATTRIBUTE_ROLE) != PAST for e in dates)
            and names_an_event(masked, cached_content().planning.event_words)
            and any(is_question(segment) for segment in question_segments(masked))
        )

    @staticmethod
    def _only_past_dates(message: Message, masked: Text) -> bool:
        """Every date in the message is behind us, and it names no occasion."""
        dates = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) == DATE_ENTITY]
        return (
            bool(dates)
            and all(e.get(ENTITY_ATTRIBUTE_ROLE) == PAST for e in dates)
            and not names_an_event(masked, cached_content().planning.event_words)
        )

    @staticmethod
    def _has_what_if(message: Message) -> bool:
        return any(
            entity.get(ENTITY_ATTRIBUTE_ROLE) == HYPOTHETICAL for entity in message.get(ENTITIES) or []
        )

    def _what_if_question(self, masked: Text) -> List[Dict[Text, Any]]:
        question = without_condition(masked)
        if question == masked.strip() or len(question.split()) < MIN_QUESTION_WORDS:
            return []
        row = self.model.predict_proba([question])[0]  # type: ignore[union-attr]
        label, confidence = self._best(row)
        if "/" not in label or confidence < self.config["what_if_confidence"]:
            return []
        return [
            {"label": label, PREDICTED_CONFIDENCE_KEY: confidence, "text": question, "index": -1, "row": row}
        ]

    def _question_after_date(self, masked: Text) -> Optional[Dict[Text, float]]:
        question = question_after_break(masked)
        if len(question.split()) < MIN_QUESTION_WORDS:
            return None
        row = self.model.predict_proba([question])[0]  # type: ignore[union-attr]
        label, confidence = self._best(row)
        if "/" not in label or confidence < self.config["segment_confidence"]:
            return None
        return dict(zip(self.model.classes_, row))  # type: ignore[union-attr]

    def _best(self, row: Any) -> Tuple[Text, float]:
        best = int(np.argmax(row))
        return self.model.classes_[best], float(row[best])  # type: ignore[union-attr]

    def _question_units(self, masked: Text) -> List[Tuple[Text, bool]]:
        """The parts of a message to judge one by one, each with whether it asks.

        Sentences and "and how/when/..." parts first (clinicbot.segments); a
        question that joins two topics without a second question word ("what's
        the cost and the recovery time?") becomes its two parts when each part
        is clearly a different answerable topic on its own."""
        segments = question_segments(masked)
        # A short message of topics alone asks too: "price and downtime please".
        short = len(segments) == 1 and len(masked.split()) <= self.config["short_message_words"]
        units = [(segment, short or is_question(segment)) for segment in segments]
        if len(segments) == 1 and not units[0][1]:
            return []
        splits = [
            (index, before, after)
            for index, (segment, asks) in enumerate(units)
            if asks
            for before, after in conjunct_splits(segment)
        ]
        if not splits:
            return units if len(units) > 1 else []
        rows = self.model.predict_proba(  # type: ignore[union-attr]
            [segment for segment, _ in units]
            + [part for _, before, after in splits for part in (before, after, in_frame(before, after))]
        )
        whole = [self._best(row)[0] for row in rows[: len(units)]]
        threshold = self.config["conjunct_confidence"]
        chosen: Dict[int, Tuple[float, Text, Text]] = {}
        for number, (index, before, after) in enumerate(splits):
            first, p_first = self._best(rows[len(units) + 3 * number])
            second, p_second = self._best(rows[len(units) + 3 * number + 1])
            framed = self._best(rows[len(units) + 3 * number + 2])[0]
            # Two topics: each part clear on its own, different from the other,
            # and the second still its own topic when read in the first's
            # question ("large pores and oily skin" is one question).
            if (
                "/" in first
                and "/" in second
                and first != second
                and framed == second
                and min(p_first, p_second) >= threshold
                and whole[index] in (first, second)
                and min(p_first, p_second) > chosen.get(index, (0.0, "", ""))[0]
            ):
                chosen[index] = (min(p_first, p_second), before, after)
        expanded: List[Tuple[Text, bool]] = []
        for index, unit in enumerate(units):
            if index in chosen:
                expanded += [(chosen[index][1], True), (chosen[index][2], True)]
            else:
                expanded.append(unit)
        return expanded if len(expanded) > 1 else []

    def _questions(self, units: List[Tuple[Text, bool]], rows: Any, classes: Any) -> List[Dict[Text, Any]]:
        """Distinct answerable questions (faq/*, recovery/*), in the order asked."""
        found: List[Dict[Text, Any]] = []
        for index, ((segment, asks), row) in enumerate(zip(units, rows)):
            best = int(np.argmax(row))
            label, confidence = classes[best], float(row[best])
            if (
                "/" in label
                and asks
                and confidence >= self.config["segment_confidence"]
                and label not in {q["label"] for q in found}
            ):
                found.append(
                    {"label": label, PREDICTED_CONFIDENCE_KEY: confidence, "text": segment, "index": index}
                )
        return found[:2]

    def _set_outputs(self, message: Message, by_label: Dict[Text, float]) -> None:
        by_intent: Dict[Text, float] = defaultdict(float)
        for label, probability in by_label.items():
            by_intent[intent_of(label)] += float(probability)
        ranking = sorted(by_intent.items(), key=lambda item: -item[1])
        top_intent, top_confidence = ranking[0]
        message.set(
            INTENT,
            {INTENT_NAME_KEY: top_intent, PREDICTED_CONFIDENCE_KEY: top_confidence},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in ranking[: self.config["ranking_length"]]
            ],
            add_to_output=True,
        )

        retrieval_intents = sorted({intent_of(label) for label in by_label if "/" in label})
        selector: Dict[Text, Any] = {"all_retrieval_intents": retrieval_intents}
        for retrieval_intent in retrieval_intents:
            subs = sorted(
                (
                    (label, float(p))
                    for label, p in by_label.items()
                    if intent_of(label) == retrieval_intent and "/" in label
                ),
                key=lambda item: -item[1],
            )
            total = sum(p for _, p in subs) or 1.0
            best, best_p = subs[0]
            selector[retrieval_intent] = {
                "response": {
                    "responses": self.responses.get(f"utter_{best}", [{TEXT: best}]),
                    PREDICTED_CONFIDENCE_KEY: best_p / total,
                    INTENT_RESPONSE_KEY: best,
                    "utter_action": f"utter_{best}",
                },
                "ranking": [
                    {PREDICTED_CONFIDENCE_KEY: p / total, INTENT_RESPONSE_KEY: label}
                    for label, p in subs[: self.config["ranking_length"]]
                ],
            }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
