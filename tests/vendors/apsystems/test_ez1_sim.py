"""The EZ1 simulator with plain HTTP, checked against the manual's shapes, not the client."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from solar2prom.sim.apsystems_ez1 import Ez1SimConfig, Ez1Simulator
from tests.conftest import ManualClock
from tests.vendors.apsystems.ez1_support import example

ZONE = ZoneInfo("Europe/Berlin")


def local(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2025, 6, day, hour, minute, tzinfo=ZONE).timestamp()


@contextlib.asynccontextmanager
async def simulator(
    clock: ManualClock, config: Ez1SimConfig | None = None
) -> AsyncIterator[tuple[Ez1Simulator, aiohttp.ClientSession, str]]:
    sim = Ez1Simulator(config or Ez1SimConfig(), clock)
    url = await sim.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield sim, session, url
    finally:
        await sim.stop()


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        return response.status, await response.json(content_type=None)


def same_shape(answer: Any, name: str) -> None:
    """Keys (and string-ness of values) as in the manual's example for `name`."""
    doc = example(name)
    assert set(answer) == set(doc)
    assert set(answer["data"]) == set(doc["data"])
    for key, sample in doc["data"].items():
        assert isinstance(answer["data"][key], str) == isinstance(sample, str), key


async def test_every_read_endpoint_has_the_manuals_shape() -> None:
    async with simulator(ManualClock(local(15, 12))) as (_, session, url):
        for name in ("getDeviceInfo", "getOutputData", "getMaxPower", "getAlarm", "getOnOff"):
            status, answer = await get(session, f"{url}/{name}")
            assert status == 200
            assert answer["message"] == "SUCCESS"
            same_shape(answer, name)


async def test_setters_change_state_and_are_counted() -> None:
    clock = ManualClock(local(15, 12))
    async with simulator(clock) as (sim, session, url):
        _, answer = await get(session, f"{url}/setMaxPower?p=600")
        same_shape(answer, "setMaxPower_p_600")
        assert answer["data"]["maxPower"] == "600"
        _, answer = await get(session, f"{url}/setOnOff?status=1")
        same_shape(answer, "setOnOff_status_1")
        assert answer["data"]["status"] == "1"  # the manual's example prints "0" here
        _, output = await get(session, f"{url}/getOutputData")
        clock.advance(120)
        _, later = await get(session, f"{url}/getOutputData")
    assert sim.stats.writes == {"setMaxPower": 1, "setOnOff": 1}
    assert later["data"]["p1"] == later["data"]["p2"] == 0  # switched off
    assert output["data"]["te1"] <= later["data"]["te1"]


async def test_firmware_variants() -> None:
    config = Ez1SimConfig(max_power_key="power", has_on_off=False, has_setters=False)
    async with simulator(ManualClock(local(15, 12)), config) as (sim, session, url):
        _, answer = await get(session, f"{url}/getMaxPower")
        assert set(answer["data"]) == {"power"}
        for name in ("getOnOff", "setOnOff?status=1", "setMaxPower?p=500", "getNothing"):
            async with session.get(f"{url}/{name}") as response:
                assert response.status == 404
    assert sim.stats.writes == {}


async def test_a_day_in_the_life() -> None:
    clock = ManualClock(local(15, 3))
    async with simulator(clock) as (sim, session, url):
        with pytest.raises(aiohttp.ClientError):
            await get(session, f"{url}/getOutputData")  # before sunrise: no power, no answer
        samples = []
        clock.t = local(15, 7)
        while clock.t < local(15, 20):
            _, answer = await get(session, f"{url}/getOutputData")
            samples.append(answer["data"])
            clock.advance(1800)
        clock.t = local(16, 9)
        _, morning = await get(session, f"{url}/getOutputData")
    assert sim.stats.dropped >= 1  # aiohttp itself may resend a GET on a dropped connection
    since = [s["e1"] for s in samples]
    assert since == sorted(since)
    assert max(s["p1"] for s in samples) <= 400  # half of the 800 W limit
    assert morning["data"]["e1"] < since[-1]  # a fresh start in the morning
    assert morning["data"]["te1"] > samples[-1]["te1"]


async def test_faults() -> None:
    clock = ManualClock(local(15, 12))
    async with simulator(clock) as (sim, session, url):
        sim.faults.failed_next = 1
        _, answer = await get(session, f"{url}/getAlarm")
        assert answer["message"] == "FAILED"
        sim.faults.http_500_next = 1
        async with session.get(f"{url}/getAlarm") as response:
            assert response.status == 500
        sim.faults.malformed_next = 1
        async with session.get(f"{url}/getAlarm") as response:
            with pytest.raises(json.JSONDecodeError):
                await response.json()
        sim.faults.alarms = {"og": 1}
        _, answer = await get(session, f"{url}/getAlarm")
        assert answer["data"]["og"] == "1"
        clock.advance(600)
        sim.faults.restart_next = 1
        _, answer = await get(session, f"{url}/getOutputData")
        assert answer["data"]["e1"] == 0


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="variant"):
        Ez1SimConfig(variant="EZ2")
    with pytest.raises(ValueError, match="max_power_key"):
        Ez1SimConfig(max_power_key="limit")
