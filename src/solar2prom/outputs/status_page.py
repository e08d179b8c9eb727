"""The status page at `/`: every source's state and every site's power, in plain HTML.

Server-rendered from the snapshots, refreshed by the browser every 30 s; it works without
JavaScript and on a phone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

from solar2prom import __version__
from solar2prom.core import metrics as m
from solar2prom.core.model import Snapshot

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
.state-up{color:#17702f}.state-down{color:#b00020}.state-asleep{color:#555}
.state-starting{color:#8a6d00}.num{text-align:right;font-variant-numeric:tabular-nums}
small{color:#666}
"""


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return "never"
    stamp = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    delta = epoch - now
    ago = f"in {delta:.0f}s" if delta >= 0 else f"{-delta:.0f}s ago"
    return f"{stamp} <small>({ago})</small>"


def _power(watts: float | None) -> str:
    if watts is None:
        return "–"
    return f"{watts / 1000:.2f} kW" if abs(watts) >= 1000 else f"{watts:.0f} W"


def _energy(joules: float | None) -> str:
    return "–" if joules is None else f"{joules / 3.6e6:.2f} kWh"


def _source_rows(names: Sequence[str], snapshots: Mapping[str, Snapshot], now: float) -> str:
    rows = []
    for name in names:
        snap = snapshots.get(name)
        if snap is None:
            rows.append(f"<tr><td>{escape(name)}</td><td class=state-starting>starting</td>"
                        "<td colspan=4></td></tr>")  # fmt: skip
            continue
        health = snap.health
        budgets = "<br>".join(
            f"{escape(b.api)} {b.remaining}/{b.limit} per {escape(b.window)}"
            for b in health.budgets
        )
        notes = "".join(f"<br><small>{escape(n)}</small>" for n in health.notes)
        rows.append(
            f"<tr><td>{escape(name)}<br><small>{escape(snap.vendor)}</small></td>"
            f"<td class=state-{health.state.value}>{health.state.value}</td>"
            f"<td>{_when(health.last_success, now)}</td>"
            f"<td>{_when(health.next_poll, now)}</td>"
            f"<td>{escape(health.last_error or '')}{notes}</td>"
            f"<td>{budgets}</td></tr>"
        )
    return "".join(rows)


def _site_rows(snapshots: Mapping[str, Snapshot]) -> str:
    rows = []
    for snap in snapshots.values():
        values: dict[tuple[str, str], float] = {
            (r.metric.name, r.site): r.value for r in snap.readings if not r.device
        }
        for site in snap.sites:

            def get(
                metric: str, site_id: str = site.id, got: dict[tuple[str, str], float] = values
            ) -> float | None:
                return got.get((metric, site_id))

            rows.append(
                f"<tr><td>{escape(site.name or site.id)}<br><small>{escape(snap.source)}"
                f" · {escape(site.id)}</small></td>"
                f"<td class=num>{_power(get(m.PRODUCTION_POWER.name))}</td>"
                f"<td class=num>{_energy(get(m.PRODUCTION_ENERGY_TODAY.name))}</td>"
                f"<td class=num>{_power(get(m.CONSUMPTION_POWER.name))}</td>"
                f"<td class=num>{_power(get(m.GRID_POWER.name))}</td></tr>"
            )
    return "".join(rows)


def render_status_page(names: Sequence[str], snapshots: Mapping[str, Snapshot], now: float) -> str:
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<meta http-equiv=refresh content=30>
<title>solar2prom</title><style>{_STYLE}</style></head>
<body><h1>solar2prom</h1>
<h2>Sources</h2>
<table><tr><th>Source</th><th>State</th><th>Last success</th><th>Next poll</th>
<th>Last error</th><th>Budget left</th></tr>{_source_rows(names, snapshots, now)}</table>
<h2>Sites</h2>
<table><tr><th>Site</th><th class=num>Production</th><th class=num>Today</th>
<th class=num>Consumption</th><th class=num>Grid</th></tr>{_site_rows(snapshots)}</table>
<p><small>solar2prom {__version__} · <a href="/metrics">/metrics</a> ·
<a href="/healthz">/healthz</a></small></p>
</body></html>
"""
