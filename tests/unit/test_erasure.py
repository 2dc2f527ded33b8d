"""console.erasure on a real SQLite staff database (migrated by Alembic) and real files."""

import datetime as dt
import json
import os
import stat

import pytest
import sqlalchemy as sa

from clinicbot.training_data import Example, Location, load_nlu_examples, nlu_yaml
from console import erasure, retraining, staff_db
from console.config import resolve_db_url
from console.masking import mask

KEY = b"k" * 64
PATIENT, OTHER = "patient-7f3c", "other-patient"
PATIENT_TEXT = "my cheek went purple after the zebrafinch laser"
SHARED_TEXT = "does it hurt"
OTHER_TEXT = "can I swim on day three"
PHONE_TEXT = "call me on 07700 900123 about the blisters"


@pytest.fixture
def staff(tmp_path):
    engine = staff_db.make_staff_engine(resolve_db_url(f"sqlite:///{tmp_path / 'staff.db'}"))
    staff_db.migrate(engine)
    for event_id, (sender, text) in enumerate(
        [
            (PATIENT, PATIENT_TEXT),
            (PATIENT, SHARED_TEXT),
            (PATIENT, PHONE_TEXT),
            (OTHER, SHARED_TEXT),
            (OTHER, OTHER_TEXT),
        ],
        1,
    ):
        staff_db.save_annotation(engine, sender, event_id, text, "faq", 0.4, "recovery", "nurse")
    staff_db.add_tag(engine, PATIENT, "zebrafinch", "nurse")
    staff_db.add_tag(engine, PATIENT, "follow up", "nurse")
    staff_db.add_tag(engine, OTHER, "follow up", "nurse")
    staff_db.set_reviewed(engine, PATIENT, "nurse", True)
    staff_db.set_followed_up(engine, PATIENT, "nurse", "rang back about the zebrafinch laser")
    staff_db.set_callback_status(engine, 41, PATIENT, "called", "nurse")
    staff_db.audit(engine, "intent_corrected", "nurse", "reviewer", PATIENT, {"event_id": 1})
    staff_db.audit(engine, "view_conversation", "nurse", "reviewer", OTHER)
    staff_db.audit(engine, "tag_added", "nurse", "reviewer", PATIENT, {"tag": "zebrafinch"})
    yield engine
    engine.dispose()


