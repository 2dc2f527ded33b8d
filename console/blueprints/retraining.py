"""Retraining: every run's report, and the admins' Retrain button."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from console import retraining, staff_db
from console.blueprints.shared import audit, ctx, requires
from console.masking import mask

bp = Blueprint("retraining", __name__)


@bp.route("/retrain")
@requires()
def index():
    c = ctx()
    root = c.settings.retrain_root
    audit("view_retrain")
    runs = retraining.reports(root)
    return render_template("retrain.html", runs=runs, latest=runs[0] if runs else None,
                           status=retraining.status(root),
                           corrections=len(staff_db.list_annotations(c.staff)))


@bp.route("/retrain/<run_id>")
@requires()
def report(run_id: str):
    c = ctx()
    found = retraining.report(c.settings.retrain_root, run_id)
    if found is None:
        abort(404)
    audit("view_retrain_report", target=run_id)
    return render_template("retrain_report.html", report=found)


@bp.route("/retrain", methods=["POST"])
@requires(role="admin")
def start():
    c = ctx()
    root = c.settings.retrain_root
    if retraining.status(root).get("state") == "running":
        flash("A retrain is already running; its report appears here when it ends.", "error")
        return redirect(url_for("retraining.index"))
    rows = [{**row, "text": mask(row["text"], c.settings.phone_region)}
            for row in staff_db.list_annotations(c.staff)]
    written = retraining.write_corrections(root, rows, dt.datetime.now(c.tz))
    process = retraining.start(root, c.settings.retrain_args)
    audit("retrain_started", corrections=written, pid=process.pid)
    flash(f"Retraining started with {written} correction(s). It checks the FAQ files, "
          "trains, and switches the bot to the new model only if it is no worse. "
          "Refresh this page to follow it.")
    return redirect(url_for("retraining.index"))
