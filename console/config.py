"""Settings for the staff console, all from the environment.

| variable | default |
|---|---|
| TRACKER_DB_URL | sqlite:///<project>/var/tracker.db (the bot's tracker store, read + erase only) |
| STAFF_DB_URL | sqlite:///<project>/var/staff.db (the console's own tables) |
| STAFF_HOST / STAFF_PORT | 127.0.0.1 / 8081 |
| STAFF_SECRET_KEY | generated once into var/staff-secret-key (0600) |
| STAFF_SECRET_KEY_FILE | where the generated key lives |
| STAFF_COOKIE_SECURE | 0 (set 1 behind HTTPS) |
| STAFF_IDLE_MINUTES | 30 (sign-out after inactivity) |
| STAFF_SESSION_HOURS | 12 (absolute session lifetime) |
| STAFF_LOGIN_MAX_FAILURES | 5 failures per username+IP ... |
| STAFF_LOGIN_WINDOW_MINUTES | ... within 15 minutes ... |
| STAFF_LOGIN_LOCK_MINUTES | ... lock that username+IP for 15 minutes |
| STAFF_LOGIN_MAX_FAILURES_PER_IP | 20 (any usernames, same IP, same window) |
| STAFF_TRUST_PROXY | 0 (1: take the client IP/scheme from one reverse proxy's X-Forwarded-* headers) |
| STAFF_THREADS | 8 (requests served at once) |
| STAFF_CONNECTION_LIMIT | 500 open connections (waitress stops accepting above it) |
| STAFF_CHANNEL_TIMEOUT | 30 seconds a connection may stay idle or half-sent before it is closed |
| STAFF_CLEANUP_INTERVAL | 5 seconds between checks for such connections |
| (clinic file) | the clinic's name, timezone, test sender-id prefixes (`console.test_sender_prefixes`) and phone region (for masking: a `region` there, else from the clinic's phone, else GB) |
| RETENTION_DAYS | none (default for `python -m console purge`) |
| RETRAIN_PROJECT_ROOT | the project root: where Retrain writes corrections and runs `python -m retrain run` |
| RETRAIN_ARGS | extra arguments for that command (e.g. `--config config.yml`) |
| ERASURE_AUDIT_KEY | the key of the audit log's keyed hash of erased senders; else made once into ERASURE_AUDIT_KEY_FILE (default var/erasure-audit-key, 0600). The action server must have the same (scripts/run.sh passes it) |

Relative SQLite paths are resolved against the project root, not the
current directory, so `sqlite:///var/tracker.db` means the bot's own file.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from sqlalchemy.engine import URL, make_url

from clinicbot.env_settings import number_setting
from clinicbot.paths import PROJECT_ROOT

VAR = PROJECT_ROOT / "var"
log = logging.getLogger(__name__)
# A signed-in staff member's request line, cookies and headers fit many times over.
MAX_REQUEST_HEADER_BYTES = 32 * 1024


class ConfigError(ValueError):
    """A setting has a value the console cannot use."""


def resolve_db_url(url: str) -> URL:
    """A SQLAlchemy URL; a relative SQLite file is taken from the project root."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy.exc.ArgumentError and friends
        raise ConfigError(f"not a database URL: {url!r} ({error})") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:") \
                and not os.path.isabs(database):
            parsed = parsed.set(database=str(PROJECT_ROOT / database))
    return parsed


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0) -> float:
    return number_setting(env, name, default, at_least=minimum, error=ConfigError)


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(env: Mapping[str, str]) -> str:
    """STAFF_SECRET_KEY, or a key generated once into a 0600 file under var/."""
    key = env.get("STAFF_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("STAFF_SECRET_KEY must be at least 32 characters")
        return key
    path = Path(env.get("STAFF_SECRET_KEY_FILE") or VAR / "staff-secret-key")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by others (mode %o); setting it to 0600", path, mode)
            os.chmod(path, 0o600)
        key = path.read_text().strip()
        if len(key) < 32:
            raise ConfigError(f"{path} does not hold a usable key; delete it to generate a new one") from None
        return key
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.info("generated a new console secret key in %s", path)
    return key


@dataclass
class ConsoleSettings:
    tracker_db_url: URL
    staff_db_url: URL
    host: str = "127.0.0.1"
    port: int = 8081
    secret_key: str = ""
    cookie_secure: bool = False
    idle_minutes: float = 30
    session_hours: float = 12
    login_max_failures: int = 5
    login_window_minutes: float = 15
    login_lock_minutes: float = 15
    login_max_failures_per_ip: int = 20
    trust_proxy: bool = False
    # Waitress's own defaults (100 connections, 120 s idle) let 101 half-open
    # connections lock staff out for minutes; see serve_options().
    threads: int = 8
    connection_limit: int = 500
    channel_timeout: int = 30
    cleanup_interval: int = 5
    retention_days: Optional[int] = None
    page_size: int = 25
    clinic_name: str = "Clinic"
    clinic_timezone: str = "UTC"
    phone_region: str = "GB"  # where phone numbers are looked for when masking
    retrain_root: Path = PROJECT_ROOT
    retrain_args: tuple = ()
    test_sender_prefixes: tuple = ()  # the clinic file's console.test_sender_prefixes
    erasure_key: bytes = b""  # HMAC key naming erased senders in the audit log
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, need_secret: bool = True) -> "ConsoleSettings":
        env = os.environ if env is None else env
        from clinicbot.content import load_content

        from console.masking import region_for

        content = load_content()
        retention = env.get("RETENTION_DAYS", "").strip()
        if retention and (not re.fullmatch(r"[0-9]{1,9}", retention) or int(retention) < 1):
            raise ConfigError(f"RETENTION_DAYS must be a whole number of days >= 1, got {retention!r}")
        return cls(
            tracker_db_url=resolve_db_url(env.get("TRACKER_DB_URL") or f"sqlite:///{VAR / 'tracker.db'}"),
            staff_db_url=resolve_db_url(env.get("STAFF_DB_URL") or f"sqlite:///{VAR / 'staff.db'}"),
            host=env.get("STAFF_HOST", "127.0.0.1"),
            port=int(_number(env, "STAFF_PORT", 8081, 1)),
            secret_key=load_secret_key(env) if need_secret else "",
            cookie_secure=_flag(env, "STAFF_COOKIE_SECURE"),
            idle_minutes=_number(env, "STAFF_IDLE_MINUTES", 30, 0.01),
            session_hours=_number(env, "STAFF_SESSION_HOURS", 12, 0.01),
            login_max_failures=int(_number(env, "STAFF_LOGIN_MAX_FAILURES", 5, 1)),
            login_window_minutes=_number(env, "STAFF_LOGIN_WINDOW_MINUTES", 15, 0.01),
            login_lock_minutes=_number(env, "STAFF_LOGIN_LOCK_MINUTES", 15, 0.01),
            login_max_failures_per_ip=int(_number(env, "STAFF_LOGIN_MAX_FAILURES_PER_IP", 20, 1)),
            trust_proxy=_flag(env, "STAFF_TRUST_PROXY"),
            threads=int(_number(env, "STAFF_THREADS", 8, 1)),
            connection_limit=int(_number(env, "STAFF_CONNECTION_LIMIT", 500, 10)),
            channel_timeout=int(_number(env, "STAFF_CHANNEL_TIMEOUT", 30, 1)),
            cleanup_interval=int(_number(env, "STAFF_CLEANUP_INTERVAL", 5, 1)),
            retention_days=int(retention) if retention else None,
            clinic_name=content.clinic.name,
            clinic_timezone=content.clinic.timezone,
            phone_region=region_for(content.clinic.phone, content.clinic.timezone,
                                    getattr(content.clinic, "region", "") or ""),
            retrain_root=Path(env.get("RETRAIN_PROJECT_ROOT") or PROJECT_ROOT).resolve(),
            retrain_args=tuple(env.get("RETRAIN_ARGS", "").split()),
            test_sender_prefixes=content.console.test_sender_prefixes,
            erasure_key=_erasure_key(env),
        )


def serve_options(settings: ConsoleSettings, max_body_bytes: int) -> Dict[str, Any]:
    """Waitress's limits for the console, chosen rather than inherited.

    Idle and half-sent connections are closed after `channel_timeout`, checked
    every `cleanup_interval`; `poll()` instead of `select()` so more than 1,024
    sockets work. A client that trickles bytes within the timeout is nginx's to
    stop (deploy/nginx-console.conf.template: client_header_timeout, limit_conn)."""
    return {
        "threads": settings.threads,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.channel_timeout,
        "cleanup_interval": settings.cleanup_interval,
        "asyncore_use_poll": True,
        "max_request_header_size": MAX_REQUEST_HEADER_BYTES,
        "max_request_body_size": max_body_bytes,
        "clear_untrusted_proxy_headers": not settings.trust_proxy,
        "ident": "clinic-console",
    }


def _erasure_key(env: Mapping[str, str]) -> bytes:
    from console.erasure import load_audit_key

    try:
        return load_audit_key(env)
    except (OSError, ValueError) as error:
        raise ConfigError(str(error)) from None
