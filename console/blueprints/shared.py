"""What every blueprint of the console shares: the app's context, access rules, audit,
CSRF token, refusals, time formatting and strict parsing of parameters."""
from __future__ import annotations

import datetime as dt
import functools
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from flask import (Response, abort, current_app, g, redirect, render_template, request, session,
                   url_for)
from sqlalchemy.engine import Engine
from werkzeug.routing import BaseConverter, ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from console import staff_db, tracker
from console.config import ConsoleSettings
from console.parsing import MAX_ID, InputError, parse_int, read_date

MAX_PAGE = 100000
INTENTS_SEEN_TTL = 300  # seconds between re-reading the intents found in the tracker store


@dataclass
class Console:
    settings: ConsoleSettings
    tracker: Engine
    staff: Engine
    tz: ZoneInfo
    labels: List[str]
    _intents_seen: Tuple[float, List[str]] = (0.0, [])

    def intents_seen(self) -> List[str]:
        """Intents found in patient messages (for the filter menu), cached for a few minutes."""
        read_at, names = self._intents_seen
        if time.time() - read_at > INTENTS_SEEN_TTL:
            names = tracker.intents_seen(self.tracker)
            self._intents_seen = (time.time(), names)
        return names

    @property
    def throttle(self) -> staff_db.ThrottleRules:
        s = self.settings
        return staff_db.ThrottleRules(s.login_max_failures, s.login_window_minutes * 60,
                                   s.login_lock_minutes * 60, s.login_max_failures_per_ip)


def ctx() -> Console:
    return current_app.extensions["console"]


class IdConverter(BaseConverter):
    """<id:name>: a positive ASCII integer that fits a 64-bit column; anything else is 404."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_int(value, 1, MAX_ID)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def parse_page(raw: Optional[str], errors: List[str]) -> int:
    page = parse_int(raw or "1", 1, MAX_PAGE)
    if page is None:
        errors.append("The page number is not valid.")
        return 1
    return page


def parse_date(raw: str, name: str, errors: List[str]) -> Optional[dt.date]:
    try:
        return read_date(raw, name)
    except InputError as error:
        errors.append(str(error))
        return None


def client_ip() -> str:
    return (request.remote_addr or "")[:64]


# Events anyone can cause without signing in: aggregated per IP and minute (staff_db.py).
SIGNED_OUT_AGGREGATED = {"login_failed", "login_locked", "csrf_refused"}


def audit(action: str, target: Optional[str] = None, username: Optional[str] = None,
          **detail: Any) -> None:
    user = getattr(g, "user", None)
    if user is None and action in SIGNED_OUT_AGGREGATED:
        staff_db.audit_aggregated(ctx().staff, action, username, client_ip(), detail or None)
        return
    staff_db.audit(ctx().staff, action, username or (user.username if user else None),
                user.role if user else None, target, detail or None, client_ip())


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def refuse(status: int, message: str) -> Tuple[Union[str, Response], int]:
    if request.accept_mimetypes.accept_html and request.method == "GET":
        return render_template("error.html", status=status, message=message), status
    return Response(message + "\n", status=status, mimetype="text/plain"), status


def requires(kind: str = "html", role: Optional[str] = None) -> Callable:
    """Sign-in (and optionally the admin role) for a view.

    kind "html": a signed-out GET is redirected to /login; "file": refused with 401.
    Signed-out POSTs are refused with 401 before any view runs.
    """
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if g.user is None:
                if kind == "html" and request.method == "GET":
                    target = request.full_path if request.query_string else request.path
                    return redirect(url_for("auth.login", next=target,
                                            reason=getattr(g, "signed_out_reason", None) or None))
                return refuse(401, "Sign-in required.")
            if role == "admin" and not g.user.is_admin:
                audit("forbidden", detail_path=request.path)
                return refuse(403, "Only an administrator can do this.")
            return view(*args, **kwargs)

        wrapper.console_access = (kind, role)  # type: ignore[attr-defined]
        return wrapper
    return decorate


def fmt_time(ts: Optional[float], with_seconds: bool = False) -> str:
    if not ts:
        return ""
    moment = dt.datetime.fromtimestamp(ts, ctx().tz)
    return moment.strftime("%d %b %Y %H:%M:%S %Z" if with_seconds else "%d %b %Y %H:%M %Z")


def today() -> dt.date:
    return dt.datetime.now(ctx().tz).date()


def conversation_or_404(conversation_id: int) -> str:
    sender = tracker.sender_for_conversation(ctx().tracker, conversation_id)
    if sender is None:
        abort(404)
    return sender


def back_to(conversation_id: int) -> WerkzeugResponse:
    return redirect(url_for("conversations.show", conversation_id=conversation_id))
