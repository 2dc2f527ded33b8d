"""Erasing everything the clinic holds about one patient's conversation, outside the
tracker store: the console's rows about it (console.staff_db.CONVERSATION_TABLES), the
staff's corrections of its messages wherever they were copied for training
(clinic/annotations/*.yml, data/generated/annotations_nlu.yml, retrain reports and
evaluation caches under var/retrain/), and the sender id in the audit log, which keeps
each fact under a keyed hash (HMAC-SHA256) instead.

Shared by the chat's "delete my conversation" (through the action server), the
console's erase button and CLI, and `purge`/`reconcile-erasures`, which finish
erasures the staff database was unreachable for. Plain Python; no Rasa.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence, Set

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from clinicbot.files import write_text_atomically
from clinicbot.nlu_format import clean_example
from clinicbot.paths import PROJECT_ROOT
from clinicbot.training_data import load_nlu_examples, normalise
from console import staff_db
from console.masking import mask

log = logging.getLogger(__name__)

AUDIT_KEY_ENV = "ERASURE_AUDIT_KEY"
AUDIT_KEY_FILE_ENV = "ERASURE_AUDIT_KEY_FILE"
PSEUDONYM_PREFIX = "hmac-sha256:"


# --- the audit log's keyed hash ---------------------------------------------------------


def load_audit_key(env: Optional[Mapping[str, str]] = None) -> bytes:
    """ERASURE_AUDIT_KEY, or a key made once into a 0600 file (ERASURE_AUDIT_KEY_FILE,
    default var/erasure-audit-key). The console and the action server must share it,
    so the same patient gets the same pseudonym in both; scripts/run.sh passes it."""
    env = os.environ if env is None else env
    key = env.get(AUDIT_KEY_ENV, "").strip()
    if key:
        if len(key) < 32:
            raise ValueError(f"{AUDIT_KEY_ENV} must be at least 32 characters")
        return key.encode()
    path = Path(env.get(AUDIT_KEY_FILE_ENV) or PROJECT_ROOT / "var" / "erasure-audit-key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            # link, not rename: whichever process links first wins, and nobody reads a
            # half-written key.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(f"{path} does not hold a usable key")
    return key.encode()


def pseudonym(sender_id: str, key: bytes) -> str:
    """The audit log's name for a sender: the same for the same sender and key, and not
    reversible (nor guessable from a list of likely ids) without the key."""
    digest = hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest


# --- training copies of a patient's corrected messages ----------------------------------


def match_keys(text: str, phone_region: Optional[str]) -> Set[str]:
    """How a correction's text can appear in an exported file: as typed, or masked
    (exports mask phone numbers and emails), always cleaned to one YAML line."""
    return {normalise(clean_example(text)), normalise(clean_example(mask(text, phone_region)))}


def remove_examples(path: Path, keys: Collection[str], root: Path) -> int:
    """Deletes the example lines of a Rasa NLU YAML file whose text is one of `keys`
    (normalised), leaving every other line as it was; returns how many it deleted."""
    problems: List[str] = []
    examples = load_nlu_examples(path, problems, root)
    if problems:
        raise ValueError(f"cannot read {path} to erase a patient's examples: {problems[0]}")
    doomed = {example.where.line for example in examples if normalise(example.text) in keys}
    if not doomed:
        return 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number in doomed:
        line = lines[number - 1].strip()
        if not line.startswith("- ") or normalise(" ".join(line[2:].split())) not in keys:
            raise ValueError(
                f"{path}:{number}: the example is not on a line of its own; edit the file by hand to erase it"
            )
    write_text_atomically(path, "".join(line for number, line in enumerate(lines, 1) if number not in doomed))
    return len(doomed)


def scrub_report(path: Path, keys: Collection[str]) -> int:
    """Drops the misclassified examples a retrain report lists with the patient's text."""
    data = json.loads(path.read_text(encoding="utf-8"))
    removed = 0
    for section in ("candidate", "live"):
        scores = data.get(section)
        if isinstance(scores, dict) and isinstance(scores.get("errors"), list):
            kept = [
                e for e in scores["errors"] if not (e and isinstance(e[0], str) and normalise(e[0]) in keys)
            ]
            removed += len(scores["errors"]) - len(kept)
            scores["errors"] = kept
    if removed:
        write_text_atomically(path, json.dumps(data, indent=2))
    return removed


