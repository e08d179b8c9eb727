"""The FusionSolar source end to end: the real client over HTTP against the simulator.

Both sides share a manual clock that moves only when someone sleeps, so a simulated day
runs in seconds and the vendor's windows are exact, not subject to the machine's speed.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from solar2prom.app import Application
from solar2prom.config import AppConfig, NightOff
from solar2prom.core import metrics as m
from solar2prom.core.model import Snapshot, SourceState
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.fusionsolar import FusionSolarConfig
from tests.conftest import ManualClock

REALTIME = {1, 10, 17, 38, 39, 41, 47}
KPI_PERIOD = re.compile(r"_(hour|day|month|year)_")


class Sim:
    """A running simulator and its URL."""

    def __init__(self, simulator: Sim, url: str) -> None:
        self.sim, self.url = simulator, url
        self.stats, self.faults, self.config = simulator.stats, simulator.faults, simulator.config

    async def stop(self) -> None:
        await self.sim.stop()


async def started(config: FusionSolarSimConfig, clock: ManualClock) -> Sim:
    simulator = FusionSolarSimulator(config, clock)
    return Sim(simulator, await simulator.start())


def app_for(url: str, clock: ManualClock, state: Path, **overrides: object) -> Application:
    source = FusionSolarConfig(
        name="roof",
        type="fusionsolar",
        url=url,
        username="demo",
        system_code=SecretStr("demo-secret"),
        night=NightOff(mode="off"),
        **overrides,  # type: ignore[arg-type]
    )
    return Application(AppConfig(listen="127.0.0.1:0", sources=(source,)), clock, state)


@pytest.fixture
async def simulator(clock: ManualClock) -> AsyncIterator[Sim]:
    sim = await started(FusionSolarSimConfig(plants=3), clock)
    yield sim
    await sim.stop()


def calls(sim: Sim, api: str) -> int:
    return sim.stats.api(api).calls


def minimum_realtime_calls(config: FusionSolarSimConfig) -> tuple[int, int]:
    plants = math.ceil(config.plants / 100)
    devices = sum(
        math.ceil(n / 100) for t, n in config.devices_per_type.items() if t in REALTIME and n
    )
    return plants, devices


def value(snapshot: Snapshot, metric: str, site: str, device: str = "") -> float | None:
    for reading in snapshot.readings:
        if (reading.metric.name, reading.site, reading.device) == (metric, site, device):
            return reading.value
    return None


async def test_collect_gives_core_values_with_the_minimum_of_calls(
    simulator: Sim, clock: ManualClock, tmp_path: Path
) -> None:
    app = app_for(simulator.url, clock, tmp_path)
    body, ok = await app.collect()
    await app.close_sources()
    assert ok
    snapshot = app.hub.snapshots["roof"]
    assert len(snapshot.sites) == 3
    inverters = [d for d in snapshot.devices if d.kind.value == "inverter"]
    assert inverters
    for site in snapshot.sites:
        assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name, site.id) is not None
        assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name, site.id) is not None
        own = [value(snapshot, m.DEVICE_POWER.name, site.id, d.id) for d in inverters]
        own_powers = [p for d, p in zip(inverters, own, strict=True) if d.site == site.id]
        if own_powers:
            assert value(snapshot, m.PRODUCTION_POWER.name, site.id) == pytest.approx(
                sum(p for p in own_powers if p is not None)
            )
    plants, devices = minimum_realtime_calls(simulator.config)
    assert calls(simulator, "getStationRealKpi") == plants
    assert calls(simulator, "getDevRealKpi") == devices
    assert calls(simulator, "login") == 1
    assert calls(simulator, "getDevList") == 1
    assert simulator.stats.violations == 0
    assert b'solar_source_up{source="roof"} 1.0' in body


async def test_a_simulated_day_never_meets_a_407(
    simulator: Sim, clock: ManualClock, tmp_path: Path
) -> None:
    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    task = asyncio.create_task(poller.run())
    start = clock.now()
    while clock.now() - start < 86400:  # noqa: ASYNC110 - the clock moves when the poller sleeps
        await asyncio.sleep(0.001)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await app.close_sources()
    assert simulator.stats.violations == 0
    cycles = calls(simulator, "getStationRealKpi")
    assert 86400 / 331 - 2 <= cycles <= 86400 / 300 + 1
    plants, devices = minimum_realtime_calls(simulator.config)
    assert calls(simulator, "getDevRealKpi") == cycles * devices // plants
    assert calls(simulator, "getDevList") <= 2  # the inventory, refreshed daily
    assert poller.snapshot().health.up


class DaemonClock(ManualClock):
    """The daemon polls once, then its sleeps last for the whole test: polls are by hand."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(3600)


async def test_metrics_stay_while_the_vendor_is_gone_and_up_turns_0(tmp_path: Path) -> None:
    clock = DaemonClock()
    simulator = await started(FusionSolarSimConfig(plants=1), clock)
    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    urls = await app.start()
    try:
        while not app.hub.snapshots:  # noqa: ASYNC110 - waiting for the first poll to publish
            await asyncio.sleep(0.01)
        await app.prometheus.settled()
        await simulator.stop()
        async with aiohttp.ClientSession() as http:
            started_at = time.monotonic()
            async with http.get(f"{urls[0]}/metrics") as response:
                text = await response.text()
            assert time.monotonic() - started_at < 1.0
            assert 'solar_source_up{source="roof"} 1.0' in text
            assert "solar_production_energy_joules_total{" in text
            clock.advance(400)
            await poller.poll_all()  # the next poll, now failing
            await app.prometheus.settled()
            async with http.get(f"{urls[0]}/metrics") as response:
                text = await response.text()
        assert 'solar_source_up{source="roof"} 0.0' in text
        assert "solar_production_energy_joules_total{" in text  # kept until stale
        assert app.hub.snapshots["roof"].health.state is SourceState.DOWN
        assert "connection failed" in (app.hub.snapshots["roof"].health.last_error or "")
    finally:
        await app.stop()


