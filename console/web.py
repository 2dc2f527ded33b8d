"""The staff console web app (Flask application factory)."""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from flask import (Flask, Response, abort, current_app, flash, g, redirect, render_template,
                   request, session, url_for)
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

from console import analytics as analytics_mod
from console import charts, export, retraining, store, tracker
from console.config import Settings
from console.labels import load_labels
from console.masking import mask, shorten

# Strict, ASCII-only parsing: str.isdigit() and \d accept "²" or "٣", which int() refuses.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER = re.compile(r"[0-9]{1,19}")
MAX_ID = 2 ** 63 - 1  # the largest integer SQLite and PostgreSQL (bigint) store
MAX_PAGE = 100000
# Dates the console accepts in filters: wide enough for any real conversation, and far
# enough from date.min/max that adding a day or a month never overflows.
MIN_DATE, MAX_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)
PUBLIC_ENDPOINTS = {"login", "static"}
PINNED_ROWS = 10
INTENTS_SEEN_TTL = 300  # seconds between re-reading the intents found in the tracker store
MAX_ANALYTICS_DAYS = 366


@dataclass
class Console:
    settings: Settings
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
    def throttle(self) -> store.ThrottleRules:
        s = self.settings
        return store.ThrottleRules(s.login_max_failures, s.login_window_minutes * 60,
                                   s.login_lock_minutes * 60, s.login_max_failures_per_ip)


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


def parse_int(raw: Optional[str], low: int = 1, high: int = MAX_ID) -> Optional[int]:
    """An ASCII decimal integer within [low, high], else None (never raises)."""
    raw = (raw or "").strip()
    if not NUMBER.fullmatch(raw):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def ctx() -> Console:
    return current_app.extensions["console"]


# --- helpers ----------------------------------------------------------------------------

def client_ip() -> str:
    return (request.remote_addr or "")[:64]


# Events anyone can cause without signing in: aggregated per IP and minute (store.py).
SIGNED_OUT_AGGREGATED = {"login_failed", "login_locked", "csrf_refused"}


