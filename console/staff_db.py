"""The console's own database: users, sessions, throttling, review data, audit log."""
# No `from __future__ import annotations` here: the `annotations` table has that name.

import hashlib
import json
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (and_, case, create_engine, delete, event, func, insert, or_, select,
                        update)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import IntegrityError

from alerts import outbox as alert_outbox
from clinicbot.privacy import overwrite_deleted_rows
from console.staff_tables import (ROLES, alerts, annotations, audit_log, callback_status,
                                  conversation_status, conversation_tags, login_throttle,
                                  staff_sessions, tags, users)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # NIST 800-63B: allow at least 64; the cap keeps checks fast
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 = "safely unguessable" (>= 10^8 guesses)
# Words an attacker would try first against this console (NIST: context-specific words).
CONTEXT_WORDS = ("clinic", "skin", "laser", "console", "staff", "admin", "reviewer", "leong",
                 "patient", "doctor", "nurse")
_COMMON_PASSWORDS: Optional[frozenset] = None
hasher = PasswordHasher()
_DUMMY_HASH: Optional[str] = None


def make_engine(url: URL) -> Engine:
    """An engine; SQLite files get a busy timeout (and WAL for the console's own file)."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30,
                                                               "check_same_thread": False})
        _on_connect(engine, "PRAGMA foreign_keys=ON")
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _on_connect(engine: Engine, statement: str) -> None:
    """Runs `statement` on every new DB-API connection (SQLite pragmas)."""
    @event.listens_for(engine, "connect")
    def _run(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()


def make_staff_engine(url: URL) -> Engine:
    engine = make_engine(url)
    if url.get_backend_name() == "sqlite":
        _on_connect(engine, "PRAGMA journal_mode=WAL")
    return engine


def migrate(engine: Engine) -> None:
    """Brings the console's tables to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# --- users ------------------------------------------------------------------------------

class UserError(ValueError):
    pass


@dataclass
class User:
    id: int
    username: str
    role: str
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row) -> User:
    return User(row.id, row.username, row.role, bool(row.active))


def common_passwords() -> frozenset:
    """The 30,000 most common passwords of real breach corpora, shipped offline by zxcvbn."""
    global _COMMON_PASSWORDS
    if _COMMON_PASSWORDS is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        _COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
    return _COMMON_PASSWORDS


def check_password_rules(password: str, username: str = "") -> None:
    """NIST 800-63B style: long enough, not common/breached, not guessable; no composition rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in common_passwords():
        raise UserError("that password is on a list of common or breached passwords; "
                        "choose another (a few unrelated words work well)")
    name = unicodedata.normalize("NFKC", username or "").casefold()
    if len(name) >= 3 and name in folded:
        raise UserError("the password must not contain the username")
    from zxcvbn import zxcvbn

    result = zxcvbn(password, user_inputs=[name, *CONTEXT_WORDS] if name else list(CONTEXT_WORDS))
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = (result.get("feedback") or {}).get("warning") or ""
        raise UserError("that password is too easy to guess (it is close to a common password, "
                        "a word, a name, a keyboard pattern or a repeated sequence)"
                        + (f": {warning.rstrip('.').lower()}" if warning else "")
                        + "; a few unrelated words work well")


def create_user(engine: Engine, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise UserError("the username must be 1-64 characters without spaces")
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    check_password_rules(password, username)
    try:
        with engine.begin() as conn:
            clash = conn.execute(select(users.c.username).where(
                func.lower(users.c.username) == username.lower())).scalar_one_or_none()
            if clash is not None:
                raise UserError(f"a user called {clash!r} already exists (usernames are "
                                f"not case-sensitive)")
            new_id = conn.execute(insert(users).values(
                username=username, password_hash=hasher.hash(password), role=role, active=True,
                created_at=time.time())).inserted_primary_key[0]
    except IntegrityError:
        raise UserError(f"a user called {username!r} already exists") from None
    return User(new_id, username, role, True)


def set_password(engine: Engine, username: str, password: str) -> None:
    check_password_rules(password, username)
    with engine.begin() as conn:
        row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if row is None:
            raise UserError(f"no user called {username!r}")
        conn.execute(update(users).where(users.c.id == row.id)
                     .values(password_hash=hasher.hash(password)))
        conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == row.id))


def set_active(engine: Engine, user_id: int, active: bool) -> None:
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(active=active))
        if not active:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user_id))


def list_users(engine: Engine) -> List[Dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.active, users.c.created_at,
                   users.c.last_login_at).order_by(users.c.username))]


def count_admins(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users)
                            .where(users.c.role == "admin", users.c.active.is_(True))).scalar_one()


def authenticate(engine: Engine, username: str, password: str) -> Optional[User]:
    """The active user if the password matches; constant-ish time for unknown names."""
    global _DUMMY_HASH
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None or not row.active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hasher.hash(secrets.token_hex(16))
        try:
            hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    with engine.begin() as conn:
        values: Dict[str, Any] = {"last_login_at": time.time()}
        if hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = hasher.hash(password)
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return _user(row)


# --- sessions ---------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, user: User, ip: str) -> str:
    """A new random session token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as conn:
        conn.execute(insert(staff_sessions).values(id=_digest(token), user_id=user.id,
                                                   created_at=now, last_seen_at=now, ip=ip[:64]))
    return token


