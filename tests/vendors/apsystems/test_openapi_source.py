"""The OpenAPI source end to end: the real client, signing, over HTTP, against the simulator.

The simulator checks every signature and counts every call against the monthly quota; the
expected values come from its simulated system, not from solar2prom's parsing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot, SourceState
from solar2prom.core.night import SunWindow
from solar2prom.core.poller import SourcePoller
from solar2prom.sim.apsystems_openapi import OpenApiSimConfig, OpenApiSimulator
from solar2prom.sources.apsystems.openapi import OpenApiConfig, OpenApiSource
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock
from tests.vendors.apsystems.ema_helpers import polling, value

BERLIN = ZoneInfo("Europe/Berlin")
KWH = 3.6e6
ECU = "216300000002"


def at(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).timestamp()


@asynccontextmanager
async def simulator(
    clock: ManualClock, **config: object
) -> AsyncIterator[tuple[OpenApiSimulator, str]]:
    sim = OpenApiSimulator(OpenApiSimConfig(**config), clock)  # type: ignore[arg-type]
    url = await sim.start()
    try:
        yield sim, url
    finally:
        await sim.stop()


def source_config(sim: OpenApiSimulator, url: str, **overrides: object) -> OpenApiConfig:
    values: dict[str, object] = {
        "name": "cloud",
        "type": "apsystems_openapi",
        "url": url,
        "app_id": sim.config.app_id,
        "app_secret": SecretStr(sim.config.app_secret),
        "system_id": sim.config.system_id,
        "night": NightOff(mode="off"),
    }
    values.update(overrides)
    return OpenApiConfig.model_validate(values)


@asynccontextmanager
async def polled(
    config: OpenApiConfig, clock: ManualClock, state: Path
) -> AsyncIterator[tuple[OpenApiSource, SourcePoller]]:
    source = OpenApiSource(config, SourceContext(clock, state))
    async with polling(source, clock) as poller:
        yield source, poller


@asynccontextmanager
async def wired(
    clock: ManualClock,
    state: Path,
    sim_config: dict[str, object] | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[OpenApiSimulator, OpenApiSource, SourcePoller]]:
    """A simulator and a source polling it."""
    async with (
        simulator(clock, **(sim_config or {})) as (sim, url),
        polled(source_config(sim, url, **overrides), clock, state) as (source, poller),
    ):
        yield sim, source, poller


async def test_one_poll_reads_production_inverters_and_meter(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 15, 13, 2))
    async with wired(clock, tmp_path) as (sim, source, poller):
        snapshot = await poller.poll_all()
    assert snapshot.health.up, snapshot.health.last_error
    until = clock.now() - sim.config.upload_delay
    today = datetime.fromtimestamp(until, BERLIN).date()
    slots = sim.system.slots(ECU, today, until)
    newest = slots[-1]
    assert value(snapshot, m.DATA_TIMESTAMP.name) == newest.end
    assert value(snapshot, m.PRODUCTION_POWER.name) == newest.power_w
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == pytest.approx(
        round(sum(s.energy_kwh for s in slots), 2) * KWH
    )
    assert value(snapshot, "apsystems_openapi_ecu_peak_power_today_watts", device=ECU) == max(
        s.power_w for s in slots
    )
    lifetime = sum(pv.lifetime_kwh(until) for pv in sim.system.pv.values())
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == pytest.approx(
        round(lifetime, 2) * KWH
    )
    panels = sim.system.pv[ECU].panels
    for i, panel in enumerate(panels):
        channel = value(
            snapshot,
            "apsystems_openapi_inverter_channel_power_watts",
            (str(panel.channel),),
            device=panel.inverter,
        )
        assert channel == newest.panels[i]
    inverter = panels[0].inverter
    expected = sum(newest.panels[i] for i, p in enumerate(panels) if p.inverter == inverter)
    assert value(snapshot, m.DEVICE_POWER.name, device=inverter) == expected
    meter = sim.system.meter_slots(ECU, today, until)[-1]
    assert value(snapshot, m.CONSUMPTION_POWER.name) == pytest.approx(meter.consumed_w, abs=0.01)
    assert value(snapshot, m.GRID_POWER.name) == pytest.approx(meter.grid_w, abs=0.01)
    totals = sim.system.meter_lifetime(ECU, until)
    assert value(snapshot, m.GRID_EXPORT_ENERGY_TOTAL.name) == pytest.approx(
        totals["exported"] * KWH, rel=1e-6
    )
    (site,) = snapshot.sites
    assert site.timezone == "Europe/Berlin"
    assert dict(site.extra) == {"capacity_watts": "2400"}
    kinds = Counter(d.kind.value for d in snapshot.devices)
    assert kinds == {"gateway": 1, "microinverter": 3}
    assert value(snapshot, "apsystems_openapi_system_status_info", ("1", "normal")) == 1.0
    # details, inverters, ECU day, inverter power, meter day, summary, meter summary
    assert sum(sim.gate.month_calls.values()) == 7
    budgets = {(b.window, b.limit): b.remaining for b in snapshot.health.budgets}
    assert budgets == {("32d", 1000): 993, ("day", 30): 23}
    assert source.requests.total() == 7


async def test_a_simulated_month_never_exceeds_the_quota(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 28, 0, 0))
    end = at(2025, 8, 2, 0, 0)
    async with simulator(clock) as (sim, url):
        config = source_config(sim, url, latitude=52.52, longitude=13.40, night={"mode": "sun"})
        source = OpenApiSource(config, SourceContext(clock, tmp_path))
        poller = SourcePoller(source, clock, Hub(), SunWindow(52.52, 13.40))
        task = asyncio.create_task(poller.run())
        try:
            while clock.now() < end:  # noqa: ASYNC110 - the clock moves when the poller sleeps
                await asyncio.sleep(0.001)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await source.close()
        snapshot = poller.snapshot()
    assert sim.stats.violations == 0
    assert sim.gate.month_calls["2025-07"] <= 1000
    assert sim.gate.month_calls["2025-07"] >= 800  # most of the quota is used, not hoarded
    per_day = Counter(datetime.fromtimestamp(t, BERLIN).date() for t in sim.gate.counted)
    assert max(per_day.values()) <= 30
    observer = SunWindow(52.52, 13.40)
    assert not [t for t in sim.gate.counted if observer.asleep(t)]  # daylight only
    assert snapshot.health.up, snapshot.health.last_error
    remaining = {b.window: b.remaining for b in snapshot.health.budgets}
    assert 0 <= remaining["32d"] < 1000


async def test_before_sunrise_there_is_no_production_yet(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 1, 15, 7, 0))
    async with wired(clock, tmp_path) as (_, source, poller):
        snapshot = await poller.poll_all()
    assert snapshot.health.up, snapshot.health.last_error
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == 0.0
    assert value(snapshot, m.PRODUCTION_POWER.name) is None
    assert value(snapshot, m.CONSUMPTION_POWER.name) is not None  # the meter counts all night
    assert source.requests.snapshot()[("ecu_energy", "code_1001")] == 1


@pytest.mark.parametrize(
    ("override", "code", "kind", "words"),
    [
        ({"app_secret": SecretStr("wrong-secret")}, 4000, SourceState.DOWN, "signature"),
        ({"app_id": "someone-else"}, 2001, SourceState.DOWN, "App Id"),
    ],
)
async def test_account_problems_need_a_person(
    override: dict[str, Any], code: int, kind: SourceState, words: str, tmp_path: Path
) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with wired(clock, tmp_path, **override) as (sim, _, poller):
        snapshot = await poller.poll_all()
        clock.advance(300)
        again = await poller.poll_all()  # the plan waits: no new call
    assert snapshot.health.state is kind
    assert words in (snapshot.health.last_error or "")
    assert f"code {code}" in (snapshot.health.last_error or "")
    assert "wrong-secret" not in (snapshot.health.last_error or "")
    assert sim.stats.api("details").fail_codes[code] == 1
    assert sum(s.calls for s in sim.stats.apis.values()) == 1
    assert again.health.last_error == snapshot.health.last_error


async def test_the_account_limit_stops_calls_until_next_month_across_restarts(
    tmp_path: Path,
) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with simulator(clock) as (sim, url):
        sim.force_codes = [2005]
        async with polled(source_config(sim, url), clock, tmp_path) as (_, poller):
            snapshot = await poller.poll_all()
        assert "code 2005" in (snapshot.health.last_error or "")
        calls = sum(s.calls for s in sim.stats.apis.values())
        clock.advance(86400)
        async with polled(source_config(sim, url), clock, tmp_path) as (_, poller):
            restarted = await poller.poll_all()
        assert sum(s.calls for s in sim.stats.apis.values()) == calls
        assert "code 2005" in (restarted.health.last_error or "")
        clock.t = at(2025, 7, 1, 0, 1)  # July in Berlin, and in China already
        clock.advance(8 * 3600)
        async with polled(source_config(sim, url), clock, tmp_path) as (_, poller):
            july = await poller.poll_all()
    assert july.health.up, july.health.last_error


@pytest.mark.parametrize(
    ("code", "retry_after"),
    [(7001, at(2025, 6, 16, 0, 0) - at(2025, 6, 15, 12, 0)), (7002, 3600.0), (7003, 3600.0)],
)
async def test_busy_and_limited_servers_are_not_asked_again_soon(
    code: int, retry_after: float, tmp_path: Path
) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with wired(clock, tmp_path) as (sim, source, poller):
        sim.force_codes = [code]
        snapshot = await poller.poll_all()
        (state,) = poller.feed_states
    assert f"code {code}" in (snapshot.health.last_error or "")
    assert state.next_due >= clock.now() + retry_after
    assert source.requests.snapshot()[("details", f"code_{code}")] == 1


async def test_octet_stream_answers_are_read_as_json(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with wired(clock, tmp_path, sim_config={"octet_stream": True}) as (_, _, poller):
        snapshot = await poller.poll_all()
    assert snapshot.health.up, snapshot.health.last_error


async def test_a_restart_reuses_the_device_list(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with simulator(clock) as (sim, url):
        async with polled(source_config(sim, url), clock, tmp_path) as (_, poller):
            await poller.poll_all()
        clock.advance(3600)
        async with polled(source_config(sim, url), clock, tmp_path) as (_, poller):
            snapshot = await poller.poll_all()
    assert snapshot.health.up
    assert sim.stats.api("inverters").calls == 1
    assert sim.stats.api("details").calls == 1
    assert len(snapshot.devices) == 4


async def test_a_lost_connection_costs_no_quota(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with wired(clock, tmp_path) as (sim, source, poller):
        sim.faults.update({"drop_connection_next": 2})  # aiohttp retries a GET once
        snapshot = await poller.poll_all()
        left = source.status().budgets[1].remaining
    assert "connection failed" in (snapshot.health.last_error or "")
    assert left == 30


async def test_each_slot_goes_to_the_history_once(tmp_path: Path) -> None:
    clock = ManualClock(at(2025, 6, 15, 12, 0))
    async with wired(clock, tmp_path) as (sim, _, poller):
        first = await poller.poll_all()
        clock.advance(2 * 3600)
        while sim.stats.api("ecu/energy").calls < 2:
            clock.advance(300)
            second = await poller.poll_all()
    until = clock.now() - sim.config.upload_delay
    slots = sim.system.slots(ECU, datetime.fromtimestamp(until, BERLIN).date(), until)
    power = m.PRODUCTION_POWER.name
    delivered = [r.time for s in (first, second) for r in s.history if r.metric.name == power]
    assert delivered == [s.end for s in slots]
    assert [r.value for r in second.history if r.metric.name == power] == [
        s.power_w for s in slots if s.end > first_newest(first)
    ]


def first_newest(snapshot: Snapshot) -> float:
    found = value(snapshot, m.DATA_TIMESTAMP.name)
    assert found is not None
    return found
