"""Red-flag alerts end to end: the real bot stores a red flag, the real worker process
alerts a real SMTP server and a real HTTP receiver. Counts are asserted, not just arrival."""

import json
import time
import uuid

import pytest
from sqlalchemy import create_engine

from alerts import outbox
from console import staff_db as store
from console.config import resolve_db_url
from harness.alerts import AlertWorker, clinic_file, conversation_id, wait_until, worker_env

pytestmark = pytest.mark.servers

RED_FLAG = "I have a fever and pus coming out"
ANOTHER_RED_FLAG = "my eyes are swollen shut and the redness is spreading down my neck"
ON_CALL = [
    {"name": "On-call nurse", "email": "oncall@example-clinic.test"},
    {"name": "Dr Leong", "email": "leong@example-clinic.test"},
]
QUIET_SECONDS = 4  # after the first alert, how long we watch for a second one


def sender(name):
    return f"alert-{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def staff_url(tmp_path):
    return f"sqlite:///{tmp_path / 'staff.db'}"


@pytest.fixture
def tracker(alert_bot):
    engine = create_engine(f"sqlite:///{alert_bot.db_path}")
    yield engine
    engine.dispose()


def start_worker(tmp_path, alert_bot, staff_url, smtp=None, name="worker", clinic=None, **extra):
    clinic = clinic or clinic_file(tmp_path, on_call=ON_CALL)
    worker = AlertWorker(
        worker_env(f"sqlite:///{alert_bot.db_path}", staff_url, clinic, smtp, **extra),
        tmp_path / f"{name}.log",
    ).start()
    worker.wait_leading()
    return worker


def deliveries(staff_url, patient):
    """The deliveries of this patient's alerts (a fresh staff database may also alert the
    previous test's red flags, which are still inside the worker's settle window)."""
    engine = store.make_staff_engine(resolve_db_url(staff_url))
    try:
        return [d for a in outbox.alerts_for_sender(engine, patient) for d in a.deliveries]
    finally:
        engine.dispose()


def send_red_flag(alert_bot, tracker, patient):
    """The patient sends RED_FLAG; their conversation's id."""
    alert_bot.send(patient, RED_FLAG)
    return conversation_id(tracker, patient)


def alert_emails(smtp, conversation, seconds=60, what="the alert email"):
    """The conversation's alert emails, once there is at least one."""
    return wait_until(lambda: smtp.for_conversation(conversation), seconds, what)


def kill_worker_mid_send(tmp_path, alert_bot, tracker, smtp, staff_url, stage, patient, what):
    """A worker is killed while the SMTP server stalls the patient's alert at `stage`
    ("rcpt" or "data"); the stall is over when this returns (conversation, killed at)."""
    stall = f"stall_{stage}_seconds"
    setattr(smtp, stall, 4)
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp, name="first")
    conversation = send_red_flag(alert_bot, tracker, patient)
    wait_until(smtp.stalled.is_set, 60, what)
    worker.kill()
    killed_at = time.time()
    setattr(smtp, stall, 0)
    return conversation, killed_at


def test_one_red_flag_conversation_gets_one_email_and_one_webhook_post(
    tmp_path, alert_bot, tracker, smtp, webhook, staff_url
):
    clinic = clinic_file(
        tmp_path,
        on_call=ON_CALL,
        include_patient_text=False,
        episode_hours=24,
        webhooks=[{"name": "on-call-chat", "url": webhook.url, "format": "json"}],
    )
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp, clinic=clinic)
    try:
        patient = sender("happy")
        alert_bot.send(patient, "I had my laser 3 days ago")
        sent_at = time.time()
        alert_bot.send(patient, RED_FLAG)
        alert_bot.send(patient, ANOTHER_RED_FLAG)  # same episode: no second alert
        conversation = conversation_id(tracker, patient)
        emails = alert_emails(smtp, conversation)
        wait_until(lambda: webhook.for_conversation(conversation), 30, "the webhook post")
        time.sleep(QUIET_SECONDS)
    finally:
        worker.stop()

    emails = smtp.for_conversation(conversation)
    assert len(emails) == 1, [m.body for m in emails]
    mail = emails[0]
    assert mail.at - sent_at < 60
    assert sorted(mail.rcpt_tos) == sorted(c["email"] for c in ON_CALL)
    assert "Red flag" in mail.message["Subject"] and "fever" in mail.message["Subject"]
    body = mail.body
    assert f"https://console.example-clinic.test/conversations/{conversation}" in body
    assert "Recovery day: day 3" in body
    assert "symptom rules: fever" in body and "pus" in body  # which rule fired, by its name
    assert "Callback number left: no" in body
    assert "coming out" not in body and "Patient's message" not in body  # no patient text
    assert mail.message["Message-ID"].startswith("<alert-")

    posts = webhook.for_conversation(conversation)
    assert len(posts) == 1
    post = posts[0]
    assert post.body["alert"]["recovery_day"] == 3
    assert post.body["alert"]["callback_number_left"] is False
    assert "fever" in post.body["alert"]["symptoms"]
    assert "patient_text" not in post.body["alert"] and "coming out" not in json.dumps(post.body)
    assert post.headers["Idempotency-Key"] == post.body["idempotency_key"]

    sent = deliveries(staff_url, patient)
    assert sorted(d.channel for d in sent) == ["email", "webhook:on-call-chat"]
    assert all(d.status == "sent" and d.attempts == 1 for d in sent)


