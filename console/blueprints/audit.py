"""The audit log (admins only)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from console import staff_db
from console.blueprints.shared import MAX_PAGE, audit, ctx, parse_int, requires

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100


@bp.route("/audit")
@requires(role="admin")
def index():
    c = ctx()
    user = (request.args.get("user") or "").strip()[:64]
    action = (request.args.get("action") or "").strip()[:64]
    page = parse_int(request.args.get("page") or "1", 1, MAX_PAGE) or 1
    rows, total = staff_db.audit_page(c.staff, PAGE_SIZE, (page - 1) * PAGE_SIZE, user, action)
    audit("view_audit", page=page, user_filter=user or None, action_filter=action or None)
    return render_template("audit.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), user=user, action=action,
                           actions=staff_db.audit_actions(c.staff),
                           query={k: v for k, v in (("user", user), ("action", action)) if v})