@pytest.fixture
def project(tmp_path, staff):
    """Every place a correction is copied to on its way into a model."""
    root = tmp_path / "project"
    rows = [{**row, "text": mask(row["text"], "GB")} for row in staff_db.list_annotations(staff)]
    retraining.write_corrections(root, rows, dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    hand_placed = root / "clinic" / "annotations" / "nlu-corrections-20261101.yml"
    hand_placed.write_text(
        '# downloaded from the console\nversion: "3.1"\nnlu:\n'
        "- intent: recovery\n  examples: |\n"
        f"    - {PATIENT_TEXT.upper()}?\n    - {OTHER_TEXT}\n"
    )
    generated = root / "data" / "generated" / "annotations_nlu.yml"
    generated.parent.mkdir(parents=True)
    where = Location("x", 1)
    generated.write_text(
        nlu_yaml(
            [Example(t, "recovery", where) for t in (PATIENT_TEXT, SHARED_TEXT, OTHER_TEXT)],
            "clinic/annotations/",
        )
    )
    reports = root / "var" / "retrain" / "reports"
    reports.mkdir(parents=True)
    (reports / "20261101-1.json").write_text(
        json.dumps(
            {
                "candidate": {"errors": [[PATIENT_TEXT, "recovery", "faq"], [OTHER_TEXT, "recovery", "faq"]]},
                "live": None,
            }
        )
    )
    evaluations = root / "var" / "retrain" / "evaluations"
    evaluations.mkdir(parents=True)
    (evaluations / "abc.json").write_text(
        json.dumps({"staff annotations": [[PATIENT_TEXT, "recovery", "faq"]]})
    )
    (evaluations / "def.json").write_text(
        json.dumps({"held-out test set": [[OTHER_TEXT, "recovery", "recovery"]]})
    )
    return root


def everything_under(root) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def staff_files(tmp_path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("staff.db*"))


def test_pseudonym_is_keyed_stable_and_hides_the_sender():
    name = erasure.pseudonym(PATIENT, KEY)
    assert name == erasure.pseudonym(PATIENT, KEY)
    assert name.startswith("hmac-sha256:") and len(name) == len("hmac-sha256:") + 64
    assert PATIENT not in name
    assert name != erasure.pseudonym(PATIENT, b"another key " * 4)
    assert name != erasure.pseudonym(OTHER, KEY)


def test_the_audit_key_is_made_once_readable_only_by_its_owner(tmp_path):
    env = {"ERASURE_AUDIT_KEY_FILE": str(tmp_path / "var" / "erasure-audit-key")}
    first = erasure.load_audit_key(env)
    assert len(first) >= 32 and erasure.load_audit_key(env) == first
    assert stat.S_IMODE(os.stat(env["ERASURE_AUDIT_KEY_FILE"]).st_mode) == 0o600
    assert erasure.load_audit_key({**env, "ERASURE_AUDIT_KEY": "x" * 40}) == b"x" * 40
    with pytest.raises(ValueError):
        erasure.load_audit_key({"ERASURE_AUDIT_KEY": "short"})


def test_erasure_removes_every_console_and_training_copy_of_that_patient(tmp_path, staff, project):
    before = everything_under(project)
    assert PATIENT_TEXT.encode() in before and b"07700" not in before  # exports are masked
    assert PATIENT.encode() in staff_files(tmp_path)

    result = erasure.erase_console_copies(staff, [PATIENT], project, KEY, "GB")

    after = everything_under(project)
    for gone in (PATIENT_TEXT, PATIENT_TEXT.upper(), "blisters"):
        assert gone.encode() not in after
    # Another patient's corrections stay, including a text both of them wrote.
    assert after.count(OTHER_TEXT.encode()) == before.count(OTHER_TEXT.encode())
    assert SHARED_TEXT.encode() in after
    # Files stay valid Rasa NLU data the retrain reads.
    for path in (project / "clinic" / "annotations").glob("*.yml"):
        problems = []
        load_nlu_examples(path, problems, project)
        assert not problems, problems
    assert not (project / "var" / "retrain" / "evaluations" / "abc.json").exists()
    assert (project / "var" / "retrain" / "evaluations" / "def.json").exists()
    assert result.was_in_training_sources and result.training_examples_removed == 4
    # 3 annotations, 2 tags on it, its status and callback status, and the tag only it had
    assert result.console_rows_deleted == 3 + 2 + 1 + 1 + 1
    assert [t["name"] for t in staff_db.all_tags(staff)] == ["follow up"]

    assert staff_db.senders_with_console_data(staff) == {OTHER}
    assert len(staff_db.list_annotations(staff)) == 2
    stored = staff_files(tmp_path)
    for gone in (PATIENT, PATIENT_TEXT, "rang back", "blisters", "zebrafinch"):
        assert gone.encode() not in stored, gone
    with staff.connect() as conn:
        targets = [r[0] for r in conn.execute(sa.text("select target from audit_log order by id"))]
    assert targets == [erasure.pseudonym(PATIENT, KEY), OTHER, erasure.pseudonym(PATIENT, KEY)]


def test_a_patient_without_corrections_leaves_the_training_files_alone(tmp_path, staff, project):
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    staff_db.add_tag(staff, "tagged-only", "callback", "nurse")
    result = erasure.erase_console_copies(staff, ["tagged-only"], project, KEY, "GB")
    assert result.console_rows_deleted == 2 and not result.was_in_training_sources
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_an_example_that_is_not_on_a_line_of_its_own_stops_the_erasure_before_the_rows(
    tmp_path, staff, project
):
    odd = project / "clinic" / "annotations" / "hand-edited.yml"
    odd.write_text('version: "3.1"\nnlu:\n- intent: recovery\n  examples: "- ' + PATIENT_TEXT + '"\n')
    with pytest.raises(ValueError, match="hand-edited.yml"):
        erasure.erase_console_copies(staff, [PATIENT], project, KEY, "GB")
    # Nothing was forgotten: the rows that say what to look for are still there.
    assert PATIENT in staff_db.senders_with_console_data(staff)


def test_reconcile_finishes_erasures_of_conversations_gone_from_the_tracker(staff, project):
    done = erasure.reconcile(staff, lambda senders: {OTHER} & set(senders), project, KEY, "GB")
    assert set(done) == {PATIENT} and done[PATIENT].was_in_training_sources
    assert staff_db.senders_with_console_data(staff) == {OTHER}
    rows, _ = staff_db.audit_page(staff, 10, 0, action="erase_conversation")
    assert [(r["username"], r["target"]) for r in rows] == [("reconcile", erasure.pseudonym(PATIENT, KEY))]
    assert PATIENT not in (rows[0]["detail"] or "")


def test_the_patient_side_reports_pending_when_the_staff_database_is_unreachable(tmp_path):
    result = erasure.erase_for_patient(
        PATIENT,
        {
            "STAFF_DB_URL": "postgresql://clinic@127.0.0.1:1/staff?connect_timeout=2",
            "ERASURE_AUDIT_KEY": "k" * 40,
            "RETRAIN_PROJECT_ROOT": str(tmp_path),
            "PENDING_ERASURES_FILE": str(tmp_path / "pending.jsonl"),
        },
    )
    assert not result.done
    assert erasure.pseudonym(PATIENT, b"k" * 40) in (tmp_path / "pending.jsonl").read_text()


def test_the_patient_side_with_no_console_has_nothing_to_erase(tmp_path):
    result = erasure.erase_for_patient(
        PATIENT,
        {
            "STAFF_DB_URL": f"sqlite:///{tmp_path / 'never-created.db'}",
            "ERASURE_AUDIT_KEY": "k" * 40,
            "RETRAIN_PROJECT_ROOT": str(tmp_path),
        },
    )
    assert result.done and not result.was_in_training_sources
    assert not (tmp_path / "never-created.db").exists()


def test_the_patient_side_erases_and_audits_under_the_pseudonym(tmp_path, staff, project):
    result = erasure.erase_for_patient(
        PATIENT,
        {
            "STAFF_DB_URL": f"sqlite:///{tmp_path / 'staff.db'}",
            "ERASURE_AUDIT_KEY": KEY.decode(),
            "RETRAIN_PROJECT_ROOT": str(project),
        },
    )
    assert result.done and result.was_in_training_sources
    rows, _ = staff_db.audit_page(staff, 10, 0, action="erase_conversation")
    assert rows[0]["username"] == "patient"
    assert rows[0]["target"] == erasure.pseudonym(PATIENT, KEY)
    assert json.loads(rows[0]["detail"])["training_examples_removed"] == 4


def test_a_pending_erasure_is_found_by_pseudonym_even_when_the_patient_wrote_again(tmp_path, staff, project):
    pending = tmp_path / "pending-erasures.jsonl"
    erasure.remember_pending(pending, PATIENT, KEY)
    assert PATIENT not in pending.read_text()
    assert stat.S_IMODE(os.stat(pending).st_mode) == 0o600

    def everyone_still_there(senders):
        return set(senders)

    done = erasure.reconcile(staff, everyone_still_there, project, KEY, "GB", pending)
    assert set(done) == {PATIENT} and staff_db.senders_with_console_data(staff) == {OTHER}
    assert not pending.exists()
    assert erasure.reconcile(staff, everyone_still_there, project, KEY, "GB", pending) == {}


def test_pending_erasures_survive_a_failed_reconciliation(tmp_path, staff, project):
    pending = tmp_path / "pending-erasures.jsonl"
    erasure.remember_pending(pending, PATIENT, KEY)

    def tracker_away(_senders):
        raise ConnectionError("tracker store unreachable")

    with pytest.raises(ConnectionError):
        erasure.reconcile(staff, tracker_away, project, KEY, "GB", pending)
    assert erasure.pseudonym(PATIENT, KEY) in pending.read_text()
