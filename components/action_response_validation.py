"""Validates action server replies with a schema compiled once.

Rasa 3.6 calls `jsonschema.validate` for every custom action reply, which
builds a new validator from the schema each time: about 16 ms of CPU per
personalised recovery answer on a 2-core machine, the largest single cost of
that turn under load (benchmarks/profile_turn.py with cProfile; README
"Benchmarks"). The check itself is unchanged; only the compiled validator is
reused.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_schema = RemoteAction.action_response_format_spec()
_validator = validator_for(_schema)(_schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    # best_match picks the same error jsonschema.validate would report.
    error = best_match(_validator.iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your "
        "response from the Action endpoint is valid. For more information about "
        f"the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
