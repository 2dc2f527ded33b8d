"""Dialogue policy that answers when a custom action silently failed.

When the action server is down or times out, Rasa logs the error, records the
action as executed with no events, and carries on - so the patient would get
silence. A successful custom action here always returns at least one event, so
"a custom action followed by nothing" means it failed. This policy then plays
configured fallback responses (served by Rasa itself, no action server) and
listens again.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Text

import rasa.core.actions.action

from components import action_response_validation

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import UTTER_PREFIX
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def _limit_action_server_wait(config: Dict[Text, Any]) -> None:
    """Rasa reads this module constant for every action server call, so a
    patient waits seconds, not minutes, before the guard answers."""
    seconds = float(os.environ.get("ACTION_SERVER_TIMEOUT") or config["action_server_timeout"])
    if seconds <= 0:
        raise ValueError("action_server_timeout must be a positive number of seconds")
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class ActionFailureGuardPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # above RulePolicy (6), so the guard wins when it speaks
            "priority": 7,
            "default_replies": ["utter_service_unavailable"],
            # per failed action, the responses to play instead, in order
            "replies": {},
            # How long Rasa waits for the action server (Rasa's own default is
            # 5 minutes); ACTION_SERVER_TIMEOUT in the environment overrides it.
            "action_server_timeout": 5,
        }

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext, **kwargs: Any) -> "ActionFailureGuardPolicy":
        return cls(config, model_storage, resource, execution_context)

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        # Here, not in create(): a loaded model builds the policy with load().
        _limit_action_server_wait(self.config)
        action_response_validation.install()

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        return self._resource

    def _replies_for(self, action_name: Text) -> List[Text]:
        return list(self.config.get("replies", {}).get(action_name)
                    or self.config["default_replies"])

    def next_fallback_action(self, tracker: DialogueStateTracker, domain: Domain) -> Optional[Text]:
        """The next fallback response to play, or action_listen, or None."""
        turn: List[Any] = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                break
            turn.append(event)
        turn.reverse()
        # Responses (utter_*, including retrieval actions like utter_faq) are
        # served by Rasa itself and cannot fail this way.
        custom_actions = {name for name in domain.user_actions
                          if not name.startswith(UTTER_PREFIX)}
        for index, event in enumerate(turn):
            if not (isinstance(event, ActionExecuted) and event.action_name in custom_actions):
                continue
            following = turn[index + 1:]
            if following and not isinstance(following[0], ActionExecuted):
                continue  # the action produced events: it ran
            replies = self._replies_for(event.action_name)
            played = [e.action_name for e in following if isinstance(e, ActionExecuted)]
            if played[:len(replies)] != replies[:len(played)]:
                return None  # something else has happened since
            if len(played) < len(replies):
                return replies[len(played)]
            return ACTION_LISTEN_NAME if len(played) == len(replies) else None
        return None

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.next_fallback_action(tracker, domain)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
