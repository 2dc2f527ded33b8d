"""Red-flag alert delivery status in the console (the alerts worker writes it).

- every page: a banner while any alert has failed (context processor);
- templates get `alert_statuses(senders)` for the red-flag list and the
  conversation page, so those views need no change;
- POST /alerts/<id>/retry: staff try a failed alert again, e.g. after fixing SMTP; back
  to the conversation's page.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable

from flask import Blueprint, abort, flash, g
from sqlalchemy.exc import SQLAlchemyError

from alerts import outbox
from console.blueprints.shared import audit, back_to, ctx, requires

bp = Blueprint("alerts", __name__)


@bp.app_context_processor
def alert_context() -> Dict[str, Any]:
    if getattr(g, "user", None) is None:
        return {}
    staff = ctx().staff

    def alert_statuses(senders: Iterable[str]) -> Dict[str, outbox.AlertStatus]:
        return outbox.latest_alerts(staff, senders)

    def alerts_for(sender: str):
        return outbox.alerts_for_sender(staff, sender)

    try:
        failed = outbox.failed_alerts(staff)
    except SQLAlchemyError:
        failed = []
    return {"failed_alerts": failed, "alert_statuses": alert_statuses, "alerts_for": alerts_for}


@bp.route("/alerts/<id:alert_id>/retry", methods=["POST"])
@requires()
def retry(alert_id: int):
    staff = ctx().staff
    alert = outbox.alert(staff, alert_id)
    if alert is None:
        abort(404)
    queued = outbox.retry_failed(staff, alert_id)
    if queued:
        audit("alert_retry", target=alert.sender_id, alert_id=alert_id, deliveries=queued)
        flash("The alert will be sent again within a few seconds.")
    else:
        flash("That alert has no failed delivery to retry.", "error")
    return back_to(int(alert.facts["conversation_id"]))