async def test_a_type_without_rights_is_noted_and_not_asked_again(
    clock: ManualClock, tmp_path: Path
) -> None:
    config = FusionSolarSimConfig(plants=1, granted_types={1, 10, 17, 38, 47})
    simulator = await started(config, clock)
    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    try:
        first = await poller.poll_all()
        clock.advance(400)
        second = await poller.poll_all()
    finally:
        await app.close_sources()
        await simulator.stop()
    assert first.health.up and second.health.up
    assert any("device type 39" in note for note in second.health.notes)
    assert simulator.stats.api("getDevRealKpi").fail_codes[401] == 1
    batteries = [d for d in second.devices if d.kind.value == "battery"]
    assert batteries and all(
        value(second, m.DEVICE_POWER.name, d.site, d.id) is None for d in batteries
    )


async def test_owner_not_authorized_is_a_plain_message_without_login_storm(
    clock: ManualClock, tmp_path: Path
) -> None:
    simulator = await started(FusionSolarSimConfig(account_state="not_authorized"), clock)
    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    task = asyncio.create_task(poller.run())
    start = clock.now()
    while clock.now() - start < 3 * 3600:  # noqa: ASYNC110 - the clock moves with the poller
        await asyncio.sleep(0.001)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await app.close_sources()
    await simulator.stop()
    health = poller.snapshot().health
    assert health.state is SourceState.DOWN
    assert "plant owner has not authorized" in (health.last_error or "")
    assert simulator.stats.logins <= 3 * 2 + 1  # one try per 30 minutes, not a storm


async def test_a_restart_reuses_the_inventory_cache(
    simulator: Sim, clock: ManualClock, tmp_path: Path
) -> None:
    first = app_for(simulator.url, clock, tmp_path)
    await first.collect()
    await first.close_sources()
    assert oct((tmp_path / "roof" / "inventory.json").stat().st_mode & 0o777) == "0o600"
    clock.advance(600)
    second = app_for(simulator.url, clock, tmp_path)
    _, ok = await second.collect()
    await second.close_sources()
    assert ok
    assert calls(simulator, "getDevList") == 1
    assert calls(simulator, "stations") == 1


async def test_vendor_faults_mark_the_source_down_and_it_recovers(
    simulator: Sim, clock: ManualClock, tmp_path: Path
) -> None:
    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    try:
        assert (await poller.poll_all()).health.up
        for fault in (
            {"html_error_next": 99},
            {"malformed_json_next": 99},
            {"http_error_next": 99},
        ):
            clock.advance(400)
            simulator.faults.update(fault)
            down = await poller.poll_all()
            assert not down.health.up, fault
            assert value(down, m.PRODUCTION_ENERGY_TOTAL.name, down.sites[0].id) is not None
            simulator.faults.clear()
            clock.advance(400)
            assert (await poller.poll_all()).health.up, fault
    finally:
        await app.close_sources()
    assert simulator.stats.violations == 0


async def test_a_poll_that_fails_halfway_keeps_the_batches_it_fetched(
    simulator: Sim, clock: ManualClock, tmp_path: Path
) -> None:
    """getDevRealKpi goes type by type (1, 10, 17, 38, 39, 47 here): the fourth call fails.
    The source is down, the devices of the first three types show this cycle's values, the
    others keep the previous cycle's."""
    type_of = {str(d.dev_id): d.type_id for d in simulator.sim.inventory.devices}

    def by_type(snapshot: Snapshot, types: set[int]) -> dict[tuple[str, str], float]:
        """Real-time values of the devices of `types` (not the background feed's KPIs)."""
        return {
            (r.device, r.metric.name): r.value
            for r in snapshot.readings
            if type_of.get(r.device) in types and not KPI_PERIOD.search(r.metric.name)
        }

    app = app_for(simulator.url, clock, tmp_path)
    (poller,) = app.pollers
    try:
        before = await poller.poll_all()
        assert before.health.up
        clock.advance(400)
        simulator.faults.update(
            {"fault_apis": ["getDevRealKpi"], "fault_skip": 3, "http_error_next": 1}
        )
        halfway = await poller.poll_all()
        assert not halfway.health.up
        assert halfway.health.last_error == "getDevRealKpi: HTTP 503"
        fetched, missed = {1, 10, 17}, {38, 39, 47}
        assert by_type(halfway, missed) == by_type(before, missed)  # the previous cycle's
        fresh, old = by_type(halfway, fetched), by_type(before, fetched)
        assert fresh.keys() == old.keys()
        energy = m.DEVICE_ENERGY_TOTAL.name
        assert [k for k in fresh if k[1] == energy and fresh[k] > old[k]], "no fresh lifetime"
        clock.advance(400)
        after = await poller.poll_all()
        assert after.health.up
        assert by_type(after, missed) != by_type(before, missed)
    finally:
        await app.close_sources()
    assert simulator.stats.violations == 0
