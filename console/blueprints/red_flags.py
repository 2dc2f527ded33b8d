"""The red-flag queue: conversations with a red flag nobody has followed up yet, marked
followed up one by one or several at once, and the latest ones followed up (who, when)."""
from __future__ import annotations

from typing import Dict, List

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from alerts import outbox as alert_outbox
from console import callback_requests, staff_db, tracker
from console.blueprints.conversations import filter_context
from console.blueprints.shared import Console, audit, ctx, parse_int, parse_page, refuse, requires
from console.conversation_filters import read_filters

bp = Blueprint("red_flags", __name__)
FOLLOWED_UP_SHOWN = 25
MAX_BULK = 500  # more boxes than any page shows: a form beyond that is not ours


@bp.route("/red-flags")
@requires()
def index():
    c = ctx()
    errors: List[str] = []
    page = parse_page(request.args.get("page"), errors)
    shown_tests = {"tests": request.args.get("tests", "")}
    waiting = read_filters({"followup": "pending", **shown_tests}, filter_context())
    done = read_filters({"followup": "done", "red_flag": "1", **shown_tests}, filter_context())
    errors.extend(waiting.errors)
    size = c.settings.page_size
    pending: List[tracker.ConversationSummary] = []
    followed: List[tracker.ConversationSummary] = []
    total = 0
    if tracker.has_events_table(c.tracker) and not errors:
        pending, total = tracker.list_conversations(c.tracker, waiting.query, size,
                                                    (page - 1) * size)
        followed, _ = tracker.list_conversations(c.tracker, done.query, FOLLOWED_UP_SHOWN)
    senders = [row.sender_id for row in pending + followed]
    # Sender id -> the latest alert (alerts.outbox.AlertStatus) for the "Alert" column
    # and text for the "Callback" column: the latest request's status, never its number.
    alert_status = alert_outbox.latest_alerts(c.staff, senders)
    callbacks = callback_column(c, senders)
    audit("view_red_flags", page=page, results=total)
    return render_template(
        "red_flags.html", pending=pending, followed=followed, total=total, page=page,
        pages=max(1, -(-total // size)), errors=errors, statuses=staff_db.statuses(c.staff, senders),
        alert_status=alert_status, callbacks=callbacks,
        query={k: v for k, v in shown_tests.items() if v})


def callback_column(c: Console, senders: List[str]) -> Dict[str, str]:
    latest = callback_requests.latest_by_sender(c.tracker, senders)
    statuses = staff_db.callback_statuses(c.staff, [r.request_id for r in latest.values()])
    column = {}
    for sender, found in latest.items():
        status = (statuses.get(found.request_id) or {}).get("status") or "new"
        column[sender] = f"{callback_requests.STATUS_LABELS.get(status, status)} ({found.reason_label.lower()})"
    return column


@bp.route("/red-flags/followup", methods=["POST"])
@requires()
def follow_up():
    c = ctx()
    raw_ids = request.form.getlist("conversation_id")
    if not raw_ids:
        flash("Tick at least one conversation to mark it followed up.", "error")
        return redirect(url_for("red_flags.index"))
    if len(raw_ids) > MAX_BULK:
        return refuse(400, f"At most {MAX_BULK} conversations at once.")
    ids = [cid for cid in (parse_int(raw) for raw in raw_ids) if cid is not None]
    if len(ids) != len(raw_ids):
        return refuse(400, "A conversation id in the form is not valid.")
    senders = {cid: tracker.sender_for_conversation(c.tracker, cid) for cid in set(ids)}
    found = {cid: sender for cid, sender in senders.items() if sender is not None}
    note = (request.form.get("note") or "").strip()
    staff_db.set_followed_up_many(c.staff, sorted(found.values()), g.user.username, note)
    for sender in sorted(found.values()):
        audit("red_flag_followed_up", target=sender, note=bool(note), bulk=len(found))
    missing = len(senders) - len(found)
    flash(f"{len(found)} red flag(s) marked as followed up by {g.user.username}."
          + (f" {missing} conversation(s) no longer exist (erased?) and were skipped."
             if missing else ""), "error" if missing else "message")
    return redirect(url_for("red_flags.index"))
