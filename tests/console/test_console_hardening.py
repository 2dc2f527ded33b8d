"""Hardening tests (issue "Hardening") that need no Rasa server: the console app through
Flask's test client, on a small SQLite tracker store and staff database made here."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Dict

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import create_engine, func, insert, select

from console import staff_db, tracker
from console.config import ConsoleSettings, resolve_db_url
from console.staff_tables import audit_log, login_throttle

ADMIN_PASSWORD = "correct-horse-battery-staple"


def _events(tracker_url: str) -> Dict[str, int]:
    engine = create_engine(tracker_url, future=True)
    tracker.metadata.create_all(engine)
    now = time.time()
    rows = []
    for sender, text, intent in (
        ("patient-a", "call me on 07700 900123", "faq"),
        ("patient-b", "I have a fever and pus", "red_flag"),
    ):
        rows.append(
            dict(
                sender_id=sender,
                type_name="session_started",
                timestamp=now,
                data=json.dumps({"event": "session_started"}),
            )
        )
        rows.append(
            dict(
                sender_id=sender,
                type_name="user",
                timestamp=now + 1,
                intent_name=intent,
                data=json.dumps(
                    {
                        "event": "user",
                        "text": text,
                        "parse_data": {
                            "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}],
                        },
                    }
                ),
            )
        )
        rows.append(
            dict(
                sender_id=sender,
                type_name="bot",
                timestamp=now + 2,
                data=json.dumps({"event": "bot", "text": "Thanks."}),
            )
        )
    with engine.begin() as conn:
        conn.execute(insert(tracker.events), rows)
        ids = dict(
            conn.execute(
                select(tracker.events.c.sender_id, func.min(tracker.events.c.id)).group_by(
                    tracker.events.c.sender_id
                )
            ).all()
        )
    engine.dispose()
    return ids


@pytest.fixture
def app_env(tmp_path: Path):
    from console.web import create_app

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ids = _events(tracker_url)
    settings = ConsoleSettings(
        tracker_db_url=resolve_db_url(tracker_url),
        staff_db_url=resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"),
        secret_key="k" * 40,
        retrain_root=tmp_path,
        clinic_timezone="Europe/London",
    )
    app = create_app(settings, run_migrations=True)
    app.config["TESTING"] = True
    staff = app.extensions["console"].staff
    admin = staff_db.create_user(staff, "admin", ADMIN_PASSWORD, "admin")
    return app, staff, admin, ids


def signed_in(app, staff, user):
    """A test client with a live session for `user` and a known CSRF token."""
    client = app.test_client()
    token = staff_db.start_session(staff, user, "127.0.0.1")
    with client.session_transaction() as session:
        session["sid"] = token
        session["csrf"] = "test-csrf-token"
    return client


# --- 1. no 500s -----------------------------------------------------------------------

REPORTED = [  # from the outside test: each gave a 500
    ("GET", "/conversations?to=9999-12-31"),
    ("GET", "/conversations?from=0001-01-02&to=0001-01-02"),
    ("GET", "/analytics?to=9999-12-31"),
    ("GET", "/analytics?from=0001-01-02&to=0001-01-02"),
    ("GET", "/analytics/volume.csv?from=0001-01-02&to=0001-01-02"),
    ("GET", "/conversations?page=%C2%B2"),
    ("GET", "/audit?page=%C2%B2"),
    ("GET", "/conversations/1234567890123456789012345"),
    ("GET", "/conversations/%C2%B2"),
    ("POST", "/conversations/1234567890123456789012345/review"),
    ("POST", "/annotations/%C2%B2/delete"),
    ("POST", "/users/1234567890123456789012345/active"),
    ("GET", "/retrain/" + "1" * 300),
]


@pytest.mark.parametrize("method, url", REPORTED)
def test_reported_inputs_no_longer_give_500(app_env, method, url):
    app, staff, admin, _ids = app_env
    client = signed_in(app, staff, admin)
    response = client.open(url, method=method, data={"csrf_token": "test-csrf-token"})
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    if response.status_code == 200 and "/conversations?" in url:
        assert (
            "data-conversation-id"
            not in response.get_data(as_text=True).split('id="conversation-list"', 1)[-1]
        )


def test_out_of_range_dates_and_unicode_pages_are_explained(app_env):
    app, staff, admin, ids = app_env
    client = signed_in(app, staff, admin)
    html = client.get("/conversations?to=9999-12-31").get_data(as_text=True)
    assert "must be between 1970-01-01 and 2999-12-31" in html
    html = client.get("/conversations?page=²").get_data(as_text=True)
    assert "The page number is not valid." in html
    tag_form = {"csrf_token": "test-csrf-token", "tag_id": "²"}
    conversation = ids["patient-a"]
    assert client.post(f"/conversations/{conversation}/tags/remove", data=tag_form).status_code == 400
    tag_form["tag_id"] = "9" * 25
    assert client.post(f"/conversations/{conversation}/tags/remove", data=tag_form).status_code == 400
    annotate = {"csrf_token": "test-csrf-token", "event_id": "9" * 25, "intent": "greet"}
    assert client.post(f"/conversations/{conversation}/annotate", data=annotate).status_code in (400, 404)


ODD_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789²³¹٣०𝟗", min_size=1, max_size=30),  # unicode digits
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e999",
            "nan",
            "inf",
            "9" * 25,
            "²",
            "x" * 5000,
            "9999-12-31",
            "0001-01-02",
            "0001-01-01",
            "2026-02-30",
            "1969-12-31",
            "2026-1-1",
            "２０２６-０１-０１",
            "2026-01-01\n",
            "%",
            "'",
            "\x00",
            "\ud7ff",
            "../../etc/passwd",
            "yes",
            "no",
            "pending",
            "done",
            "1",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
)
QUERY_ROUTES = {
    "/conversations": [
        "from",
        "to",
        "intent",
        "fallback",
        "red_flag",
        "followup",
        "max_conf",
        "reviewed",
        "tag",
        "q",
        "tests",
        "page",
    ],
    "/analytics": ["from", "to", "tests"],
    "/analytics/volume.csv": ["from", "to", "tests"],
    "/analytics/summary.csv": ["from", "to", "tests"],
    "/audit": ["user", "action", "page"],
    "/red-flags": ["tests", "page"],
    "/callbacks": [],
    "/handoff": [],
    "/handoff/queue.json": [],
    "/annotations": [],
    "/annotations/export.yml": [],
    "/retrain": [],
    "/users": [],
    "/login": ["next", "reason"],
}
PATH_ROUTES = [
    ("GET", "/conversations/{}"),
    ("GET", "/retrain/{}"),
    ("GET", "/analytics/{}.csv"),
    ("POST", "/conversations/{}/review"),
    ("POST", "/conversations/{}/followup"),
    ("POST", "/conversations/{}/test"),
    ("POST", "/conversations/{}/tags"),
    ("POST", "/conversations/{}/tags/remove"),
    ("POST", "/conversations/{}/annotate"),
    ("POST", "/conversations/{}/erase"),
    ("POST", "/annotations/{}/delete"),
    ("POST", "/users/{}/active"),
    ("GET", "/callbacks/{}"),
    ("POST", "/callbacks/{}/status"),
    ("GET", "/handoff/{}"),
    ("GET", "/handoff/{}/events.json"),
    ("POST", "/handoff/{}/take"),
    ("POST", "/handoff/{}/reply"),
    ("POST", "/handoff/{}/hand-back"),
    ("POST", "/handoff/{}/close"),
    ("POST", "/alerts/{}/retry"),
]
FORM_ROUTES = {  # form fields of the signed-in POSTs, on an existing conversation
    "/conversations/{c}/review": ["reviewed"],
    "/conversations/{c}/followup": ["note"],
    "/conversations/{c}/test": ["test"],
    "/conversations/{c}/tags": ["name"],
    "/conversations/{c}/tags/remove": ["tag_id"],
    "/conversations/{c}/annotate": ["event_id", "intent"],
    "/conversations/{c}/erase": ["confirm"],
    "/users": ["username", "password", "role"],
    "/users/1/active": ["active"],
    "/logout": [],
    "/red-flags/followup": ["conversation_id", "note"],
}
# Routes the walks leave out, and why.
NOT_WALKED = {
    ("POST", "/login"): "signed out; the throttling tests below post odd forms",
    ("POST", "/retrain"): "takes no input, and each post starts a real retrain",
}
NOT_500 = HealthCheck.function_scoped_fixture, HealthCheck.too_slow


def test_the_walks_below_cover_every_route(app_env):
    """A new route must join QUERY_ROUTES, PATH_ROUTES or FORM_ROUTES (or this fails)."""
    import re

    app = app_env[0]

    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]*\}|/[0-9]+(?=/|$)", "/*", path).replace("//*", "/*")

    walked = (
        {("GET", shape(path)) for path in QUERY_ROUTES}
        | {(method, shape(path)) for method, path in PATH_ROUTES}
        | {("POST", shape(path)) for path in FORM_ROUTES}
    )
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == "/":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) in NOT_WALKED:
                continue
            assert (method, shape(rule.rule)) in walked, (method, rule.rule)


def _check(response, what):
    # The walks run without a Rasa server: live-handoff actions that must reach it
    # answer 503 with an explanation, which is honest; a crash (500) never is.
    body = response.get_data(as_text=True)
    if response.status_code == 503 and "/handoff/" in str(what):
        assert "Nothing was changed" in body, (what, body[:500])
        return
    assert response.status_code < 500, (what, response.status_code, body[:500])


@hsettings(max_examples=60, deadline=None, suppress_health_check=NOT_500)
@given(route=st.sampled_from(sorted(QUERY_ROUTES)), data=st.data())
def test_odd_query_values_never_give_500(app_env, route, data):
    app, staff, admin, _ids = app_env
    client = signed_in(app, staff, admin)
    names = QUERY_ROUTES[route] or ["page"]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    query = {name: data.draw(ODD_TEXT) for name in chosen}
    _check(client.get(route, query_string=query), (route, query))


@hsettings(max_examples=80, deadline=None, suppress_health_check=NOT_500)
@given(route=st.sampled_from(PATH_ROUTES), value=ODD_TEXT)
def test_odd_path_values_never_give_500(app_env, route, value):
    from urllib.parse import quote

    app, staff, admin, _ids = app_env
    client = signed_in(app, staff, admin)
    method, pattern = route
    path = pattern.format(quote(value, safe="") or "x")
    _check(client.open(path, method=method, data={"csrf_token": "test-csrf-token"}), (method, path))


@hsettings(max_examples=80, deadline=None, suppress_health_check=NOT_500)
@given(route=st.sampled_from(sorted(FORM_ROUTES)), data=st.data())
def test_odd_form_values_never_give_500(app_env, route, data):
    app, staff, admin, ids = app_env
    client = signed_in(app, staff, admin)
    form = {name: data.draw(ODD_TEXT) for name in FORM_ROUTES[route]}
    form["csrf_token"] = "test-csrf-token"
    if form.get("confirm") == "ERASE":
        form["confirm"] = "no"
    path = route.format(c=ids["patient-a"])
    _check(client.post(path, data=form), (path, form))


# --- 3. passwords and usernames --------------------------------------------------------


@pytest.mark.parametrize(
    "password, message",
    [
        ("short-one", "at least 12 characters"),
        ("password1234", "common or breached"),  # on the breached-password list
        ("1qaz2wsx3edc", "common or breached"),  # a keyboard walk from the list
        ("PASSWORD1234", "common or breached"),  # case does not help
        ("Password1234!", "too easy to guess"),  # a listed password, decorated
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),  # repeats
        ("abcdefghijklmnop", "too easy to guess"),  # sequences
        ("nurse-alice-2026", "must not contain the username"),
        ("x" * 257, "at most 256 characters"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_reason(tmp_path, password, message):
    engine = staff_db.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    staff_db.migrate(engine)
    with pytest.raises(staff_db.UserError, match=message):
        staff_db.create_user(engine, "nurse-alice", password, "reviewer")
    staff_db.create_user(engine, "nurse-alice", "quiet-lantern-orbit-1234", "reviewer")
    with pytest.raises(staff_db.UserError, match=message):
        staff_db.set_password(engine, "nurse-alice", password)


def test_usernames_differing_only_by_case_are_refused(tmp_path):
    engine = staff_db.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    staff_db.migrate(engine)
    staff_db.create_user(engine, "Alice", "quiet-lantern-orbit-1234", "reviewer")
    for clash in ("alice", "ALICE", "aLiCe"):
        with pytest.raises(staff_db.UserError, match="already exists .*not case-sensitive"):
            staff_db.create_user(engine, clash, "another-quiet-lantern-99", "reviewer")
    assert [u["username"] for u in staff_db.list_users(engine)] == ["Alice"]


def test_users_page_shows_why_a_password_was_refused(app_env):
    app, staff, admin, _ids = app_env
    client = signed_in(app, staff, admin)
    response = client.post(
        "/users",
        data={
            "csrf_token": "test-csrf-token",
            "username": "bob",
            "password": "password1234",
            "role": "reviewer",
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "common or breached passwords" in html
    response = client.post(
        "/users",
        data={
            "csrf_token": "test-csrf-token",
            "username": "ADMIN",
            "password": "quiet-lantern-orbit-1234",
            "role": "reviewer",
        },
        follow_redirects=True,
    )
    assert "already exists" in response.get_data(as_text=True)
    assert len(staff_db.list_users(staff)) == 1


# --- 4. login throttling is atomic ------------------------------------------------------


def _login_client(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = "login-csrf"
    return client


def test_parallel_wrong_passwords_get_at_most_the_limit_of_password_checks(app_env, monkeypatch):
    """15 parallel attempts, limit 5: exactly 5 passwords are checked (8 were before)."""
    app, staff, _admin, _ids = app_env
    staff_db.create_user(staff, "target", "quiet-lantern-orbit-1234", "reviewer")
    checks, lock = [], threading.Lock()
    real = staff_db.authenticate

    def slow_authenticate(*args, **kwargs):
        with lock:
            checks.append(1)
        time.sleep(0.05)  # widen the window between the check and the count
        return real(*args, **kwargs)

    monkeypatch.setattr(staff_db, "authenticate", slow_authenticate)
    statuses, barrier = [], threading.Barrier(15)

    def attempt(i):
        client = _login_client(app)
        barrier.wait()
        response = client.post(
            "/login", data={"csrf_token": "login-csrf", "username": "target", "password": f"wrong-guess-{i}"}
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == 15 and 500 not in statuses
    assert len(checks) == 5, statuses
    assert statuses.count(429) == 10 + 1  # the 5th failure locks; 10 never got a check
    # Locked now: even the right password is refused without being checked.
    response = _login_client(app).post(
        "/login",
        data={"csrf_token": "login-csrf", "username": "target", "password": "quiet-lantern-orbit-1234"},
    )
    assert response.status_code == 429 and len(checks) == 5


def test_reserve_attempt_counts_atomically_across_threads(tmp_path):
    engine = staff_db.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    staff_db.migrate(engine)
    rules = staff_db.ThrottleRules(
        max_failures=5, window_seconds=900, lock_seconds=900, max_failures_per_ip=7
    )
    allowed, lock, barrier = [], threading.Lock(), threading.Barrier(20)

    def go(i):
        barrier.wait()
        # Two usernames from one IP: 5 per username, but 7 for the IP in all.
        if staff_db.reserve_attempt(engine, f"user{i % 2}", "10.0.0.1", rules) is None:
            with lock:
                allowed.append(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(allowed) == 7
    with engine.connect() as conn:
        counts = dict(conn.execute(select(login_throttle.c.key, login_throttle.c.failures)).all())
    assert counts["ip:10.0.0.1"] == 7
    assert sum(v for k, v in counts.items() if k.startswith("user-ip:")) == 7


def test_throttle_window_and_lock_expire(tmp_path, monkeypatch):
    engine = staff_db.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    staff_db.migrate(engine)
    rules = staff_db.ThrottleRules(max_failures=2, window_seconds=60, lock_seconds=120)
    clock = [1000.0]
    monkeypatch.setattr(staff_db.time, "time", lambda: clock[0])
    for _ in range(2):
        assert staff_db.reserve_attempt(engine, "u", "ip", rules) is None
    assert staff_db.record_failure(engine, "u", "ip", rules) is True
    assert staff_db.reserve_attempt(engine, "u", "ip", rules) == 1120.0
    clock[0] = 1121.0  # the lock is over: a new window
    assert staff_db.reserve_attempt(engine, "u", "ip", rules) is None
    staff_db.record_success(engine, "u", "ip", rules)
    assert staff_db.reserve_attempt(engine, "u", "ip", rules) is None


# --- 5. the audit log cannot be flooded by signed-out posts -----------------------------


def test_signed_out_login_posts_are_aggregated_per_ip_and_minute(app_env, monkeypatch):
    app, staff, _admin, _ids = app_env
    clock = [1_800_000_000.0]
    monkeypatch.setattr(staff_db.time, "time", lambda: clock[0])

    def post(ip, data):
        client = _login_client(app)
        return client.post(
            "/login", data={"csrf_token": "login-csrf", **data}, environ_base={"REMOTE_ADDR": ip}
        )

    for i in range(60):  # failed sign-ins, many usernames, then locked ones
        post("203.0.113.5", {"username": f"guess{i % 7}", "password": "wrong-password-x"})
    for _ in range(10):  # no CSRF token at all
        _login_client(app).post(
            "/login", data={"username": "x", "password": "y"}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
        )
    post("198.51.100.7", {"username": "other", "password": "wrong-password-x"})

    with staff.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.ip, audit_log.c.count).order_by(audit_log.c.id)
        ).all()
    by_key = {(action, ip): count for action, ip, count in rows}
    assert len(rows) == len(by_key) == 4, rows  # one row per action and IP in this minute
    assert by_key[("login_failed", "203.0.113.5")] + by_key[("login_locked", "203.0.113.5")] == 60
    assert by_key[("csrf_refused", "203.0.113.5")] == 10
    assert by_key[("login_failed", "198.51.100.7")] == 1

    clock[0] += 60  # the next minute starts a new row
    post("203.0.113.5", {"username": "guess1", "password": "wrong-password-x"})
    with staff.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 5


def test_audit_page_shows_the_count(app_env):
    app, staff, admin, _ids = app_env
    for _ in range(3):
        staff_db.audit_aggregated(staff, "login_failed", "mallory", "192.0.2.1")
    html = signed_in(app, staff, admin).get("/audit?action=login_failed").get_data(as_text=True)
    assert "3 times" in html and "192.0.2.1" in html
