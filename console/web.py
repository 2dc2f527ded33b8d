"""The staff console web app (Flask application factory); the pages are blueprints in
console/blueprints/."""
from __future__ import annotations

import dataclasses
import functools
import hmac
from typing import Optional
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from console import staff_db
from console.blueprints import BLUEPRINTS
from console.blueprints.shared import (Console, IdConverter, audit, client_ip, csrf_token, ctx,
                                       fmt_time, refuse)
from console.config import ConsoleSettings
from console.labels import load_labels
from console.masking import mask, shorten

PUBLIC_ENDPOINTS = {"auth.login", "static"}


def create_app(settings: Optional[ConsoleSettings] = None, run_migrations: bool = False) -> Flask:
    settings = settings or ConsoleSettings.from_env()
    if not settings.erasure_key:
        from console.erasure import load_audit_key

        settings = dataclasses.replace(settings, erasure_key=load_audit_key())
    app = Flask(__name__)
    app.url_map.converters["id"] = IdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="clinic_staff_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        MAX_CONTENT_LENGTH=256 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore
    staff_engine = staff_db.make_staff_engine(settings.staff_db_url)
    if run_migrations:
        staff_db.migrate(staff_engine)
    app.extensions["console"] = Console(settings, staff_db.make_engine(settings.tracker_db_url),
                                        staff_engine, ZoneInfo(settings.clinic_timezone),
                                        load_labels())
    app.jinja_env.globals.update(csrf_token=csrf_token, fmt_time=fmt_time,
                                 mask=functools.partial(mask, region=settings.phone_region),
                                 shorten=shorten, clinic_name=settings.clinic_name)
    app.before_request(load_user_and_check_form)
    app.after_request(security_headers)
    app.register_error_handler(404, lambda _error: refuse(404, "Not found (it may have been "
                                                              "erased)."))
    app.register_error_handler(413, lambda _error: refuse(413, "That form was too large."))
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for endpoint, view in app.view_functions.items():
        if endpoint not in PUBLIC_ENDPOINTS and not hasattr(view, "console_access"):
            raise RuntimeError(f"view {endpoint} has no access rule")
    return app


def load_user_and_check_form():
    g.user = None
    if request.endpoint == "static":
        return None
    if _has_nul():
        # PostgreSQL cannot store or compare text with NUL characters; nobody types them.
        return refuse(400, "The request contains a NUL character.")
    c = ctx()
    token = session.get("sid")
    if token:
        user, reason = staff_db.resume_session(c.staff, token, c.settings.idle_minutes * 60,
                                            c.settings.session_hours * 3600)
        if user is None:
            session.pop("sid", None)
            g.signed_out_reason = reason or None
            if reason:
                staff_db.audit(c.staff, f"signed_out_{reason}", None, None, None, None, client_ip())
        g.user = user
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if g.user is None and request.endpoint != "auth.login":
            return refuse(401, "Sign-in required.")
        # Defence in depth next to the token; "null" (privacy settings) is left to the token.
        origin = request.headers.get("Origin")
        if origin not in (None, "null") and origin != request.host_url.rstrip("/"):
            audit("csrf_refused", reason="origin", path=request.path)
            return refuse(403, "This form came from another site and was refused.")
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf") or ""
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            audit("csrf_refused", reason="token", path=request.path)
            return refuse(403, "The form's security token is missing or out of date. "
                               "Reload the page and try again.")
    return None


def security_headers(response: Response) -> Response:
    # A blueprint may set a stricter-or-equal policy of its own (the live handoff adds its script).
    response.headers.setdefault("Content-Security-Policy", (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for values in [request.args] + ([request.form] if request.method == "POST" else []):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
    return False
