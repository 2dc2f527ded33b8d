"""Two Rasa instances behind nginx, two alerts workers: exactly one alert per conversation.

Red flags of each conversation are sent through nginx, so they land on both instances;
both workers read the shared PostgreSQL tracker store and share a PostgreSQL outbox.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from harness.alerts import AlertWorker, SmtpSink, clinic_file, conversation_id, wait_until, worker_env
from harness.servers import http

pytestmark = pytest.mark.servers

RED_FLAGS = ["I have a fever and pus coming out", "my eyes are swollen shut", "the bleeding won't stop"]
CONVERSATIONS = 10


def send(url, sender, message):
    status, raw = http(
        "POST", url + "/webhooks/rest/webhook", {"sender": sender, "message": message}, timeout=120
    )
    assert status == 200, (status, raw[:300])
    return json.loads(raw)


def test_two_instances_and_two_workers_send_exactly_one_alert_per_conversation(cluster, tmp_path):
    pg = cluster.postgres
    pg._run(str(pg.bin / "createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "rasa", "staff_alerts")
    staff_url = pg.url.rsplit("/", 1)[0] + "/staff_alerts"
    smtp = SmtpSink().start()
    clinic = clinic_file(tmp_path, on_call=[{"name": "Nurse", "email": "n@example-clinic.test"}])
    env = worker_env(pg.url, staff_url, clinic, smtp)
    workers = [AlertWorker(env, tmp_path / f"worker-{n}.log").start() for n in (1, 2)]
    tracker = create_engine(pg.url)
    try:
        try:
            wait_until(
                lambda: (
                    sum("holds the lease" in w.log() for w in workers) == 1
                    and sum("standby" in w.log() for w in workers) == 1
                ),
                60,
                "one worker to lead and one to stand by",
            )
        except AssertionError:
            raise AssertionError("\n".join(w.log()[-3000:] for w in workers)) from None
        senders = [f"cluster-alert-{n:02d}-{int(time.time())}" for n in range(CONVERSATIONS)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            for message in RED_FLAGS:
                list(pool.map(lambda s, m=message: send(cluster.nginx.url, s, m), senders))
        conversations = {conversation_id(tracker, s) for s in senders}
        wait_until(
            lambda: conversations <= {m.conversation_id for m in smtp.messages()},
            90,
            "an alert for every conversation",
        )
        time.sleep(5)
        served = {
            entry["upstream"]
            for entry in cluster.nginx.access_log()
            if entry["body"] and json.loads(entry["body"]).get("sender") in senders
        }
    finally:
        for worker in workers:
            worker.stop()
        smtp.stop()
        tracker.dispose()
    assert served == set(cluster.nginx.upstreams)  # both instances stored red flags
    mine = [m for m in smtp.messages() if m.conversation_id in conversations]
    assert sorted(m.conversation_id for m in mine) == sorted(conversations), (
        "exactly one alert per conversation"
    )
    staff = create_engine(staff_url)
    try:
        with staff.connect() as conn:
            counts = conn.execute(
                text(
                    "select count(*), count(distinct sender_id) from alerts where sender_id like 'cluster-alert-%'"
                )
            ).one()
            statuses = conn.execute(text("select status, attempts from alert_deliveries")).all()
    finally:
        staff.dispose()
    assert tuple(counts) == (CONVERSATIONS, CONVERSATIONS)
    assert statuses == [("sent", 1)] * CONVERSATIONS
