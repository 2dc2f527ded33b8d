"""Intent corrections made in transcripts, and their export as Rasa NLU YAML."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for

from console import export, staff_db, tracker
from console.blueprints.shared import audit, ctx, requires
from console.masking import mask

bp = Blueprint("corrections", __name__)


@bp.route("/annotations")
@requires()
def index():
    c = ctx()
    rows = staff_db.list_annotations(c.staff)
    ids = {}
    for row in rows:
        if row["sender_id"] not in ids:
            ids[row["sender_id"]] = tracker.conversation_id_for_sender(c.tracker, row["sender_id"])
    audit("view_annotations", results=len(rows))
    return render_template("annotations.html", rows=rows, ids=ids)


@bp.route("/annotations/<id:annotation_id>/delete", methods=["POST"])
@requires()
def delete(annotation_id: int):
    row = staff_db.delete_annotation(ctx().staff, annotation_id)
    if row is None:
        abort(404)
    audit("annotation_deleted", target=row["sender_id"], event_id=row["event_id"],
          corrected=row["corrected_intent"])
    flash("Correction removed.")
    return redirect(url_for("corrections.index"))


@bp.route("/annotations/export.yml")
@requires(kind="file")
def export_yaml():
    c = ctx()
    rows = staff_db.list_annotations(c.staff)
    masked = [{**row, "text": mask(row["text"], c.settings.phone_region)} for row in rows]
    now = dt.datetime.now(c.tz)
    body = export.corrections_yaml(masked, now)
    audit("export_annotations", examples=len(rows))
    return Response(body, mimetype="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="nlu-corrections-{now:%Y%m%d-%H%M}.yml"'})
