"""The EMA simulator on its own: sessions, refusals, the UTC+8 time code, faults, admin."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.conftest import ManualClock
from tests.vendors.apsystems.ema_helpers import (
    BROWSER,
    at,
    ema_simulator,
    fetch_raw,
    reference_instant,
)

DAY_PAGE = "/ema/ajax/getReportApiAjax/getPowerOnCurrentDayAjax"


async def test_times_are_wall_clock_read_as_china_time() -> None:
    clock = ManualClock(at("America/New_York", 2025, 7, 1, 12, 0))
    async with ema_simulator(
        clock, timezone="America/New_York", latitude=40.7, longitude=-74.0
    ) as (sim, url):
        raw = await fetch_raw(url, sim.config, "20250701")
    assert raw.day is not None
    until = clock.now() - sim.config.upload_delay
    day = sim.system.local_day(until)
    ends = [s.end for s in sim.system.slots(day, until)]
    assert [reference_instant(t, "America/New_York") for t in raw.day["time"]] == ends


async def test_clients_without_a_browser_agent_are_refused() -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with (
        ema_simulator(clock) as (_, url),
        aiohttp.ClientSession() as http,
        http.get(f"{url}/ema/intoDemoUser.action?id=x") as response,
    ):
        assert response.status == 403


async def test_sessions_a_wrong_id_and_expiry() -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    headers = {"User-Agent": BROWSER}
    async with ema_simulator(clock, session_ttl=600) as (sim, url):
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar, headers=headers) as http:
            async with http.get(f"{url}/ema/intoDemoUser.action?id=wrong") as response:
                assert response.status == 200  # EMA does not tell
            form = {"queryDate": "20250615", "systemId": sim.config.system_id,
                    "selectedValue": sim.config.ecu_id}  # fmt: skip
            async with http.post(url + DAY_PAGE, data=form) as response:
                assert (await response.text()).lstrip().startswith("<!DOCTYPE html>")
            async with http.get(
                f"{url}/ema/intoDemoUser.action?id={sim.config.authorized_id}"
            ) as response:
                assert response.status == 200
            async with http.post(url + DAY_PAGE, data=form) as response:
                assert json.loads(await response.text())["time"]
            clock.advance(601)
            async with http.post(url + DAY_PAGE, data=form) as response:
                assert "<html>" in await response.text()
    assert sim.stats.logins == 1
    assert sim.stats.api("getPowerOnCurrentDayAjax").faults["no_session"] == 2


@pytest.mark.parametrize(
    ("query_date", "answer", "status"),
    [("20250616", "204", 204), ("20250616", "empty", 200), ("2025-06-15", "204", 204)],
)
async def test_future_or_unreadable_dates_have_no_data(
    query_date: str, answer: str, status: int
) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with ema_simulator(clock, no_data_answer=answer) as (sim, url):
        raw = await fetch_raw(url, sim.config, query_date)
    if status == 204:
        assert raw.day is None
    else:
        assert raw.day == {"time": [], "power": [], "energy": [], "total": "0.00", "max": "0"}


async def test_fault_switches_and_stats() -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 12, 0))
    async with ema_simulator(clock) as (_, url), aiohttp.ClientSession() as http:
        async with http.post(f"{url}/_sim/faults", json={"nonsense": 1}) as response:
            assert response.status == 400
        async with http.post(f"{url}/_sim/faults", json={"http_error_next": 1}) as response:
            assert (await response.json())["http_error_next"] == 1
        async with http.get(
            f"{url}/ema/intoDemoUser.action?id=x", headers={"User-Agent": BROWSER}
        ) as response:
            assert response.status == 503
        async with http.get(f"{url}/_sim/stats") as response:
            stats = await response.json()
    assert stats["apis"]["intoDemoUser"]["faults"] == {"http_error": 1}