def resume_session(engine: Engine, token: str, idle_seconds: float,
                   max_age_seconds: float) -> Tuple[Optional[User], str]:
    """(user, "") for a live session; (None, reason) otherwise (reason "idle" or "")."""
    now = time.time()
    key = _digest(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(staff_sessions.c.last_seen_at, staff_sessions.c.created_at, users)
            .join(users, users.c.id == staff_sessions.c.user_id)
            .where(staff_sessions.c.id == key)).first()
    if row is None:
        return None, ""
    if not row.active:
        end_session(engine, token)
        return None, ""
    if now - row.last_seen_at > idle_seconds:
        end_session(engine, token)
        return None, "idle"
    if now - row.created_at > max_age_seconds:
        end_session(engine, token)
        return None, "expired"
    if now - row.last_seen_at > min(30.0, idle_seconds / 4):
        with engine.begin() as conn:
            conn.execute(update(staff_sessions).where(staff_sessions.c.id == key)
                         .values(last_seen_at=now))
    return _user(row), ""


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(staff_sessions).where(staff_sessions.c.id == _digest(token)))


# --- login throttling -------------------------------------------------------------------

@dataclass
class ThrottleRules:
    max_failures: int = 5
    window_seconds: float = 900
    lock_seconds: float = 900
    max_failures_per_ip: int = 20


def _throttle_keys(username: str, ip: str, rules: ThrottleRules) -> List[Tuple[str, int]]:
    return [(f"user-ip:{username.lower()[:200]}|{ip}", rules.max_failures),
            (f"ip:{ip}", rules.max_failures_per_ip)]


def _ensure_throttle_row(conn, key: str, now: float) -> None:
    """Creates the counter row if missing, without a race (INSERT ... ON CONFLICT DO NOTHING)."""
    values = dict(key=key, failures=0, window_start=now)
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        conn.execute(dialect_insert(login_throttle).values(**values)
                     .on_conflict_do_nothing(index_elements=["key"]))
        return
    if conn.execute(select(login_throttle.c.key).where(login_throttle.c.key == key)).first() is None:
        with conn.begin_nested():  # pragma: no cover - other databases
            try:
                conn.execute(insert(login_throttle).values(**values))
            except IntegrityError:
                pass


def locked_until(engine: Engine, username: str, ip: str, rules: ThrottleRules) -> Optional[float]:
    """When the username/IP (or the IP) is locked until, or None (a read-only look)."""
    now = time.time()
    keys = [key for key, _ in _throttle_keys(username, ip, rules)]
    with engine.connect() as conn:
        until = conn.execute(select(func.max(login_throttle.c.locked_until))
                             .where(login_throttle.c.key.in_(keys))).scalar_one_or_none()
    return until if until and until > now else None


