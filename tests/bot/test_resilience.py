"""Restarts and a dead action server, with their own servers and database."""
import datetime as dt

import pytest

from clinicbot.content import load_content
from tests.conftest import start_bot
from harness.servers import customs, texts

pytestmark = pytest.mark.servers

CONTENT = load_content()


@pytest.fixture(scope="module")
def own_bot(tmp_path_factory):
    running = start_bot(tmp_path_factory, "resilience")
    yield running
    running.stop()


def test_action_server_down_still_gives_a_useful_reply(own_bot):
    own_bot.actions.stop()
    try:
        reply = own_bot.send("no-actions", "when can I wear makeup again?")
        text = texts(reply)
        assert f"first {CONTENT.milestones['makeup_allowed'].day} days" in text          # the general answer, served by Rasa itself
        assert CONTENT.clinic.phone in text    # and how to reach a person
        faq = texts(own_bot.send("no-actions", "how long does the treatment take?"))
        assert "minutes" in faq
        red_flag = texts(own_bot.send("no-actions-2", "I've got a fever"))
        assert CONTENT.clinic.phone in red_flag
    finally:
        own_bot.start_actions()
    assert "Day 2: not yet." in texts(own_bot.send("no-actions", "2 days ago, can I wear makeup?"))


def test_restart_keeps_history_and_treatment_date(own_bot):
    treated = dt.datetime.now(CONTENT.tz).date() - dt.timedelta(days=4)
    own_bot.send("restart", f"my treatment was on {treated.isoformat()}")
    events_before = len(own_bot.tracker("restart")["events"])
    own_bot.rasa.stop()
    own_bot.start_rasa()
    tracker = own_bot.tracker("restart")
    assert tracker["slots"]["treatment_date"] == treated.isoformat()
    assert len(tracker["events"]) >= events_before
    reply = own_bot.send("restart", "can I wear makeup now?")
    assert "Day 4: not yet." in texts(reply)
    assert customs(reply)[0]["treatment_date"] == treated.isoformat()


def test_slow_action_server_still_answers_within_seconds(own_bot):
    import os
    import signal
    import time

    group = os.getpgid(own_bot.actions.process.pid)
    os.killpg(group, signal.SIGSTOP)  # the action server hangs: accepts, never answers
    try:
        started = time.time()
        reply = texts(own_bot.send("slow-actions", "when can I go back to the gym?"))
        waited = time.time() - started
    finally:
        os.killpg(group, signal.SIGCONT)
    assert CONTENT.clinic.phone in reply
    assert waited < 15, f"waited {waited:.1f} s"
