"""End-to-end tier: HTTP against the running staff console (`python -m console serve`), on a
tracker store filled by the real bot. Page behaviour on a seeded tracker store, in seconds,
is in test_console_pages.py and test_conversation_filters.py."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import stat
import time
from pathlib import Path
from typing import Optional

import pytest
from sqlalchemy import create_engine, text

from tests.console.conftest import (CONVERSATIONS, PASSWORD, Client, clinic_today, result_count,
                                    result_ids, run_cli)

pytestmark = pytest.mark.servers

INJECTIONS = [
    "' OR '1'='1",
    "faq' OR 1=1 --",
    "x'; DROP TABLE events; --",
    "%' OR 1=1 --",
    "1) UNION SELECT sender_id, id, timestamp, timestamp FROM events --",
    '" OR ""="',
]
FILTERS = ["from", "to", "intent", "fallback", "red_flag", "followup", "max_conf", "reviewed",
           "tag", "q", "page"]


def events_count(db: Path, sender: Optional[str] = None) -> int:
    with sqlite3.connect(db) as conn:
        if sender is None:
            return conn.execute("select count(*) from events").fetchone()[0]
        return conn.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]


def staff_db(console) -> sqlite3.Connection:
    return sqlite3.connect(console.staff_url.replace("sqlite:///", ""))


def audit_actions(console, action: str):
    with staff_db(console) as conn:
        return conn.execute("select username, target, detail from audit_log where action = ? "
                            "order by id", (action,)).fetchall()


# --- access control ----------------------------------------------------------------------

def console_db(console) -> Path:
    return Path(console.tracker_url.replace("sqlite:///", ""))


def test_post_without_csrf_token_is_refused(console, reviewer, conversations):
    cid = conversations["oos-patient"]
    page = f"/conversations/{cid}"
    for data, headers in (({}, {}), ({"csrf_token": "forged"}, {}),
                          ({"csrf_token": reviewer.csrf()}, {"Origin": "https://evil.example"})):
        response = reviewer.http.post(console.url + page + "/review", data={"reviewed": "1", **data},
                                      headers=headers, allow_redirects=False, timeout=30)
        assert response.status_code == 403, (data, headers)
        assert "not yet" in reviewer.get(page).text.split('id="review-status">')[1][:40]
    # A forged login form is refused too.
    fresh = Client(console.url)
    response = fresh.http.post(console.url + "/login", timeout=30, allow_redirects=False,
                               data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403
    # With the token the same request works.
    response = reviewer.post(page + "/review", {"reviewed": "1"}, allow_redirects=False)
    assert response.status_code == 302
    assert "by reviewer" in reviewer.get(page).text
    assert audit_actions(console, "csrf_refused")


def test_session_cookie_is_httponly_and_samesite_lax(console):
    client = Client(console.url)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.http.post(console.url + "/login", allow_redirects=False, timeout=30,
                                data={"csrf_token": token, "username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_secure_cookie_when_configured(console):
    """STAFF_COOKIE_SECURE=1 adds Secure (checked in-process: it needs no patient data)."""
    from console.config import ConsoleSettings, resolve_db_url
    from console.web import create_app

    settings = ConsoleSettings(tracker_db_url=resolve_db_url(console.tracker_url),
                        staff_db_url=resolve_db_url(console.staff_url), secret_key="y" * 40,
                        cookie_secure=True)
    response = create_app(settings).test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("clinic_staff_session=")
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_generated_secret_key_is_private(console):
    key = console.work / "staff-secret-key"
    assert key.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) >= 32


def test_login_is_throttled_after_repeated_failures(console):
    result = run_cli(console.env, "create-user", "--username", "locked-out", "--role", "reviewer",
                     extra_env={"STAFF_USER_PASSWORD": "the-right-password-1"})
    assert result.returncode == 0, result.stderr
    client = Client(console.url)
    statuses = [client.login("locked-out", f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # Locked: even the right password is refused now ...
    response = client.login("locked-out", "the-right-password-1")
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text
    # ... while other staff can still sign in from the same address.
    assert console.client("admin").signed_in
    with staff_db(console) as conn:
        locked_until = conn.execute("select locked_until from login_throttle where key like "
                                    "'user-ip:locked-out|%'").fetchone()[0]
    assert 14 * 60 < locked_until - time.time() <= 15 * 60
    # Signed-out failures are aggregated: one row per IP and minute, with a count.
    with staff_db(console) as conn:
        failed = conn.execute("select count(*), sum(count) from audit_log "
                              "where action = 'login_failed'").fetchone()
    assert failed[1] >= 5 and failed[0] < failed[1]
    assert audit_actions(console, "login_locked")


def test_idle_session_is_signed_out(console):
    client = console.client("reviewer")
    assert client.get("/conversations", allow_redirects=False).status_code == 200
    with staff_db(console) as conn:
        conn.execute("update staff_sessions set last_seen_at = last_seen_at - 31 * 60 where user_id = "
                     "(select id from users where username = 'reviewer')")
    response = client.get("/conversations", allow_redirects=False)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "reason=idle" in response.headers["Location"]
    assert "signed out after 30 minutes" in client.get(response.headers["Location"]).text
    assert client.get("/conversations", allow_redirects=False).status_code == 302


def test_logout_ends_the_session_on_the_server(console):
    client = console.client("reviewer")
    cookie = dict(client.http.cookies)
    assert client.post("/logout", allow_redirects=False).status_code == 302
    replay = Client(console.url)
    replay.http.cookies.update(cookie)
    assert replay.get("/conversations", allow_redirects=False).status_code == 302


# --- reading and filtering (also on PostgreSQL when configured) --------------------------

def test_list_is_newest_first_with_red_flags_pinned(any_console, conversations):
    client = any_console.client("reviewer")
    html = client.get("/conversations").text
    ids = result_ids(html)
    assert set(ids) >= {conversations[s] for s in ("faq-patient", "recovery-patient", "script-patient")}
    # Newest first: the last conversation talked to comes before the first one.
    assert ids.index(conversations["browser-patient"]) < ids.index(conversations["faq-patient"])
    pinned = html.split('id="pinned-title"', 1)[1].split('id="conversation-list"', 1)[0]
    assert f'data-conversation-id="{conversations["redflag-patient"]}"' in pinned
    assert f'data-conversation-id="{conversations["faq-patient"]}"' not in pinned


@pytest.mark.parametrize("params, expected, unexpected", [
    ({"intent": "faq/cost"}, ["faq-patient"], ["recovery-patient", "redflag-patient"]),
    ({"intent": "recovery/makeup"}, ["recovery-patient"], ["faq-patient"]),
    ({"intent": "recovery"}, ["recovery-patient"], ["faq-patient"]),
    ({"intent": "share_treatment_date"}, ["recovery-patient"], ["faq-patient"]),
    ({"red_flag": "1"}, ["redflag-patient", "browser-patient"], ["faq-patient", "oos-patient"]),
    ({"fallback": "1"}, ["oos-patient", "empty-patient"], ["faq-patient", "redflag-patient"]),
    ({"intent": "nlu_fallback"}, ["empty-patient"], ["oos-patient"]),
    ({"q": "FEVER"}, ["redflag-patient", "browser-patient"], ["faq-patient"]),
    ({"q": "alert(1)"}, ["script-patient"], ["faq-patient"]),
    ({"q": "%"}, [], ["faq-patient", "recovery-patient"]),
    ({"q": "_"}, [], ["faq-patient", "recovery-patient"]),
    ({"from": "TODAY", "to": "TODAY"}, ["faq-patient", "recovery-patient"], []),
    ({"from": "2020-01-01", "to": "2020-12-31"}, [], ["faq-patient", "recovery-patient"]),
    ({"max_conf": "0"}, [], ["faq-patient", "recovery-patient"]),
])
def test_filters_find_the_right_conversations(any_console, conversations, params, expected,
                                              unexpected):
    today = clinic_today().isoformat()
    params = {k: (today if v == "TODAY" else v) for k, v in params.items()}
    html = any_console.client("reviewer").get("/conversations", params=params).text
    ids = result_ids(html)
    for sender in expected:
        assert conversations[sender] in ids, (params, sender)
    for sender in unexpected:
        assert conversations[sender] not in ids, (params, sender)
    assert result_count(html) == len(ids)


def test_confidence_threshold_matches_the_stored_confidences(any_console, conversations,
                                                            tracker_db):
    with sqlite3.connect(tracker_db) as conn:
        lowest = {}
        for sender, data in conn.execute("select sender_id, data from events where type_name = 'user'"):
            value = json.loads(data)["parse_data"]["intent"]["confidence"]
            lowest[sender] = min(value, lowest.get(sender, 1.0))
    ours = {s: lowest[s] for s in conversations if s in lowest}
    threshold = sorted(ours.values())[len(ours) // 2]  # about half below, half not
    ids = set(result_ids(any_console.client("reviewer").get(
        "/conversations", params={"max_conf": repr(threshold)}).text))
    for sender, value in ours.items():
        assert (conversations[sender] in ids) == (value < threshold), (sender, value, threshold)
    assert 0 < len(ids & {conversations[s] for s in ours}) < len(ours)


def test_sql_injection_strings_in_every_filter_are_just_text(any_console, conversations, tracker_db):
    client = any_console.client("admin")
    rows_before = events_count(tracker_db)
    for name in FILTERS:
        for payload in INJECTIONS:
            response = client.get("/conversations", params={name: payload})
            assert response.status_code == 200, (name, payload, response.text[:300])
            assert result_ids(response.text) == [], (name, payload)
            assert result_count(response.text) == 0
            assert "Traceback" not in response.text
    for name in ("user", "action"):
        for payload in INJECTIONS:
            response = client.get("/audit", params={name: payload})
            assert response.status_code == 200 and "0 entries" in response.text, (name, payload)
    for payload in INJECTIONS:
        response = client.get("/analytics", params={"from": payload, "to": payload})
        assert response.status_code == 200 and "is not a date" in response.text
        assert client.get("/analytics/intents.csv", params={"from": payload}).status_code == 200
    # Nothing was executed: the events table still has every row, and the list still works.
    assert events_count(tracker_db) == rows_before
    assert result_count(client.get("/conversations").text) >= len(CONVERSATIONS) - 2


def test_script_message_is_shown_as_text(any_console, conversations):
    client = any_console.client("reviewer")
    for path in ("/conversations", f"/conversations/{conversations['script-patient']}",
                 "/conversations?q=script"):
        response = client.get(path)
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert "<script" not in response.text.lower()
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_phone_numbers_and_emails_are_masked_in_lists(any_console, conversations):
    client = any_console.client("reviewer")
    listing = client.get("/conversations").text
    assert "07*** ***123" in listing and "j***@example.com" in listing
    assert "07700 900123" not in listing and "jane.doe@example.com" not in listing
    transcript = client.get(f"/conversations/{conversations['contact-patient']}").text
    assert "07700 900123" in transcript  # the transcript is the full record


def test_transcript_shows_intents_confidence_slots_and_clinic_times(any_console, conversations):
    client = any_console.client("reviewer")
    html = client.get(f"/conversations/{conversations['recovery-patient']}").text
    assert "when can i wear makeup again?" in html and "3 days ago" in html
    assert re.search(r'class="intent">recovery/makeup</strong>\s*<span class="conf[^"]*">[01]\.\d\d',
                     html)
    assert 'class="intent">share_treatment_date</strong>' in html
    treated = (clinic_today() - dt.timedelta(days=3)).isoformat()
    assert f'id="treatment-date">{treated}<' in html
    assert "action_recovery_answer" in html and "Day 3: not yet." in html
    # Times are in the clinic's timezone (Europe/London: GMT or BST).
    assert re.search(r"\d\d:\d\d:\d\d (GMT|BST)", html)
    red = client.get(f"/conversations/{conversations['redflag-patient']}").text
    assert 'class="intent">red_flag</strong>' in red and "red_flag_followup" in red
    assert "not followed up yet" in red or "followed up" in red


def test_analytics_charts_and_csv_downloads(any_console, conversations):
    client = any_console.client("reviewer")
    html = client.get("/analytics").text
    assert html.count("<svg") == 4
    for view in ("volume", "fallback", "red_flags", "intents"):
        assert f'id="figure-{view}"' in html and f"/analytics/{view}.csv" in html
    today = clinic_today().isoformat()
    downloads = {}
    for view in ("volume", "intents", "fallback", "red_flags", "summary"):
        response = client.get(f"/analytics/{view}.csv")
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
        downloads[view] = list(csv.DictReader(io.StringIO(response.text)))
    volume = {row["date"]: row for row in downloads["volume"]}
    assert int(volume[today]["conversations"]) >= 8
    assert int(volume[today]["patient_messages"]) >= 9
    intents = {row["intent"]: int(row["patient_messages"]) for row in downloads["intents"]}
    assert intents.get("faq/cost", 0) >= 1 and intents.get("red_flag", 0) >= 2
    fallback = {row["date"]: row for row in downloads["fallback"]}
    assert float(fallback[today]["fallback_rate_percent"]) > 0
    red = {row["date"]: int(row["conversations_with_red_flag"]) for row in downloads["red_flags"]}
    assert red[today] >= 2
    summary = {row["metric"]: row["value"] for row in downloads["summary"]}
    assert float(summary["share_with_treatment_date_percent"]) > 0
    assert float(summary["median_patient_messages_per_conversation"]) >= 1
    assert client.get("/analytics/nonsense.csv").status_code == 404


# --- review workflow -------------------------------------------------------------------

def test_labels_offered_for_correction_come_from_domain_and_nlu_data(reviewer, conversations):
    html = reviewer.get(f"/conversations/{conversations['oos-patient']}").text
    select = html.split('name="intent"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r'<option value="([^"]+)"', select)
    assert "faq/cost" in labels and "recovery/makeup" in labels and "red_flag" in labels
    assert "out_of_scope" in labels and "greet" in labels
    assert "faq" not in labels and "nlu_fallback" not in labels


# --- privacy ---------------------------------------------------------------------------

def test_purge_deletes_conversations_older_than_the_retention(console, reviewer, tracker_db,
                                                              conversations):
    sender = "purge-patient"
    # A conversation the patient deleted from the chat side (erase_conversation only)
    # still has console notes; purge removes those too.
    gone = "self-deleted-patient"
    reviewer.post(f"/conversations/{conversations[gone]}/tags", {"name": "follow up"})
    from console import erase_conversation

    assert erase_conversation(create_engine(f"sqlite:///{tracker_db}"), gone) > 0
    with sqlite3.connect(tracker_db) as conn:  # make one conversation 100 days old
        conn.execute("update events set timestamp = timestamp - 100 * 86400 where sender_id = ?",
                     (sender,))
    assert events_count(tracker_db, sender) > 0
    others = events_count(tracker_db) - events_count(tracker_db, sender)
    dry = run_cli(console.env, "purge", "--older-than-days", "30", "--dry-run")
    assert dry.returncode == 0 and "Would purge 1 conversation" in dry.stdout, dry.stdout + dry.stderr
    assert events_count(tracker_db, sender) > 0
    result = run_cli(console.env, "purge", extra_env={"RETENTION_DAYS": "30"})
    assert result.returncode == 0 and "Purged 1 conversation" in result.stdout, result.stdout + result.stderr
    assert events_count(tracker_db, sender) == 0
    assert events_count(tracker_db) == others
    assert run_cli(console.env, "purge").returncode == 2  # no retention given at all
    purge = audit_actions(console, "purge")
    assert purge and purge[-1][0] == "cli" and json.loads(purge[-1][2])["conversations"] == 1
    assert json.loads(purge[-1][2])["orphaned_conversations"] == 1
    with staff_db(console) as conn:
        assert conn.execute("select count(*) from conversation_tags where sender_id = ?",
                            (gone,)).fetchone()[0] == 0


def test_erase_conversation_function_for_other_code(tmp_path, tracker_db):
    """console.erase_conversation(engine, sender_id) for the chat-side delete feature."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(tracker_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    from console import erase_conversation

    engine = create_engine(f"sqlite:///{copy}")
    before = events_count(copy)
    deleted = erase_conversation(engine, "faq-patient")
    assert deleted > 0 and events_count(copy, "faq-patient") == 0
    assert events_count(copy) == before - deleted
    assert erase_conversation(engine, "faq-patient") == 0


def test_audit_log_shows_views_exports_corrections_and_erasures(console, admin, reviewer,
                                                                conversations):
    reviewer.get("/conversations")
    reviewer.get(f"/conversations/{conversations['contact-patient']}")
    reviewer.get("/analytics/summary.csv")
    reviewer.get("/annotations/export.yml")
    for action in ("view_conversation", "view_conversation_list", "export_analytics", "login",
                   "export_annotations"):
        html = admin.get("/audit", params={"action": action}).text
        assert f'<td class="mono">{action}</td>' in html, action
    viewed = audit_actions(console, "view_conversation")
    assert ("reviewer", "contact-patient") in [(u, t) for u, t, _ in viewed]
    # Sender ids (which can be phone numbers) are masked in the log's list view too.
    only = admin.get("/audit", params={"action": "view_conversation", "user": "reviewer"}).text
    assert "view_conversation" in only and "view_conversation_list" not in only.split("<tbody>")[1]


def test_migrations_match_the_models(console):
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from console.staff_db import MIGRATIONS
    from console.staff_tables import metadata

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()  # fails on two heads
    engine = create_engine(console.staff_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(text("select version_num from alembic_version")).scalar_one()
    assert diff == [] and version == head
