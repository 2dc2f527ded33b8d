"""Alert settings: mistakes stop the worker (and `make`) with a message naming the setting;
what an alert says, episodes and backoff. No servers."""

import datetime as dt
import os
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest

from alerts.settings import WorkerSettings
from clinicbot.alerts import (
    AlertConfigError,
    RedFlagFacts,
    callback_left,
    compose,
    facts_from_message,
    parse_alert_settings,
    retry_delay,
    starts_new_episode,
)
from clinicbot.content import ContentError, load_content
from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.alerts import clinic_file

CONTACT = {"name": "On-call nurse", "email": "oncall@example-clinic.test"}
SMTP_ENV = {
    "SMTP_HOST": "smtp.example-clinic.test",
    "ALERT_FROM": "alerts@example-clinic.test",
    "SMTP_USER": "alerts",
    "SMTP_PASSWORD": "from-the-secret-store",
}


@pytest.mark.parametrize(
    "section, message",
    [
        ({"on_call": [{"name": "Nurse", "email": "not-an-address"}]}, "alerts.on_call[0].email"),
        ({"on_call": [{"email": "a@b.test"}]}, "alerts.on_call[0].name"),
        ({"webhooks": [{"name": "slack"}]}, "exactly one of url or url_env"),
        ({"webhooks": [{"name": "slack", "url": "ftp://x.test/"}]}, "must be an http(s) URL"),
        ({"webhooks": [{"name": "slack", "url_env": "slack url"}]}, "environment variable name"),
        ({"webhooks": [{"name": "Slack Team", "url": "https://x.test/"}]}, "lower-case"),
        (
            {"webhooks": [{"name": "a", "url": "https://x.test/"}, {"name": "a", "url": "https://y.test/"}]},
            "used twice",
        ),
        ({"webhooks": [{"name": "a", "url": "https://x.test/", "format": "xml"}]}, "format"),
        ({"include_patient_text": "no"}, "include_patient_text' must be true or false"),
        ({"episode_hours": "a day"}, "episode_hours"),
        ({"episode_hours": 0}, "episode_hours"),
        ({"on_cal": []}, "unknown setting"),
    ],
)
def test_mistakes_in_the_alerts_section_name_the_setting(tmp_path, section, message):
    with pytest.raises(AlertConfigError, match=re.escape(message)):
        parse_alert_settings(section)
    with pytest.raises(ContentError, match="alerts"):  # `make` and the bot stop on it too
        load_content(clinic_file(tmp_path, **section))


@pytest.mark.parametrize(
    "section, env, message",
    [
        ({"on_call": [CONTACT]}, {}, "SMTP_HOST is not set"),
        ({"on_call": [CONTACT]}, {"SMTP_HOST": "smtp.x.test"}, "ALERT_FROM"),
        ({"on_call": [CONTACT]}, {**SMTP_ENV, "SMTP_STARTTLS": "0"}, "unencrypted"),
        ({"on_call": [CONTACT]}, {**SMTP_ENV, "SMTP_PASSWORD": ""}, "both SMTP_USER and SMTP_PASSWORD"),
        ({"on_call": [CONTACT]}, {**SMTP_ENV, "SMTP_PORT": "eighty"}, "SMTP_PORT must be a number"),
        (
            {"webhooks": [{"name": "slack", "url_env": "ALERT_WEBHOOK_SLACK"}]},
            {},
            "ALERT_WEBHOOK_SLACK, which is not set",
        ),
        (
            {"webhooks": [{"name": "slack", "url_env": "ALERT_WEBHOOK_SLACK"}]},
            {"ALERT_WEBHOOK_SLACK": "hooks.slack.com/x"},
            "must be an http",
        ),
        ({}, {"ALERTS_POLL_SECONDS": "10", "ALERTS_LEASE_SECONDS": "15"}, "at least twice"),
        ({}, {"CONSOLE_BASE_URL": "console.clinic"}, "CONSOLE_BASE_URL"),
    ],
)
def test_bad_environment_gives_a_clear_error(tmp_path, section, env, message):
    content = load_content(clinic_file(tmp_path, **section))
    with pytest.raises(AlertConfigError, match=message):
        WorkerSettings.from_env(content, env)


