"""Timeouts, 5xx, dropped connections, broken JSON and the nightly outage: a poll fails in plain
words (or, in the outage, keeps its values), nothing crashes, and the next poll recovers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.model import DeviceKind, MetricType, Snapshot
from tests.conftest import ManualClock
from tests.vendors.enphase.conftest import Running, Start, config_for, value

FOLDER = "8.3.5169_with_generator"  # CTs, per-device data, /inventory.json, a /home zone


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        ({"latency": 0.6}, "did not answer"),
        ({"http_error_next": 100}, "HTTP 503"),
        ({"http_error_next": 100, "http_error_status": 500}, "HTTP 500"),
        ({"drop_connection_next": 100}, "connection to the gateway failed"),
        ({"malformed_json_next": 100}, "not valid JSON"),
    ],
)
async def test_a_failed_poll_recovers_at_the_next(
    gateway: Start,
    run: Callable[..., Running],
    clock: ManualClock,
    faults: dict[str, object],
    words: str,
) -> None:
    sim = await gateway(FOLDER)
    running = run(config_for(sim, timeout=0.2))
    assert (await running.poll()).health.up
    sim.faults.update(faults)
    started = time.monotonic()
    failed = await running.poll()
    assert time.monotonic() - started < 10
    assert not failed.health.up
    assert words in (failed.health.last_error or "")
    # The values of the last good poll stay until they go stale.
    assert value(failed, m.PRODUCTION_POWER.name) is not None
    sim.faults.clear()
    clock.advance(60)
    recovered = await running.poll()
    assert recovered.health.up, recovered.health.last_error
    assert sim.stats.max_in_flight == 1


async def test_first_connection_to_a_slow_gateway_gives_up_quickly(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(FOLDER)
    sim.faults.update({"latency": 1.0})
    running = run(config_for(sim, timeout=0.2))
    started = time.monotonic()
    snapshot = await running.poll()
    assert time.monotonic() - started < 8
    assert not snapshot.health.up
    sim.faults.clear()
    assert (await running.poll()).health.up


async def test_unreachable_gateway(run: Callable[..., Running], gateway: Start) -> None:
    sim = await gateway(FOLDER)
    url = sim.url
    await sim.stop()
    config = config_for(sim, timeout=0.2).model_copy(update={"url": url})
    snapshot = await run(config).poll()
    host = url.split("://")[1]
    assert f"connecting to {host}: the gateway did not answer" in (snapshot.health.last_error or "")
    assert snapshot.requests[("/info", "connection_error")] >= 1


async def test_nightly_outage_keeps_the_values_and_says_why(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(FOLDER)
    zone = ZoneInfo(sim.gateway.timezone)
    clock.t = datetime(2025, 6, 14, 22, 50, tzinfo=zone).timestamp()
    running = run(config_for(sim, timeout=0.5))
    before = await running.poll()
    assert before.health.up
    sim.faults.update({"nightly_outage": True})

    clock.t = datetime(2025, 6, 14, 23, 2, tzinfo=zone).timestamp()
    during = await running.poll()
    assert during.health.up
    assert any("nightly outage" in note for note in during.health.notes)
    assert value(during, m.PRODUCTION_POWER.name) == value(before, m.PRODUCTION_POWER.name)
    assert sim.stats.faults["nightly_outage"] >= 1

    clock.t = datetime(2025, 6, 14, 23, 20, tzinfo=zone).timestamp()
    after = await running.poll()
    assert after.health.up and not after.health.notes


async def test_outside_the_outage_window_a_503_is_a_failure(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(FOLDER)
    zone = ZoneInfo(sim.gateway.timezone)
    clock.t = datetime(2025, 6, 14, 21, 0, tzinfo=zone).timestamp()
    running = run(config_for(sim))
    assert (await running.poll()).health.up
    sim.faults.update({"http_error_next": 100})
    assert not (await running.poll()).health.up


async def test_discover_lists_the_gateway_its_meters_and_devices(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(FOLDER)
    found = await run(config_for(sim)).source.discover()
    kinds = [d.kind for d in found.devices]
    assert kinds.count(DeviceKind.GATEWAY) == 1
    assert kinds.count(DeviceKind.METER) == 2
    assert kinds.count(DeviceKind.MICROINVERTER) == 20
    assert kinds.count(DeviceKind.OTHER) == 1  # the IQ System Controller
    assert found.sites[0].id == sim.serial
    assert any("firmware 8.3.5169, metered" in note for note in found.notes)
    gateway_device = next(d for d in found.devices if d.kind is DeviceKind.GATEWAY)
    assert gateway_device.name.startswith("Envoy, phases: 2")


async def test_meters_feed_reads_only_the_ct_readings(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(FOLDER)
    running = run(config_for(sim))
    await running.poll()
    requests = sum(sim.stats.requests.values())
    readings = sim.stats.requests["/ivp/meters/readings"]
    meters = next(s for s in running.poller.feed_states if s.feed.name == "meters")
    result = await meters.feed.poll()
    assert sum(sim.stats.requests.values()) == requests + 1
    assert sim.stats.requests["/ivp/meters/readings"] == readings + 1
    names = {r.metric.name for r in result.readings}
    assert {m.PRODUCTION_POWER.name, m.GRID_POWER.name, m.CONSUMPTION_POWER.name} <= names


async def test_counters_never_go_back_while_the_gateway_fails(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    """The meters feed reads the CTs more often than the full update: when both fail for
    longer than three meter intervals, the fresher meter values must not give way to the
    full update's older ones (a counter going back reads as a reset to Prometheus)."""
    sim = await gateway(None)  # the built-in installation: its meters count on as time passes
    running = run(config_for(sim, meters_interval=10.0))
    published: list[Snapshot] = []
    running.hub.subscribe(published.append)
    started = clock.now()

    async def until(moment: float) -> None:
        while clock.now() < started + moment:
            await asyncio.sleep(0.001)
            assert not task.done()

    task = asyncio.create_task(running.poller.run())
    try:
        await until(90)  # the meters feed has polled since the last full update
        sim.faults.update({"http_error_next": 10**6})
        await until(90 + 600)  # beyond 3 meter intervals, within 15 minutes
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    last: dict[tuple[str, str, str, tuple[str, ...]], float] = {}
    for snapshot in published:
        for reading in snapshot.readings:
            if reading.metric.type is MetricType.COUNTER:
                assert reading.value >= last.get(reading.key, reading.value), reading.key
                last[reading.key] = reading.value
    assert not published[-1].health.up
