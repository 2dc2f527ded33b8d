"""The conversation list (with red flags nobody has followed up pinned on top), one
conversation's transcript, and what staff record on it."""
from __future__ import annotations

import functools
from typing import Any, Callable, List, Tuple

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy.engine import Engine
from werkzeug.wrappers import Response as WerkzeugResponse

from console import erasure, staff_db, tracker
from console.callback_requests import hide_callback_numbers
from console.blueprints.shared import (audit, back_to, conversation_or_404, ctx, parse_int,
                                       parse_page, refuse, requires)
from console.conversation_filters import FilterContext, read_filters

bp = Blueprint("conversations", __name__)
PINNED_ROWS = 10


def filter_context() -> FilterContext:
    c = ctx()
    return FilterContext(c.staff, c.tz, tuple(c.settings.test_sender_prefixes))


@bp.route("/")
@requires()
def home():
    return redirect(url_for("conversations.index"))


@bp.route("/conversations")
@requires()
def index():
    c = ctx()
    chosen = read_filters(request.args, filter_context())
    errors = chosen.errors
    page = parse_page(request.args.get("page"), errors)
    size = c.settings.page_size
    ready = tracker.has_events_table(c.tracker)
    rows: List[tracker.ConversationSummary] = []
    total = 0
    if ready and not errors:
        rows, total = tracker.list_conversations(c.tracker, chosen.query, size,
                                                 (page - 1) * size)
    pinned: List[tracker.ConversationSummary] = []
    pinned_total = 0
    if ready:  # red flags nobody has followed up yet, always on top
        waiting = read_filters({"followup": "pending"}, filter_context()).query
        pinned, pinned_total = tracker.list_conversations(c.tracker, waiting, PINNED_ROWS)
    senders = [r.sender_id for r in rows] + [r.sender_id for r in pinned]
    statuses = staff_db.statuses(c.staff, senders)
    tag_map = staff_db.tags_for(c.staff, senders)
    intents = sorted(set(c.labels) | set(c.intents_seen() if ready else [])
                     | {label.split("/", 1)[0] for label in c.labels}
                     | set(tracker.FALLBACK_INTENTS))
    audit("view_conversation_list", page=page, results=total, filters=chosen.active)
    pages = max(1, -(-total // size))
    return render_template(
        "conversations.html", rows=rows, pinned=pinned, pinned_total=pinned_total, total=total,
        page=page, pages=pages, form=chosen.form, errors=errors, statuses=statuses, tag_map=tag_map,
        intents=intents, all_tags=staff_db.all_tags(c.staff), query=chosen.active, ready=ready)


@bp.route("/conversations/<id:conversation_id>")
@requires()
def show(conversation_id: int):
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
    status = staff_db.statuses(c.staff, [sender]).get(sender, {})
    # Callback numbers are shown in full only on the request's own page.
    hide_callback_numbers(items, c.settings.phone_region)
    test_prefix = next((prefix for prefix in c.settings.test_sender_prefixes
                        if sender.startswith(prefix)), None)
    audit("view_conversation", target=sender)
    return render_template(
        "transcript.html", conversation_id=conversation_id, sender=sender, items=items,
        treatment_date=treatment_date, red_flag=red_flag, status=status, test_prefix=test_prefix,
        tags=staff_db.tags_for(c.staff, [sender])[sender], all_tags=staff_db.all_tags(c.staff),
        annotations=staff_db.annotations_for(c.staff, sender), labels=c.labels)


def _record(conversation_id: int, save: Callable[[Engine, str, str], None], action: str,
            message: str, **detail: Any) -> WerkzeugResponse:
    """What staff record on a conversation (reviewed, a test, followed up): `save(staff
    database, sender, username)`, then the audit entry, the message, and back to it."""
    sender = conversation_or_404(conversation_id)
    save(ctx().staff, sender, g.user.username)
    audit(action, target=sender, **detail)
    flash(message)
    return back_to(conversation_id)


def _switch(conversation_id: int, field: str, save: Callable[[Engine, str, str, bool], None],
            on: Tuple[str, str], off: Tuple[str, str]) -> WerkzeugResponse:
    """An on/off mark: the form's `field` is "0" for off, anything else (or nothing) for on;
    `on` and `off` are the (audit action, message) of each."""
    switched_on = request.form.get(field) != "0"
    action, message = on if switched_on else off
    return _record(conversation_id, lambda staff, sender, user: save(staff, sender, user, switched_on),
                   action, message)


@bp.route("/conversations/<id:conversation_id>/review", methods=["POST"])
@requires()
def review(conversation_id: int):
    return _switch(conversation_id, "reviewed", staff_db.set_reviewed,
                   on=("mark_reviewed", "Marked as reviewed."),
                   off=("mark_unreviewed", "Marked as not reviewed."))


@bp.route("/conversations/<id:conversation_id>/test", methods=["POST"])
@requires()
def mark_test(conversation_id: int):
    return _switch(conversation_id, "test", staff_db.set_marked_test,
                   on=("marked_test", "Marked as a test conversation: hidden from the queues and analytics."),
                   off=("unmarked_test", "Marked as a patient conversation."))


@bp.route("/conversations/<id:conversation_id>/followup", methods=["POST"])
@requires()
def followup(conversation_id: int):
    note = (request.form.get("note") or "").strip()
    return _record(conversation_id, functools.partial(staff_db.set_followed_up, note=note),
                   "red_flag_followed_up", "Red flag marked as followed up.", note=bool(note))


@bp.route("/conversations/<id:conversation_id>/tags", methods=["POST"])
@requires()
def add_tag(conversation_id: int):
    sender = conversation_or_404(conversation_id)
    try:
        name = staff_db.add_tag(ctx().staff, sender, request.form.get("name") or "",
                             g.user.username)
    except staff_db.UserError as error:
        flash(str(error), "error")
    else:
        audit("tag_added", target=sender, tag=name)
    return back_to(conversation_id)


@bp.route("/conversations/<id:conversation_id>/tags/remove", methods=["POST"])
@requires()
def remove_tag(conversation_id: int):
    sender = conversation_or_404(conversation_id)
    tag_id = parse_int(request.form.get("tag_id"))
    if tag_id is None:
        return refuse(400, "No tag given.")
    name = staff_db.remove_tag(ctx().staff, sender, tag_id)
    audit("tag_removed", target=sender, tag=name)
    return back_to(conversation_id)


@bp.route("/conversations/<id:conversation_id>/annotate", methods=["POST"])
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
    staff_db.save_annotation(c.staff, sender, message.event_id, message.text, message.intent,
                          message.confidence, intent, g.user.username)
    audit("intent_corrected", target=sender, event_id=message.event_id,
          predicted=message.intent, corrected=intent)
    flash(f"Saved: this message is {intent}.")
    return redirect(url_for("conversations.show", conversation_id=conversation_id)
                    + f"#event-{message.event_id}")


@bp.route("/conversations/<id:conversation_id>/erase", methods=["POST"])
@requires(role="admin")
def erase(conversation_id: int):
    c = ctx()
    sender = conversation_or_404(conversation_id)
    if (request.form.get("confirm") or "").strip() != "ERASE":
        flash("Type ERASE to confirm the erasure.", "error")
        return back_to(conversation_id)
    events_deleted = tracker.erase_conversation(c.tracker, sender)
    erased = erasure.erase_console_copies(c.staff, [sender], c.settings.retrain_root,
                                          c.settings.erasure_key, c.settings.phone_region)
    audit("erase_conversation", target=erasure.pseudonym(sender, c.settings.erasure_key),
          events_deleted=events_deleted, **erasure.summary(erased))
    flash(f"The conversation was erased ({events_deleted} stored events"
          + (f"; {erased.training_examples_removed} of its messages removed from the "
             "training sources, so the next retrain leaves them out"
             if erased.was_in_training_sources else "") + ").")
    return redirect(url_for("conversations.index"))
