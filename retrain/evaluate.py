"""Runs a trained model over evaluation examples, in this process.

Uses Rasa's Agent, the same code /model/parse calls, so the figures are what
patients and the outside evaluators get.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

from clinicbot.model_quality import LabelledExample, Outcome, outcomes_of
from retrain.models import file_sha256

EvaluationSets = Mapping[str, Sequence[LabelledExample]]  # set name -> (text, label)


def _sets_key(sets: EvaluationSets) -> str:
    return hashlib.sha256(json.dumps({k: list(v) for k, v in sorted(sets.items())}).encode()).hexdigest()[:16]


def evaluate(model: Path, sets: EvaluationSets, cache_dir: Path) -> Dict[str, List[Outcome]]:
    """Outcomes per set; a model's results are cached by its checksum and the sets."""
    cache = cache_dir / f"{file_sha256(model)[:16]}-{_sets_key(sets)}.json"
    if cache.exists():
        return {
            name: [tuple(o) for o in outcomes] for name, outcomes in json.loads(cache.read_text()).items()
        }
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parse at debug level; the report holds what matters.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    try:
        results = {
            name: outcomes_of(examples, lambda text: loop.run_until_complete(agent.parse_message(text)))
            for name, examples in sets.items()
        }
    finally:
        loop.close()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(results))
    return results
