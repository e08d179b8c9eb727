"""The ECU source end to end: the real client over TCP against the simulator.

Simulator and source share a manual clock that moves only when someone sleeps, so a
simulated day runs in seconds and the maintenance window is exact.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import DeviceKind, Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.outputs.prometheus import PrometheusOutput
from solar2prom.sim.apsystems_ecu import EcuSimConfig, EcuSimulator
from solar2prom.sources.apsystems.ecu import EcuConfig, EcuSource
from solar2prom.sources.apsystems.ecu import catalog as ecu
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock

ZONE = ZoneInfo("Europe/Amsterdam")
DAY = "2025-06-15"


def local(hhmm: str, day: str = DAY) -> float:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZONE).timestamp()


@contextlib.asynccontextmanager
async def running(clock: ManualClock, config: EcuSimConfig | None = None) -> AsyncIterator[Any]:
    sim = EcuSimulator(config or EcuSimConfig(), clock)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


def source_for(sim: EcuSimulator, clock: ManualClock, state: Path, **keys: Any) -> EcuSource:
    settings: dict[str, Any] = {"timezone": "Europe/Amsterdam", "night": NightOff(mode="off")}
    settings.update(keys)
    config = EcuConfig(
        name="shed", type="apsystems_ecu", host="127.0.0.1", port=sim.port, **settings
    )
    return EcuSource(config, SourceContext(clock, state))


def value(snapshot: Snapshot, metric: str, device: str = "", labels: tuple[str, ...] = ()) -> Any:
    found = [
        r.value
        for r in snapshot.readings
        if (r.metric.name, r.device, r.labels) == (metric, device, labels)
    ]
    assert len(found) <= 1
    return found[0] if found else None


def series(snapshot: Snapshot, metric: str, device: str) -> dict[tuple[str, ...], float]:
    return {
        r.labels: r.value
        for r in snapshot.readings
        if r.metric.name == metric and r.device == device
    }


async def test_a_poll_reads_the_whole_installation(tmp_path: Path) -> None:
    clock = ManualClock(local("13:02"))
    async with running(clock) as sim:
        source = source_for(sim, clock, tmp_path)
        snapshot = await SourcePoller(source, clock, Hub()).poll_all()
        expected = sim.plant.sample(clock.now())
    assert snapshot.health.up, snapshot.health.last_error
    config: EcuSimConfig = sim.config
    (site,) = snapshot.sites
    assert (site.id, site.vendor, site.timezone) == (config.ecu_id, "apsystems", "Europe/Amsterdam")
    gateway = next(d for d in snapshot.devices if d.kind is DeviceKind.GATEWAY)
    assert (gateway.model, gateway.firmware) == ("ECU-B", config.firmware)
    models = {d.id: d.model for d in snapshot.devices if d.kind is DeviceKind.MICROINVERTER}
    assert models == {
        "703000000101": "DS3",
        "703000000102": "DS3",
        "408000000103": "YC600",
        "802000000104": "QS1",
        "901000000105": "QT2",
    }

    assert value(snapshot, m.PRODUCTION_POWER.name) == expected.power_w > 0
    powers = [value(snapshot, m.DEVICE_POWER.name, uid) for uid in models]
    assert sum(powers) == expected.power_w
    for inverter in expected.inverters:
        uid = inverter.spec.uid
        channels = series(snapshot, ecu.CHANNEL_POWER.name, uid)
        assert channels == {
            (str(i),): float(w) for i, w in enumerate(inverter.channel_power_w, start=1)
        }
        assert value(snapshot, m.DEVICE_ONLINE.name, uid) == 1.0
        assert value(snapshot, m.DEVICE_TEMPERATURE.name, uid) == inverter.temperature_raw - 100
        assert value(snapshot, ecu.FREQUENCY.name, uid) == inverter.frequency_raw / 10
        assert value(snapshot, ecu.SIGNAL.name, uid) == pytest.approx(inverter.spec.signal / 255)
    assert set(series(snapshot, ecu.PHASE_VOLTAGE.name, "901000000105")) == {
        ("a",),
        ("b",),
        ("c",),
    }
    assert set(series(snapshot, ecu.PHASE_VOLTAGE.name, "802000000104")) == {("a",)}
    assert set(series(snapshot, ecu.CHANNEL_VOLTAGE.name, "703000000101")) == {("1",), ("2",)}

    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == int(expected.today_wh // 10) * 36e3
    lifetime = int(expected.lifetime_wh // 100) * 360e3
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == lifetime
    assert value(snapshot, ecu.INVERTERS_REGISTERED.name) == 5
    assert value(snapshot, ecu.INVERTERS_ONLINE.name) == 5
    assert value(snapshot, m.DATA_TIMESTAMP.name) == expected.at == local("13:00")
    assert snapshot.requests == {
        ("system_info", "ok"): 1,
        ("realtime_data", "ok"): 1,
        ("signal_levels", "ok"): 1,
    }
    assert sim.stats.max_open == 1


async def test_the_exposition_has_the_labels_of_the_spec(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    hub = Hub()
    output = PrometheusOutput(hub)
    async with running(clock) as sim:
        source = source_for(sim, clock, tmp_path)
        await SourcePoller(source, clock, hub).poll_all()
    await output.settled()
    text = output.exposition().body.decode()
    output.close()
    site = 'source="shed",site="216300000001"'
    assert f'solar_site_info{{{site},vendor="apsystems",name="ECU-B 216300000001"' in text
    qt2 = f'{site},device="901000000105"'
    assert f'apsystems_ecu_inverter_ac_voltage_volts{{{qt2},phase="c"}}' in text
    assert f'apsystems_ecu_inverter_channel_power_watts{{{qt2},channel="4"}}' in text
    assert 'kind="gateway",model="ECU-B",firmware="ECU_B_1.2.33"' in text


async def test_at_night_inverters_are_offline_and_report_nothing_else(tmp_path: Path) -> None:
    clock = ManualClock(local("23:40"))
    async with running(clock) as sim:
        snapshot = await SourcePoller(source_for(sim, clock, tmp_path), clock, Hub()).poll_all()
        expected = sim.plant.sample(clock.now())
    assert value(snapshot, m.PRODUCTION_POWER.name) == 0
    assert value(snapshot, ecu.INVERTERS_ONLINE.name) == 0
    # 0 online: today's energy is believable even if the ECU said 0
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == int(expected.today_wh // 10) * 36e3
    for inverter in expected.inverters:
        uid = inverter.spec.uid
        names = {r.metric.name for r in snapshot.readings if r.device == uid}
        assert names == {m.DEVICE_ONLINE.name, ecu.SIGNAL.name}
        assert value(snapshot, m.DEVICE_ONLINE.name, uid) == 0.0
    assert snapshot.rejected == {}


async def test_a_simulated_day(tmp_path: Path) -> None:
    start = local("00:00")
    clock = ManualClock(start)
    hub = Hub()
    seen: list[Snapshot] = []
    hub.subscribe(seen.append)
    async with running(clock) as sim:
        poller = SourcePoller(source_for(sim, clock, tmp_path), clock, hub)
        task = asyncio.create_task(poller.run())
        while clock.now() - start < 86400 + 600:  # noqa: ASYNC110 - the clock moves when the poller sleeps
            await asyncio.sleep(0.001)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    lifetimes = [value(s, m.PRODUCTION_ENERGY_TOTAL.name) for s in seen]
    lifetimes = [v for v in lifetimes if v is not None]
    assert lifetimes == sorted(lifetimes)
    assert lifetimes[-1] > lifetimes[0]
    assert sim.stats.max_open == 1
    window = [
        t
        for t in sim.stats.connected_at
        if time(2, 45) <= datetime.fromtimestamp(t, ZONE).time() < time(3, 15)
    ]
    assert window == []
    assert sim.stats.faults["maintenance"] == 0
    realtime = sim.stats.commands["0002"]
    assert 86400 / 300 - 8 <= realtime <= 86400 / 300 + 2  # 6 polls skipped in the window
    assert 86400 / 1800 - 2 <= sim.stats.commands["0030"] <= 86400 / 1800 + 2
    todays = [
        (s.taken_at, value(s, m.PRODUCTION_ENERGY_TODAY.name))
        for s in seen
        if value(s, m.PRODUCTION_ENERGY_TODAY.name) is not None
    ]
    evening = max(v for t, v in todays if t < local("23:59"))
    after_midnight = [v for t, v in todays if t >= local("00:00", "2025-06-16")]
    assert evening > 0
    assert after_midnight
    assert after_midnight[0] == 0
    assert seen[-1].health.up


async def test_lifetime_glitches_are_rejected_even_across_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    async with running(clock) as sim:
        counters = tmp_path / "counters.json"
        poller = SourcePoller(source_for(sim, clock, tmp_path), clock, Hub(), counters=counters)
        first = value(await poller.poll_all(), m.PRODUCTION_ENERGY_TOTAL.name)
        sim.faults.lifetime_zero_next = 1
        clock.advance(300)
        glitch = await poller.poll_all()
    assert value(glitch, m.PRODUCTION_ENERGY_TOTAL.name) is None  # missing, not 0
    assert glitch.rejected == {"implausible": 1}

    lower = EcuSimConfig(lifetime_kwh=1000.0)
    async with running(clock, lower) as sim:
        restarted = SourcePoller(source_for(sim, clock, tmp_path), clock, Hub(), counters=counters)
        snapshot = await restarted.poll_all()
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == first
    assert snapshot.rejected == {"counter_decrease": 1}


async def test_today_read_as_zero_while_producing_is_dropped(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    async with running(clock) as sim:
        sim.faults.today_zero = True
        snapshot = await SourcePoller(source_for(sim, clock, tmp_path), clock, Hub()).poll_all()
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) is None
    assert value(snapshot, m.PRODUCTION_POWER.name) > 0
    assert snapshot.rejected == {"implausible": 1}


async def test_a_hung_ecu_fails_the_poll_and_says_so(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    async with running(clock) as sim:
        source = source_for(sim, clock, tmp_path, timeout=0.2)
        poller = SourcePoller(source, clock, Hub())
        assert (await poller.poll_all()).health.up
        sim.faults.hang = True
        await poller.poll_all()
        snapshot = await poller.poll_all()
    assert not snapshot.health.up
    assert "within 0.2s" in (snapshot.health.last_error or "")
    assert snapshot.requests[("system_info", "timeout")] == 2
    assert snapshot.requests[("signal_levels", "timeout")] == 2
    assert any("power-cycled" in note for note in snapshot.health.notes)


async def test_the_maintenance_window_is_left_alone(tmp_path: Path) -> None:
    clock = ManualClock(local("02:40"))
    async with running(clock) as sim:
        sim.faults.lifetime_zero_next = 1  # a rejection, to be counted once
        poller = SourcePoller(source_for(sim, clock, tmp_path), clock, Hub())
        before = await poller.poll_all()
        connections = sim.stats.connections
        clock.t = local("02:50")
        during = await poller.poll_all()
        assert sim.stats.connections == connections
        clock.t = local("03:15")
        await poller.poll_all()
        assert sim.stats.connections == connections + 3
    assert during.health.up
    assert during.readings == before.readings
    assert during.rejected == before.rejected == {"implausible": 1}


async def test_started_in_the_maintenance_window_it_waits(tmp_path: Path) -> None:
    clock = ManualClock(local("03:00"))
    async with running(clock) as sim:
        poller = SourcePoller(source_for(sim, clock, tmp_path), clock, Hub())
        snapshot = await poller.poll_all()
        assert sim.stats.connections == 0
    assert not snapshot.health.up
    assert "maintenance window" in (snapshot.health.last_error or "")
    assert min(s.next_due for s in poller.feed_states) >= local("03:15")


async def test_no_inverter_data_keeps_the_ecu_values(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    async with running(clock) as sim:
        sim.faults.no_data_next = 1
        snapshot = await SourcePoller(source_for(sim, clock, tmp_path), clock, Hub()).poll_all()
    assert value(snapshot, m.PRODUCTION_POWER.name) > 0
    assert value(snapshot, m.DEVICE_POWER.name, "703000000101") is None
    assert any("no inverter data" in note for note in snapshot.health.notes)


@pytest.mark.parametrize(
    ("reported", "expected"),
    [("Europe/Amsterdam", "Europe/Amsterdam"), ("Etc/GMT-8", None), ("Mars/Base", None)],
)
async def test_the_zone_an_ecu_reports(tmp_path: Path, reported: str, expected: str | None) -> None:
    clock = ManualClock(local("12:00"))
    config = EcuSimConfig(ecu_id="216200000001", reported_timezone=reported)
    async with running(clock, config) as sim:
        source = source_for(sim, clock, tmp_path, timezone=None)
        snapshot = await SourcePoller(source, clock, Hub()).poll_all()
    assert source.timezone() == expected
    assert snapshot.sites[0].timezone == expected
    assert snapshot.sites[0].name == "ECU-R-Pro 216200000001"


async def test_the_ecu_c_layout_and_discovery(tmp_path: Path) -> None:
    clock = ManualClock(local("12:00"))
    config = EcuSimConfig(ecu_id="215000000001", firmware="ECU_C_1.2.5", info_format="02")
    async with running(clock, config) as sim:
        source = source_for(sim, clock, tmp_path)
        found = await source.discover()
        await source.close()
    gateway = next(d for d in found.devices if d.kind is DeviceKind.GATEWAY)
    assert (gateway.model, gateway.firmware) == ("ECU-C", "ECU_C_1.2.5")
    assert len(found.devices) == 1 + len(config.inverters)


def test_config_keys() -> None:
    config = EcuConfig(name="shed", type="apsystems_ecu", host=" 192.0.2.60 ")
    assert (config.host, config.port, config.poll_interval, config.timeout) == (
        "192.0.2.60",
        8899,
        300.0,
        5.0,
    )
    with pytest.raises(ValueError, match="no scheme"):
        EcuConfig(name="shed", type="apsystems_ecu", host="tcp://192.0.2.60")
    with pytest.raises(ValueError, match="60s or more"):
        EcuConfig(name="shed", type="apsystems_ecu", host="ecu.lan", interval="30s")
