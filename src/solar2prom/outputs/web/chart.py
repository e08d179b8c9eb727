"""Today's production as an inline SVG, drawn on the server: no script, no external file.

The x axis is the site's local day (a DST day is 23 or 25 hours long, so hours are placed by
their real instant), the y axis runs from 0 to a round number above the day's peak. A gap of
more than half an hour (an outage, a night's sleep) breaks the line instead of bridging it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape

from solar2prom.outputs.web.production import Point

WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 352, 10, 146
GAP = 1800.0
HOURS = (0, 6, 12, 18)


def day_bounds(now: float, tz: tzinfo) -> tuple[float, float]:
    """Local midnight before `now` and the next one, as epoch seconds."""
    today: date = datetime.fromtimestamp(now, tz).date()
    start = datetime.combine(today, time(), tz)
    end = datetime.combine(today + timedelta(days=1), time(), tz)
    return start.timestamp(), end.timestamp()


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above `value` (at least 100 W)."""
    value = max(value, 100.0)
    exponent = 10.0 ** math.floor(math.log10(value))
    return next(s * exponent for s in (1.0, 2.0, 2.5, 5.0, 10.0) if value <= s * exponent)


def format_watts(watts: float) -> str:
    if abs(watts) >= 1e6:
        return f"{watts / 1e6:.3g} MW"
    if abs(watts) >= 1000:
        return f"{watts / 1000:.3g} kW"
    return f"{watts:.0f} W"


def _segments(points: Sequence[Point]) -> list[list[Point]]:
    segments: list[list[Point]] = []
    for point in points:
        if segments and point.time - segments[-1][-1].time <= GAP:
            segments[-1].append(point)
        else:
            segments.append([point])
    return segments


def production_chart(points: Sequence[Point], now: float, tz: tzinfo, label: str) -> str:
    start, end = day_bounds(now, tz)
    today = [p for p in points if start <= p.time < end]
    top = nice_ceiling(max((p.watts for p in today), default=0.0))

    def x(t: float) -> float:
        return LEFT + (RIGHT - LEFT) * (t - start) / (end - start)

    def y(watts: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * max(0.0, watts) / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for fraction in (0.0, 0.5, 1.0):
        level = y(top * fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{level:.1f}" x2="{RIGHT}" y2="{level:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{level + 4:.1f}" text-anchor="end">'
            f"{format_watts(top * fraction)}</text>"
        )
    day = datetime.fromtimestamp(start, tz).date()
    for hour in HOURS:
        at = x(datetime.combine(day, time(hour), tz).timestamp())
        parts.append(f'<line class="grid" x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{BOTTOM}"/>')
        parts.append(
            f'<text class="axis" x="{at:.1f}" y="{BOTTOM + 16}" text-anchor="middle">'
            f"{hour:02d}:00</text>"
        )
    for segment in _segments(today):
        line = " ".join(f"{x(p.time):.1f},{y(p.watts):.1f}" for p in segment)
        first, last = x(segment[0].time), x(segment[-1].time)
        parts.append(
            f'<polygon class="area" points="{first:.1f},{BOTTOM} {line} {last:.1f},{BOTTOM}"/>'
        )
        parts.append(f'<polyline class="line" points="{line}"/>')
    if len(today) < 2:
        parts.append(
            f'<text class="empty" x="{(LEFT + RIGHT) / 2}" y="{(TOP + BOTTOM) / 2}" '
            'text-anchor="middle">collecting today\'s readings</text>'
        )
    else:
        now_x = x(min(max(now, start), end))
        parts.append(
            f'<line class="now" x1="{now_x:.1f}" y1="{TOP}" x2="{now_x:.1f}" y2="{BOTTOM}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
