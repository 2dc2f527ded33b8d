"""Analytics: charts of the tracker store's numbers, each downloadable as CSV."""
from __future__ import annotations

import datetime as dt
from typing import List, Tuple

from flask import Blueprint, Response, abort, render_template, request

from console import analytics, charts, staff_db, tracker
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


def with_tests() -> bool:
    """Test conversations count only when staff ask (`tests=show`)."""
    return request.args.get("tests") == "show"


def numbers(start: dt.date, end: dt.date) -> analytics.Analytics:
    c = ctx()
    if not tracker.has_events_table(c.tracker):
        return analytics.Analytics(start, end)
    if with_tests():
        return analytics.compute(c.tracker, start, end, c.tz)
    return analytics.compute(c.tracker, start, end, c.tz,
                             hidden_prefixes=c.settings.test_sender_prefixes,
                             hidden_senders=staff_db.marked_test_senders(c.staff))


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
    audit("view_analytics", start=start.isoformat(), end=end.isoformat(), tests=with_tests())
    period_args = {"from": start.isoformat(), "to": end.isoformat()}
    if with_tests():
        period_args["tests"] = "show"
    return render_template("analytics.html", data=data, figures=figures, errors=errors,
                           start=start, end=end, ready=ready, with_tests=with_tests(),
                           period=period_args)


@bp.route("/analytics/<view>.csv")
@requires(kind="file")
def csv(view: str):
    if view not in analytics.VIEWS:
        abort(404)
    start, end, _errors = period()
    data = numbers(start, end)
    audit("export_analytics", view=view, start=start.isoformat(), end=end.isoformat(),
          tests=with_tests())
    return Response(analytics.to_csv(data, view), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{view}-{start}-{end}.csv"'})