def evaluation_mentions(path: Path, keys: Collection[str]) -> bool:
    """Whether a cached evaluation (set name -> [text, gold, guess]) holds the text."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return any(
        outcome and isinstance(outcome[0], str) and normalise(outcome[0]) in keys
        for outcomes in data.values()
        if isinstance(outcomes, list)
        for outcome in outcomes
    )


@dataclass
class TrainingScrub:
    examples_removed: int = 0
    files_changed: List[Path] = field(default_factory=list)


def scrub_training_copies(root: Path, keys: Collection[str]) -> TrainingScrub:
    """Removes the texts from every file a correction is copied into on its way to a
    model. A model already trained keeps what it learned until the next retrain,
    which reads these sources and so leaves them out."""
    result = TrainingScrub()
    if not keys:
        return result
    sources = sorted((root / "clinic" / "annotations").glob("*.yml"))
    generated = root / "data" / "generated" / "annotations_nlu.yml"
    for path in sources + ([generated] if generated.exists() else []):
        removed = remove_examples(path, keys, root)
        if removed:
            result.examples_removed += removed
            result.files_changed.append(path)
    retrain = root / "var" / "retrain"
    for path in sorted((retrain / "reports").glob("*.json")):
        if scrub_report(path, keys):
            result.files_changed.append(path)
    # A cache is only a cache: deleting it costs one re-evaluation.
    for path in sorted((retrain / "evaluations").glob("*.json")):
        if evaluation_mentions(path, keys):
            path.unlink()
            result.files_changed.append(path)
    return result


# --- the whole erasure ------------------------------------------------------------------


@dataclass
class ConsoleErasure:
    console_rows_deleted: int = 0
    training_examples_removed: int = 0
    files_changed: List[Path] = field(default_factory=list)

    @property
    def was_in_training_sources(self) -> bool:
        return self.training_examples_removed > 0


def erase_console_copies(
    staff: Engine, senders: Sequence[str], root: Path, key: bytes, phone_region: Optional[str] = None
) -> ConsoleErasure:
    """Erases the senders' corrections from the training files, then their console rows,
    and renames them in the audit log to their pseudonyms.

    Files first: if one cannot be cleaned, the rows (which say what to look for) stay,
    the error propagates, and a later attempt can finish the job. A text another
    patient's correction also has stays in the files: it is theirs too.
    """
    senders = sorted(set(senders))
    result = ConsoleErasure()
    if not senders:
        return result
    erased = set(senders)
    keys: Set[str] = set()
    kept: Set[str] = set()
    for row in staff_db.list_annotations(staff):
        (keys if row["sender_id"] in erased else kept).update(match_keys(row["text"], phone_region))
    scrub = scrub_training_copies(root, keys - kept)
    result.training_examples_removed = scrub.examples_removed
    result.files_changed = scrub.files_changed
    their_tags = staff_db.tags_of(staff, senders)
    result.console_rows_deleted = staff_db.erase_senders(staff, senders)
    result.console_rows_deleted += staff_db.delete_unused_tags(staff, their_tags)
    staff_db.rename_audit_targets(staff, {s: pseudonym(s, key) for s in senders})
    staff_db.compact_deleted_pages(staff)
    return result


def console_tables_exist(staff: Engine) -> bool:
    return inspect(staff).has_table(staff_db.annotations.name)


# --- erasures the staff database was unreachable for ------------------------------------


def pending_file(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("PENDING_ERASURES_FILE") or PROJECT_ROOT / "var" / "pending-erasures.jsonl")


def remember_pending(path: Path, sender_id: str, key: bytes) -> None:
    """Notes an unfinished erasure by pseudonym only. Needed besides the tracker check:
    the chat widget keeps its sender id, so a patient who writes again has tracker
    rows again before the console could see theirs were gone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"pseudonym": pseudonym(sender_id, key), "at": time.time()}) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a") as handle:
        handle.write(line)


def _take_pending(path: Path) -> Set[str]:
    """The pseudonyms noted so far; the file is moved aside first, so a note the
    action server appends meanwhile lands in a new file, not in one being deleted."""
    taken = path.with_name(f".{path.name}.{os.getpid()}.taken")
    try:
        os.replace(path, taken)
    except FileNotFoundError:
        return set()
    lines = taken.read_text(encoding="utf-8").splitlines()
    taken.unlink()
    return {json.loads(line)["pseudonym"] for line in lines if line.strip()}


