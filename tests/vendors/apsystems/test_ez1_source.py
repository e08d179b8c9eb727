"""The EZ1 source end to end: the real client over HTTP against the simulator, manual clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot, SourceState
from solar2prom.core.poller import SourcePoller
from solar2prom.sim.apsystems_ez1 import Ez1SimConfig, Ez1Simulator
from solar2prom.sources.apsystems.ez1 import Ez1Config, Ez1Source
from solar2prom.sources.apsystems.ez1 import catalog as ez1
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock

ZONE = ZoneInfo("Europe/Berlin")
DEVICE = Ez1SimConfig().device_id


def local(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2025, 6, day, hour, minute, tzinfo=ZONE).timestamp()


@contextlib.asynccontextmanager
async def running(
    clock: ManualClock, config: Ez1SimConfig | None = None
) -> AsyncIterator[tuple[Ez1Simulator, str]]:
    sim = Ez1Simulator(config or Ez1SimConfig(), clock)
    url = await sim.start()
    try:
        yield sim, url
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def polling(
    url: str, clock: ManualClock, state: Path, **keys: Any
) -> AsyncIterator[tuple[Ez1Source, SourcePoller]]:
    settings: dict[str, Any] = {"timezone": "Europe/Berlin", "night": NightOff(mode="off")}
    settings.update(keys)
    config = Ez1Config(name="balcony", type="apsystems_ez1", url=url, **settings)
    source = Ez1Source(config, SourceContext(clock, state))
    try:
        yield source, SourcePoller(source, clock, Hub())
    finally:
        await source.close()


def value(snapshot: Snapshot, metric: str, device: str = "", labels: tuple[str, ...] = ()) -> Any:
    found = [
        r.value
        for r in snapshot.readings
        if (r.metric.name, r.device, r.labels) == (metric, device, labels)
    ]
    assert len(found) <= 1
    return found[0] if found else None


async def test_a_poll_reads_everything_once(tmp_path: Path) -> None:
    clock = ManualClock(local(15, 13))
    async with running(clock) as (sim, url), polling(url, clock, tmp_path) as (_, poller):
        snapshot = await poller.poll_all()
        device = sim.device
    assert snapshot.health.up, snapshot.health.last_error
    (site,) = snapshot.sites
    assert (site.id, site.vendor, site.name) == (DEVICE, "apsystems", f"EZ1-M {DEVICE}")
    (inverter,) = snapshot.devices
    assert (inverter.id, inverter.kind.value, inverter.model, inverter.firmware) == (
        DEVICE,
        "microinverter",
        "EZ1-M",
        "1.0.0",
    )
    powers = [float(round(p)) for p in device.power]
    assert value(snapshot, m.PRODUCTION_POWER.name) == sum(powers) > 0
    assert value(snapshot, m.DEVICE_POWER.name, DEVICE) == sum(powers)
    for channel, watts in enumerate(powers, start=1):
        assert value(snapshot, ez1.CHANNEL_POWER.name, DEVICE, (str(channel),)) == watts
    lifetime = sum(round(e, 5) for e in device.lifetime) * 3.6e6
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == pytest.approx(lifetime)
    assert value(snapshot, m.DEVICE_ENERGY_TOTAL.name, DEVICE) == pytest.approx(lifetime)
    today = sum(round(e, 5) for e in device.since_startup) * 3.6e6
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == pytest.approx(today)
    assert value(snapshot, ez1.POWER_LIMIT.name, DEVICE) == 800.0
    assert value(snapshot, ez1.POWER_LIMIT_MIN.name, DEVICE) == 30.0
    assert value(snapshot, ez1.POWER_LIMIT_MAX.name, DEVICE) == 800.0
    assert value(snapshot, ez1.ALARM.name, DEVICE, ("off_grid",)) == 0.0
    assert value(snapshot, ez1.OUTPUT_STATE.name, DEVICE) == 0.0
    assert value(snapshot, ez1.OUTPUT_STATE_INFO.name, DEVICE, ("0", "on")) == 1.0
    assert value(snapshot, m.DEVICE_ONLINE.name, DEVICE) == 1.0
    assert value(snapshot, m.DATA_TIMESTAMP.name) is None  # the EZ1 gives no sample time
    names = ("getOutputData", "getDeviceInfo", "getMaxPower", "getAlarm", "getOnOff")
    assert snapshot.requests == {(name, "ok"): 1 for name in names}


async def test_status_endpoints_are_asked_every_status_interval(tmp_path: Path) -> None:
    clock = ManualClock(local(15, 12))
    async with running(clock) as (sim, url), polling(url, clock, tmp_path) as (_, poller):
        for _ in range(21):  # ten minutes of 30 s polls
            await poller.poll_all()
            clock.advance(30)
    assert sim.stats.calls["getOutputData"] == 21
    assert sim.stats.calls["getAlarm"] == sim.stats.calls["getOnOff"] == 3
    assert sim.stats.calls["getDeviceInfo"] == 1


async def test_dark_at_night_off_not_failing(tmp_path: Path) -> None:
    clock = ManualClock(local(15, 13))
    async with (
        running(clock) as (_, url),
        polling(url, clock, tmp_path, offline_limit="14h") as (source, poller),
    ):
        day = await poller.poll_all()
        clock.t = local(15, 23)
        night = await poller.poll_all()
        clock.t = local(16, 0, 30)
        after_midnight = await poller.poll_all()
        clock.t = local(16, 13, 30)
        too_long = await poller.poll_all()
    lifetime = value(day, m.PRODUCTION_ENERGY_TOTAL.name)
    assert night.health.up
    assert value(night, m.DEVICE_ONLINE.name, DEVICE) == 0.0
    assert value(night, m.PRODUCTION_POWER.name) == 0.0
    assert value(night, ez1.CHANNEL_POWER.name, DEVICE, ("2",)) == 0.0
    assert value(night, m.PRODUCTION_ENERGY_TOTAL.name) == lifetime
    assert value(night, m.PRODUCTION_ENERGY_TODAY.name) == value(
        day, m.PRODUCTION_ENERGY_TODAY.name
    )
    assert value(night, ez1.ALARM.name, DEVICE, ("off_grid",)) is None
    assert any("normal at night" in note for note in night.health.notes)
    assert value(after_midnight, m.PRODUCTION_ENERGY_TODAY.name) == 0.0
    assert value(after_midnight, m.PRODUCTION_ENERGY_TOTAL.name) == lifetime
    # 13:30 the next day: answering again, so it is no longer "dark"
    assert too_long.health.up
    assert value(too_long, m.DEVICE_ONLINE.name, DEVICE) == 1.0
    assert source.status().notes == ()


async def test_dark_for_too_long_or_from_the_start_fails(tmp_path: Path) -> None:
    clock = ManualClock(local(14, 23))
    async with (
        running(clock) as (sim, url),
        polling(url, clock, tmp_path, offline_limit="1h") as (_, poller),
    ):
        never = await poller.poll_all()
        assert never.health.state is SourceState.DOWN
        clock.t = local(15, 13)
        await poller.poll_all()
        sim.faults.unreachable = True
        clock.advance(1800)
        assert (await poller.poll_all()).health.up
        clock.advance(1900)
        gone = await poller.poll_all()
    assert not gone.health.up
    assert "has not answered for 1.0 h" in (gone.health.last_error or "")


async def test_newer_firmware_without_get_on_off(tmp_path: Path) -> None:
    clock = ManualClock(local(15, 12))
    config = Ez1SimConfig(version="EZ1 2.0.1_b", max_power_key="power", has_on_off=False)
    async with running(clock, config) as (sim, url), polling(url, clock, tmp_path) as (_, poller):
        for _ in range(3):
            snapshot = await poller.poll_all()
            clock.advance(300)
    assert value(snapshot, ez1.POWER_LIMIT.name, DEVICE) == 800.0
    assert value(snapshot, ez1.OUTPUT_STATE.name, DEVICE) is None
    assert snapshot.devices[0].firmware == "2.0.1_b"
    assert sim.stats.calls["getOnOff"] == 1  # not asked again until the daily refresh
    assert snapshot.requests[("getOnOff", "http_404")] == 1
    assert any("getOnOff: not offered" in note for note in snapshot.health.notes)
    assert snapshot.health.up


async def test_a_restart_during_the_day_does_not_lower_today(tmp_path: Path) -> None:
    clock = ManualClock(local(15, 12))
    async with running(clock) as (sim, url), polling(url, clock, tmp_path) as (_, poller):
        before = value(await poller.poll_all(), m.PRODUCTION_ENERGY_TODAY.name)
        sim.faults.restart_next = 1
        clock.advance(60)
        after = await poller.poll_all()
    assert value(after, m.PRODUCTION_ENERGY_TODAY.name) >= before
    assert value(after, ez1.CHANNEL_ENERGY_SINCE_STARTUP.name, DEVICE, ("1",)) < before


async def test_a_day_and_a_night_never_write(tmp_path: Path) -> None:
    start = local(15, 12)
    clock = ManualClock(start)
    hub = Hub()
    seen: list[Snapshot] = []
    hub.subscribe(seen.append)
    async with (
        running(clock) as (sim, url),
        polling(url, clock, tmp_path, interval="5m") as (
            source,
            _,
        ),
    ):
        poller = SourcePoller(source, clock, hub)
        task = asyncio.create_task(poller.run())
        while clock.now() - start < 86400:  # noqa: ASYNC110 - the clock moves when the poller sleeps
            await asyncio.sleep(0.001)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sim.stats.writes == {}
    assert sim.stats.dropped > 0  # it was dark for a while
    lifetimes = [value(s, m.PRODUCTION_ENERGY_TOTAL.name) for s in seen]
    lifetimes = [v for v in lifetimes if v is not None]
    assert lifetimes == sorted(lifetimes)
    assert all(s.health.up for s in seen if s.health.state is not SourceState.STARTING)
