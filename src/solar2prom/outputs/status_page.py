"""The status page at `/`: every source's health and every site's production, in plain HTML.

Server-rendered from the snapshots, with an inline stylesheet and inline SVG charts: no
script, nothing else to fetch, readable on a phone; the browser reloads it every 30 s. Each
source says whether it is up, down or asleep for the night, when it last succeeded and polls
next, its last error in the source's own plain words, and the calls left in its budgets.
Each site shows its power now, its energy today and a chart of today's production, kept in
memory from the snapshots the hub announces (`StatusPage`). Where the config keeps data, the
history store and each remote write receiver say whether they keep up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from importlib.resources import files

from solar2prom import __version__
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import BudgetStatus, Scope, Site, Snapshot, SourceHealth, SourceState
from solar2prom.core.timezones import resolve_timezone
from solar2prom.outputs.keeping import KeepingStatus
from solar2prom.outputs.web.chart import day_bounds, format_watts, production_chart
from solar2prom.outputs.web.production import ProductionLog

REFRESH = 30  # s
_STYLE = (files("solar2prom.outputs.web") / "status.css").read_text(encoding="utf-8")

STATES: dict[SourceState, tuple[str, str]] = {
    SourceState.UP: ("Up", "polling normally"),
    SourceState.DOWN: ("Down", "the last poll failed; retrying by itself"),
    SourceState.ASLEEP: ("Asleep", "asleep for the night; its last values stay"),
    SourceState.STARTING: ("Starting", "first poll under way"),
}


class StatusPage:
    """The page, plus today's production of every site for its charts (fed by the hub)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.production = ProductionLog()
        hub.subscribe(self.production.on_snapshot)

    def render(self, names: Sequence[str], now: float, keeping: KeepingStatus | None = None) -> str:
        return render_status_page(names, self._hub.snapshots, now, self.production, keeping)


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} days"


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return "never"
    moment = datetime.fromtimestamp(epoch, UTC)
    delta = now - epoch
    words = "just now" if abs(delta) < 5 else (
        f"{_span(delta)} ago" if delta > 0 else f"in {_span(delta)}"
    )  # fmt: skip
    return (
        f'<time datetime="{moment.isoformat(timespec="seconds")}" '
        f'title="{moment:%Y-%m-%d %H:%M:%S} UTC">{words}</time> '
        f"<small>({moment:%H:%M} UTC)</small>"
    )


def _next(epoch: float | None, now: float) -> str:
    if epoch is not None and epoch < now:
        return "due now"  # its turn comes when the poll under way ends
    return _when(epoch, now)


def _energy(joules: float | None) -> str:
    return "–" if joules is None else f"{joules / 3.6e6:.2f} kWh"


def _power(watts: float | None) -> str:
    return "–" if watts is None else format_watts(watts)


def _budgets(budgets: Sequence[BudgetStatus]) -> str:
    if not budgets:
        return "<dd>no limit</dd>"
    ordered = sorted(budgets, key=lambda b: (b.remaining / b.limit if b.limit else 1.0, b.api))

    def words(b: BudgetStatus) -> str:
        return f"{b.remaining} of {b.limit} calls left"

    tightest = ordered[0]
    items = "".join(
        f"<li><span>{escape(b.api)} <small>per {escape(b.window)}</small></span>"
        f"<span>{words(b)}</span>"
        f'<meter min=0 max="{b.limit}" low="{b.limit * 0.2:g}" optimum="{b.limit}" '
        f'value="{b.remaining}"></meter></li>'
        for b in ordered
    )
    summary = (
        f"{words(tightest)} <small>({escape(tightest.api)} per {escape(tightest.window)}"
        f"{f'; {len(ordered)} budgets' if len(ordered) > 1 else ''})</small>"
    )
    return f"<dd><details><summary>{summary}</summary><ul class=budgets>{items}</ul></details></dd>"


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{escape(note)}</li>" for note in notes)
    if len(notes) == 1:
        return f"<dt>Note</dt><dd>{escape(notes[0])}</dd>"
    summary = f"<summary>{len(notes)} notes</summary>"
    return f"<dt>Notes</dt><dd><details>{summary}<ul class=notes>{items}</ul></details></dd>"


def _error(text: str | None) -> str:
    return f"<span class=error>{escape(text)}</span>" if text else "none"


def _source_card(name: str, vendor: str, health: SourceHealth, now: float) -> str:
    label, meaning = STATES[health.state]
    return (
        f'<article class=card id="source-{escape(name)}"><div class=card-head>'
        f"<div><h3>{escape(name)}</h3><small>{escape(vendor)}</small></div>"
        f'<span class="badge {health.state.value}" title="{escape(meaning)}">{label}</span>'
        f"</div><p class=muted>{escape(meaning)}</p><dl>"
        f"<dt>Last success</dt><dd>{_when(health.last_success, now)}</dd>"
        f"<dt>Next poll</dt><dd>{_next(health.next_poll, now)}</dd>"
        f"<dt>Last error</dt><dd>{_error(health.last_error)}</dd>"
        f"{_notes(health.notes)}"
        f"<dt>Budget</dt>{_budgets(health.budgets)}"
        "</dl></article>"
    )


def _grid(watts: float | None) -> str:
    if watts is None:
        return "–"
    if abs(watts) < 1:
        return "0 W"
    direction = "importing" if watts > 0 else "exporting"
    return f"{direction} {format_watts(abs(watts))}"


