"""The status page: sources in plain words, sites with power, energy and today's chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Reading, Snapshot, SourceHealth, SourceState
from solar2prom.outputs.history import HistoryStatus
from solar2prom.outputs.keeping import KeepingStatus
from solar2prom.outputs.remote_write import RemoteWriteStatus
from solar2prom.outputs.status_page import StatusPage, render_status_page
from solar2prom.outputs.web.chart import day_bounds, nice_ceiling, production_chart
from solar2prom.outputs.web.production import Point, ProductionLog
from tests.outputs import synthetic

BERLIN = ZoneInfo("Europe/Berlin")


def page_text(html: str) -> str:
    """What a reader sees: tags and the stylesheet removed, spaces collapsed."""
    body = html.split("</style>", 1)[1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", html, re.S)]


def with_power(snap: Snapshot, watts: float, when: float) -> Snapshot:
    readings = tuple(
        replace(r, value=watts)
        if r.metric is m.PRODUCTION_POWER and r.site == synthetic.SITE
        else r
        for r in snap.readings
    )
    health = replace(snap.health, last_success=when)
    return replace(snap, readings=readings, health=health, taken_at=when)


def test_sources_in_plain_words() -> None:
    snap = synthetic.snapshot()
    down = replace(
        snap,
        source="shed",
        health=SourceHealth(
            state=SourceState.DOWN,
            last_success=synthetic.NOW - 7200,
            next_poll=synthetic.NOW + 90,
            last_error="login refused: <wrong> user name",
        ),
    )
    asleep = replace(snap, source="barn", health=SourceHealth(state=SourceState.ASLEEP, up=True))
    snapshots = {"synth": snap, "shed": down, "barn": asleep}
    html = render_status_page(["synth", "shed", "barn", "new"], snapshots, synthetic.NOW)
    text = page_text(html)
    assert "synth acme Up polling normally" in text
    assert "Last success 5 s ago" in text
    assert "Next poll in 55 s" in text
    assert "2 of 6 calls left (realtime per 5m; 2 budgets)" in text
    assert "29 of 30 calls left" in text
    assert "Note no rights to batteries" in text
    assert "shed acme Down" in text and "Last success 2 h ago" in text
    assert "login refused: <wrong> user name" in text
    assert "&lt;wrong&gt;" in html and "<wrong>" not in html
    assert "barn acme Asleep asleep for the night" in text
    assert "new Starting first poll under way" in text
    assert "<meta http-equiv=refresh content=30>" in html
    assert 'name=viewport content="width=device-width,initial-scale=1"' in html


def test_sites_with_power_energy_and_flows() -> None:
    html = render_status_page(["synth"], {"synth": synthetic.snapshot()}, synthetic.NOW)
    text = page_text(html)
    assert "Acme Roof synth · plant/1 #a 5.12 kW power now 12.00 kWh today" in text
    assert "830 W consumption" in text
    assert "exporting 2.89 kW grid" in text
    assert "64 % · charging 1.4 kW battery" in text
    assert "Acme Barn" in text and "0 W power now – today" in text
    assert "<svg" not in html  # no production log: no chart


def test_production_chart_of_today_from_the_hub() -> None:
    hub = Hub()
    page = StatusPage(hub)
    start, _ = day_bounds(synthetic.NOW, BERLIN)
    base = synthetic.snapshot()
    for minutes, watts in ((0, 0.0), (5, 800.0), (10, 2400.0), (15, 3100.0)):
        when = start + 8 * 3600 + minutes * 60
        hub.publish(with_power(base, watts, when))
    hub.publish(with_power(base, 9999.0, start + 8 * 3600 + 15 * 60 + 30))  # too soon: skipped
    html = page.render(["synth"], start + 8 * 3600 + 20 * 60)
    roof = next(s for s in svgs(html) if "Acme Roof" in (s.get("aria-label") or ""))
    (line,) = [e for e in roof.iter() if e.tag.endswith("polyline")]
    points = [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]
    assert len(points) == 4
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    assert min(y for _, y in points) == pytest.approx(10 + 136 * (1 - 3100 / 5000), abs=0.1)
    assert "5 kW" in ET.tostring(roof, encoding="unicode")


def test_production_log_keeps_today_spaced_and_bounded() -> None:
    log = ProductionLog(spacing=60, capacity=3)
    base = synthetic.snapshot()
    for i in range(5):
        log.on_snapshot(with_power(base, 100.0 * i, synthetic.NOW + 60 * i))
    kept = log.points("synth", synthetic.SITE, 0)
    assert [p.watts for p in kept] == [200.0, 300.0, 400.0]
    assert log.points("synth", synthetic.SITE, synthetic.NOW + 200) == kept[-1:]
    stamped = replace(base.readings[0], time=synthetic.NOW + 1000)
    assert stamped.metric is m.PRODUCTION_POWER
    log.on_snapshot(replace(base, readings=(stamped,)))
    assert log.points("synth", synthetic.SITE, 0)[-1].time == synthetic.NOW + 1000
    log.on_snapshot(replace(base, readings=(Reading(m.CONSUMPTION_POWER, 5.0, site="x"),)))
    assert log.points("synth", "x", 0) == []


def test_chart_hours_follow_the_local_day_even_when_clocks_change() -> None:
    now = datetime(2025, 3, 30, 15, tzinfo=BERLIN).timestamp()  # 23-hour day
    start, end = day_bounds(now, BERLIN)
    assert end - start == 23 * 3600
    svg = ET.fromstring(production_chart([], now, BERLIN, "today"))
    labels = {e.text: float(e.get("x") or 0) for e in svg.iter() if e.tag.endswith("text")}
    noon = datetime(2025, 3, 30, 12, tzinfo=BERLIN).timestamp()
    assert labels["12:00"] == pytest.approx(46 + 306 * (noon - start) / (end - start), abs=0.1)
    assert "collecting today's readings" in labels


def test_a_long_gap_breaks_the_line() -> None:
    now = datetime(2025, 6, 15, 18, tzinfo=UTC).timestamp()
    start, _ = day_bounds(now, UTC)
    points = [Point(start + h * 3600, 1000.0) for h in (8, 8.25, 8.5, 11, 11.25)]
    svg = ET.fromstring(production_chart(points, now, UTC, "today"))
    assert len([e for e in svg.iter() if e.tag.endswith("polyline")]) == 2
    yesterday = [Point(start - 3600, 5000.0), *points]
    again = ET.fromstring(production_chart(yesterday, now, UTC, "today"))
    assert "5 kW" not in ET.tostring(again, encoding="unicode")  # only today sets the scale


@pytest.mark.parametrize(
    ("peak", "top"), [(0, 100), (99, 100), (101, 200), (2400, 2500), (3100, 5000), (9e3, 1e4)]
)
def test_the_scale_ends_on_a_round_number(peak: float, top: float) -> None:
    assert nice_ceiling(peak) == top


def test_kept_data_says_whether_the_store_and_receivers_keep_up() -> None:
    now = synthetic.NOW
    keeping = KeepingStatus(
        HistoryStatus(
            "/var/lib/solar2prom/history.db",
            12_345,
            0,
            400,
            0,
            now - 300,
            "OperationalError: database or disk is full",
        ),
        (
            RemoteWriteStatus("http://vm:8428/api/v1/write", 0, 0, 9_000, {}, 0, now - 60, None),
            RemoteWriteStatus(
                "https://mimir.example.net/api/v1/push",
                5_000,
                0,
                0,
                {"refused": 1_000},
                12,
                None,
                "HTTP 401 <unauthorized>",
            ),
        ),
    )
    html = render_status_page(["synth"], {"synth": synthetic.snapshot()}, now, keeping=keeping)
    text = page_text(html)
    assert (
        "Kept data History store /var/lib/solar2prom/history.db Failing Last write 5 min ago"
        in text
    )
    assert "Written 12,345 samples since start Waiting 400 samples kept for the next write" in text
    assert "Last error OperationalError: database or disk is full" in text
    assert "Remote write http://vm:8428/api/v1/write OK Last success 60 s ago" in text
    assert "Waiting 0 samples Sent 9,000 samples since start Dropped none Last error none" in text
    assert "Remote write https://mimir.example.net/api/v1/push Failing Last success never" in text
    assert "Dropped 1,000 samples refused Last error HTTP 401 <unauthorized>" in text
    assert "&lt;unauthorized&gt;" in html
    bare = page_text(render_status_page(["synth"], {}, now, keeping=KeepingStatus()))
    assert "Kept data" not in bare
