"""Legacy mode against apsystems2prom's own logic, and the seed README's docker-compose.

`Apsystems2prom` below is that exporter's update rule written from the reference's field by
field description (§a.3), not from solar2prom's code: it reads the same simulator answers
(fetched with the reference's request flow, its UTC query date included) and keeps its gauges
as apsystems2prom does. The polls run in the middle of a Paris day, when the UTC date is the
local date, so both ask for the same day.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from solar2prom.app import Application
from solar2prom.sources.apsystems.legacy import legacy_config
from tests.conftest import ManualClock
from tests.integration.helpers import free_port
from tests.vendors.apsystems.ema_helpers import (
    RawEma,
    at,
    ema_simulator,
    fetch_raw,
)

SAMPLE = re.compile(r'^(ap_\w+)(?:\{panel_id="([^"]*)"\})? (\S+)$', re.MULTILINE)


@dataclass
class Apsystems2prom:
    """The gauges apsystems2prom exports, updated by its rule (reference §a.3)."""

    last_time: object = None
    gauges: dict[tuple[str, str], float] = field(default_factory=dict)

    def scrape(self, raw: RawEma) -> None:
        day = raw.day
        # HTTP 204 or an empty list: "no data", silently skipped.
        if day is None or not day["time"] or not day["power"] or not day["energy"]:
            return
        newest = day["time"][-1]
        if newest == self.last_time:
            return
        self.last_time = newest
        self.gauges[("ap_power", "")] = float(int(day["power"][-1]))
        self.gauges[("ap_energy", "")] = float(day["energy"][-1])
        self.gauges[("ap_total", "")] = float(day["total"])
        self.gauges[("ap_max", "")] = float(day["max"])
        self.gauges[("ap_lifetime", "")] = float(raw.dashboard["lifetime"])
        if raw.view is not None and raw.view["detail"]:
            for entry in raw.view["detail"].split("&"):
                parts = entry.split("/")
                if len(parts) == 2:
                    self.gauges[("ap_panels", parts[0])] = float(parts[1].split(",")[-1])


def ap_samples(exposition: str) -> dict[tuple[str, str], float]:
    return {(name, panel or ""): float(v) for name, panel, v in SAMPLE.findall(exposition)}


def env_for(url: str, port: int, vid: str) -> dict[str, str]:
    """The seed README's docker-compose environment, EMA_URL pointing at the simulator."""
    return {
        "TZ": "Europe/Paris",
        "PORT": str(port),
        "TICK": "5m",
        "SLEEP_NIGHT": "true",
        "SUNUP_HOUR": "7",
        "SUNDOWN_HOUR": "20",
        "USERNAME": "demo-visitor",
        "SYSTEM_ID": "DEMOSYSTEM0001",
        "ECU_ID": "216300000001",
        "VID": vid,
        "EMA_URL": url,
    }


async def test_legacy_mode_matches_apsystems2prom_through_old_and_new_samples(
    tmp_path: Path,
) -> None:
    clock = ManualClock(at("Europe/Paris", 2025, 6, 15, 10, 0))
    async with ema_simulator(clock) as (sim, url):
        config = legacy_config(env_for(url, free_port(), sim.config.vid))
        assert config is not None
        app = Application(config, clock, tmp_path)
        (poller,) = app.pollers
        reference = Apsystems2prom()
        newest: list[object] = []

        async def both_poll() -> None:
            await poller.poll_all()
            await app.prometheus.settled()
            utc_date = datetime.fromtimestamp(clock.now(), UTC).strftime("%Y%m%d")
            raw = await fetch_raw(url, sim.config, utc_date, vid=sim.config.vid)
            reference.scrape(raw)
            newest.append(raw.day["time"][-1] if raw.day else None)
            ours = ap_samples(app.prometheus.exposition().body.decode())
            assert ours == reference.gauges, datetime.fromtimestamp(clock.now(), UTC)

        try:
            await both_poll()  # first sample of the run
            for _ in range(3):  # the same newest slot: nothing moves
                clock.advance(60)
                await both_poll()
            clock.advance(300)
            await both_poll()  # a newer slot
            sim.frozen_at = clock.now()  # EMA stops receiving the ECU's uploads...
            for _ in range(4):
                clock.advance(300)
                sim.system.lifetime_base_kwh += 1.0  # ...while its lifetime moves
                await both_poll()
            sim.no_data_next = 2  # one "no data" answer for each of the two
            await both_poll()
            sim.frozen_at = None
            clock.advance(300)
            await both_poll()  # uploads again: everything moves, lifetime included
            clock.advance(300)
            await both_poll()
        finally:
            await app.close_sources()
    distinct = [t for i, t in enumerate(newest) if t is not None and t not in newest[:i]]
    assert len(distinct) >= 4  # old and new sample times were both exercised
    assert len(newest) - newest.count(None) > len(distinct)
    assert len(reference.gauges) == 5 + len(sim.panels)


class DaemonClock(ManualClock):
    """The daemon polls once, then its sleeps outlast the test."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(3600)


async def test_the_seed_compose_environment_serves_all_six_metrics(tmp_path: Path) -> None:
    clock = DaemonClock(at("Europe/Paris", 2025, 6, 15, 11, 0))
    port = free_port()
    async with ema_simulator(clock) as (sim, url):
        config = legacy_config(env_for(url, port, sim.config.vid))
        assert config is not None
        assert config.listen == f":{port}"
        app = Application(config, clock, tmp_path)
        await app.start()
        try:
            while len(app.hub.snapshots) < 1 or not ap_samples(  # noqa: ASYNC110
                app.prometheus.exposition().body.decode()
            ):
                await asyncio.sleep(0.01)
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/metrics") as response,
            ):
                assert response.status == 200
                text = await response.text()
            raw = await fetch_raw(url, sim.config, "20250615", vid=sim.config.vid)
        finally:
            await app.stop()
    expected = Apsystems2prom()
    expected.scrape(raw)
    served = ap_samples(text)
    assert {name for name, _ in served} == {
        "ap_power",
        "ap_energy",
        "ap_total",
        "ap_max",
        "ap_lifetime",
        "ap_panels",
    }
    assert served == expected.gauges
    for name in ("ap_power", "ap_energy", "ap_total", "ap_max", "ap_lifetime"):
        assert f"# TYPE {name} gauge" in text
        assert re.search(rf"^{name} \S+$", text, re.MULTILINE), name  # no labels at all
    assert 'solar_source_up{source="ema"} 1.0' in text