def _battery(ratio: float | None, watts: float | None) -> str:
    parts = []
    if ratio is not None:
        parts.append(f"{ratio * 100:.0f} %")
    if watts is not None and abs(watts) >= 1:
        parts.append(f"{'discharging' if watts > 0 else 'charging'} {format_watts(abs(watts))}")
    elif watts is not None:
        parts.append("idle")
    return " · ".join(parts) or "–"


def _figure(label: str, value: str, small: bool = False) -> str:
    return (
        f'<div class="figure{" small" if small else ""}"><b>{value}</b><span>{label}</span></div>'
    )


def _site_card(
    snap: Snapshot, site: Site, values: Mapping[str, float], now: float, log: ProductionLog | None
) -> str:
    figures = [
        _figure("power now", _power(values.get(m.PRODUCTION_POWER.name))),
        _figure("today", _energy(values.get(m.PRODUCTION_ENERGY_TODAY.name))),
    ]
    if m.CONSUMPTION_POWER.name in values:
        figures.append(_figure("consumption", _power(values[m.CONSUMPTION_POWER.name]), True))
    if m.GRID_POWER.name in values:
        figures.append(_figure("grid", _grid(values[m.GRID_POWER.name]), True))
    if m.BATTERY_SOC.name in values or m.BATTERY_POWER.name in values:
        battery = _battery(values.get(m.BATTERY_SOC.name), values.get(m.BATTERY_POWER.name))
        figures.append(_figure("battery", battery, True))
    chart = ""
    if log is not None:
        try:
            tz = resolve_timezone(site.timezone) if site.timezone else UTC
        except ValueError:
            tz = UTC
        since, _ = day_bounds(now, tz)
        title = f"Production today at {site.name or site.id}"
        chart = production_chart(log.points(snap.source, site.id, since), now, tz, title)
    return (
        f"<article class=card><div class=card-head><div><h3>{escape(site.name or site.id)}</h3>"
        f"<small>{escape(snap.source)} · {escape(site.id)}</small></div></div>"
        f"<div class=figures>{''.join(figures)}</div>{chart}</article>"
    )


def _site_cards(snapshots: Mapping[str, Snapshot], now: float, log: ProductionLog | None) -> str:
    cards: list[str] = []
    for snap in snapshots.values():
        values: dict[str, dict[str, float]] = {}
        for reading in snap.readings:
            if reading.metric.scope is Scope.SITE and not reading.labels:
                values.setdefault(reading.site, {})[reading.metric.name] = reading.value
        cards.extend(_site_card(snap, s, values.get(s.id, {}), now, log) for s in snap.sites)
    return "".join(cards) or "<p class=muted>No site seen yet.</p>"


def _count(n: int, what: str = "samples") -> str:
    return f"{n:,} {what}"


def _keeper_card(title: str, where: str, failing: bool, rows: Sequence[tuple[str, str]]) -> str:
    label, meaning = ("Failing", "retrying by itself") if failing else ("OK", "keeping up")
    items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f"<article class=card><div class=card-head><div><h3>{escape(title)}</h3>"
        f"<small>{escape(where)}</small></div>"
        f'<span class="badge {"down" if failing else "up"}" title="{meaning}">{label}</span>'
        f"</div><dl>{items}</dl></article>"
    )


def _keeping_cards(keeping: KeepingStatus, now: float) -> str:
    cards: list[str] = []
    history = keeping.history
    if history is not None:
        rows = [
            ("Last write", _when(history.last_write, now)),
            ("Written", f"{_count(history.written)} since start"),
        ]
        if history.unwritten:
            rows.append(("Waiting", f"{_count(history.unwritten)} kept for the next write"))
        if history.dropped:
            rows.append(("Lost", _count(history.dropped)))
        rows.append(("Last error", _error(history.last_error)))
        cards.append(_keeper_card("History store", history.path, bool(history.last_error), rows))
    for remote in keeping.remote_write:
        dropped = ", ".join(f"{_count(n)} {escape(r)}" for r, n in sorted(remote.dropped.items()))
        rows = [
            ("Last success", _when(remote.last_success, now)),
            ("Waiting", _count(remote.queued + remote.unqueued)),
            ("Sent", f"{_count(remote.sent)} since start"),
            ("Dropped", dropped or "none"),
            ("Last error", _error(remote.last_error)),
        ]
        cards.append(_keeper_card("Remote write", remote.url, bool(remote.last_error), rows))
    return "".join(cards)


def render_status_page(
    names: Sequence[str],
    snapshots: Mapping[str, Snapshot],
    now: float,
    production: ProductionLog | None = None,
    keeping: KeepingStatus | None = None,
) -> str:
    """The whole page; without a production log, sites are shown without their chart."""
    kept = _keeping_cards(keeping, now) if keeping is not None else ""
    kept_section = f"<h2>Kept data</h2><div class=cards>{kept}</div>" if kept else ""
    sources = "".join(
        _source_card(name, snapshots[name].vendor, snapshots[name].health, now)
        if name in snapshots
        else _source_card(name, "", SourceHealth(), now)
        for name in names
    )
    updated = datetime.fromtimestamp(now, UTC)
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<meta http-equiv=refresh content={REFRESH}>
<title>solar2prom</title><style>{_STYLE}</style></head>
<body><header><h1>solar2prom</h1>
<span class=muted>updated {updated:%H:%M:%S} UTC · reloads every {REFRESH} s</span></header>
<main><h2>Sources</h2><div class=cards>{sources}</div>
<h2>Sites</h2><div class=cards>{_site_cards(snapshots, now, production)}</div>
{kept_section}</main>
<footer class=muted>solar2prom {__version__} · <a href="/metrics">/metrics</a> ·
<a href="/healthz">/healthz</a></footer>
</body></html>
"""
