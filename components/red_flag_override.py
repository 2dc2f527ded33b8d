"""NLU pipeline component: the red-flag rules override the intent classifier.

Runs after the classifier. A rule match makes the intent `red_flag` whatever
the classifier said; a message that only mentions symptoms as absent ("no
fever, just redness") is taken away from `red_flag` if the classifier chose it.
The rule result is added to the parse output so staff can see why.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.red_flags import RedFlagDetector, detector_for

logger = logging.getLogger(__name__)
OUTPUT_KEY = "red_flag_rules"


def _renormalised(ranking: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Confidences given "not a red flag", so the fallback threshold still
    means what it says after the classifier's top choice was ruled out."""
    total = sum(item.get("confidence") or 0.0 for item in ranking)
    if total <= 0:
        return ranking
    return [{**item, "confidence": (item.get("confidence") or 0.0) / total} for item in ranking]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False, model_from="SpacyNLP"
)
class RedFlagOverride(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"rules_file": "clinic/red_flags.yml", "red_flag_intent": "red_flag"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config
        self._detector: Optional[RedFlagDetector] = None
        self._detector_nlp_id: Optional[int] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagOverride":
        if not Path(config["rules_file"]).is_file():
            raise FileNotFoundError(f"RedFlagOverride: rules_file {config['rules_file']!r} "
                                    f"not found (run Rasa from the project folder)")
        return cls(config)

    def _detector_for(self, model: SpacyModel) -> RedFlagDetector:
        if self._detector is None or self._detector_nlp_id != id(model.model):
            self._detector = detector_for(model.model, Path(self.config["rules_file"]))
            self._detector_nlp_id = id(model.model)
        return self._detector

    def process_training_data(self, training_data: TrainingData,
                              model: Optional[SpacyModel] = None) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        detector = self._detector_for(model)
        red_flag = self.config["red_flag_intent"]
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT]) or model.model(message.get(TEXT) or "")
            finding = detector.detect(doc)
            intent = message.get(INTENT) or {}
            classified_as = intent.get(INTENT_NAME_KEY)
            ranking = [dict(item) for item in message.get(INTENT_RANKING_KEY) or []]
            overridden_from = None
            if finding.is_red_flag and classified_as != red_flag:
                overridden_from = classified_as
                ranking = [{INTENT_NAME_KEY: red_flag, "confidence": 1.0}] + [
                    item for item in ranking if item.get(INTENT_NAME_KEY) != red_flag]
                message.set(INTENT, ranking[0], add_to_output=True)
            elif (not finding.is_red_flag and finding.negated_symptoms
                  and classified_as == red_flag):
                others = _renormalised([item for item in ranking
                                        if item.get(INTENT_NAME_KEY) != red_flag])
                if others:
                    overridden_from = classified_as
                    ranking = others
                    message.set(INTENT, ranking[0], add_to_output=True)
            if overridden_from is not None:
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                logger.debug("red-flag rules changed intent %s -> %s", overridden_from,
                             ranking[0][INTENT_NAME_KEY])
            message.set(OUTPUT_KEY, {
                "symptoms": list(finding.symptoms),
                "negated_symptoms": list(finding.negated_symptoms),
                "overridden_intent": overridden_from,
            }, add_to_output=True)
        return messages
