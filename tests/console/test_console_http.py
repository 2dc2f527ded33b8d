"""HTTP tests against the running staff console, on a tracker store filled by the real bot."""
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

import pytest
import yaml
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


def events_count(db: Path, sender: str = None) -> int:
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

def test_every_route_redirects_or_refuses_when_signed_out(console, conversations):
    """Walks the app's real URL map, so a new route without a sign-in check fails here."""
    from console.config import ConsoleSettings, resolve_db_url
    from console.web import create_app

    settings = ConsoleSettings(tracker_db_url=resolve_db_url(console.tracker_url),
                        staff_db_url=resolve_db_url(console.staff_url), secret_key="x" * 40)
    app = create_app(settings)
    values = {"conversation_id": conversations["faq-patient"], "annotation_id": 1, "user_id": 1,
              "view": "volume", "filename": "console.css", "run_id": "20261121-101010-000001"}
    checked = 0
    anonymous = Client(console.url)
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        path = adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint in ("auth.login", "static"):
                continue
            if method == "GET":
                response = anonymous.get(path, allow_redirects=False)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"], (path, response.headers)
                else:
                    assert response.status_code in (401, 403), (path, response.status_code)
            else:
                token = Client(console.url).csrf()  # a valid-looking token does not help either
                response = anonymous.http.post(console.url + path, data={"csrf_token": token},
                                               allow_redirects=False, timeout=30)
                assert response.status_code in (401, 403), (method, path, response.status_code)
            assert "fever" not in response.text and "cost" not in response.text
            checked += 1
    assert checked >= 18
    # Downloads answer 401 rather than a redirect.
    assert anonymous.get("/annotations/export.yml", allow_redirects=False).status_code == 401
    assert anonymous.get("/analytics/summary.csv", allow_redirects=False).status_code == 401
    # The stylesheet is the only thing served without signing in.
    assert anonymous.get("/static/console.css").status_code == 200


def test_reviewer_cannot_erase_or_read_the_audit_log(console, reviewer, conversations):
    sender = "faq-patient"
    before = events_count(console_db(console), sender)
    response = reviewer.post(f"/conversations/{conversations[sender]}/erase",
                             {"confirm": "ERASE"}, allow_redirects=False)
    assert response.status_code == 403
    assert events_count(console_db(console), sender) == before > 0
    assert reviewer.get("/audit").status_code == 403
    assert reviewer.get("/users").status_code == 403
    assert reviewer.post("/users", {"username": "sneaky", "password": "x" * 20,
                                    "role": "admin"}).status_code == 403
    assert "Erase conversation" not in reviewer.get(f"/conversations/{conversations[sender]}").text
    assert audit_actions(console, "forbidden")


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

def test_review_tag_and_red_flag_follow_up_record_who_and_when(console, reviewer, conversations):
    cid = conversations["redflag-followup"]
    page = f"/conversations/{cid}"
    listing = reviewer.get("/conversations").text
    assert f'data-conversation-id="{cid}"' in listing.split('id="conversation-list"')[0]  # pinned
    assert reviewer.post(page + "/tags", {"name": "callback needed"}).status_code == 200
    assert reviewer.post(page + "/followup", {"note": "Called the patient, seen today"}).ok
    html = reviewer.get(page).text
    assert re.search(r'id="followup-status">by reviewer, \d\d \w{3} \d{4} \d\d:\d\d', html)
    assert "Called the patient, seen today" in html and "callback needed" in html
    listing = reviewer.get("/conversations").text
    assert f'data-conversation-id="{cid}"' not in listing.split('id="conversation-list"')[0]
    tagged = result_ids(reviewer.get("/conversations", params={"tag": "callback needed"}).text)
    assert tagged == [cid]
    done = result_ids(reviewer.get("/conversations", params={"followup": "done"}).text)
    pending = result_ids(reviewer.get("/conversations", params={"followup": "pending"}).text)
    assert cid in done and cid not in pending and conversations["redflag-patient"] in pending
    # Reviewed / not reviewed filters.
    reviewer.post(page + "/review", {"reviewed": "1"})
    assert cid in result_ids(reviewer.get("/conversations", params={"reviewed": "yes"}).text)
    assert cid not in result_ids(reviewer.get("/conversations", params={"reviewed": "no"}).text)
    with staff_db(console) as conn:
        row = conn.execute("select followed_up_by, followed_up_at, reviewed_by from conversation_status "
                           "where sender_id = 'redflag-followup'").fetchone()
    assert row[0] == "reviewer" and abs(row[1] - time.time()) < 120 and row[2] == "reviewer"
    assert any(t == "redflag-followup" for _, t, _ in audit_actions(console, "red_flag_followed_up"))


