"""The background feed (KPIs, alarms, 5-minute history) and backfill, against the simulator.

Simulator and source share a manual clock: the daemon's loop runs simulated days in seconds,
and the vendor's windows are exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from solar2prom.app import Application
from solar2prom.config import AppConfig, NightOff
from solar2prom.core import metrics as m
from solar2prom.core.model import Reading, Snapshot
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.fusionsolar import FusionSolarConfig, FusionSolarSource
from solar2prom.sources.fusionsolar.limits import HISTORY_TYPES
from tests.conftest import ManualClock

FIVE_MIN = 300.0


class Recorder:
    """Every snapshot the hub publishes, and every past sample they carried."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []
        self.history: list[Reading] = []

    def __call__(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)
        self.history.extend(snapshot.history)

    def buckets(self) -> dict[str, set[float]]:
        """Device -> the times of the 5-minute points received for it."""
        found: dict[str, set[float]] = {}
        for reading in self.history:
            if reading.device and reading.time is not None:
                found.setdefault(reading.device, set()).add(reading.time)
        return found


async def setup(
    clock: ManualClock, tmp_path: Path, **sim: object
) -> tuple[FusionSolarSimulator, Application, Recorder]:
    simulator = FusionSolarSimulator(FusionSolarSimConfig(plants=2, **sim), clock)  # type: ignore[arg-type]
    url = await simulator.start()
    source = FusionSolarConfig(
        name="roof",
        type="fusionsolar",
        url=url,
        username="demo",
        system_code=SecretStr("demo-secret"),
        night=NightOff(mode="off"),
    )
    app = Application(AppConfig(listen="127.0.0.1:0", sources=(source,)), clock, tmp_path)
    recorder = Recorder()
    app.hub.subscribe(recorder)
    return simulator, app, recorder


async def run_until(
    app: Application,
    clock: ManualClock,
    until: float,
    during: Callable[[float], None] | None = None,
) -> None:
    """Run the daemon's poller until the clock reaches `until`."""
    (poller,) = app.pollers
    task = asyncio.create_task(poller.run())
    while clock.now() < until:
        if during is not None:
            during(clock.now())
        await asyncio.sleep(0.001)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_day_brings_kpis_alarms_and_history_within_budget(
    clock: ManualClock, tmp_path: Path
) -> None:
    simulator, app, recorder = await setup(clock, tmp_path, alarm_rate=2.0)
    try:
        await run_until(app, clock, clock.now() + 86400 + 3600)
    finally:
        await app.close_sources()
        await simulator.stop()
    assert simulator.stats.violations == 0
    last = recorder.snapshots[-1]
    assert last.health.up, last.health.last_error
    names = {r.metric.name for r in last.readings}
    assert "fusionsolar_plant_day_feed_in_energy_joules" in names
    assert "fusionsolar_plant_month_inverter_yield_joules" in names
    assert "fusionsolar_inverter_day_yield_joules" in names
    assert m.CONSUMPTION_ENERGY_TODAY.name in names
    assert "fusionsolar_active_alarms" in names
    # A day later every device of a history type has its 5-minute points of the first day.
    devices = [d for d in last.devices if d.kind.value in ("inverter", "battery", "meter")]
    points = recorder.buckets()
    assert devices
    assert all(len(points.get(d.id, ())) >= 250 for d in devices), {
        d.id: len(points.get(d.id, ())) for d in devices
    }


async def test_an_outage_is_filled_with_every_5_minute_point(
    clock: ManualClock, tmp_path: Path
) -> None:
    simulator, app, recorder = await setup(clock, tmp_path)
    start = clock.now()
    outage = (start + 3 * 3600, start + 5 * 3600)

    def arm(now: float) -> None:
        if outage[0] <= now < outage[1]:
            simulator.faults.down_until = outage[1]

    try:
        await run_until(app, clock, outage[1] + 2 * 3600, during=arm)
    finally:
        await app.close_sources()
        await simulator.stop()
    assert any(not s.health.up for s in recorder.snapshots), "the outage was not seen"
    assert recorder.snapshots[-1].health.up
    assert simulator.stats.violations == 0
    wanted = {
        t
        for t in range(int(outage[0] // FIVE_MIN) * 300, int(outage[1]), 300)
        if t >= outage[0] - FIVE_MIN
    }
    inventory_types = {d.id: d for d in recorder.snapshots[-1].devices}
    points = recorder.buckets()
    history_devices = [
        d for d in inventory_types.values() if d.kind.value in ("inverter", "battery", "meter")
    ]
    assert history_devices
    for device in history_devices:
        missing = sorted(t for t in wanted if float(t) not in points.get(device.id, set()))
        assert not missing, (device.id, missing[:5])


async def test_backfill_resumes_after_an_interruption_without_duplicates(
    clock: ManualClock, tmp_path: Path
) -> None:
    simulator, app, _ = await setup(clock, tmp_path, history_days=4)
    (source,) = app.sources
    assert isinstance(source, FusionSolarSource)
    until = clock.now() - 3600
    since = until - 4 * 86400
    calls: list[tuple[Reading, ...]] = []

    async def emit(samples: tuple[Reading, ...]) -> None:
        calls.append(samples)

    try:
        plan = await source.plan_backfill(since, until)
        total = len(plan.chunks)
        assert total >= 2
        assert "getDevHistoryKpi calls to make" in plan.describe("roof")

        def stop_halfway(done: int, _total: int, _what: str) -> None:
            if done == total // 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            await source.backfill(plan, emit, stop_halfway)
        first_run = len(calls)
        resumed = await source.plan_backfill(since, until)
        assert len(resumed.remaining) == total - first_run
        await source.backfill(resumed, emit, lambda *_: None)
    finally:
        await app.close_sources()
        await simulator.stop()
    assert len(calls) == total
    keys = [(r.metric.name, r.device, r.labels, r.time) for batch in calls for r in batch]
    assert len(keys) == len(set(keys)), "a sample was fetched twice"
    assert simulator.stats.violations == 0
    assert simulator.stats.api("getDevHistoryKpi").calls == total
    assert all(d.type_id in HISTORY_TYPES for c in plan.chunks for d in c.devices)
