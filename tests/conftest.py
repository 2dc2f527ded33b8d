import os

import pytest

from clinicbot.paths import PROJECT_ROOT as ROOT

SPACY_PIPELINE = ROOT / "build" / "spacy-en-clinic"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# Fixtures that start real servers (here and in the folders' conftest.py
# files); a test that uses one, even through another fixture, must be marked
# `servers` so that `make test-fast` (-m "not servers") leaves it out.
SERVER_FIXTURES = {
    "bot",
    "closed_clinic_bot",
    "own_bot",
    "actions_only",
    "console_bot",
    "console",
    "pg_console",
    "any_console",
    "queue_console",
    "server",
    "custom_server",
    "stack",
    "cluster",
    "deletion_stack",
    "limited_console",
    "limited_widget",
    "console_behind_nginx",
    "jwt_bot",
}


def pytest_collection_modifyitems(config, items):
    unmarked = [
        item.nodeid
        for item in items
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("servers") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests start servers but are not marked "
            "`pytestmark = pytest.mark.servers`:\n  " + "\n  ".join(unmarked)
        )


@pytest.fixture(scope="session")
def nlp():
    """The project's own spaCy pipeline, as `make` builds it."""
    import spacy

    if not (SPACY_PIPELINE / "meta.json").exists():
        pytest.fail(f"{SPACY_PIPELINE} is missing: run the tests through `make test`")
    return spacy.load(SPACY_PIPELINE)


@pytest.fixture(scope="session")
def widget_port():
    """The port the widget server will use; the shared bot allows its origin."""
    from harness.servers import free_port

    return free_port()


def start_bot(tmp_path_factory, name, env=None):
    from harness.servers import MODEL, Bot

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    return Bot(tmp_path_factory.mktemp(name), env=env).start()


@pytest.fixture(scope="session")
def bot(tmp_path_factory, widget_port):
    """One real bot (action server + Rasa) shared by the suites that only talk to it."""
    running = start_bot(tmp_path_factory, "bot", env={"WEBCHAT_ORIGINS": f"http://127.0.0.1:{widget_port}"})
    yield running
    running.stop()


@pytest.fixture(scope="session")
def closed_clinic_bot(tmp_path_factory):
    """A real bot whose clinic file says it is closed all week, so asking for a
    person always offers a call back (the callback tests share it)."""
    import yaml

    from clinicbot.content import DEFAULT_CONTENT_PATH

    work = tmp_path_factory.mktemp("closed-clinic")
    data = yaml.safe_load(DEFAULT_CONTENT_PATH.read_text())
    data["clinic"]["weekly_hours"] = {day: "closed" for day in data["clinic"]["weekly_hours"]}
    (work / "clinic.yml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    running = start_bot(tmp_path_factory, "closed-bot", env={"CLINIC_CONTENT_FILE": str(work / "clinic.yml")})
    yield running
    running.stop()
