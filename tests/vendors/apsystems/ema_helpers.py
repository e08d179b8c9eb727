"""Shared by the EMA and legacy-mode tests: the simulator, a source wired to it, lookups."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core.clock import Clock
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.sim.apsystems_ema import EmaSimConfig, EmaSimulator
from solar2prom.sources.apsystems.ema import EmaConfig, EmaSource
from solar2prom.sources.base import Source, SourceContext
from tests.conftest import ManualClock

KWH = 3.6e6
PARIS = ZoneInfo("Europe/Paris")


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> float:
    """Epoch seconds of a local wall-clock time in `zone`."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp()


@asynccontextmanager
async def ema_simulator(clock: Clock, **config: object) -> AsyncIterator[tuple[EmaSimulator, str]]:
    simulator = EmaSimulator(EmaSimConfig(**config), clock)  # type: ignore[arg-type]
    url = await simulator.start()
    try:
        yield simulator, url
    finally:
        await simulator.stop()


def ema_config(simulator: EmaSimulator, url: str, **overrides: object) -> EmaConfig:
    sim = simulator.config
    values: dict[str, object] = {
        "name": "ema",
        "type": "apsystems_ema",
        "url": url,
        "authorized_id": SecretStr(sim.authorized_id),
        "system_id": sim.system_id,
        "ecu_id": sim.ecu_id,
        "vid": sim.vid,
        "timezone": sim.timezone,
        "night": NightOff(mode="off"),
    }
    values.update(overrides)
    return EmaConfig.model_validate(values)


@asynccontextmanager
async def polling(source: Source, clock: Clock) -> AsyncIterator[SourcePoller]:
    """A poller of `source`; the source is closed afterwards."""
    try:
        yield SourcePoller(source, clock, Hub())
    finally:
        await source.close()


@asynccontextmanager
async def ema_poller(
    config: EmaConfig, clock: Clock, state: Path
) -> AsyncIterator[tuple[EmaSource, SourcePoller]]:
    source = EmaSource(config, SourceContext(clock, state))
    async with polling(source, clock) as poller:
        yield source, poller


def value(
    snapshot: Snapshot, metric: str, labels: tuple[str, ...] = (), device: str = ""
) -> float | None:
    """The one series of `metric` with these labels (and device), if exported."""
    found = [
        r.value
        for r in snapshot.readings
        if r.metric.name == metric and r.labels == labels and r.device == device
    ]
    assert len(found) <= 1, metric
    return found[0] if found else None


def series(snapshot: Snapshot, prefix: str) -> dict[tuple[str, tuple[str, ...]], float]:
    return {
        (r.metric.name, r.labels): r.value
        for r in snapshot.readings
        if r.metric.name.startswith(prefix)
    }


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"


@dataclass(frozen=True)
class RawEma:
    """EMA's answers to one scrape as the reference's request flow (a.2) makes it."""

    day: dict[str, Any] | None  # None: HTTP 204
    dashboard: dict[str, Any]
    view: dict[str, Any] | None


async def fetch_raw(url: str, sim: EmaSimConfig, query_date: str, vid: str = "") -> RawEma:
    """A fresh cookie jar, the visitor login, then the data pages: written here from the
    reference, independently of solar2prom's client."""
    jar = aiohttp.CookieJar(unsafe=True)
    headers = {"User-Agent": BROWSER}
    form = {**headers, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    async with aiohttp.ClientSession(cookie_jar=jar, headers=headers) as http:
        async with http.get(f"{url}/ema/intoDemoUser.action?id={sim.authorized_id}") as r:
            assert r.status == 200
        day_query = f"queryDate={query_date}&systemId={sim.system_id}&selectedValue={sim.ecu_id}"
        async with http.post(
            f"{url}/ema/ajax/getReportApiAjax/getPowerOnCurrentDayAjax?{day_query}", headers=form
        ) as r:
            day = None if r.status == 204 else json.loads(await r.read())
        async with http.post(
            f"{url}/ema/ajax/getDashboardApiAjax/getDashboardProductionInfoAjax", headers=form
        ) as r:
            dashboard = json.loads(await r.read())
        view = None
        if vid:
            view_query = f"sid={sim.system_id}&vid={vid}&iid=&date={query_date}"
            async with http.post(
                f"{url}/ema/ajax/getViewAjax/getViewPowerByViewAjax?{view_query}", headers=form
            ) as r:
                view = json.loads(await r.read())
    return RawEma(day, dashboard, view)


def reference_instant(ema_ms: float, zone: str) -> float:
    """The reference's rule (a.6): utc = t + 8 h - offset(system zone, at that time)."""
    tz = ZoneInfo(zone)
    guess = ema_ms / 1000 + 8 * 3600
    offset = datetime.fromtimestamp(guess, tz).utcoffset()
    assert offset is not None
    return guess - offset.total_seconds()


class GatedClock(ManualClock):
    """A manual clock the test moves forward in steps: a sleep that would end after `limit`
    waits until the test lets time run that far, so a polling loop stops exactly there."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.limit = start
        self._blocked_at: float | None = None

    async def sleep(self, seconds: float) -> None:
        target = self.t + max(0.0, seconds)
        while target > self.limit:
            self._blocked_at = target
            await asyncio.sleep(0.001)
        self._blocked_at = None
        self.t = target
        await asyncio.sleep(0)

    async def run_until(self, when: float) -> None:
        """Let sleepers run up to `when`; return once the next one would sleep past it."""
        self.limit = when
        while self._blocked_at is None or self._blocked_at <= when:  # noqa: ASYNC110 - polled clock
            await asyncio.sleep(0.001)
