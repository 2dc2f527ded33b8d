"""Rasa's own checks on the project: data validation and conversation tests."""
import subprocess
import sys
from pathlib import Path

import pytest

from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import MODEL

pytestmark = pytest.mark.slow

RASA = str(Path(sys.executable).parent / "rasa")


def run_rasa(*args, timeout=900):
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate():
    result = run_rasa("data", "validate", "--domain", "domain.yml", "--data", "data",
                      "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_predict_without_errors(tmp_path):
    result = run_rasa("test", "core", "--model", str(MODEL), "--stories", "tests/test_stories.yml",
                      "--fail-on-prediction-errors", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
