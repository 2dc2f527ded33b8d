"""Staff see each alert's delivery status, and a failed alert on every console page.

The real worker (in this process) delivers to a real SMTP server that accepts, refuses
(550) or is down; the console is the real app through Flask's test client."""

import json
import time

import pytest
from sqlalchemy import create_engine, insert

from alerts import outbox
from alerts.settings import WorkerSettings
from alerts.worker import Worker
from clinicbot.content import load_content
from console import staff_db as store, tracker
from console.config import ConsoleSettings, resolve_db_url
from harness.alerts import SmtpSink, clinic_file, worker_env
from tests.console.test_console_hardening import ADMIN_PASSWORD, signed_in

pytestmark = pytest.mark.servers  # a real SMTP server, in this process


class RefusingSink(SmtpSink):
    """A mail server that refuses the on-call address (a typo in the clinic file, say)."""

    def start(self):
        super().start()
        handler = self.controller.handler

        async def refuse(server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such user"

        handler.handle_RCPT = refuse
        return self


def red_flag(engine, sender):
    now = time.time()
    with engine.begin() as conn:
        conn.execute(
            insert(tracker.events),
            [
                dict(
                    sender_id=sender,
                    type_name="session_started",
                    timestamp=now,
                    intent_name=None,
                    data=json.dumps({"event": "session_started"}),
                ),
                dict(
                    sender_id=sender,
                    type_name="user",
                    timestamp=now,
                    intent_name="red_flag",
                    data=json.dumps(
                        {
                            "event": "user",
                            "text": "fever and pus",
                            "parse_data": {
                                "intent": {"name": "red_flag", "confidence": 1.0},
                                "urgency": {"urgent": True, "decided_by": ["rules"], "symptoms": ["fever"]},
                            },
                        }
                    ),
                ),
            ],
        )


@pytest.fixture
def console_and_worker(tmp_path):
    from console.web import create_app

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    staff_url = f"sqlite:///{tmp_path / 'staff.db'}"
    engine = create_engine(tracker_url, future=True)
    tracker.metadata.create_all(engine)
    settings = ConsoleSettings(
        tracker_db_url=resolve_db_url(tracker_url),
        staff_db_url=resolve_db_url(staff_url),
        secret_key="k" * 40,
        retrain_root=tmp_path,
        clinic_timezone="Europe/London",
    )
    app = create_app(settings, run_migrations=True)
    app.config["TESTING"] = True
    staff = app.extensions["console"].staff
    admin = store.create_user(staff, "admin", ADMIN_PASSWORD, "admin")
    sinks = []

    def worker_for(sink):
        sinks.append(sink)
        clinic = clinic_file(tmp_path, on_call=[{"name": "Nurse", "email": "n@example-clinic.test"}])
        env = worker_env(tracker_url, staff_url, clinic, sink, ALERTS_MAX_ATTEMPTS="3")
        # One worker, as after a restart with new SMTP settings: the same lease owner.
        return Worker(
            WorkerSettings.from_env(load_content(clinic), env), engine, staff, owner="console-test-worker"
        )

    yield app, staff, admin, engine, worker_for
    for sink in sinks:
        sink.stop()
    engine.dispose()


def test_sent_retrying_and_failed_alerts_are_shown_and_a_failure_is_loud(console_and_worker):
    app, staff, admin, engine, worker_for = console_and_worker
    red_flag(engine, "patient-sent")
    assert worker_for(SmtpSink().start()).run_once()
    red_flag(engine, "patient-refused")
    worker_for(RefusingSink().start()).run_once()  # 550: retrying cannot help
    red_flag(engine, "patient-waiting")
    down = SmtpSink()  # never started: connection refused
    worker_for(down).run_once()

    states = {
        sender: alert.status
        for sender, alert in outbox.latest_alerts(
            staff, ["patient-sent", "patient-refused", "patient-waiting"]
        ).items()
    }
    assert states == {"patient-sent": "sent", "patient-refused": "failed", "patient-waiting": "retrying"}

    client = signed_in(app, staff, admin)
    listing = client.get("/conversations").get_data(as_text=True)
    for state in ("sent", "failed", "retrying"):
        assert f'data-alert-status="{state}"' in listing
    queue = client.get("/red-flags").get_data(as_text=True)
    for state in ("sent", "failed", "retrying"):
        assert f'data-alert-status="{state}"' in queue
    for page in ("/conversations", "/red-flags", "/analytics", "/annotations", "/audit"):
        html = client.get(page).get_data(as_text=True)
        assert 'id="failed-alerts"' in html and "1 red-flag alert could not be delivered" in html

    refused = tracker.conversation_id_for_sender(engine, "patient-refused")
    page = client.get(f"/conversations/{refused}").get_data(as_text=True)
    assert "550" in page and "Send this alert again" in page
    (alert,) = outbox.alerts_for_sender(staff, "patient-refused")
    response = client.post(
        f"/alerts/{alert.id}/retry",
        data={"csrf_token": "test-csrf-token", "next": f"/conversations/{refused}"},
    )
    assert response.status_code == 302 and response.location.endswith(f"/conversations/{refused}")
    assert outbox.alerts_for_sender(staff, "patient-refused")[0].status == "retrying"
    assert 'id="failed-alerts"' not in client.get("/conversations").get_data(as_text=True)

    signed_out = app.test_client()
    assert signed_out.post(f"/alerts/{alert.id}/retry").status_code == 401
    assert 'id="failed-alerts"' not in signed_out.get("/login").get_data(as_text=True)


def test_erasing_a_conversation_removes_its_alerts(console_and_worker):
    app, staff, admin, engine, worker_for = console_and_worker
    red_flag(engine, "patient-erased")
    worker_for(SmtpSink().start()).run_once()
    assert outbox.alerts_for_sender(staff, "patient-erased")
    client = signed_in(app, staff, admin)
    conversation = tracker.conversation_id_for_sender(engine, "patient-erased")
    client.post(
        f"/conversations/{conversation}/erase", data={"csrf_token": "test-csrf-token", "confirm": "ERASE"}
    )
    assert outbox.alerts_for_sender(staff, "patient-erased") == []
