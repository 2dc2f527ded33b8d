"""Fixtures for the staff console tests.

One real bot (Rasa + action server, SQLite tracker store) per session, real
conversations with it, and the console started as `python -m console serve`
subprocesses reading that tracker store. With CONSOLE_TEST_POSTGRES_URL set
(see pg_setup.sh), the read/filter tests also run against a PostgreSQL copy of
the tracker store, with the console's own tables in PostgreSQL too.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests

from harness.servers import MODEL, Bot, free_port, stop_process, wait_for_http

from clinicbot.paths import PROJECT_ROOT as ROOT
PASSWORD = "correct-horse-battery-staple"
REVIEWER_PASSWORD = "quiet-lantern-orbit-1234"
PG_ENV = "CONSOLE_TEST_POSTGRES_URL"

# sender -> messages; every conversation a test relies on, talked through the real bot.
CONVERSATIONS: Dict[str, List[str]] = {
    "faq-patient": ["how much does it cost"],
    "recovery-patient": ["when can i wear makeup again?", "3 days ago"],
    "redflag-patient": ["I have a fever and pus"],
    "redflag-followup": ["my face is red and hot and it's spreading"],
    "oos-patient": ["what's the weather like today"],
    "script-patient": ["<script>alert(1)</script>"],
    "contact-patient": ["please call me on 07700 900123 or email jane.doe@example.com"],
    "erase-patient": ["does it hurt?"],
    "purge-patient": ["how many sessions will I need?"],
    "self-deleted-patient": ["how long is the downtime?"],
    "unclear-patient": ["🙂"],  # no words: a low-confidence prediction
    "empty-patient": [""],  # nothing to classify: nlu_fallback
    "browser-patient": ["I've got a fever and yellow pus on my cheek"],
}


def console_env(tracker_url: str, staff_url: str, work: Path, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STAFF_", "RETENTION_", "TRACKER_DB_", "ERASURE_", "PENDING_ERASURES"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TRACKER_DB_URL": tracker_url,
        "STAFF_DB_URL": staff_url,
        "STAFF_SECRET_KEY_FILE": str(work / "staff-secret-key"),
        "ERASURE_AUDIT_KEY_FILE": str(work / "erasure-audit-key"),
        "PENDING_ERASURES_FILE": str(work / "pending-erasures.jsonl"),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    env.update(extra)
    return env


def run_cli(env: Dict[str, str], *args: str, extra_env: Optional[Dict[str, str]] = None
            ) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "console", *args], cwd=ROOT,
                            env={**env, **(extra_env or {})}, capture_output=True, text=True,
                            timeout=120)
    return result


class ConsoleServer:
    """`python -m console serve` on a free port, with an admin and a reviewer."""

    def __init__(self, name: str, tracker_url: str, staff_url: str, work: Path) -> None:
        self.name = name
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tracker_url, self.staff_url = tracker_url, staff_url
        self.env = console_env(tracker_url, staff_url, work, STAFF_PORT=str(self.port))
        self.log = work / "console.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ConsoleServer":
        for args, env in ((("create-admin", "--username", "admin"), {"STAFF_ADMIN_PASSWORD": PASSWORD}),
                          (("create-user", "--username", "reviewer", "--role", "reviewer"),
                           {"STAFF_USER_PASSWORD": REVIEWER_PASSWORD})):
            result = run_cli(self.env, *args, extra_env=env)
            assert result.returncode == 0, result.stderr + result.stdout
        self.process = subprocess.Popen(
            [sys.executable, "-m", "console", "serve"], cwd=ROOT, env=self.env,
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_http(self.url + "/login", self.process, self.log, "console", seconds=60)
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=20)

    def client(self, username: Optional[str] = None, password: Optional[str] = None) -> "Client":
        client = Client(self.url)
        if username:
            response = client.login(username, password or (PASSWORD if username == "admin"
                                                           else REVIEWER_PASSWORD))
            assert response.status_code == 200 and "/login" not in response.url, response.text[:500]
        return client


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=60, **kwargs)

    def post(self, path: str, data: Optional[dict] = None, csrf: bool = True, **kwargs) -> requests.Response:
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf()
        return self.http.post(self.base + path, data=data, timeout=60, **kwargs)

    signed_in = False

    def csrf(self) -> str:
        """The session's CSRF token, read from a page's form."""
        page = self.get("/annotations" if self.signed_in else "/login")
        match = CSRF.search(page.text)
        assert match, page.text[:300]
        return match.group(1)

    def login(self, username: str, password: str) -> requests.Response:
        page = self.get("/login")
        match = CSRF.search(page.text)
        assert match, page.text[:300]
        response = self.http.post(self.base + "/login", timeout=60, data={
            "csrf_token": match.group(1), "username": username, "password": password, "next": ""})
        self.signed_in = response.status_code == 200 and "/login" not in response.url
        return response


def result_ids(html: str) -> List[int]:
    """Conversation ids in the main list (not the pinned red-flag panel)."""
    table = html.split('id="conversation-list"', 1)[1]
    return [int(x) for x in re.findall(r'data-conversation-id="(\d+)"', table)]


def result_count(html: str) -> int:
    match = re.search(r'id="result-count">(\d+) conversation', html)
    assert match, html[:300]
    return int(match.group(1))


# --- session fixtures ------------------------------------------------------------------

@pytest.fixture(scope="session")
def console_bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    bot = Bot(tmp_path_factory.mktemp("console-bot")).start()
    yield bot
    bot.stop()


# What the bot must have answered for the console tests to mean anything; checked
# here so a broken bot shows up as one clear error rather than as console failures.
EXPECTED_REPLIES = {
    ("recovery-patient", "3 days ago"): "Day 3",
    ("redflag-patient", "I have a fever and pus"): "urgent care",
    ("redflag-followup", "my face is red and hot and it's spreading"): "urgent care",
    ("browser-patient", "I've got a fever and yellow pus on my cheek"): "urgent care",
}


@pytest.fixture(scope="session")
def conversations(console_bot) -> Dict[str, int]:
    """sender -> conversation id (first event id) after talking to the real bot."""
    from harness.servers import texts

    for sender, messages in CONVERSATIONS.items():
        for text in messages:
            reply = texts(console_bot.send(sender, text))
            expected = EXPECTED_REPLIES.get((sender, text))
            if expected and expected not in reply:
                pytest.fail(f"the bot answered {text!r} with {reply!r} (expected {expected!r}); "
                            f"action server log:\n{console_bot.actions.log_tail()}")
    with sqlite3.connect(console_bot.db_path) as db:
        ids = dict(db.execute("select sender_id, min(id) from events group by sender_id"))
    assert set(CONVERSATIONS) <= set(ids), ids
    return {sender: ids[sender] for sender in CONVERSATIONS}


@pytest.fixture(scope="session")
def tracker_db(console_bot, conversations) -> Path:
    return console_bot.db_path


@pytest.fixture(scope="session")
def console(tmp_path_factory, tracker_db) -> Iterator[ConsoleServer]:
    work = tmp_path_factory.mktemp("console")
    server = ConsoleServer("sqlite", f"sqlite:///{tracker_db}", f"sqlite:///{work / 'staff.db'}",
                           work).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_console(tmp_path_factory, tracker_db, conversations):
    """The console on a PostgreSQL copy of the tracker store (CONSOLE_TEST_POSTGRES_URL)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from console import tracker

    base = make_url(os.environ[PG_ENV])
    name = f"console_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    engine = create_engine(url, future=True)
    tracker.metadata.create_all(engine)
    with sqlite3.connect(tracker_db) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("select * from events order by id")]
    with engine.begin() as conn:
        conn.execute(tracker.events.insert(), rows)
    engine.dispose()
    work = tmp_path_factory.mktemp("console-pg")
    rendered = url.render_as_string(hide_password=False)
    server = ConsoleServer("postgresql", rendered, rendered, work).start()
    yield server
    server.stop()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])


@pytest.fixture(params=BACKENDS)
def any_console(request) -> ConsoleServer:
    """The SQLite console, and the PostgreSQL one when CONSOLE_TEST_POSTGRES_URL is set."""
    return request.getfixturevalue("console" if request.param == "sqlite" else "pg_console")


@pytest.fixture
def admin(console) -> Client:
    return console.client("admin")


@pytest.fixture
def reviewer(console) -> Client:
    return console.client("reviewer")


def clinic_today() -> dt.date:
    from clinicbot.content import load_content

    return dt.datetime.now(load_content().tz).date()
