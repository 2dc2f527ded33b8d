"""NLU pipeline component: finds dates in a message as `date` entities.

A thin adapter over clinicbot.dates.find_date_mentions. Each mention becomes
an entity with its span, the words, and its tense as the role (past, future,
hypothetical). The intent classifier then judges the message with the date
masked, so "had it done 3 days ago, can I wear makeup" is a makeup question
that carries a date, not a date that competes with the question.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_ROLE,
                                       ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE,
                                       ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.content import cached_content
from clinicbot.dates import find_date_mentions

DATE_ENTITY = "date"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class TreatmentDateExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"entity": DATE_ENTITY}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TreatmentDateExtractor":
        return cls(config)

    def _entities(self, text: Text) -> List[Dict[Text, Any]]:
        content = cached_content()
        today = dt.datetime.now(content.tz).date()
        return [{ENTITY_ATTRIBUTE_TYPE: self.config["entity"],
                 ENTITY_ATTRIBUTE_START: mention.start, ENTITY_ATTRIBUTE_END: mention.end,
                 ENTITY_ATTRIBUTE_VALUE: mention.text, ENTITY_ATTRIBUTE_ROLE: mention.tense,
                 EXTRACTOR: self.__class__.__name__}
                for mention in find_date_mentions(text, today, content.clinic.date_order)]

    def _add_to(self, message: Message, add_to_output: bool) -> None:
        text = message.get(TEXT)
        if not text:
            return
        found = self._entities(text)
        if found:
            others = [e for e in message.get(ENTITIES, [])
                      if e.get(ENTITY_ATTRIBUTE_TYPE) != self.config["entity"]]
            message.set(ENTITIES, others + found, add_to_output=add_to_output)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._add_to(example, add_to_output=False)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._add_to(message, add_to_output=True)
        return messages


def masked_text(text: Text, entities: Optional[List[Dict[Text, Any]]],
                entity: Text = DATE_ENTITY, mask: Text = "DATE") -> Text:
    """`text` with every `entity` span replaced by `mask`."""
    spans = sorted((e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in entities or []
                   if e.get(ENTITY_ATTRIBUTE_TYPE) == entity
                   and isinstance(e.get(ENTITY_ATTRIBUTE_START), int))
    pieces, position = [], 0
    for start, end in spans:
        if start < position:
            continue
        pieces += [text[position:start], f" {mask} "]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
