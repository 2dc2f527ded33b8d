"""The callback queue: requests patients made in the chat, and their status.

Lists show the number masked; only a request's own page shows it in full, and
every such view is in the audit log.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from console import callback_requests as requests_mod
from console import staff_db
from console.staff_tables import CALLBACK_STATUSES
from console.blueprints.shared import audit, ctx, requires

bp = Blueprint("callbacks", __name__)


@bp.route("/callbacks")
@requires()
def queue():
    c = ctx()
    found = requests_mod.callback_requests(c.tracker)
    statuses = staff_db.callback_statuses(c.staff, [r.request_id for r in found])
    ordered = requests_mod.in_queue_order(found, statuses)
    audit("view_callback_list", results=len(ordered))
    return render_template("callbacks.html", requests=ordered, statuses=statuses,
                           labels=requests_mod.STATUS_LABELS)


@bp.route("/callbacks/<id:request_id>")
@requires()
def detail(request_id: int):
    c = ctx()
    found = requests_mod.request_by_id(c.tracker, request_id)
    if found is None:
        abort(404)
    status = staff_db.callback_statuses(c.staff, [request_id]).get(request_id)
    audit("view_callback_number", target=found.sender_id, request=request_id)
    return render_template("callback.html", item=found, status=status,
                           labels=requests_mod.STATUS_LABELS, choices=CALLBACK_STATUSES)


@bp.route("/callbacks/<id:request_id>/status", methods=["POST"])
@requires()
def set_status(request_id: int):
    c = ctx()
    found = requests_mod.request_by_id(c.tracker, request_id)
    if found is None:
        abort(404)
    status = request.form.get("status") or ""
    if status not in CALLBACK_STATUSES:
        flash("Choose a status from the list.", "error")
        return redirect(url_for("callbacks.detail", request_id=request_id))
    before = (staff_db.callback_statuses(c.staff, [request_id]).get(request_id) or {}).get(
        "status", "new")
    staff_db.set_callback_status(c.staff, request_id, found.sender_id, status, g.user.username)
    audit("callback_status_changed", target=found.sender_id, request=request_id,
          previous=before, status=status)
    flash(f"Callback marked “{requests_mod.STATUS_LABELS[status]}”.")
    return redirect(url_for("callbacks.detail", request_id=request_id))
