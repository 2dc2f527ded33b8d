import pytest

from harness.alerts import SmtpSink, WebhookSink
from tests.conftest import start_bot


@pytest.fixture(scope="package")
def alert_bot(tmp_path_factory):
    """The real bot (action server + Rasa, own SQLite tracker store) whose red flags are alerted."""
    running = start_bot(tmp_path_factory, "alerts-bot")
    yield running
    running.stop()


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def webhook():
    sink = WebhookSink().start()
    yield sink
    sink.stop()