def reserve_attempt(engine: Engine, username: str, ip: str,
                    rules: ThrottleRules) -> Optional[float]:
    """Counts a sign-in attempt *before* its password is checked; None when it may go ahead.

    Check and count are one conditional UPDATE per counter (username+IP, then IP):
    `failures = failures + 1 WHERE failures < limit AND not locked`, so parallel attempts
    cannot all pass the check before any is counted: at most `limit` passwords are checked
    per window. Both databases serialise the UPDATEs on the row (SQLite: one writer at a
    time; PostgreSQL: a row lock, and the WHERE is re-checked on the updated row). If
    either counter refuses, neither is counted. Refused: the time the lock ends.
    """
    now = time.time()
    cutoff = now - rules.window_seconds
    t = login_throttle.c
    keys = _throttle_keys(username, ip, rules)
    with engine.connect() as conn:
        transaction = conn.begin()
        for key, limit in keys:
            _ensure_throttle_row(conn, key, now)
            # A new window when the old one is over or the lock has ended.
            fresh = or_(t.window_start <= cutoff,
                        and_(t.locked_until.isnot(None), t.locked_until <= now))
            counted = conn.execute(
                update(login_throttle)
                .where(t.key == key, or_(t.locked_until.is_(None), t.locked_until <= now),
                       or_(fresh, t.failures < limit))
                .values(failures=case((fresh, 1), else_=t.failures + 1),
                        window_start=case((fresh, now), else_=t.window_start),
                        locked_until=case((fresh, None), else_=t.locked_until))).rowcount
            if counted != 1:
                transaction.rollback()
                row = conn.execute(select(func.max(t.locked_until), func.max(t.window_start))
                                   .where(t.key.in_([k for k, _ in keys]))).first()
                until = row[0] if row and row[0] and row[0] > now else None
                return until or ((row[1] if row and row[1] else now) + rules.window_seconds)
        transaction.commit()
    return None


def record_failure(engine: Engine, username: str, ip: str, rules: ThrottleRules) -> bool:
    """After a reserved attempt failed: locks the counters that reached their limit.

    The attempt was already counted by reserve_attempt. True when this call locked
    the username/IP or the IP.
    """
    now = time.time()
    t = login_throttle.c
    locked = False
    with engine.begin() as conn:
        for key, limit in _throttle_keys(username, ip, rules):
            locked |= conn.execute(
                update(login_throttle)
                .where(t.key == key, t.failures >= limit,
                       or_(t.locked_until.is_(None), t.locked_until <= now))
                .values(locked_until=now + rules.lock_seconds)).rowcount > 0
    return locked


def record_success(engine: Engine, username: str, ip: str, rules: ThrottleRules) -> None:
    (key, _), (ip_key, _) = _throttle_keys(username, ip, rules)
    t = login_throttle.c
    with engine.begin() as conn:
        conn.execute(delete(login_throttle).where(t.key == key))
        # The attempt reserve_attempt counted for the IP was not a failure after all.
        conn.execute(update(login_throttle).where(t.key == ip_key, t.failures > 0,
                                                   t.locked_until.is_(None))
                     .values(failures=t.failures - 1))


# --- review data ------------------------------------------------------------------------

def statuses(engine: Engine, senders: Iterable[str]) -> Dict[str, Dict[str, Any]]:
    senders = sorted(set(senders))
    if not senders:
        return {}
    with engine.connect() as conn:
        return {r.sender_id: dict(r._mapping) for r in conn.execute(
            select(conversation_status).where(conversation_status.c.sender_id.in_(senders)))}


def _upsert_status(conn, sender_id: str, **values: Any) -> None:
    updated = conn.execute(update(conversation_status)
                           .where(conversation_status.c.sender_id == sender_id)
                           .values(**values)).rowcount
    if not updated:
        conn.execute(insert(conversation_status).values(sender_id=sender_id, **values))


def set_reviewed(engine: Engine, sender_id: str, username: str, reviewed: bool) -> None:
    with engine.begin() as conn:
        _upsert_status(conn, sender_id, reviewed_at=time.time() if reviewed else None,
                       reviewed_by=username if reviewed else None)


