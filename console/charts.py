"""Server-rendered SVG charts (no JavaScript, no CDN). Every label is escaped."""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from markupsafe import Markup, escape

COLOURS = ("#1f6f8b", "#e07a2f", "#3a8f4b", "#b23a48", "#6b4c9a")
WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 18, 46


def _scale(value: float, integer: bool = True) -> Tuple[float, int]:
    """(top of the axis, number of steps): steps of 1, 2 or 5 x 10^k, whole for counts."""
    if value <= 0:
        return 4.0, 4
    raw = value / 4
    exponent = math.floor(math.log10(raw))
    step = 10 ** exponent
    for factor in (1, 2, 5, 10):
        if raw <= factor * 10 ** exponent:
            step = factor * 10 ** exponent
            break
    if integer:
        step = max(1, round(step))
    steps = max(1, math.ceil(value / step - 1e-9))
    return step * steps, steps


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(title: str, chart_id: str, body: List[str], legend: Sequence[Tuple[str, str]] = ()) -> Markup:
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    parts.extend(body)
    x = LEFT
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="11" class="legend">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def _axes(y_max: float, steps: int, percent: bool) -> List[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    body = []
    for index in range(steps + 1):
        value = y_max * index / steps
        y = TOP + plot_h - plot_h * index / steps
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#dde3e8" stroke-width="1"/>'
                    f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
                    f'{escape(_fmt(value, percent))}</text>')
    return body


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> List[str]:
    if not labels:
        return []
    step = max(1, math.ceil(len(labels) / 8))
    body = []
    for index in range(0, len(labels), step):
        body.append(f'<text x="{xs[index]:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                    f'class="tick">{escape(labels[index])}</text>')
    return body


def line_chart(chart_id: str, title: str, labels: Sequence[str],
               series: Sequence[Tuple[str, Sequence[Optional[float]]]], percent: bool = False,
               y_max: Optional[float] = None) -> Markup:
    values = [v for _, points in series for v in points if v is not None]
    top, steps = (y_max, 4) if y_max is not None else _scale(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)
    xs = [LEFT + (plot_w * (i + 0.5) / n if n else 0) for i in range(n)]
    body = _axes(top, steps, percent)
    legend = []
    for index, (name, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        legend.append((name, colour))
        coords = [(xs[i], TOP + plot_h - plot_h * (v / top if top else 0), v)
                  for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y, v), i in zip(coords, [i for i, v in enumerate(points) if v is not None]):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                        f'<title>{escape(labels[i])} {escape(name)}: {escape(_fmt(v, percent))}</title>'
                        f'</circle>')
    body.extend(_x_labels(labels, xs))
    if not values:
        body.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">'
                    f'No data in this period</text>')
    return _frame(title, chart_id, body, legend)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float],
              colour: str = COLOURS[3], percent: bool = False) -> Markup:
    top, steps = _scale(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)
    slot = plot_w / n if n else plot_w
    bar = max(1.0, slot * 0.7)
    xs = [LEFT + slot * (i + 0.5) for i in range(n)]
    body = _axes(top, steps, percent)
    for i, value in enumerate(values):
        h = plot_h * (value / top if top else 0)
        body.append(f'<rect x="{xs[i] - bar / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{escape(labels[i])}: '
                    f'{escape(_fmt(value, percent))}</title></rect>')
    body.extend(_x_labels(labels, xs))
    if not any(values):
        body.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">'
                    f'None in this period</text>')
    return _frame(title, chart_id, body)


def hbar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float],
               colour: str = COLOURS[0]) -> Markup:
    row_h, label_w = 22, 210
    height = max(60, TOP + row_h * len(labels) + 10)
    top = max(values, default=0) or 1
    plot_w = WIDTH - label_w - RIGHT - 40
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = TOP + i * row_h
        w = plot_w * (value / top if top else 0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="tick">'
                     f'{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                     f'fill="{colour}"><title>{escape(label)}: {escape(_fmt(value, False))}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="tick">'
                     f'{escape(_fmt(value, False))}</text>')
    if not labels:
        parts.append(f'<text x="{WIDTH / 2}" y="40" text-anchor="middle" class="empty">'
                     f'No patient messages in this period</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
