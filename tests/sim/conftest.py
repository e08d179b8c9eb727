"""Harness of the FusionSolar simulator tests: loopback server, client session, manual clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from tests.conftest import DATA, ManualClock

CAPTURES = DATA / "fusionsolar"
EQUINOX = 1_742_428_800.0  # 2025-03-20 00:00 UTC: the sun is up about 12 h everywhere
NOON_UTC = EQUINOX + 12 * 3600  # first plant (Mannheim): producing; second (Brisbane): night
LOGIN = {"userName": "demo", "systemCode": "demo-secret"}
NO_LIMITS = {"enforce_limits": False}


def capture(name: str) -> Any:
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Harness:
    sim: FusionSolarSimulator
    base: str
    http: aiohttp.ClientSession
    clock: ManualClock
    token: str = ""

    async def post(self, api: str, body: Any = None, token: str | None = None) -> Any:
        """POST to /thirdData/<api> with the harness token (or `token`); the parsed body."""
        headers = {"XSRF-TOKEN": token if token is not None else self.token}
        async with self.http.post(
            f"{self.base}/thirdData/{api}", json=body or {}, headers=headers
        ) as r:
            assert r.status == 200
            return json.loads(await r.text())

    async def plant_codes(self) -> list[str]:
        plants = (await self.post("stations", {"pageNo": 1, "pageSize": 100}))["data"]["list"]
        return [p["plantCode"] for p in plants]

    async def login(self) -> str:
        async with self.http.post(f"{self.base}/thirdData/login", json=LOGIN) as r:
            assert r.status == 200
            self.token = r.headers["xsrf-token"]
        return self.token

    async def devices(self) -> dict[int, list[dict[str, Any]]]:
        """getDevList of every plant, grouped by devTypeId."""
        codes = ",".join(await self.plant_codes())
        by_type: dict[int, list[dict[str, Any]]] = {}
        for dev in (await self.post("getDevList", {"stationCodes": codes}))["data"]:
            by_type.setdefault(dev["devTypeId"], []).append(dev)
        return by_type

    async def realtime(self, devices: list[dict[str, Any]], type_id: int | str) -> Any:
        ids = ",".join(str(d["id"]) for d in devices)
        return await self.post("getDevRealKpi", {"devIds": ids, "devTypeId": type_id})


Factory = Callable[..., Awaitable[Harness]]


def first_items(answer: Any) -> Any:
    """The dataItemMap of the first row of a real-time answer."""
    return answer["data"][0]["dataItemMap"]


@pytest.fixture
async def simulator() -> AsyncIterator[Factory]:
    started: list[Harness] = []

    async def start(start: float = NOON_UTC, **config: Any) -> Harness:
        clock = ManualClock(start)
        sim = FusionSolarSimulator(FusionSolarSimConfig(**config), clock)
        base = await sim.start()
        harness = Harness(sim, base, aiohttp.ClientSession(), clock)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.http.close()
        await harness.sim.stop()
