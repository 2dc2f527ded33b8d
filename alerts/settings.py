"""The alerts worker's settings: the clinic file's `alerts` section plus the environment.

| variable | default |
|---|---|
| TRACKER_DB_URL | sqlite:///<project>/var/tracker.db (read only) |
| STAFF_DB_URL | sqlite:///<project>/var/staff.db (the outbox lives here) |
| SMTP_HOST, SMTP_PORT | none (required when `alerts.on_call` lists anyone), 587 |
| SMTP_USER, SMTP_PASSWORD | none (no login) |
| SMTP_STARTTLS | 1 (upgrade the connection with STARTTLS; 0 for a local relay) |
| SMTP_SSL | 0 (1: TLS from the start, usually port 465) |
| ALERT_FROM | the From address (required with SMTP) |
| CONSOLE_BASE_URL | http://STAFF_HOST:STAFF_PORT (the link in each alert) |
| ALERTS_POLL_SECONDS | 2 (how often the tracker store is read for new red flags) |
| ALERTS_LEASE_SECONDS | 20 (a stopped worker's place is taken after this long) |
| ALERTS_CLAIM_SECONDS | 90 (a delivery attempt cut off by a crash is retried after this long) |
| ALERTS_SEND_TIMEOUT_SECONDS | 15 (SMTP and webhook network timeout) |
| ALERTS_RETRY_BASE_SECONDS, ALERTS_RETRY_MAX_SECONDS | 10, 600 (backoff: 10, 20, 40 ... 600 s) |
| ALERTS_MAX_ATTEMPTS | 12 (then the delivery is "failed", shown on every console page) |
| ALERTS_SETTLE_SECONDS | 300 (events first seen less than this ago are read again: a save can commit late) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple

from sqlalchemy.engine import URL

from clinicbot.alerts import AlertConfigError, AlertSettings, check_webhook_url
from clinicbot.content import ClinicContent
from clinicbot.env_settings import number_setting

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    ssl: bool
    sender: str


@dataclass(frozen=True)
class WorkerSettings:
    tracker_db_url: URL
    staff_db_url: URL
    alerts: AlertSettings
    clinic_name: str
    clinic_timezone: str
    console_base_url: str
    smtp: Optional[SmtpSettings]
    webhook_urls: Dict[str, str]  # channel -> URL (secret: never logged)
    test_sender_prefixes: Tuple[str, ...] = ()  # the clinic file's console.test_sender_prefixes
    poll_seconds: float = 2.0
    lease_seconds: float = 20.0
    claim_seconds: float = 90.0
    send_timeout_seconds: float = 15.0
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    max_attempts: int = 12
    settle_seconds: float = 300.0

    def console_link(self, conversation_id: int) -> str:
        return f"{self.console_base_url}/conversations/{conversation_id}"

    @classmethod
    def from_env(cls, content: ClinicContent, env: Optional[Mapping[str, str]] = None) -> "WorkerSettings":
        from console.config import VAR, resolve_db_url

        env = os.environ if env is None else env
        alerts = content.alerts
        smtp = _smtp(env) if alerts.on_call else None
        webhook_urls = {}
        for index, hook in enumerate(alerts.webhooks):
            url = hook.url
            if hook.url_env:
                url = env.get(hook.url_env, "").strip()
                if not url:
                    raise AlertConfigError(
                        f"alerts.webhooks[{index}] ({hook.name}) takes its URL from {hook.url_env}, "
                        f"which is not set"
                    )
                check_webhook_url(url, f"{hook.url_env} (alerts.webhooks[{index}])")
            webhook_urls[hook.channel] = url
        base = (
            env.get("CONSOLE_BASE_URL", "").strip().rstrip("/")
            or f"http://{env.get('STAFF_HOST') or '127.0.0.1'}:{env.get('STAFF_PORT') or '8081'}"
        )
        check_webhook_url(base, "CONSOLE_BASE_URL")
        poll = _number(env, "ALERTS_POLL_SECONDS", 2.0, 0.05, 60)
        lease = _number(env, "ALERTS_LEASE_SECONDS", 20.0, 1, 3600)
        if lease < 2 * poll:
            raise AlertConfigError(
                f"ALERTS_LEASE_SECONDS ({lease:g}) must be at least twice "
                f"ALERTS_POLL_SECONDS ({poll:g}), or the worker loses its lease "
                f"between two polls"
            )
        timeout = _number(env, "ALERTS_SEND_TIMEOUT_SECONDS", 15.0, 1, 300)
        claim = _number(env, "ALERTS_CLAIM_SECONDS", 90.0, 1, 3600)
        if claim < 2 * timeout:
            raise AlertConfigError(
                f"ALERTS_CLAIM_SECONDS ({claim:g}) must be at least twice "
                f"ALERTS_SEND_TIMEOUT_SECONDS ({timeout:g})"
            )
        try:
            tracker_url = resolve_db_url(env.get("TRACKER_DB_URL") or f"sqlite:///{VAR / 'tracker.db'}")
            staff_url = resolve_db_url(env.get("STAFF_DB_URL") or f"sqlite:///{VAR / 'staff.db'}")
        except ValueError as error:
            raise AlertConfigError(str(error)) from None
        return cls(
            tracker_db_url=tracker_url,
            staff_db_url=staff_url,
            alerts=alerts,
            clinic_name=content.clinic.name,
            clinic_timezone=content.clinic.timezone,
            console_base_url=base,
            smtp=smtp,
            webhook_urls=webhook_urls,
            test_sender_prefixes=tuple(content.console.test_sender_prefixes),
            poll_seconds=poll,
            lease_seconds=lease,
            claim_seconds=claim,
            send_timeout_seconds=timeout,
            retry_base_seconds=_number(env, "ALERTS_RETRY_BASE_SECONDS", 10.0, 0.1, 3600),
            retry_max_seconds=_number(env, "ALERTS_RETRY_MAX_SECONDS", 600.0, 1, 86400),
            max_attempts=int(_number(env, "ALERTS_MAX_ATTEMPTS", 12, 1, 1000)),
            settle_seconds=_number(env, "ALERTS_SETTLE_SECONDS", 300.0, 5, 86400),
        )


def _smtp(env: Mapping[str, str]) -> SmtpSettings:
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        raise AlertConfigError(
            "alerts.on_call in the clinic file lists contacts to email, but "
            "SMTP_HOST is not set (and SMTP_PORT, ALERT_FROM, and SMTP_USER/"
            "SMTP_PASSWORD if the server needs a login)"
        )
    sender = env.get("ALERT_FROM", "").strip()
    if not sender or "@" not in sender:
        raise AlertConfigError(f"ALERT_FROM must be the email address alerts come from, got {sender!r}")
    use_ssl = _flag(env, "SMTP_SSL", False)
    starttls = _flag(env, "SMTP_STARTTLS", not use_ssl)
    if use_ssl and starttls:
        raise AlertConfigError("set SMTP_SSL=1 (TLS from the start) or SMTP_STARTTLS=1, not both")
    user = env.get("SMTP_USER", "")
    password = env.get("SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        raise AlertConfigError("set both SMTP_USER and SMTP_PASSWORD, or neither")
    if user and not (use_ssl or starttls) and host not in LOCAL_HOSTS:
        raise AlertConfigError(
            "SMTP_USER is set but neither SMTP_STARTTLS nor SMTP_SSL is on: the "
            "password would cross the network unencrypted"
        )
    port = int(_number(env, "SMTP_PORT", 465 if use_ssl else 587, 1, 65535))
    return SmtpSettings(host, port, user, password, starttls, use_ssl, sender)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    return number_setting(env, name, default, at_least=low, at_most=high, error=AlertConfigError)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise AlertConfigError(f"{name} must be 1 or 0, got {raw!r}")