def test_the_worker_refuses_to_start_with_a_bad_config_and_says_why(tmp_path):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "alerts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SMTP_")},
            "PYTHONPATH": str(ROOT),
            "CLINIC_CONTENT_FILE": str(clinic_file(tmp_path, on_call=[CONTACT])),
            "STAFF_DB_URL": f"sqlite:///{tmp_path / 'staff.db'}",
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: alerts: alerts.on_call")
    assert "SMTP_HOST is not set" in result.stderr
    assert not (tmp_path / "staff.db").exists()  # stopped before touching anything


def test_the_sample_clinic_file_starts_with_no_channels():
    assert load_content().alerts.channels == []
    assert load_content().alerts.include_patient_text is False


def test_webhook_secrets_stay_in_the_environment(tmp_path):
    content = load_content(
        clinic_file(tmp_path, webhooks=[{"name": "slack", "url_env": "ALERT_WEBHOOK_SLACK"}])
    )
    settings = WorkerSettings.from_env(content, {"ALERT_WEBHOOK_SLACK": "https://hooks.example/T/B/x"})
    assert settings.webhook_urls == {"webhook:slack": "https://hooks.example/T/B/x"}
    assert "hooks.example" not in (tmp_path / "clinic.yml").read_text()


def test_several_red_flags_in_one_episode_are_one_alert():
    day = 24 * 3600
    assert starts_new_episode(None, 1000.0, day)
    assert not starts_new_episode(1000.0, 1000.0 + 60, day)
    assert not starts_new_episode(1000.0, 1000.0 + day - 1, day)
    assert starts_new_episode(1000.0, 1000.0 + day, day)


def test_backoff_doubles_up_to_the_cap():
    assert [retry_delay(n, 10, 600) for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 600, 600]


def test_the_alert_names_the_rule_and_day_but_not_the_patients_words():
    message = {
        "text": "I have a fever of 39 and pus",
        "parse_data": {
            "urgency": {
                "urgent": True,
                "decided_by": ["rules", "classifier"],
                "symptoms": ["fever", "infection_pus_or_smell"],
                "rules": [
                    {
                        "symptom": "fever",
                        "words": "fever",
                        "clause": "i have a fever of 39",
                        "status": "present",
                    }
                ],
                "classifier": {"probability": 0.93, "threshold": 0.69, "text": "i have a fever of 39"},
            }
        },
    }
    facts = facts_from_message(
        42,
        dt.datetime(2026, 11, 13, 14, 0, tzinfo=dt.timezone.utc).timestamp(),
        message,
        "2026-11-10",
        dt.date(2026, 11, 13),
        False,
    )
    assert facts.recovery_day == 3 and facts.patient_text is None
    alert = compose(
        facts,
        "Leong Skin Clinic",
        "https://console.test/conversations/42",
        ZoneInfo("Europe/London"),
        callback_left([]),
    )
    assert "Transcript: https://console.test/conversations/42" in alert.text
    assert "Recovery day: day 3 (treated 2026-11-10)" in alert.text
    assert (
        "Why it was flagged: symptom rules: fever, infection pus or smell; learned urgency "
        "classifier: probability 0.93 (threshold 0.69)"
    ) in alert.text
    assert "Callback number left: no" in alert.text
    assert "39" not in alert.text and "39" not in str(alert.fields)
    assert "Fri 13 Nov 2026 14:00 GMT" in alert.text
    round_trip = RedFlagFacts.from_dict(facts.to_dict())
    assert round_trip == facts


def test_a_callback_number_counts_when_the_patient_left_one_and_agreed():
    assert callback_left([("callback_phone", "+447700900123"), ("callback_consent", True)])
    assert callback_left([("callback_phone", "+447700900123")])
    assert not callback_left([("callback_phone", "+447700900123"), ("callback_consent", False)])
    assert not callback_left([("callback_phone", "+447700900123"), ("callback_phone", None)])
    assert not callback_left([])


def test_slack_and_teams_get_only_text_and_json_receivers_get_the_fields():
    from alerts.channels import webhook_payload
    from clinicbot.alerts import AlertMessage

    message = AlertMessage(
        "[Clinic] Red flag", "Transcript: https://c.test/conversations/1\n", {"recovery_day": 3}
    )
    assert webhook_payload(message, "key-1", "text") == {
        "text": "*[Clinic] Red flag*\nTranscript: https://c.test/conversations/1\n"
    }
    assert webhook_payload(message, "key-1", "json") == {
        "text": "*[Clinic] Red flag*\nTranscript: https://c.test/conversations/1\n",
        "alert": {"recovery_day": 3},
        "idempotency_key": "key-1",
    }