def set_followed_up(engine: Engine, sender_id: str, username: str, note: str) -> None:
    set_followed_up_many(engine, [sender_id], username, note)


def set_followed_up_many(engine: Engine, senders: Sequence[str], username: str,
                         note: str) -> None:
    """All of them or, if anything fails, none (one transaction)."""
    now = time.time()
    with engine.begin() as conn:
        for sender_id in senders:
            _upsert_status(conn, sender_id, followed_up_at=now, followed_up_by=username,
                           followup_note=note[:2000] or None)


def set_marked_test(engine: Engine, sender_id: str, username: str, is_test: bool) -> None:
    with engine.begin() as conn:
        _upsert_status(conn, sender_id, marked_test_at=time.time() if is_test else None,
                       marked_test_by=username if is_test else None)


def marked_test_senders(engine: Engine) -> Set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(conversation_status.c.sender_id)
                                           .where(conversation_status.c.marked_test_at.isnot(None)))}


def reviewed_senders(engine: Engine) -> Set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(conversation_status.c.sender_id)
                                           .where(conversation_status.c.reviewed_at.isnot(None)))}


def followed_up_senders(engine: Engine) -> Set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(
            select(conversation_status.c.sender_id)
            .where(conversation_status.c.followed_up_at.isnot(None)))}


def all_tags(engine: Engine) -> List[Dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(tags.c.id, tags.c.name).order_by(tags.c.name))]


def tags_for(engine: Engine, senders: Iterable[str]) -> Dict[str, List[Dict[str, Any]]]:
    senders = sorted(set(senders))
    result: Dict[str, List[Dict[str, Any]]] = {s: [] for s in senders}
    if not senders:
        return result
    with engine.connect() as conn:
        for r in conn.execute(select(conversation_tags.c.sender_id, tags.c.id, tags.c.name)
                              .join(tags, tags.c.id == conversation_tags.c.tag_id)
                              .where(conversation_tags.c.sender_id.in_(senders))
                              .order_by(tags.c.name)):
            result[r.sender_id].append({"id": r.id, "name": r.name})
    return result


def senders_with_tag(engine: Engine, name: str) -> Set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(
            select(conversation_tags.c.sender_id)
            .join(tags, tags.c.id == conversation_tags.c.tag_id).where(tags.c.name == name))}


def add_tag(engine: Engine, sender_id: str, name: str, username: str) -> str:
    name = " ".join(name.split())[:40]
    if not name:
        raise UserError("a tag needs a name")
    now = time.time()
    with engine.begin() as conn:
        tag_id = conn.execute(select(tags.c.id).where(tags.c.name == name)).scalar_one_or_none()
        if tag_id is None:
            tag_id = conn.execute(insert(tags).values(name=name, created_at=now,
                                                      created_by=username)).inserted_primary_key[0]
        exists = conn.execute(select(conversation_tags.c.tag_id).where(
            conversation_tags.c.sender_id == sender_id, conversation_tags.c.tag_id == tag_id)).first()
        if exists is None:
            conn.execute(insert(conversation_tags).values(sender_id=sender_id, tag_id=tag_id,
                                                          added_at=now, added_by=username))
    return name


def remove_tag(engine: Engine, sender_id: str, tag_id: int) -> Optional[str]:
    with engine.begin() as conn:
        name = conn.execute(select(tags.c.name).where(tags.c.id == tag_id)).scalar_one_or_none()
        conn.execute(delete(conversation_tags).where(conversation_tags.c.sender_id == sender_id,
                                                     conversation_tags.c.tag_id == tag_id))
    return name


def save_annotation(engine: Engine, sender_id: str, event_id: int, text: str,
                    predicted: Optional[str], predicted_confidence: Optional[float],
                    corrected: str, username: str) -> None:
    values = dict(text=text, predicted_intent=predicted, predicted_confidence=predicted_confidence,
                  corrected_intent=corrected, created_at=time.time(), created_by=username)
    with engine.begin() as conn:
        updated = conn.execute(update(annotations).where(annotations.c.sender_id == sender_id,
                                                         annotations.c.event_id == event_id)
                               .values(**values)).rowcount
        if not updated:
            conn.execute(insert(annotations).values(sender_id=sender_id, event_id=event_id, **values))