def audit(action: str, target: Optional[str] = None, username: Optional[str] = None,
          **detail: Any) -> None:
    user = getattr(g, "user", None)
    if user is None and action in SIGNED_OUT_AGGREGATED:
        store.audit_aggregated(ctx().staff, action, username, client_ip(), detail or None)
        return
    store.audit(ctx().staff, action, username or (user.username if user else None),
                user.role if user else None, target, detail or None, client_ip())


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def refuse(status: int, message: str) -> Tuple[Response, int]:
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
                    return redirect(url_for("login", next=target,
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


def parse_date(raw: str, name: str, errors: List[str]) -> Optional[dt.date]:
    raw = raw.strip()
    if not raw:
        return None
    if DATE.fullmatch(raw):
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if MIN_DATE <= day <= MAX_DATE:
                return day
            errors.append(f"“{name}” must be between {MIN_DATE.isoformat()} and "
                          f"{MAX_DATE.isoformat()}.")
            return None
    errors.append(f"“{shorten(raw, 40)}” is not a date for “{name}”: use YYYY-MM-DD.")
    return None


def safe_next(target: Optional[str]) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not target.startswith("/login"):
        return target
    return url_for("conversations")


def conversation_or_404(conversation_id: int) -> str:
    sender = tracker.sender_for_conversation(ctx().tracker, conversation_id)
    if sender is None:
        abort(404)
    return sender


def back_to(conversation_id: int) -> Response:
    return redirect(url_for("conversation", conversation_id=conversation_id))


# --- filters ----------------------------------------------------------------------------

FILTER_FIELDS = ("from", "to", "intent", "fallback", "red_flag", "followup", "max_conf",
                 "reviewed", "tag", "q")


def parse_filters(args) -> Tuple[Dict[str, str], tracker.TrackerFilters, List[str], int]:
    form = {name: (args.get(name) or "").strip() for name in FILTER_FIELDS}
    errors: List[str] = []
    c = ctx()
    filters = tracker.TrackerFilters()
    start = parse_date(form["from"], "from", errors)
    end = parse_date(form["to"], "to", errors)
    if start:
        filters.start = tracker.to_epoch(start, c.tz)
    if end:
        filters.end = tracker.to_epoch(end + dt.timedelta(days=1), c.tz)
    if start and end and start > end:
        errors.append("“from” is after “to”.")
    if len(form["intent"]) > 255:
        errors.append("The intent is too long.")
    filters.intent = form["intent"] or None
    for name in ("fallback", "red_flag"):
        if form[name] not in ("", "1"):
            errors.append(f"“{name}” must be on or off.")
    filters.fallback = form["fallback"] == "1"
    filters.red_flag = form["red_flag"] == "1"
    if form["max_conf"]:
        try:
            threshold = float(form["max_conf"])
            if not 0 <= threshold <= 1:
                raise ValueError
            filters.max_confidence = threshold
        except ValueError:
            errors.append(f"“{shorten(form['max_conf'], 40)}” is not a confidence between 0 and 1.")
    if len(form["q"]) > 200:
        errors.append("The search text is too long (200 characters at most).")
    filters.text = form["q"] or None

    include: Optional[Set[str]] = None
    exclude: Set[str] = set()

    def narrow(senders: Set[str]) -> None:
        nonlocal include
        include = senders if include is None else include & senders

    if form["reviewed"] == "yes":
        narrow(store.reviewed_senders(c.staff))
    elif form["reviewed"] == "no":
        exclude |= store.reviewed_senders(c.staff)
    elif form["reviewed"]:
        errors.append("“reviewed” must be yes, no or empty.")
    if form["followup"] == "pending":
        filters.red_flag = True
        exclude |= store.followed_up_senders(c.staff)
    elif form["followup"] == "done":
        narrow(store.followed_up_senders(c.staff))
    elif form["followup"]:
        errors.append("“follow-up” must be pending, done or empty.")
    if form["tag"]:
        narrow(store.senders_with_tag(c.staff, form["tag"]))
    filters.include = include
    filters.exclude = exclude or None

    page = parse_int(args.get("page") or "1", 1, MAX_PAGE)
    if page is None:
        errors.append("The page number is not valid.")
        page = 1
    return form, filters, errors, page


# --- the app ----------------------------------------------------------------------------

def create_app(settings: Optional[Settings] = None, run_migrations: bool = False) -> Flask:
    settings = settings or Settings.from_env()
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
    staff_engine = store.make_staff_engine(settings.staff_db_url)
    if run_migrations:
        store.migrate(staff_engine)
    app.extensions["console"] = Console(settings, store.make_engine(settings.tracker_db_url),
                                        staff_engine, ZoneInfo(settings.clinic_timezone),
                                        load_labels())
    app.jinja_env.globals.update(csrf_token=csrf_token, fmt_time=fmt_time,
                                 mask=functools.partial(mask, region=settings.phone_region),
                                 shorten=shorten, clinic_name=settings.clinic_name)

    @app.before_request
    def load_user():
        g.user = None
        if request.endpoint == "static":
            return None
        if _has_nul():
            # PostgreSQL cannot store or compare text with NUL characters; nobody types them.
            return refuse(400, "The request contains a NUL character.")
        c = ctx()
        token = session.get("sid")
        if token:
            user, reason = store.resume_session(c.staff, token, c.settings.idle_minutes * 60,
                                                c.settings.session_hours * 3600)
            if user is None:
                session.pop("sid", None)
                g.signed_out_reason = reason or None
                if reason:
                    store.audit(c.staff, f"signed_out_{reason}", None, None, None, None,
                                client_ip())
            g.user = user
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if g.user is None and request.endpoint != "login":
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

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(404)
    def not_found(_error):
        return refuse(404, "Not found (it may have been erased).")

    @app.errorhandler(413)
    def too_large(_error):
        return refuse(413, "That form was too large.")

    _routes(app)
    from console.blueprints import callbacks

    app.register_blueprint(callbacks.bp)
    for endpoint, view in app.view_functions.items():
        if endpoint not in PUBLIC_ENDPOINTS and not hasattr(view, "console_access"):
            raise RuntimeError(f"view {endpoint} has no access rule")
    return app


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for values in (request.args, request.form if request.method == "POST" else {}):
        for key, value in values.items(multi=True) if values else ():
            if "\x00" in key or "\x00" in value:
                return True
    return False


def _routes(app: Flask) -> None:  # noqa: C901 - one place for every route

    # --- sign-in ------------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
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
        until = store.reserve_attempt(c.staff, username, ip, rules)
        if until:
            audit("login_locked", username=username or None)
            minutes = max(1, round((until - dt.datetime.now().timestamp()) / 60))
            return render_template("login.html", next=next_url, username=username,
                                   error=f"Too many failed sign-ins. Try again in about "
                                         f"{minutes} minutes."), 429
        user = store.authenticate(c.staff, username, password) if username and password else None
        if user is None:
            locked = store.record_failure(c.staff, username, ip, rules)
            audit("login_failed", username=username or None, locked=locked)
            if locked:
                return render_template(
                    "login.html", next=next_url, username=username,
                    error=f"Too many failed sign-ins. Try again in "
                          f"{c.settings.login_lock_minutes:g} minutes."), 429
            return render_template("login.html", next=next_url, username=username,
                                   error="Wrong username or password."), 401
        store.record_success(c.staff, username, ip, rules)
        session.clear()
        session["sid"] = store.start_session(c.staff, user, ip)
        session["csrf"] = secrets.token_urlsafe(32)
        g.user = user
        audit("login")
        return redirect(safe_next(next_url))

    @app.route("/logout", methods=["POST"])
    @requires()
    def logout():
        token = session.get("sid")
        if token:
            store.end_session(ctx().staff, token)
        audit("logout")
        session.clear()
        return redirect(url_for("login", reason="signed_out"))

    @app.route("/")
    @requires()
    def index():
        return redirect(url_for("conversations"))

    # --- conversations ------------------------------------------------------------------

    @app.route("/conversations")
    @requires()
    def conversations():
        c = ctx()
        form, filters, errors, page = parse_filters(request.args)
        size = c.settings.page_size
        ready = tracker.has_events_table(c.tracker)
        rows: List[tracker.ConversationSummary] = []
        total = 0
        if ready and not errors:
            rows, total = tracker.list_conversations(c.tracker, filters, size, (page - 1) * size)
        pinned: List[tracker.ConversationSummary] = []
        pinned_total = 0
        if ready:  # red flags nobody has followed up yet, always on top
            waiting = tracker.TrackerFilters(red_flag=True,
                                             exclude=store.followed_up_senders(c.staff) or None)
            pinned, pinned_total = tracker.list_conversations(c.tracker, waiting, PINNED_ROWS)
        senders = [r.sender_id for r in rows] + [r.sender_id for r in pinned]
        statuses = store.statuses(c.staff, senders)
        tag_map = store.tags_for(c.staff, senders)
        intents = sorted(set(c.labels) | set(c.intents_seen() if ready else [])
                         | {label.split("/", 1)[0] for label in c.labels}
                         | set(tracker.FALLBACK_INTENTS))
        audit("view_conversation_list", page=page, results=total,
              filters={k: v for k, v in form.items() if v})
        query = {k: v for k, v in form.items() if v}
        pages = max(1, -(-total // size))
        return render_template(
            "conversations.html", rows=rows, pinned=pinned, pinned_total=pinned_total, total=total, page=page, pages=pages,
            form=form, errors=errors, statuses=statuses, tag_map=tag_map, intents=intents,
            all_tags=store.all_tags(c.staff), query=query, ready=ready)

    @app.route("/conversations/<id:conversation_id>")
    @requires()
    def conversation(conversation_id: int):
        c = ctx()
        sender = conversation_or_404(conversation_id)
        items = tracker.transcript(c.tracker, sender)
        treatment_date = None
        red_flag = False
        for item in items:
            if item.kind == "slot" and item.slot == tracker.DATE_SLOT:
                treatment_date = item.value
            if (item.kind == "slot" and item.slot == tracker.RED_FLAG_SLOT and item.value is True) \
                    or (item.kind == "user" and item.intent == tracker.RED_FLAG_INTENT):
                red_flag = True
        status = store.statuses(c.staff, [sender]).get(sender, {})
        # Callback numbers are shown in full only on the request's own page.
        from console.callback_requests import hide_callback_numbers

        hide_callback_numbers(items, c.settings.phone_region)
        audit("view_conversation", target=sender)
        return render_template(
            "transcript.html", conversation_id=conversation_id, sender=sender, items=items,
            treatment_date=treatment_date, red_flag=red_flag, status=status,
            tags=store.tags_for(c.staff, [sender])[sender], all_tags=store.all_tags(c.staff),
            annotations=store.annotations_for(c.staff, sender), labels=c.labels)

    @app.route("/conversations/<id:conversation_id>/review", methods=["POST"])
    @requires()
    def review(conversation_id: int):
        sender = conversation_or_404(conversation_id)
        reviewed = request.form.get("reviewed") != "0"
        store.set_reviewed(ctx().staff, sender, g.user.username, reviewed)
        audit("mark_reviewed" if reviewed else "mark_unreviewed", target=sender)
        flash("Marked as reviewed." if reviewed else "Marked as not reviewed.")
        return back_to(conversation_id)

    @app.route("/conversations/<id:conversation_id>/followup", methods=["POST"])
    @requires()
    def followup(conversation_id: int):
        sender = conversation_or_404(conversation_id)
        note = (request.form.get("note") or "").strip()
        store.set_followed_up(ctx().staff, sender, g.user.username, note)
        audit("red_flag_followed_up", target=sender, note=bool(note))
        flash("Red flag marked as followed up.")
        return back_to(conversation_id)

    @app.route("/conversations/<id:conversation_id>/tags", methods=["POST"])
    @requires()
    def add_tag(conversation_id: int):
        sender = conversation_or_404(conversation_id)
        try:
            name = store.add_tag(ctx().staff, sender, request.form.get("name") or "",
                                 g.user.username)
        except store.UserError as error:
            flash(str(error), "error")
        else:
            audit("tag_added", target=sender, tag=name)
        return back_to(conversation_id)

    @app.route("/conversations/<id:conversation_id>/tags/remove", methods=["POST"])
    @requires()
    def remove_tag(conversation_id: int):
        sender = conversation_or_404(conversation_id)
        tag_id = parse_int(request.form.get("tag_id"))
        if tag_id is None:
            return refuse(400, "No tag given.")
        name = store.remove_tag(ctx().staff, sender, tag_id)
        audit("tag_removed", target=sender, tag=name)
        return back_to(conversation_id)

    @app.route("/conversations/<id:conversation_id>/annotate", methods=["POST"])
    @requires()
    def annotate(conversation_id: int):
        c = ctx()
        sender = conversation_or_404(conversation_id)
        event_id = parse_int(request.form.get("event_id"))
        intent = request.form.get("intent") or ""
        if intent not in c.labels:
            return refuse(400, "Choose an intent from the list.")
        message = tracker.user_message(c.tracker, sender, event_id) \
            if event_id is not None else None
        if message is None:
            return refuse(404, "That patient message is not in this conversation.")
        store.save_annotation(c.staff, sender, message.event_id, message.text, message.intent,
                              message.confidence, intent, g.user.username)
        audit("intent_corrected", target=sender, event_id=message.event_id,
              predicted=message.intent, corrected=intent)
        flash(f"Saved: this message is {intent}.")
        return redirect(url_for("conversation", conversation_id=conversation_id)
                        + f"#event-{message.event_id}")

    @app.route("/conversations/<id:conversation_id>/erase", methods=["POST"])
    @requires(role="admin")
    def erase(conversation_id: int):
        c = ctx()
        sender = conversation_or_404(conversation_id)
        if (request.form.get("confirm") or "").strip() != "ERASE":
            flash("Type ERASE to confirm the erasure.", "error")
            return back_to(conversation_id)
        events_deleted = tracker.erase_conversation(c.tracker, sender)
        notes_deleted = store.erase_sender(c.staff, sender)
        audit("erase_conversation", target=sender, events_deleted=events_deleted,
              console_rows_deleted=notes_deleted)
        flash(f"The conversation was erased ({events_deleted} stored events).")
        return redirect(url_for("conversations"))

    # --- annotations --------------------------------------------------------------------

    @app.route("/annotations")
    @requires()
    def annotations():
        c = ctx()
        rows = store.list_annotations(c.staff)
        ids = {}
        for row in rows:
            if row["sender_id"] not in ids:
                ids[row["sender_id"]] = tracker.conversation_id_for_sender(c.tracker, row["sender_id"])
        audit("view_annotations", results=len(rows))
        return render_template("annotations.html", rows=rows, ids=ids)

    @app.route("/annotations/<id:annotation_id>/delete", methods=["POST"])
    @requires()
    def delete_annotation(annotation_id: int):
        row = store.delete_annotation(ctx().staff, annotation_id)
        if row is None:
            abort(404)
        audit("annotation_deleted", target=row["sender_id"], event_id=row["event_id"],
              corrected=row["corrected_intent"])
        flash("Correction removed.")
        return redirect(url_for("annotations"))

    @app.route("/annotations/export.yml")
    @requires(kind="file")
    def export_annotations():
        c = ctx()
        rows = store.list_annotations(c.staff)
        masked = [{**row, "text": mask(row["text"], c.settings.phone_region)} for row in rows]
        now = dt.datetime.now(c.tz)
        body = export.nlu_yaml(masked, now)
        audit("export_annotations", examples=len(rows))
        return Response(body, mimetype="application/x-yaml", headers={
            "Content-Disposition": f'attachment; filename="nlu-corrections-{now:%Y%m%d-%H%M}.yml"'})

    # --- retraining ---------------------------------------------------------------------

    @app.route("/retrain")
    @requires()
    def retrain_reports():
        c = ctx()
        root = c.settings.retrain_root
        audit("view_retrain")
        runs = retraining.reports(root)
        return render_template("retrain.html", runs=runs, latest=runs[0] if runs else None,
                               status=retraining.status(root),
                               corrections=len(store.list_annotations(c.staff)))

    @app.route("/retrain/<run_id>")
    @requires()
    def retrain_report(run_id: str):
        c = ctx()
        report = retraining.report(c.settings.retrain_root, run_id)
        if report is None:
            abort(404)
        audit("view_retrain_report", target=run_id)
        return render_template("retrain_report.html", report=report)

    @app.route("/retrain", methods=["POST"])
    @requires(role="admin")
    def retrain_start():
        c = ctx()
        root = c.settings.retrain_root
        if retraining.status(root).get("state") == "running":
            flash("A retrain is already running; its report appears here when it ends.", "error")
            return redirect(url_for("retrain_reports"))
        rows = [{**row, "text": mask(row["text"], c.settings.phone_region)}
                for row in store.list_annotations(c.staff)]
        written = retraining.write_corrections(root, rows, dt.datetime.now(c.tz))
        process = retraining.start(root, c.settings.retrain_args)
        audit("retrain_started", corrections=written, pid=process.pid)
        flash(f"Retraining started with {written} correction(s). It checks the FAQ files, "
              "trains, and switches the bot to the new model only if it is no worse. "
              "Refresh this page to follow it.")
        return redirect(url_for("retrain_reports"))

    # --- analytics ----------------------------------------------------------------------

    def analytics_period() -> Tuple[dt.date, dt.date, List[str]]:
        errors: List[str] = []
        end = parse_date(request.args.get("to", ""), "to", errors) or today()
        start = parse_date(request.args.get("from", ""), "from", errors) \
            or end - dt.timedelta(days=29)
        if start > end:
            errors.append("“from” is after “to”; showing the 30 days up to “to”.")
            start = end - dt.timedelta(days=29)
        if (end - start).days + 1 > MAX_ANALYTICS_DAYS:
            errors.append(f"At most {MAX_ANALYTICS_DAYS} days at a time; showing the last "
                          f"{MAX_ANALYTICS_DAYS} days up to “to”.")
            start = end - dt.timedelta(days=MAX_ANALYTICS_DAYS - 1)
        return start, end, errors

    @app.route("/analytics")
    @requires()
    def analytics():
        c = ctx()
        start, end, errors = analytics_period()
        ready = tracker.has_events_table(c.tracker)
        data = analytics_mod.compute(c.tracker, start, end, c.tz) if ready \
            else analytics_mod.Analytics(start, end)
        labels = [f"{d.day} {d:%b}" for d in data.days]
        figures = {
            "volume": charts.line_chart("volume", "Conversations and patient messages per day",
                                        labels, [("Conversations", data.conversations),
                                                 ("Patient messages", data.patient_messages)]),
            "intents": charts.hbar_chart("intents", "Top intents (patient messages)",
                                         [name for name, _ in data.top_intents],
                                         [count for _, count in data.top_intents]),
            "fallback": charts.line_chart("fallback", "Fallback / out-of-scope rate per day",
                                          labels, [("Fallback rate", data.fallback_rate)],
                                          percent=True, y_max=100),
            "red_flags": charts.bar_chart("red_flags", "Conversations with a red flag per day",
                                          labels, data.red_flag_conversations),
        }
        audit("view_analytics", start=start.isoformat(), end=end.isoformat())
        return render_template("analytics.html", data=data, figures=figures, errors=errors,
                               start=start, end=end, ready=ready,
                               period={"from": start.isoformat(), "to": end.isoformat()})

    @app.route("/analytics/<view>.csv")
    @requires(kind="file")
    def analytics_csv(view: str):
        c = ctx()
        if view not in analytics_mod.VIEWS:
            abort(404)
        start, end, _errors = analytics_period()
        data = analytics_mod.compute(c.tracker, start, end, c.tz) \
            if tracker.has_events_table(c.tracker) else analytics_mod.Analytics(start, end)
        audit("export_analytics", view=view, start=start.isoformat(), end=end.isoformat())
        return Response(analytics_mod.to_csv(data, view), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{view}-{start}-{end}.csv"'})

    # --- admin --------------------------------------------------------------------------

    @app.route("/audit")
    @requires(role="admin")
    def audit_log():
        c = ctx()
        user = (request.args.get("user") or "").strip()[:64]
        action = (request.args.get("action") or "").strip()[:64]
        page = parse_int(request.args.get("page") or "1", 1, MAX_PAGE) or 1
        size = 100
        rows, total = store.audit_page(c.staff, size, (page - 1) * size, user, action)
        audit("view_audit", page=page, user_filter=user or None, action_filter=action or None)
        return render_template("audit.html", rows=rows, total=total, page=page,
                               pages=max(1, -(-total // size)), user=user, action=action,
                               actions=store.audit_actions(c.staff),
                               query={k: v for k, v in (("user", user), ("action", action)) if v})

    @app.route("/users", methods=["GET", "POST"])
    @requires(role="admin")
    def users():
        c = ctx()
        if request.method == "POST":
            username = (request.form.get("username") or "").strip()
            try:
                store.create_user(c.staff, username, request.form.get("password") or "",
                                  request.form.get("role") or "")
            except store.UserError as error:
                flash(str(error), "error")
            else:
                audit("user_created", target=username, role_given=request.form.get("role"))
                flash(f"User {username} created.")
            return redirect(url_for("users"))
        audit("view_users")
        return render_template("users.html", users=store.list_users(c.staff))

    @app.route("/users/<id:user_id>/active", methods=["POST"])
    @requires(role="admin")
    def user_active(user_id: int):
        c = ctx()
        active = request.form.get("active") == "1"
        target = next((u for u in store.list_users(c.staff) if u["id"] == user_id), None)
        if target is None:
            abort(404)
        if not active and target["id"] == g.user.id:
            flash("You cannot deactivate your own account.", "error")
        elif not active and target["role"] == "admin" and store.count_admins(c.staff) <= 1:
            flash("The last active administrator cannot be deactivated.", "error")
        else:
            store.set_active(c.staff, user_id, active)
            audit("user_activated" if active else "user_deactivated", target=target["username"])
        return redirect(url_for("users"))