def test_patient_text_is_included_only_when_the_clinic_says_so(tmp_path, alert_bot, tracker, smtp, staff_url):
    clinic = clinic_file(tmp_path, on_call=ON_CALL, include_patient_text=True)
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp, clinic=clinic)
    try:
        conversation = send_red_flag(alert_bot, tracker, sender("with-text"))
        mail = alert_emails(smtp, conversation)[0]
    finally:
        worker.stop()
    assert f"Patient's message: {RED_FLAG}" in mail.body
    assert "Recovery day: not known" in mail.body


def test_an_alert_says_when_the_patient_left_a_callback_number(tmp_path, alert_bot, tracker, smtp, staff_url):
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp)
    try:
        patient = sender("callback")
        alert_bot.send(patient, "/request_callback")  # the callback form, before the red flag
        alert_bot.send(patient, "my name is Sarah")
        alert_bot.send(patient, "07911 123456")
        alert_bot.send(patient, "/affirm")
        assert alert_bot.tracker(patient)["slots"]["callback_phone"]
        conversation = send_red_flag(alert_bot, tracker, patient)
        mail = alert_emails(smtp, conversation)[0]
    finally:
        worker.stop()
    assert "Callback number left: yes" in mail.body
    assert "7911" not in mail.body and "Sarah" not in mail.body  # the number stays in the console


def test_smtp_down_then_back_retries_and_delivers_once(tmp_path, alert_bot, tracker, smtp, staff_url):
    smtp.stop()  # the port stays reserved for the server's return
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp)
    try:
        patient = sender("smtp-down")
        conversation = send_red_flag(alert_bot, tracker, patient)
        wait_until(
            lambda: any(d.status == "retrying" and d.attempts >= 3 for d in deliveries(staff_url, patient)),
            60,
            "three failed attempts",
        )
        failing = deliveries(staff_url, patient)[0]
        assert "cannot connect to SMTP" in failing.last_error
        assert failing.next_attempt_at > time.time() - 5  # a persistent next attempt time
        smtp.start()
        alert_emails(smtp, conversation, seconds=30)
        time.sleep(QUIET_SECONDS)
    finally:
        worker.stop()
    assert len(smtp.for_conversation(conversation)) == 1
    (delivery,) = deliveries(staff_url, patient)
    assert delivery.status == "sent" and delivery.attempts >= 4


def test_worker_killed_mid_send_then_restarted_sends_once(tmp_path, alert_bot, tracker, smtp, staff_url):
    patient = sender("killed")
    # Stalled at RCPT: the worker is inside the SMTP conversation, not yet past DATA.
    conversation, killed_at = kill_worker_mid_send(
        tmp_path, alert_bot, tracker, smtp, staff_url, "rcpt", patient, "the worker to start sending"
    )
    assert smtp.for_conversation(conversation) == []

    restarted = start_worker(tmp_path, alert_bot, staff_url, smtp, name="second")
    try:
        mail = alert_emails(smtp, conversation)[0]
        time.sleep(QUIET_SECONDS)
    finally:
        restarted.stop()
    assert len(smtp.for_conversation(conversation)) == 1
    (delivery,) = deliveries(staff_url, patient)
    assert delivery.status == "sent" and delivery.attempts == 2
    # The crashed attempt's claim (ALERTS_CLAIM_SECONDS=10) had to lapse first.
    assert mail.at - killed_at < 10 + 10


def test_crash_after_the_server_accepted_repeats_with_the_same_message_id(
    tmp_path, alert_bot, tracker, smtp, staff_url
):
    """The one window left: the server has the message, the worker dies before recording it.
    The repeat carries the same Message-ID, so mail systems can drop it."""
    # Stalled at DATA: the message is received; the worker waits for the 250.
    conversation, _ = kill_worker_mid_send(
        tmp_path,
        alert_bot,
        tracker,
        smtp,
        staff_url,
        "data",
        sender("window"),
        "the server to receive the message",
    )
    restarted = start_worker(tmp_path, alert_bot, staff_url, smtp, name="second")
    try:
        wait_until(lambda: len(smtp.for_conversation(conversation)) == 2, 60, "the repeat")
        time.sleep(QUIET_SECONDS)
    finally:
        restarted.stop()
    first, second = smtp.for_conversation(conversation)
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_red_flag_with_the_action_server_down_is_still_alerted(tmp_path, alert_bot, tracker, smtp, staff_url):
    worker = start_worker(tmp_path, alert_bot, staff_url, smtp)
    alert_bot.actions.stop()
    try:
        conversation = send_red_flag(alert_bot, tracker, sender("no-actions"))
        alert_emails(smtp, conversation)
        time.sleep(QUIET_SECONDS)
    finally:
        alert_bot.start_actions()
        worker.stop()
    assert len(smtp.for_conversation(conversation)) == 1


def test_a_second_worker_stands_by_and_takes_over(tmp_path, alert_bot, tracker, smtp, staff_url):
    first = start_worker(tmp_path, alert_bot, staff_url, smtp, name="first")
    clinic = clinic_file(tmp_path, on_call=ON_CALL)
    second = AlertWorker(
        worker_env(f"sqlite:///{alert_bot.db_path}", staff_url, clinic, smtp), tmp_path / "second.log"
    ).start()
    try:
        wait_until(lambda: "standby" in second.log(), 30, "the second worker to stand by")
        conversation = send_red_flag(alert_bot, tracker, sender("two-workers"))
        alert_emails(smtp, conversation)
        first.stop()  # a clean stop hands the lease over at once
        second.wait_leading()
        later_conversation = send_red_flag(alert_bot, tracker, sender("after-handover"))
        alert_emails(smtp, later_conversation, what="the next alert")
        time.sleep(QUIET_SECONDS)
    finally:
        first.stop()
        second.stop()
    assert len(smtp.for_conversation(conversation)) == 1
    assert len(smtp.for_conversation(later_conversation)) == 1
