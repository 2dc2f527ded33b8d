"""The worker's reading of the tracker store, in this process, on real SQLite files and a
real SMTP server: late commits, history, bursts, episodes."""

import json
import time

import pytest
from sqlalchemy import create_engine, insert

from alerts import outbox, worker as worker_module
from alerts.settings import WorkerSettings
from alerts.worker import Worker
from clinicbot.content import load_content
from console import staff_db as store, tracker
from console.config import resolve_db_url
from console.staff_tables import conversation_status
from harness.alerts import SmtpSink, clinic_file, worker_env

ON_CALL = [{"name": "Nurse", "email": "n@example-clinic.test"}]
pytestmark = pytest.mark.servers  # a real SMTP server and HTTP receivers, in this process


def red_flag(engine, sender, timestamp=None, event_id=None, symptom="fever"):
    row = dict(
        sender_id=sender,
        type_name="user",
        timestamp=timestamp or time.time(),
        intent_name="red_flag",
        data=json.dumps(
            {
                "event": "user",
                "text": "words",
                "parse_data": {"urgency": {"urgent": True, "decided_by": ["rules"], "symptoms": [symptom]}},
            }
        ),
    )
    if event_id is not None:
        row["id"] = event_id
    with engine.begin() as conn:
        conn.execute(insert(tracker.events).values(**row))


@pytest.fixture
def setup(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    tracker.metadata.create_all(engine)
    staff = store.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    store.migrate(staff)
    smtp = SmtpSink().start()
    clinic = clinic_file(tmp_path, on_call=ON_CALL, episode_hours=1)
    env = worker_env(
        f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'staff.db'}", clinic, smtp
    )
    worker = Worker(WorkerSettings.from_env(load_content(clinic), env), engine, staff, owner="test-worker")
    yield worker, engine, staff, smtp
    smtp.stop()
    engine.dispose()
    staff.dispose()


def alerted(staff, senders):
    return {s: len(outbox.alerts_for_sender(staff, s)) for s in senders}


def test_red_flags_from_before_the_first_run_are_history(setup):
    worker, engine, staff, smtp = setup
    red_flag(engine, "last-month", timestamp=time.time() - 30 * 86400)
    red_flag(engine, "just-now")
    worker.run_once()
    assert alerted(staff, ["last-month", "just-now"]) == {"last-month": 0, "just-now": 1}
    assert len(smtp.messages()) == 1


def test_a_red_flag_committed_late_with_a_lower_id_is_still_alerted(setup):
    """Two instances write back their spools after a database outage: the rows keep their
    old timestamps, and the one with the lower id commits second. Neither the id order nor
    the timestamps tell the worker which rows are final; only time since it saw an id does."""
    worker, engine, staff, smtp = setup
    worker.run_once()  # first run: nothing yet
    outage = time.time() - 600
    red_flag(engine, "spooled-first", timestamp=outage, event_id=1000)
    worker.run_once()
    red_flag(engine, "spooled-later", timestamp=outage + 1, event_id=500)
    worker.run_once()
    assert alerted(staff, ["spooled-first", "spooled-later"]) == {"spooled-first": 1, "spooled-later": 1}
    assert len(smtp.messages()) == 2


def test_the_settled_mark_moves_only_past_ids_seen_long_enough_ago(setup):
    worker, engine, staff, smtp = setup
    worker.run_once()
    red_flag(engine, "settling", event_id=700)
    worker.run_once()
    assert outbox.settled_event_id(staff) < 700  # seen just now: read again next poll
    time.sleep(5.5)  # ALERTS_SETTLE_SECONDS=5 in the tests
    worker.run_once()
    worker.run_once()
    assert outbox.settled_event_id(staff) == 700
    assert alerted(staff, ["settling"]) == {"settling": 1} and len(smtp.messages()) == 1


