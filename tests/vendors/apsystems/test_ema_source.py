"""The EMA source end to end: the real client over HTTP against the EMA simulator.

Expected values come from the simulator's raw answers, fetched by the test itself with the
reference's request flow (`ema_helpers.fetch_raw`), never from solar2prom's own parsing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from solar2prom.config import NightHours
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import SourceState
from solar2prom.core.night import fixed_hours
from solar2prom.core.poller import SourcePoller
from solar2prom.outputs.prometheus import render_snapshot
from solar2prom.sources.apsystems.ema import EmaSource
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock
from tests.vendors.apsystems.ema_helpers import (
    KWH,
    GatedClock,
    at,
    ema_config,
    ema_poller,
    ema_simulator,
    fetch_raw,
    reference_instant,
    series,
    value,
)

AUCKLAND = {"timezone": "Pacific/Auckland", "latitude": -36.85, "longitude": 174.76}


async def test_the_day_is_the_systems_local_day_and_times_are_decoded(tmp_path: Path) -> None:
    # 11:00 in Auckland is still the day before in UTC: apsystems2prom asked for yesterday.
    clock = ManualClock(at("Pacific/Auckland", 2025, 1, 20, 11, 0))
    async with ema_simulator(clock, **AUCKLAND) as (sim, url):
        local = await fetch_raw(url, sim.config, "20250120", vid=sim.config.vid)
        utc = await fetch_raw(url, sim.config, "20250119")
        async with ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller):
            snapshot = await poller.poll_all()
    assert snapshot.health.up, snapshot.health.last_error
    assert local.day is not None and utc.day is not None
    assert local.day["total"] != utc.day["total"]

    last_time = reference_instant(float(local.day["time"][-1]), "Pacific/Auckland")
    assert value(snapshot, m.DATA_TIMESTAMP.name) == last_time
    assert datetime.fromtimestamp(last_time, ZoneInfo("Pacific/Auckland")).hour == 10
    assert value(snapshot, m.PRODUCTION_POWER.name) == float(local.day["power"][-1])
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == pytest.approx(
        float(local.day["total"]) * KWH
    )
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == pytest.approx(
        float(local.dashboard["lifetime"]) * KWH
    )
    assert value(snapshot, "apsystems_ema_peak_power_today_watts") == float(local.day["max"])
    assert value(snapshot, "apsystems_ema_slot_energy_joules") == pytest.approx(
        float(local.day["energy"][-1]) * KWH
    )
    assert local.view is not None
    panels = dict(entry.split("/") for entry in local.view["detail"].split("&"))
    assert len(panels) == 8
    for panel, values in panels.items():
        last = float(values.split(",")[-1])
        assert value(snapshot, "apsystems_ema_panel_power_watts", (panel,)) == last
        assert value(snapshot, "ap_panels", (panel,)) == last
    (site,) = snapshot.sites
    assert (site.id, site.vendor, site.timezone) == (
        sim.config.system_id,
        "apsystems",
        AUCKLAND["timezone"],
    )
    (ecu,) = snapshot.devices
    assert (ecu.id, ecu.kind.value) == (sim.config.ecu_id, "gateway")
    readings = [r for r in snapshot.readings if r.metric.name == m.PRODUCTION_POWER.name]
    assert readings[0].time == last_time


@pytest.mark.parametrize("answer", ["204", "empty"])
async def test_before_the_first_data_of_the_day_the_source_is_up(
    answer: str, tmp_path: Path
) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 4, 0))
    async with (
        ema_simulator(clock, no_data_answer=answer) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (source, poller),
    ):
        snapshot = await poller.poll_all()
    assert snapshot.health.up, snapshot.health.last_error
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == 0.0
    assert value(snapshot, m.PRODUCTION_POWER.name) is None
    assert value(snapshot, m.DATA_TIMESTAMP.name) is None
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) is not None
    assert series(snapshot, "ap_") == {
        ("ap_power", ()): 0.0,
        ("ap_energy", ()): 0.0,
        ("ap_total", ()): 0.0,
        ("ap_max", ()): 0.0,
    }
    result = "no_data" if answer == "204" else "ok"
    assert source.requests.snapshot()[("getPowerOnCurrentDayAjax", result)] == 1
    assert sim.stats.api("getViewPowerByViewAjax").calls == 0  # nothing to show per panel


async def test_a_failed_first_poll_is_no_crash_and_the_next_one_recovers(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller),
    ):
        sim.faults.update({"http_error_next": 1})
        first = await poller.poll_all()
        assert not first.health.up
        assert first.health.state is SourceState.DOWN
        assert first.health.last_error == "intoDemoUser: HTTP 503"
        clock.advance(300)
        second = await poller.poll_all()
    assert second.health.up
    assert value(second, "ap_power") is not None


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        ({"html_error_next": 2}, "Authorized ID"),
        ({"quota_403_next": 1}, "HTTP 403"),
        ({"malformed_json_next": 1}, "not JSON"),
        # aiohttp retries an idempotent request once on a dropped connection.
        ({"drop_connection_next": 2}, "connection failed"),
    ],
)
async def test_vendor_faults_are_plain_errors_without_the_authorized_id(
    faults: dict[str, int], expected: str, tmp_path: Path
) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller),
    ):
        sim.faults.update({"html_error_status": 200, **faults})
        snapshot = await poller.poll_all()
    assert expected in (snapshot.health.last_error or "")
    assert sim.config.authorized_id not in (snapshot.health.last_error or "")


async def test_a_wrong_authorized_id_is_named_as_the_likely_cause(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with ema_simulator(clock) as (sim, url):
        config = ema_config(sim, url, authorized_id="not-the-visitor-id")
        async with ema_poller(config, clock, tmp_path) as (_, poller):
            snapshot = await poller.poll_all()
    error = snapshot.health.last_error or ""
    assert "check the Authorized ID" in error
    assert "not-the-visitor-id" not in error
    assert sim.stats.logins == 0
    body = b"".join(chunk for _, chunk in render_snapshot(snapshot).values())
    assert b"not-the-visitor-id" not in body and sim.config.authorized_id.encode() not in body


async def test_total_and_peak_fall_to_zero_at_midnight_while_ema_sleeps(tmp_path: Path) -> None:
    clock = GatedClock(at("Europe/Paris", 2025, 6, 15, 19, 0))
    async with ema_simulator(clock) as (sim, url):
        config = ema_config(sim, url, night=NightHours(mode="hours", sunup=7, sundown=23))
        source = EmaSource(config, SourceContext(clock, tmp_path))
        poller = SourcePoller(source, clock, Hub(), fixed_hours(7, 23, "Europe/Paris"))
        task = asyncio.create_task(poller.run())
        try:
            await clock.run_until(at("Europe/Paris", 2025, 6, 15, 23, 50))
            evening = poller.snapshot()
            raw = await fetch_raw(url, sim.config, "20250615")
            calls = sim.stats.api("getPowerOnCurrentDayAjax").calls
            await clock.run_until(at("Europe/Paris", 2025, 6, 16, 0, 5))
            night = poller.snapshot()
            assert sim.stats.api("getPowerOnCurrentDayAjax").calls == calls  # asleep
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await source.close()
    assert evening.health.state is SourceState.ASLEEP
    assert raw.day is not None
    assert value(evening, "ap_total") == float(raw.day["total"])
    assert value(evening, "ap_max") == float(raw.day["max"])
    assert value(night, "ap_total") == 0.0
    assert value(night, "ap_max") == 0.0
    for name in ("ap_power", "ap_energy", "ap_lifetime"):
        assert value(night, name) == value(evening, name)
    assert series(night, "ap_panels") == series(evening, "ap_panels")


async def test_compat_metrics_off(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with ema_simulator(clock) as (sim, url):
        config = ema_config(sim, url, compat_metrics=False)
        async with ema_poller(config, clock, tmp_path) as (source, poller):
            snapshot = await poller.poll_all()
    assert [f.name for f in source.feeds()] == ["day"]
    assert not series(snapshot, "ap_")
    assert value(snapshot, m.PRODUCTION_POWER.name) is not None


async def test_no_new_data_at_midday_is_noted(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 9, 0))
    async with (
        ema_simulator(clock) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller),
    ):
        await poller.poll_all()
        sim.frozen_at = clock.now()
        clock.advance(4 * 3600)
        snapshot = await poller.poll_all()
    assert snapshot.health.up
    assert any("visitor access" in note for note in snapshot.health.notes)


async def test_discover_checks_the_access_and_lists_the_panels(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (source, _),
    ):
        found = await source.discover()
    assert [s.id for s in found.sites] == [sim.config.system_id]
    assert [d.id for d in found.devices] == [sim.config.ecu_id]
    assert found.notes[0].startswith(f"panels in view {sim.config.vid}: ")
    assert all(p.id in found.notes[0] for p in sim.panels)


async def test_the_days_slots_go_to_the_history_once(tmp_path: Path) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller),
    ):
        first = await poller.poll_all()
        morning = await fetch_raw(url, sim.config, "20250615")
        clock.advance(600)
        second = await poller.poll_all()
        later = await fetch_raw(url, sim.config, "20250615")
    assert morning.day is not None and later.day is not None
    zone = "Europe/Paris"
    power = m.PRODUCTION_POWER.name
    assert [(r.time, r.value) for r in first.history if r.metric.name == power] == [
        (reference_instant(t, zone), float(p))
        for t, p in zip(morning.day["time"], morning.day["power"], strict=True)
    ]
    new = later.day["time"][len(morning.day["time"]) :]
    assert len(new) == 2
    assert [r.time for r in second.history if r.metric.name == power] == [
        reference_instant(t, zone) for t in new
    ]
    energy = [r for r in second.history if r.metric.name == "apsystems_ema_slot_energy_joules"]
    assert [r.value for r in energy] == [
        pytest.approx(float(e) * KWH) for e in later.day["energy"][-2:]
    ]


@pytest.mark.parametrize("answer", ["204", "empty"])
async def test_no_data_for_a_day_that_had_data_keeps_the_days_values(
    answer: str, tmp_path: Path
) -> None:
    """EMA answering "no data" in the middle of a day it has shown data for is a glitch: the
    day's values stay as they were, and today's energy does not read 0."""
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock, no_data_answer=answer) as (sim, url),
        ema_poller(ema_config(sim, url), clock, tmp_path) as (_, poller),
    ):
        before = await poller.poll_all()
        raw = await fetch_raw(url, sim.config, "20250615")
        clock.advance(300)
        sim.no_data_next = 1
        glitch = await poller.poll_all()
        clock.advance(300)
        after = await poller.poll_all()
    assert raw.day is not None
    today = float(raw.day["total"]) * KWH
    assert value(before, m.PRODUCTION_ENERGY_TODAY.name) == pytest.approx(today)
    assert glitch.health.up, glitch.health.last_error
    assert sim.stats.api("getPowerOnCurrentDayAjax").calls == 4  # the glitch was served
    for name in (m.PRODUCTION_ENERGY_TODAY.name, m.PRODUCTION_POWER.name, "ap_total"):
        assert value(glitch, name) == value(before, name), name
    assert value(after, m.PRODUCTION_ENERGY_TODAY.name) >= today  # type: ignore[operator]