def test_correction_is_exported_as_rasa_nlu_yaml(console, reviewer, conversations, tracker_db):
    sender = "faq-patient"
    with sqlite3.connect(tracker_db) as conn:
        event_id = conn.execute("select id from events where sender_id = ? and type_name = 'user'",
                                (sender,)).fetchone()[0]
    page = f"/conversations/{conversations[sender]}"
    # Only labels from the domain / NLU data are accepted.
    bad = reviewer.post(page + "/annotate", {"event_id": event_id, "intent": "' OR 1=1 --"})
    assert bad.status_code == 400
    # A message of another conversation cannot be annotated through this one.
    with sqlite3.connect(tracker_db) as conn:
        other = conn.execute("select id from events where sender_id = 'oos-patient' and "
                             "type_name = 'user'").fetchone()[0]
    assert reviewer.post(page + "/annotate", {"event_id": other, "intent": "faq/cost"}).status_code == 404
    response = reviewer.post(page + "/annotate", {"event_id": event_id, "intent": "faq/sessions_needed"})
    assert response.ok and "corrected to faq/sessions_needed by reviewer" in response.text
    exported = reviewer.get("/annotations/export.yml")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = yaml.safe_load(exported.text)
    assert data["version"] == "3.1"
    blocks = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert "- how much does it cost" in blocks["faq/sessions_needed"].splitlines()
    # Rasa itself reads it as training data for the retrieval intent.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = RasaYAMLReader().reads(exported.text).training_examples
    assert any(m.get("text") == "how much does it cost" and m.get("intent") == "faq"
               and m.get("intent_response_key") == "faq/sessions_needed" for m in examples)
    assert audit_actions(console, "intent_corrected") and audit_actions(console, "export_annotations")


def test_labels_offered_for_correction_come_from_domain_and_nlu_data(reviewer, conversations):
    html = reviewer.get(f"/conversations/{conversations['oos-patient']}").text
    select = html.split('name="intent"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r'<option value="([^"]+)"', select)
    assert "faq/cost" in labels and "recovery/makeup" in labels and "red_flag" in labels
    assert "out_of_scope" in labels and "greet" in labels
    assert "faq" not in labels and "nlu_fallback" not in labels


# --- privacy ---------------------------------------------------------------------------

def test_admin_erase_deletes_the_patients_rows(console, admin, reviewer, conversations, tracker_db):
    sender = "erase-patient"
    cid = conversations[sender]
    page = f"/conversations/{cid}"
    reviewer.post(page + "/tags", {"name": "to erase"})
    reviewer.post(page + "/review", {"reviewed": "1"})
    assert events_count(tracker_db, sender) > 0
    # Without the typed confirmation nothing happens.
    admin.post(page + "/erase", {"confirm": "yes"})
    assert events_count(tracker_db, sender) > 0
    others = events_count(tracker_db) - events_count(tracker_db, sender)
    response = admin.post(page + "/erase", {"confirm": "ERASE"}, allow_redirects=False)
    assert response.status_code == 302
    assert events_count(tracker_db, sender) == 0
    assert events_count(tracker_db) == others
    with staff_db(console) as conn:
        for table in ("conversation_status", "conversation_tags", "annotations"):
            assert conn.execute(f"select count(*) from {table} where sender_id = ?",
                                (sender,)).fetchone()[0] == 0
    assert admin.get(page).status_code == 404
    erased = audit_actions(console, "erase_conversation")
    assert erased and erased[-1][0] == "admin" and erased[-1][1] == sender
    assert json.loads(erased[-1][2])["events_deleted"] > 0


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
    from alembic.migration import MigrationContext

    from console.staff_tables import metadata

    engine = create_engine(console.staff_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(text("select version_num from alembic_version")).scalar_one()
    assert diff == [] and version == "0002_audit_buckets_usernames"
