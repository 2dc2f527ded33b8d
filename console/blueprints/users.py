"""Staff accounts (admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from console import staff_db
from console.blueprints.shared import audit, ctx, requires

bp = Blueprint("users", __name__)


@bp.route("/users", methods=["GET", "POST"])
@requires(role="admin")
def index():
    c = ctx()
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        try:
            staff_db.create_user(c.staff, username, request.form.get("password") or "",
                              request.form.get("role") or "")
        except staff_db.UserError as error:
            flash(str(error), "error")
        else:
            audit("user_created", target=username, role_given=request.form.get("role"))
            flash(f"User {username} created.")
        return redirect(url_for("users.index"))
    audit("view_users")
    return render_template("users.html", users=staff_db.list_users(c.staff))


@bp.route("/users/<id:user_id>/active", methods=["POST"])
@requires(role="admin")
def set_active(user_id: int):
    c = ctx()
    active = request.form.get("active") == "1"
    target = next((u for u in staff_db.list_users(c.staff) if u["id"] == user_id), None)
    if target is None:
        abort(404)
    if not active and target["id"] == g.user.id:
        flash("You cannot deactivate your own account.", "error")
    elif not active and target["role"] == "admin" and staff_db.count_admins(c.staff) <= 1:
        flash("The last active administrator cannot be deactivated.", "error")
    else:
        staff_db.set_active(c.staff, user_id, active)
        audit("user_activated" if active else "user_deactivated", target=target["username"])
    return redirect(url_for("users.index"))
