"""The OpenAPI simulator on its own: signatures, quota months, limits, parameters, shapes.

Requests here are signed by the test itself, with the reference's formula (§b.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from solar2prom.sim.apsystems_openapi import OpenApiSimConfig, OpenApiSimulator
from tests.conftest import ManualClock

SYSTEMS = "/user/api/v2/systems"
NOON = datetime(2025, 6, 15, 10, 0, tzinfo=UTC).timestamp()


class Caller:
    def __init__(self, url: str, config: OpenApiSimConfig, clock: ManualClock) -> None:
        self.url, self.config, self.clock = url, config, clock

    def headers(
        self, path: str, *, secret: str | None = None, nonce: str | None = None, skew: float = 0
    ) -> dict[str, str]:
        stamp = str(int((self.clock.now() + skew) * 1000))
        nonce = nonce or uuid.uuid4().hex
        text = f"{stamp}/{nonce}/{self.config.app_id}/{path.rsplit('/', 1)[-1]}/GET/HmacSHA256"
        key = (secret or self.config.app_secret).encode()
        signature = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest())
        return {
            "X-CA-AppId": self.config.app_id,
            "X-CA-Timestamp": stamp,
            "X-CA-Nonce": nonce,
            "X-CA-Signature-Method": "HmacSHA256",
            "X-CA-Signature": signature.decode(),
        }

    async def get(
        self, path: str, params: dict[str, str] | None = None, **signing: Any
    ) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(self.url + path, params=params, headers=self.headers(path, **signing)) as r,
        ):
            assert r.status == 200
            body: dict[str, Any] = await r.json(content_type=None)
            return body


@asynccontextmanager
async def running(**config: Any) -> AsyncIterator[tuple[OpenApiSimulator, Caller, ManualClock]]:
    clock = ManualClock(NOON)
    sim = OpenApiSimulator(OpenApiSimConfig(**config), clock)
    url = await sim.start()
    try:
        yield sim, Caller(url, sim.config, clock), clock
    finally:
        await sim.stop()


async def test_signatures_are_checked() -> None:
    async with running() as (sim, api, _):
        path = f"{SYSTEMS}/details/{sim.config.system_id}"
        ok = await api.get(path)
        assert ok["code"] == 0 and ok["data"]["timezone"] == "Europe/Berlin"
        assert (await api.get(path, secret="wrong"))["code"] == 4000
        assert (await api.get(path, skew=-3600))["code"] == 4000
        assert (await api.get(path, nonce="not-hex"))["code"] == 4000
        nonce = uuid.uuid4().hex
        assert (await api.get(path, nonce=nonce))["code"] == 0
        assert (await api.get(path, nonce=nonce))["code"] == 4000  # replayed
    assert sim.gate.month_calls["2025-06"] == 2  # refused calls are not counted


async def test_the_quota_month_and_the_minute_limit() -> None:
    async with running(monthly_quota=3, quota_timezone="+08:00") as (sim, api, clock):
        path = f"{SYSTEMS}/summary/{sim.config.system_id}"
        codes = [(await api.get(path))["code"] for _ in range(4)]
        assert codes == [0, 0, 0, 2005]
        assert sim.stats.violations == 1
        clock.t = datetime(2025, 6, 30, 16, 0, tzinfo=UTC).timestamp()  # July in UTC+8
        assert (await api.get(path))["code"] == 0
    async with running(max_per_minute=2) as (sim, api, clock):
        path = f"{SYSTEMS}/summary/{sim.config.system_id}"
        codes = [(await api.get(path))["code"] for _ in range(3)]
        clock.advance(61)
        codes.append((await api.get(path))["code"])
        assert codes == [0, 0, 7002, 0]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/OTHER/devices/ecu/energy/216300000002", {"energy_level": "minutely"}, 2004),
        ("/details/OTHER", None, 2004),
        ("/{sid}/devices/ecu/energy/216300000002", {"date_range": "2025-06-15"}, 4000),
        ("/{sid}/devices/ecu/energy/216300000002", {"energy_level": "hourly"}, 4001),
        (
            "/{sid}/devices/ecu/energy/216300000002",
            {"energy_level": "minutely", "date_range": "2025-06-16"},
            4001,
        ),
        ("/{sid}/devices/ecu/energy/999", {"energy_level": "minutely"}, 4001),
        ("/{sid}/devices/meter/period/216300000002", {"energy_level": "minutely"}, 4001),
    ],
)
async def test_parameters(path: str, params: dict[str, str] | None, code: int) -> None:
    async with running() as (sim, api, _):
        body = await api.get(SYSTEMS + path.format(sid=sim.config.system_id), params)
    assert body["code"] == code


async def test_shapes_of_the_day() -> None:
    async with running() as (sim, api, _):
        sid, eid = sim.config.system_id, sim.config.ecus[0].eid
        day = {"date_range": "2025-06-15"}
        ecu = await api.get(
            f"{SYSTEMS}/{sid}/devices/ecu/energy/{eid}", {"energy_level": "minutely", **day}
        )
        batch = await api.get(
            f"{SYSTEMS}/{sid}/devices/inverter/batch/energy/{eid}", {"energy_level": "power", **day}
        )
        meter = await api.get(
            f"{SYSTEMS}/{sid}/devices/meter/period/{eid}", {"energy_level": "minutely", **day}
        )
        summary = await api.get(f"{SYSTEMS}/{sid}/devices/ecu/summary/{eid}")
        devices = await api.get(f"{SYSTEMS}/inverters/{sid}")
    data = ecu["data"]
    assert data["time"][-1] == "11:55"  # Berlin; 90 s upload delay
    assert len(data["time"]) == len(data["power"]) == len(data["energy"])
    assert all(isinstance(v, str) for v in data["power"] + data["energy"])
    assert set(batch["data"]["power"]) == {p.id for p in sim.system.pv[eid].panels}
    assert batch["data"]["time"] == data["time"]
    produced = [float(p) for p in meter["data"]["power"]["produced"][-len(data["power"]) :]]
    assert produced == [float(p) for p in data["power"]]
    assert meter["data"]["time"][0] == "00:05"  # the meter counts all day
    assert "today" not in summary["data"]  # as in the real capture
    assert devices["data"][0]["type"] == 1 and devices["data"][0]["inverter"][0]["type"] == "DS3"


async def test_forced_codes_and_octet_stream() -> None:
    async with running(octet_stream=True) as (sim, api, _):
        sim.force_codes = [7003]
        path = f"{SYSTEMS}/summary/{sim.config.system_id}"
        async with (
            aiohttp.ClientSession() as http,
            http.get(api.url + path, headers=api.headers(path)) as response,
        ):
            assert response.content_type == "application/octet-stream"
            assert (await response.json(content_type=None))["code"] == 7003
        assert (await api.get(path))["code"] == 0
