"""Signing in and out."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Optional

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from console import staff_db
from console.blueprints.shared import audit, client_ip, ctx, requires

bp = Blueprint("auth", __name__)


def safe_next(target: Optional[str]) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not target.startswith("/login"):
        return target
    return url_for("conversations.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    c = ctx()
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if g.user is not None:
            return redirect(safe_next(next_url))
        reason = request.args.get("reason")
        notice = {"idle": f"You were signed out after {c.settings.idle_minutes:g} minutes "
                          f"without activity.",
                  "expired": "Your session ended. Please sign in again.",
                  "signed_out": "You are signed out."}.get(reason or "")
        return render_template("login.html", next=next_url, notice=notice)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    ip = client_ip()
    rules = c.throttle
    # Counted before the password is checked, atomically (parallel attempts included).
    until = staff_db.reserve_attempt(c.staff, username, ip, rules)
    if until:
        audit("login_locked", username=username or None)
        minutes = max(1, round((until - dt.datetime.now().timestamp()) / 60))
        return render_template("login.html", next=next_url, username=username,
                               error=f"Too many failed sign-ins. Try again in about "
                                     f"{minutes} minutes."), 429
    user = staff_db.authenticate(c.staff, username, password) if username and password else None
    if user is None:
        locked = staff_db.record_failure(c.staff, username, ip, rules)
        audit("login_failed", username=username or None, locked=locked)
        if locked:
            return render_template(
                "login.html", next=next_url, username=username,
                error=f"Too many failed sign-ins. Try again in "
                      f"{c.settings.login_lock_minutes:g} minutes."), 429
        return render_template("login.html", next=next_url, username=username,
                               error="Wrong username or password."), 401
    staff_db.record_success(c.staff, username, ip, rules)
    session.clear()
    session["sid"] = staff_db.start_session(c.staff, user, ip)
    session["csrf"] = secrets.token_urlsafe(32)
    g.user = user
    audit("login")
    return redirect(safe_next(next_url))


@bp.route("/logout", methods=["POST"])
@requires()
def logout():
    token = session.get("sid")
    if token:
        staff_db.end_session(ctx().staff, token)
    audit("logout")
    session.clear()
    return redirect(url_for("auth.login", reason="signed_out"))
