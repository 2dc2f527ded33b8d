"""A project copy with a first live model made by `retrain` itself, and a real bot serving it."""

from __future__ import annotations

import json

import pytest

from harness.servers import Bot, free_port
from tests.retrain.project import make_project, retrain


# Activation signs its requests with this (Rasa's --jwt-secret); no API token is given to it.
JWT_SECRET = "retrain-tests-jwt-secret-0123456789abcdef"


def latest_report(project) -> dict:
    reports = sorted((project / "var" / "retrain" / "reports").glob("*.json"))
    return json.loads(reports[-1].read_text())


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("retrain-project"))
    # No server yet: a closed port, never a bot that may run on this machine.
    result = retrain(root, "run", env={"RASA_URLS": f"http://127.0.0.1:{free_port()}"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = latest_report(root)
    assert report["outcome"] == "activated" and report["training"]["mode"] == "full"
    assert report["activation"][0]["status"] == "not running"
    assert (root / "models" / "clinic-bot.tar.gz").exists()
    return root


@pytest.fixture(scope="session")
def server(project, tmp_path_factory):
    bot = Bot(
        tmp_path_factory.mktemp("retrain-bot"),
        env={"RASA_MODEL": str(project / "models" / "clinic-bot.tar.gz"), "RASA_JWT_SECRET": JWT_SECRET},
    ).start()
    yield bot
    bot.stop()