def test_a_burst_larger_than_one_poll_loses_nothing(setup, monkeypatch):
    worker, engine, staff, smtp = setup
    monkeypatch.setattr(worker_module, "FLAGS_PER_POLL", 3)
    senders = [f"burst-{n}" for n in range(8)]
    for sender in senders:
        red_flag(engine, sender)
    for _ in range(4):
        worker.run_once()
    assert alerted(staff, senders) == {s: 1 for s in senders}
    assert len(smtp.messages()) == 8


def test_one_alert_per_episode_and_a_new_one_after_it(setup, tmp_path):
    _, engine, staff, smtp = setup
    start = time.time() - 2 * 3600
    red_flag(engine, "repeat", timestamp=start)
    red_flag(engine, "repeat", timestamp=start + 600, symptom="bleeding")  # same episode (1 h)
    red_flag(engine, "repeat", timestamp=start + 3600 + 1, symptom="eye_swelling")  # a new one
    clinic = clinic_file(tmp_path, on_call=ON_CALL, episode_hours=1)
    env = worker_env("sqlite://", "sqlite://", clinic, smtp, ALERTS_SETTLE_SECONDS="10800")
    worker = Worker(WorkerSettings.from_env(load_content(clinic), env), engine, staff, owner="test-worker")
    worker.run_once()
    alerts = outbox.alerts_for_sender(staff, "repeat")
    assert [a.facts["symptoms"] for a in alerts] == [["eye_swelling"], ["fever"]]  # newest first
    assert len(smtp.messages()) == 2


def test_a_failing_webhook_is_retried_without_resending_the_email(setup, tmp_path):
    from harness.alerts import WebhookSink

    _, engine, staff, smtp = setup
    retried, refused = WebhookSink().start(), WebhookSink().start()
    try:
        clinic = clinic_file(
            tmp_path,
            on_call=ON_CALL,
            webhooks=[{"name": "flaky", "url": retried.url}, {"name": "gone", "url": refused.url}],
        )
        env = worker_env("sqlite://", "sqlite://", clinic, smtp)
        worker = Worker(
            WorkerSettings.from_env(load_content(clinic), env), engine, staff, owner="test-worker"
        )
        retried.status, refused.status = 503, 404
        red_flag(engine, "webhook-down")
        worker.run_once()
        states = {d.channel: d for d in outbox.alerts_for_sender(staff, "webhook-down")[0].deliveries}
        assert states["email"].status == "sent"
        assert states["webhook:flaky"].status == "retrying" and "503" in states["webhook:flaky"].last_error
        assert states["webhook:gone"].status == "failed"  # a 404 will not fix itself
        retried.status = 200
        time.sleep(1)  # past the backoff (ALERTS_RETRY_BASE_SECONDS=0.5)
        worker.run_once()
        assert len(retried.received) == 1 and len(smtp.messages()) == 1
        states = {d.channel: d for d in outbox.alerts_for_sender(staff, "webhook-down")[0].deliveries}
        assert states["webhook:flaky"].status == "sent" and states["webhook:flaky"].attempts == 2
    finally:
        retried.stop()
        refused.stop()


def test_test_conversations_page_nobody(setup):
    """Our own test traffic (a test sender-id prefix from the clinic file, or marked as a test
    by staff) must not page the on-call staff."""
    worker, engine, staff, smtp = setup
    prefix = load_content().console.test_sender_prefixes[0]
    with staff.begin() as conn:
        conn.execute(
            insert(conversation_status).values(
                sender_id="marked-by-staff", marked_test_at=time.time(), marked_test_by="admin"
            )
        )
    for sender in (f"{prefix}red-flag", "marked-by-staff", "real-patient"):
        red_flag(engine, sender)
    worker.run_once()
    assert alerted(staff, [f"{prefix}red-flag", "marked-by-staff", "real-patient"]) == {
        f"{prefix}red-flag": 0,
        "marked-by-staff": 0,
        "real-patient": 1,
    }
    assert len(smtp.messages()) == 1
