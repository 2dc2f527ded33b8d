"""The guard policy on real Rasa trackers built from the project's domain."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from components.action_failure_guard import ActionFailureGuardPolicy
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def domain():
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")])
    return importer.get_domain()


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    config = {**ActionFailureGuardPolicy.get_default_config(),
              "replies": {"action_recovery_answer": ["utter_recovery", "utter_service_unavailable"]}}
    return ActionFailureGuardPolicy.create(
        config, LocalModelStorage(tmp_path_factory.mktemp("storage")), Resource("guard"),
        ExecutionContext(GraphSchema({}), "test"))


def tracker_after(domain, *events):
    return DialogueStateTracker.from_events("patient", [
        ActionExecuted("action_listen"), UserUttered("can I wear makeup", {"name": "recovery"}),
        *events], slots=domain.slots)


def predicted(guard, domain, tracker):
    prediction = guard.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.probabilities.index(max(prediction.probabilities))]


def test_failed_custom_action_is_answered_then_listens(guard, domain):
    failed = tracker_after(domain, ActionExecuted("action_recovery_answer"))
    assert predicted(guard, domain, failed) == "utter_recovery"
    after_first = tracker_after(domain, ActionExecuted("action_recovery_answer"),
                                ActionExecuted("utter_recovery"), BotUttered("general answer"))
    assert predicted(guard, domain, after_first) == "utter_service_unavailable"
    after_both = tracker_after(domain, ActionExecuted("action_recovery_answer"),
                               ActionExecuted("utter_recovery"), BotUttered("general"),
                               ActionExecuted("utter_service_unavailable"), BotUttered("call"))
    assert predicted(guard, domain, after_both) == "action_listen"


def test_successful_custom_action_is_left_alone(guard, domain):
    worked = tracker_after(domain, ActionExecuted("action_recovery_answer"),
                           BotUttered("Day 3: not yet."), SlotSet("pending_recovery_topic", None))
    assert predicted(guard, domain, worked) is None
    assert predicted(guard, domain, tracker_after(domain)) is None


def test_other_failed_actions_get_the_default_reply(guard, domain):
    failed = tracker_after(domain, ActionExecuted("action_store_treatment_date"))
    assert predicted(guard, domain, failed) == "utter_service_unavailable"


def test_responses_are_never_treated_as_failed_custom_actions(guard, domain):
    # In `rasa test` stories a response has no BotUttered after it.
    assert predicted(guard, domain, tracker_after(domain, ActionExecuted("utter_faq"))) is None


def test_loading_the_policy_installs_the_compiled_action_reply_check(guard):
    from rasa.core.actions.action import RemoteAction
    from components import action_response_validation
    assert RemoteAction._validate_action_result is action_response_validation._validate_action_result
