import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPACY_PIPELINE = ROOT / "build" / "spacy-en-clinic"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def nlp():
    """The project's own spaCy pipeline, as `make` builds it."""
    import spacy

    if not (SPACY_PIPELINE / "meta.json").exists():
        pytest.fail(f"{SPACY_PIPELINE} is missing: run the tests through `make test`")
    return spacy.load(SPACY_PIPELINE)
