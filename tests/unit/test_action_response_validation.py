"""The cached validator accepts and rejects exactly what Rasa's own check does."""
import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from components import action_response_validation


def rasas_check(_self, result):
    """What Rasa 3.6's RemoteAction._validate_action_result does, schema rebuilt per call."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    return True

REPLIES = [
    {"events": [{"event": "slot", "name": "treatment_date", "value": "2026-11-10"}],
     "responses": [{"text": "Day 3"}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"name": "treatment_date"}]},          # an event without its type
    {"events": "not a list"},
    {"responses": [{"text": "x"}], "events": [{"event": 3}]},
]


def outcome(validate, reply):
    try:
        return validate(None, reply)
    except ValidationError as error:
        return ("rejected", error.validator, list(error.path))


@pytest.mark.parametrize("reply", REPLIES)
def test_same_verdict_as_rasa(reply):
    assert outcome(action_response_validation._validate_action_result, reply) == \
        outcome(rasas_check, reply)


def test_rejection_keeps_rasas_advice():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_response_validation._validate_action_result(None, {"events": "not a list"})

