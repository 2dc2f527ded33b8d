"""NLU pipeline component: the urgency detector decides `red_flag`.

A thin adapter over clinicbot.urgency (rules from clinic/red_flags.yml plus a
learned classifier trained here on the NLU examples: red_flag against all
the rest). Runs after the intent classifier and overrides it both ways:
an urgent message becomes `red_flag` whatever the intent classifier said, and
a message the detector finds not urgent is taken away from `red_flag`.

The verdict goes into the parse output under `urgency`, so /model/parse and
the staff console show which part fired and on which words.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import (INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY,
                                       PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc

from clinicbot.red_flags import RedFlagDetector, detector_for
from clinicbot.urgency import (UrgencyClassifier, assess, train_beside_rules,
                               train_urgency_classifier)

logger = logging.getLogger(__name__)
OUTPUT_KEY = "urgency"
MODEL_FILE = "urgency_classifier.joblib"


def _renormalised(ranking: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Confidences given "not a red flag", so the fallback threshold still
    means what it says after the classifier's top choice was ruled out."""
    total = sum(item.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for item in ranking)
    if total <= 0:
        return ranking
    return [{**item, PREDICTED_CONFIDENCE_KEY: (item.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / total}
            for item in ranking]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True, model_from="SpacyNLP"
)
class UrgencyDetector(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "rules_file": "clinic/red_flags.yml",
            "red_flag_intent": "red_flag",
            # Share of the non-urgent training examples that rules and
            # classifier together may alarm on, out of fold; the classifier's
            # threshold is the most sensitive one within it.
            "max_false_alarm_rate": 0.01,
            # The score the classifier needs to overrule the rules where they
            # ruled out every symptom named ("no fever, pus or bleeding").
            "overrule_threshold": 0.9,
            # The score the classifier needs where the patient says it is over
            # or easing ("the swelling is going down"); None: no more than usual.
            "settled_threshold": None,
            # The score the classifier needs to overrule the rules where every
            # symptom they found is negated; None: overrule_threshold.
            "negated_threshold": None,
            "C": 4.0,
            "random_seed": 42,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[UrgencyClassifier] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage, self._resource = model_storage, resource
        self.classifier = classifier
        self._detector: Optional[RedFlagDetector] = None
        self._detector_nlp_id: Optional[int] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UrgencyDetector":
        rules_file = {**cls.get_default_config(), **config}["rules_file"]
        if not Path(rules_file).is_file():
            raise FileNotFoundError(f"UrgencyDetector: rules_file {rules_file!r} "
                                    f"not found (run Rasa from the project folder)")
        return cls(config, model_storage, resource)

    def _detector_for(self, model: SpacyModel) -> RedFlagDetector:
        if self._detector is None or self._detector_nlp_id != id(model.model):
            self._detector = detector_for(model.model, Path(self.config["rules_file"]))
            self._detector_nlp_id = id(model.model)
        return self._detector

    def train(self, training_data: TrainingData, model: Optional[SpacyModel] = None) -> Resource:
        red_flag = self.config["red_flag_intent"]
        # Lower case, as SpacyNLP (case_sensitive: false) gives messages at run time.
        examples = sorted({(example.get(TEXT).lower(), example.get(INTENT) == red_flag)
                           for example in training_data.intent_examples if example.get(TEXT)})
        texts = [text for text, _ in examples]
        urgent = [is_urgent for _, is_urgent in examples]
        settings = dict(max_false_alarm_rate=self.config["max_false_alarm_rate"],
                        overrule_threshold=self.config["overrule_threshold"],
                        c=self.config["C"], seed=self.config["random_seed"])
        if model is not None:
            self.classifier = train_beside_rules(texts, urgent, self._detector_for(model),
                                                 model.model, **settings)
        else:
            self.classifier = train_urgency_classifier(texts, urgent, **settings)
        logger.info("urgency classifier: %s", self.classifier.report.to_dict())
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.classifier, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "UrgencyDetector":
        try:
            with model_storage.read_from(resource) as directory:
                classifier = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("UrgencyDetector: no trained classifier in %s; rules only",
                           resource.name)
            classifier = None
        return cls(config, model_storage, resource, classifier)

    def process_training_data(self, training_data: TrainingData,
                              model: Optional[SpacyModel] = None) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        detector = self._detector_for(model)
        red_flag = self.config["red_flag_intent"]
        for message in messages:
            doc: Doc = message.get(SPACY_DOCS[TEXT]) or model.model((message.get(TEXT) or "").lower())
            verdict = assess(doc, detector, self.classifier, self.config["settled_threshold"],
                             self.config["negated_threshold"])
            classified_as = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            ranking = [dict(item) for item in message.get(INTENT_RANKING_KEY) or []]
            overridden_from = None
            if verdict.urgent and classified_as != red_flag:
                overridden_from = classified_as
                ranking = [{INTENT_NAME_KEY: red_flag, PREDICTED_CONFIDENCE_KEY: 1.0}] + [
                    item for item in ranking if item.get(INTENT_NAME_KEY) != red_flag]
            elif not verdict.urgent and classified_as == red_flag:
                others = _renormalised([item for item in ranking
                                        if item.get(INTENT_NAME_KEY) != red_flag])
                if others:
                    overridden_from = classified_as
                    ranking = others
            if overridden_from is not None:
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                logger.debug("urgency detector changed intent %s -> %s", overridden_from,
                             ranking[0][INTENT_NAME_KEY])
            message.set(OUTPUT_KEY, {**verdict.explanation(), "overridden_intent": overridden_from},
                        add_to_output=True)
        return messages