def annotations_for(engine: Engine, sender_id: str) -> Dict[int, Dict[str, Any]]:
    with engine.connect() as conn:
        return {r.event_id: dict(r._mapping) for r in conn.execute(
            select(annotations).where(annotations.c.sender_id == sender_id))}


def list_annotations(engine: Engine) -> List[Dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(annotations).order_by(annotations.c.corrected_intent, annotations.c.id))]


def delete_annotation(engine: Engine, annotation_id: int) -> Optional[Dict[str, Any]]:
    with engine.begin() as conn:
        row = conn.execute(select(annotations).where(annotations.c.id == annotation_id)).first()
        if row is not None:
            conn.execute(delete(annotations).where(annotations.c.id == annotation_id))
    return dict(row._mapping) if row is not None else None


# The console's rows about a conversation, removed with it (erase, purge, and the
# patient's own deletion: console/erasure.py). Every table here has a `sender_id`
# column; a new table about conversations joins this tuple and nothing else changes.
CONVERSATION_TABLES = (conversation_status, conversation_tags, annotations, callback_status)


def erase_sender(engine: Engine, sender_id: str) -> int:
    """Deletes the console's notes on a conversation (status, tags, annotations,
    callback statuses)."""
    return erase_senders(engine, [sender_id])


def erase_senders(engine: Engine, senders: Sequence[str]) -> int:
    deleted = 0
    senders = list(senders)
    for index in range(0, len(senders), 500):
        chunk = senders[index:index + 500]
        with engine.begin() as conn:
            overwrite_deleted_rows(conn)
            for table in CONVERSATION_TABLES:
                deleted += conn.execute(delete(table).where(table.c.sender_id.in_(chunk))).rowcount
            deleted += alert_outbox.erase_senders(conn, chunk)
    return deleted


def tags_of(engine: Engine, senders: Sequence[str]) -> Set[int]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(conversation_tags.c.tag_id).where(
            conversation_tags.c.sender_id.in_(list(senders))).distinct())}


def delete_unused_tags(engine: Engine, tag_ids: Iterable[int]) -> int:
    """Deletes those of the tags that no conversation has any more: a tag staff made
    for one patient ("Mrs K's scar") goes with that patient's conversation."""
    used = select(conversation_tags.c.tag_id).distinct()
    with engine.begin() as conn:
        overwrite_deleted_rows(conn)
        return conn.execute(delete(tags).where(tags.c.id.in_(list(tag_ids)),
                                               tags.c.id.notin_(used))).rowcount


# Audit details staff typed about a conversation (a tag's name), which may name the
# patient; an erasure blanks them in that conversation's rows.
FREE_TEXT_AUDIT_DETAILS = ("tag",)


def rename_audit_targets(engine: Engine, renames: Dict[str, str]) -> int:
    """Replaces audit rows' target (a sender id, for conversation actions) by another
    name: an erased patient's pseudonym. The rows, and what staff did, stay."""
    renamed = 0
    with engine.begin() as conn:
        overwrite_deleted_rows(conn)
        for old, new in renames.items():
            for row in conn.execute(select(audit_log.c.id, audit_log.c.detail)
                                    .where(audit_log.c.target == old)).fetchall():
                detail = json.loads(row.detail) if row.detail else None
                if isinstance(detail, dict):
                    detail = {k: ("(erased)" if k in FREE_TEXT_AUDIT_DETAILS else v)
                              for k, v in detail.items()}
                conn.execute(update(audit_log).where(audit_log.c.id == row.id).values(
                    target=new, detail=json.dumps(detail, sort_keys=True, default=str)
                    if detail else row.detail))
                renamed += 1
    return renamed


