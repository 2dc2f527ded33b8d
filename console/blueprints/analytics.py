"""Analytics: charts of the tracker store's numbers, each downloadable as CSV."""
from __future__ import annotations

import datetime as dt
from typing import List, Tuple

from flask import Blueprint, Response, abort, render_template, request

from console import analytics, charts, tracker
from console.blueprints.shared import audit, ctx, parse_date, requires, today

bp = Blueprint("analytics", __name__)
MAX_DAYS = 366


def period() -> Tuple[dt.date, dt.date, List[str]]:
    errors: List[str] = []
    end = parse_date(request.args.get("to", ""), "to", errors) or today()
    start = parse_date(request.args.get("from", ""), "from", errors) \
        or end - dt.timedelta(days=29)
    if start > end:
        errors.append("“from” is after “to”; showing the 30 days up to “to”.")
        start = end - dt.timedelta(days=29)
    if (end - start).days + 1 > MAX_DAYS:
        errors.append(f"At most {MAX_DAYS} days at a time; showing the last "
                      f"{MAX_DAYS} days up to “to”.")
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    return start, end, errors


def numbers(start: dt.date, end: dt.date) -> analytics.Analytics:
    c = ctx()
    if not tracker.has_events_table(c.tracker):
        return analytics.Analytics(start, end)
    return analytics.compute(c.tracker, start, end, c.tz)


@bp.route("/analytics")
@requires()
def index():
    c = ctx()
    start, end, errors = period()
    ready = tracker.has_events_table(c.tracker)
    data = numbers(start, end)
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


@bp.route("/analytics/<view>.csv")
@requires(kind="file")
def csv(view: str):
    if view not in analytics.VIEWS:
        abort(404)
    start, end, _errors = period()
    data = numbers(start, end)
    audit("export_analytics", view=view, start=start.isoformat(), end=end.isoformat())
    return Response(analytics.to_csv(data, view), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{view}-{start}-{end}.csv"'})
