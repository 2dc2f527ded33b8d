""" "Delete my conversation" erases every copy: a real bot (Rasa + action server) and a
real console (`python -m console serve`) on one tracker store and one staff database.
A patient talks and leaves a call-back number, staff correct and tag a message, set the
callback's status and export the corrections for training; then the patient deletes
the conversation, and neither their words nor their sender id is anywhere any more."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import yaml

from clinicbot.content import DEFAULT_CONTENT_PATH
from clinicbot.paths import PROJECT_ROOT as ROOT
from clinicbot.training_data import Project, generate
from console import erasure, retraining
from console.masking import mask
from harness.servers import MODEL, Bot, texts
from tests.console.conftest import ConsoleServer

pytestmark = pytest.mark.servers

KEY = "deletion-test-key-" + "0" * 32
SENDER = "patient-zq81-deletion"
BYSTANDER = "patient-bystander-deletion"
# Words no model, file or other test holds, so any copy found is this patient's.
WORDS = "my quokka-shaped scab on the left temple itches at night"
NUMBER = "07400 612873"
BYSTANDER_WORDS = "the peeling on my forehead looks like onion paper"


def files_under(*paths: Path):
    for path in paths:
        yield from [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())


def stored_bytes(*paths: Path) -> bytes:
    return b"".join(p.read_bytes() for p in files_under(*paths))


def files_holding(needle: bytes, *paths: Path):
    return [str(p) for p in files_under(*paths) if needle in p.read_bytes()]


def wait_until(condition, seconds: float = 30, what: str = "") -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the clinic's training sources the console exports corrections into."""
    root = tmp_path_factory.mktemp("deletion-project")
    shutil.copytree(ROOT / "clinic", root / "clinic", ignore=shutil.ignore_patterns("annotations"))
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("generated"))
    shutil.copy(ROOT / "domain.yml", root / "domain.yml")
    # Closed all week, so asking for a person offers the call-back form.
    data = yaml.safe_load(DEFAULT_CONTENT_PATH.read_text())
    data["clinic"]["weekly_hours"] = {day: "closed" for day in data["clinic"]["weekly_hours"]}
    (root / "closed-clinic.yml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return root


@pytest.fixture(scope="module")
def deletion_stack(tmp_path_factory, project):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run the tests through `make test`")
    work = tmp_path_factory.mktemp("deletion")
    staff_url = f"sqlite:///{work / 'staff.db'}"
    shared = {"STAFF_DB_URL": staff_url, "RETRAIN_PROJECT_ROOT": str(project), "ERASURE_AUDIT_KEY": KEY}
    bot = Bot(work, env={**shared, "CLINIC_CONTENT_FILE": str(project / "closed-clinic.yml")})
    console = ConsoleServer("deletion", f"sqlite:///{bot.db_path}", staff_url, work)
    console.env.update(shared)
    try:
        bot.start()
        console.start()
        yield bot, console, work
    finally:
        console.stop()
        bot.stop()


def conversation_id(db: Path, sender: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select min(id) from events where sender_id = ?", (sender,)).fetchone()[0]


def user_event_id(db: Path, sender: str, text: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select id from events where sender_id = ? and type_name = 'user' and data like ?",
            (sender, f"%{text}%"),
        ).fetchone()[0]


def callback_request_id(db: Path, sender: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select max(id) from events where sender_id = ? and type_name = 'slot' "
            "and data like '%\"callback_reason\"%' and data not like "
            "'%\"value\": null%'",
            (sender,),
        ).fetchone()[0]


def test_delete_my_conversation_leaves_no_copy_anywhere(deletion_stack, project):
    bot, console, work = deletion_stack
    bot.send(BYSTANDER, BYSTANDER_WORDS)
    bot.send(SENDER, WORDS)
    bot.send(SENDER, "/request_callback")
    bot.send(SENDER, "Quilla")
    bot.send(SENDER, NUMBER)
    assert "Thank you, Quilla" in texts(bot.send(SENDER, "/affirm"))

    # Staff work on both conversations in the console.
    admin = console.client("admin")
    cid, other = conversation_id(bot.db_path, SENDER), conversation_id(bot.db_path, BYSTANDER)
    for sender, conversation, text in ((SENDER, cid, WORDS), (BYSTANDER, other, BYSTANDER_WORDS)):
        answer = admin.post(
            f"/conversations/{conversation}/annotate",
            {"event_id": user_event_id(bot.db_path, sender, text), "intent": "recovery/scabs"},
        )
        assert answer.status_code == 200 and "Saved" in answer.text, answer.text[:300]
    assert admin.post(f"/conversations/{cid}/tags", {"name": "quokka case"}).status_code == 200
    assert admin.post(f"/conversations/{cid}/followup", {"note": "rang Quilla back"}).status_code == 200
    request_id = callback_request_id(bot.db_path, SENDER)
    assert admin.post(f"/callbacks/{request_id}/status", {"status": "called"}).status_code == 200

    # Corrections exported: downloaded and placed in clinic/annotations/ as the file
    # says, written there by the Retrain button, and generated into Rasa's data.
    export = admin.get("/annotations/export.yml")
    assert export.status_code == 200 and "quokka" in export.text
    annotations = project / "clinic" / "annotations"
    annotations.mkdir(exist_ok=True)
    (annotations / "nlu-corrections-download.yml").write_text(export.text)
    with sqlite3.connect(work / "staff.db") as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("select * from annotations")]
    retraining.write_corrections(
        project, [{**r, "text": mask(r["text"], "GB")} for r in rows], dt.datetime.now(dt.timezone.utc)
    )
    generate(Project(project))
    generated = project / "data" / "generated" / "annotations_nlu.yml"
    assert b"quokka" in generated.read_bytes()

    places = (bot.db_path.parent, project / "clinic", project / "data")
    before = stored_bytes(*places)
    for needle in (b"quokka", b"612873", SENDER.encode()):
        assert needle in before, needle

    # The patient deletes the conversation.
    assert "Do you want me to delete" in texts(bot.send(SENDER, "delete my conversation"))
    reply = texts(bot.send(SENDER, "/affirm"))
    assert "removed from my training material" in reply and "next update" in reply, reply
    with sqlite3.connect(bot.db_path) as conn:

        def tracker_rows_gone():
            return not conn.execute("select count(*) from events where sender_id = ?", (SENDER,)).fetchone()[
                0
            ]

        wait_until(tracker_rows_gone, what="the tracker rows to be erased")

    # Nothing left: tracker store, staff database (with its -wal/-shm), the bot's
    # working files, the clinic's annotations and the generated training data.
    for needle in (b"quokka", b"612873", b"7400612873", b"Quilla", SENDER.encode()):
        assert not files_holding(needle, *places), needle
    after = stored_bytes(*places)
    # The other patient's conversation and correction are untouched.
    assert BYSTANDER.encode() in after and b"onion paper" in generated.read_bytes()

    # The audit log keeps the fact, under the keyed hash only.
    with sqlite3.connect(work / "staff.db") as conn:
        erased = conn.execute(
            "select username, target, detail from audit_log where action = 'erase_conversation'"
        ).fetchall()
        targets = {r[0] for r in conn.execute("select target from audit_log")}
    name = erasure.pseudonym(SENDER, KEY.encode())
    assert [(user, target) for user, target, _ in erased] == [("patient", name)]
    assert json.loads(erased[0][2])["training_examples_removed"] >= 3
    assert name in targets and SENDER not in targets

    # The console shows nothing of it any more.
    assert admin.get(f"/conversations/{cid}").status_code == 404
    assert "quokka" not in admin.get("/annotations").text
    assert "quokka" not in admin.get("/annotations/export.yml").text


def test_a_deletion_while_the_staff_database_is_away_is_finished_by_the_console(
    tmp_path, deletion_stack, project
):
    """The chat does not claim the console side; `reconcile-erasures` completes it."""
    bot, console, work = deletion_stack
    sender = "patient-away-deletion"
    bot.send(sender, "the quokka scab came back on my chin")
    admin = console.client("admin")
    cid = conversation_id(bot.db_path, sender)
    assert admin.post(f"/conversations/{cid}/tags", {"name": "quokka chin"}).status_code == 200
    staff_file = work / "staff.db"
    moved = tmp_path / "staff.db"
    console.stop()
    shutil.move(staff_file, moved)  # the action server now finds no staff database ...
    staff_file.mkdir()  # ... and cannot create one either
    try:
        bot.send(sender, "delete my conversation")
        reply = texts(bot.send(sender, "/affirm"))
    finally:
        staff_file.rmdir()
        shutil.move(moved, staff_file)
    assert "can't be reached" in reply, reply
    with sqlite3.connect(bot.db_path) as conn:
        wait_until(
            lambda: (
                not conn.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]
            ),
            what="tracker erasure",
        )
    assert any(sender.encode() in p.read_bytes() for p in work.glob("staff.db*"))
    pending = (work / "pending-erasures.jsonl").read_text()
    assert sender not in pending and erasure.pseudonym(sender, KEY.encode()) in pending
    # The widget keeps its sender id: the patient writing again must not save the notes.
    bot.send(sender, "hello again")

    from tests.console.conftest import run_cli

    result = run_cli(console.env, "reconcile-erasures")
    assert result.returncode == 0 and "1 conversation" in result.stdout, result.stdout + result.stderr
    stored = b"".join(p.read_bytes() for p in work.glob("staff.db*"))
    assert sender.encode() not in stored and b"quokka chin" not in stored
    with sqlite3.connect(staff_file) as conn:
        reconciled = conn.execute(
            "select username, target from audit_log where action = "
            "'erase_conversation' order by id desc limit 1"
        ).fetchone()
    assert reconciled == ("reconcile", erasure.pseudonym(sender, KEY.encode()))
    assert not (work / "pending-erasures.jsonl").exists()