def compact_deleted_pages(engine: Engine) -> None:
    """SQLite in WAL mode keeps earlier versions of changed pages in the -wal file
    until a checkpoint; a truncating checkpoint moves the overwritten pages into the
    database and empties the -wal file, so erased text is in neither."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def senders_with_console_data(engine: Engine) -> Set[str]:
    found: Set[str] = set()
    with engine.connect() as conn:
        for table in CONVERSATION_TABLES + (alerts,):
            found.update(r[0] for r in conn.execute(select(table.c.sender_id).distinct()))
    return found


# --- callback requests ------------------------------------------------------------------

def callback_statuses(engine: Engine, request_ids: Iterable[int]) -> Dict[int, Dict[str, Any]]:
    ids = sorted(set(request_ids))
    found: Dict[int, Dict[str, Any]] = {}
    with engine.connect() as conn:
        for index in range(0, len(ids), 500):
            found.update({r.request_event_id: dict(r._mapping) for r in conn.execute(
                select(callback_status)
                .where(callback_status.c.request_event_id.in_(ids[index:index + 500])))})
    return found


def set_callback_status(engine: Engine, request_event_id: int, sender_id: str, status: str,
                        username: str) -> None:
    values = dict(sender_id=sender_id, status=status, changed_at=time.time(), changed_by=username)
    with engine.begin() as conn:
        updated = conn.execute(update(callback_status)
                               .where(callback_status.c.request_event_id == request_event_id)
                               .values(**values)).rowcount
        if not updated:
            conn.execute(insert(callback_status).values(request_event_id=request_event_id,
                                                        **values))


# --- audit log --------------------------------------------------------------------------

def audit(engine: Engine, action: str, username: Optional[str], role: Optional[str] = None,
          target: Optional[str] = None, detail: Optional[Dict[str, Any]] = None,
          ip: Optional[str] = None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            at=time.time(), username=(username or "")[:64] or None, role=role, action=action,
            target=(target or "")[:255] or None,
            detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
            ip=(ip or "")[:64] or None))


AUDIT_BUCKET_SECONDS = 60


def audit_aggregated(engine: Engine, action: str, username: Optional[str], ip: Optional[str],
                     detail: Optional[Dict[str, Any]] = None,
                     bucket_seconds: float = AUDIT_BUCKET_SECONDS) -> None:
    """For events anyone can cause without signing in (failed sign-ins, refused forms):
    one row per action, IP and minute, with a `count`, so a flood adds a row a minute.

    The first event's username and detail are kept. One atomic upsert (INSERT ... ON
    CONFLICT (bucket) DO UPDATE count = count + 1) on SQLite and PostgreSQL.
    """
    now = time.time()
    ip = (ip or "")[:64] or None
    bucket = f"{action}|{ip or ''}|{int(now // bucket_seconds)}"[:255]
    values = dict(at=now, username=(username or "")[:64] or None, role=None, action=action,
                  target=None, ip=ip, count=1, bucket=bucket,
                  detail=json.dumps(detail, sort_keys=True, default=str) if detail else None)
    with engine.begin() as conn:
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            statement = dialect_insert(audit_log).values(**values)
            conn.execute(statement.on_conflict_do_update(
                index_elements=["bucket"], set_={"count": audit_log.c.count + 1}))
            return
        updated = conn.execute(update(audit_log).where(audit_log.c.bucket == bucket)  # pragma: no cover
                               .values(count=audit_log.c.count + 1)).rowcount
        if not updated:  # pragma: no cover - other databases
            conn.execute(insert(audit_log).values(**values))


def audit_page(engine: Engine, limit: int, offset: int, username: str = "",
               action: str = "") -> Tuple[List[Dict[str, Any]], int]:
    conds = []
    if username:
        conds.append(audit_log.c.username == username)
    if action:
        conds.append(audit_log.c.action == action)
    where = and_(*conds) if conds else None
    with engine.connect() as conn:
        count = select(func.count()).select_from(audit_log)
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        if where is not None:
            count, query = count.where(where), query.where(where)
        total = conn.execute(count).scalar_one()
        return [dict(r._mapping) for r in conn.execute(query)], total


def audit_actions(engine: Engine) -> List[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(audit_log.c.action).distinct()
                                           .order_by(audit_log.c.action))]