def reconcile(
    staff: Engine,
    tracker_senders_present,
    root: Path,
    key: bytes,
    phone_region: Optional[str] = None,
    pending: Optional[Path] = None,
) -> Dict[str, ConsoleErasure]:
    """Finishes erasures the console missed (the patient deleted their conversation
    while the staff database was unreachable): console rows about conversations
    gone from the tracker store, and about senders noted in `pending`.
    `tracker_senders_present(senders)` says which of the given senders still have
    events. Each one is audited under its pseudonym."""
    noted = staff_db.senders_with_console_data(staff)
    waiting = _take_pending(pending) if pending is not None else set()
    try:
        orphans = sorted(
            (noted - set(tracker_senders_present(noted))) | {s for s in noted if pseudonym(s, key) in waiting}
        )
    except Exception:
        _put_back(pending, waiting)
        raise
    done: Dict[str, ConsoleErasure] = {}
    for sender in orphans:
        done[sender] = erase_console_copies(staff, [sender], root, key, phone_region)
        staff_db.audit(
            staff,
            "erase_conversation",
            "reconcile",
            None,
            pseudonym(sender, key),
            {
                "by": "reconcile",
                "reason": "conversation already gone from the tracker store",
                **summary(done[sender]),
            },
        )
    return done


def _put_back(path: Optional[Path], pseudonyms: Set[str]) -> None:
    if path is None or not pseudonyms:
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a") as handle:
        handle.writelines(json.dumps({"pseudonym": p, "at": time.time()}) + "\n" for p in sorted(pseudonyms))


def summary(erasure: ConsoleErasure) -> Dict[str, Any]:
    """What an audit row says about an erasure (counts only, never text or sender)."""
    return {
        "console_rows_deleted": erasure.console_rows_deleted,
        "training_examples_removed": erasure.training_examples_removed,
        "training_files_changed": len(erasure.files_changed),
    }


# --- the patient's own request (called by the action server) ----------------------------


@dataclass
class PatientErasure:
    """What the chat may tell the patient: `done` when the console side is erased (or
    there is no console), else `pending` with the reason logged."""

    done: bool
    was_in_training_sources: bool = False


def erase_for_patient(sender_id: str, env: Optional[Mapping[str, str]] = None) -> PatientErasure:
    """The console side of "delete my conversation", from the action server's settings:
    STAFF_DB_URL (as the console resolves it), RETRAIN_PROJECT_ROOT (where the console
    writes corrections), ERASURE_AUDIT_KEY. If the staff database cannot be reached the
    console's own reconciliation (`serve` start-up, `purge`, `reconcile-erasures`)
    finishes it once the tracker rows are gone; nothing about the patient is kept to
    remember it by."""
    from console.config import VAR, resolve_db_url

    env = os.environ if env is None else env
    try:
        url = resolve_db_url(env.get("STAFF_DB_URL") or f"sqlite:///{VAR / 'staff.db'}")
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
            return PatientErasure(done=True)  # no console was ever set up here
        root = Path(env.get("RETRAIN_PROJECT_ROOT") or PROJECT_ROOT).resolve()
        key = load_audit_key(env)
        staff = _staff_engine(str(url))
        if not console_tables_exist(staff):
            return PatientErasure(done=True)
        erasure = erase_console_copies(staff, [sender_id], root, key, _phone_region())
        staff_db.audit(
            staff,
            "erase_conversation",
            "patient",
            None,
            pseudonym(sender_id, key),
            {"by": "patient", "tracker_store": "erased after this turn is saved", **summary(erasure)},
        )
    except Exception:  # any failure: the patient is told it is pending, never more
        log.exception(
            "the console side of a patient's deletion could not be done now; "
            "it is finished when the console next reconciles erasures"
        )
        try:
            remember_pending(pending_file(env), sender_id, load_audit_key(env))
        except Exception:
            log.exception(
                "could not note the pending erasure; the console's tracker "
                "check still finds it unless the patient writes again first"
            )
        return PatientErasure(done=False)
    return PatientErasure(done=True, was_in_training_sources=erasure.was_in_training_sources)


_engines: Dict[str, Engine] = {}


def _staff_engine(url: str) -> Engine:
    if url not in _engines:
        from sqlalchemy.engine import make_url

        _engines[url] = staff_db.make_staff_engine(make_url(url))
    return _engines[url]


def _phone_region() -> str:
    from clinicbot.content import cached_content
    from console.masking import region_for

    clinic = cached_content().clinic
    return region_for(clinic.phone, clinic.timezone, getattr(clinic, "region", "") or "")
