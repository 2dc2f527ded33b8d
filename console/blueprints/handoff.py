"""Live handoff: the queue of patients waiting for a person, and the chat page
where a member of staff takes a conversation, writes to the patient, and hands
it back to the bot or closes it.

Reads come from the tracker store (like the rest of the console); every change
goes through Rasa's HTTP API (clinicbot/rasa_api.py, JWT), so Rasa's lock
orders it with the patient's own messages and the bot sees the slots at once.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from clinicbot import handoff
from clinicbot.content import ContentError, cached_content
from clinicbot.rasa_api import RasaApi, RasaApiError
from console import handoff_queue, tracker
from console.masking import mask, shorten
from console.blueprints.shared import audit, conversation_or_404, ctx, fmt_time, parse_int, refuse, requires

bp = Blueprint("handoff", __name__, url_prefix="/handoff")

# The console's policy plus its own script (static/handoff.js) and its fetches.
CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Two staff pressing "Take" at once in one console: one wins, the other is told.
_changes = threading.Lock()


@bp.after_request
def allow_own_script(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    return response


def rasa_api() -> RasaApi:
    if "rasa_api" not in current_app.extensions:
        current_app.extensions["rasa_api"] = RasaApi.from_env()
    return current_app.extensions["rasa_api"]


def _queue_rows() -> List[Dict[str, Any]]:
    now = time.time()
    region = ctx().settings.phone_region
    return [
        {
            "conversation_id": entry.conversation_id,
            "status": entry.status,
            "wait_seconds": max(0, int(now - entry.since)),
            "staff": entry.staff,
            "last_patient_text": shorten(mask(entry.last_patient_text, region), 90),
            "url": url_for("handoff.chat", conversation_id=entry.conversation_id),
        }
        for entry in handoff_queue.queue(ctx().tracker)
    ]


@bp.route("")
@requires()
def queue():
    return render_template("handoff_queue.html", rows=_queue_rows())


@bp.route("/queue.json")
@requires(kind="file")
def queue_json():
    return jsonify({"rows": _queue_rows()})


def _item_json(item: tracker.TranscriptItem) -> Dict[str, Any]:
    return {
        "event_id": item.event_id,
        "kind": item.kind,
        "text": item.text,
        "staff": item.staff,
        "time": fmt_time(item.timestamp, True),
    }


@bp.route("/<id:conversation_id>")
@requires()
def chat(conversation_id: int):
    c = ctx()
    sender = conversation_or_404(conversation_id)
    everything = tracker.transcript(c.tracker, sender)
    state = handoff_queue.state_for(c.tracker, sender)
    audit("view_handoff", target=sender)
    return render_template(
        "handoff_chat.html",
        conversation_id=conversation_id,
        sender=sender,
        items=[i for i in everything if i.kind in ("user", "bot")],
        state=state,
        last_event_id=max([0] + [i.event_id for i in everything]),
        max_length=handoff.MAX_STAFF_MESSAGE,
    )


@bp.route("/<id:conversation_id>/events.json")
@requires(kind="file")
def chat_events(conversation_id: int):
    c = ctx()
    sender = conversation_or_404(conversation_id)
    after = parse_int(request.args.get("after"), 0) or 0
    items = tracker.transcript(c.tracker, sender, after_event_id=after)
    state = handoff_queue.state_for(c.tracker, sender)
    return jsonify(
        {
            "items": [_item_json(i) for i in items if i.kind in ("user", "bot")],
            "last_event_id": max([after] + [i.event_id for i in items]),
            "status": state.status,
            "staff": state.staff,
        }
    )


def _change(conversation_id: int, action: str) -> ResponseReturnValue:
    sender = conversation_or_404(conversation_id)
    staff = g.user.username
    back = redirect(url_for("handoff.chat", conversation_id=conversation_id))
    try:
        content = cached_content()
        settings = handoff.load_settings(content)
        api = rasa_api()
        with _changes:
            state = handoff.state_of(api.events(sender))
            if action == "take":
                new_events = handoff.take_events(state, staff, content, settings)
            elif action == "reply":
                new_events = handoff.reply_events(state, staff, request.form.get("text", ""))
            else:
                new_events = handoff.release_events(state, staff, action, content, settings)
            api.append_events(sender, new_events)
    except handoff.HandoffError as error:
        flash(str(error), "error")
        return back
    except (RasaApiError, ContentError) as error:
        current_app.logger.warning("live handoff %s: %s", action, error)
        return refuse(503, f"Not sent: {error}. Nothing was changed; try again in a moment.")
    audit(f"handoff_{action}", target=sender)
    return back


@bp.route("/<id:conversation_id>/take", methods=["POST"])
@requires()
def take(conversation_id: int):
    return _change(conversation_id, "take")


@bp.route("/<id:conversation_id>/reply", methods=["POST"])
@requires()
def reply(conversation_id: int):
    return _change(conversation_id, "reply")


@bp.route("/<id:conversation_id>/hand-back", methods=["POST"])
@requires()
def hand_back(conversation_id: int):
    return _change(conversation_id, "handed_back")


@bp.route("/<id:conversation_id>/close", methods=["POST"])
@requires()
def close(conversation_id: int):
    return _change(conversation_id, "closed")
