"""A simulated APsystems EZ1 micro-inverter's local API ("Local Mode") on a local HTTP server.

Written from the project's APsystems reference (§d) and the examples of the vendor's local API
manual only; it never imports the client it is there to check. All time comes from the
`Clock` passed in, so a `ScaledClock` runs simulated days in seconds.

`GET /<endpoint>` answers `{"data": {...}, "message": "SUCCESS", "deviceId": "..."}`:
`getDeviceInfo` (strings, as in the manual), `getOutputData` (p1/p2 W, e1/e2 kWh since the
inverter started this morning, te1/te2 kWh lifetime), `getMaxPower`, `getAlarm` (`og`,
`isce1`, `isce2`, `oe`: "0" or "1"), `getOnOff` ("0" on, "1" off), and the setters
`setMaxPower?p=W` and `setOnOff?status=0|1`, which change the state and are counted in
`stats.writes` so tests can prove a client never calls them. Firmware variants:
`max_power_key` "power" (newer firmware), `has_on_off` False (getOnOff gone: 404),
`has_setters` False (firmware 1.1.2_b removed them: 404). Unknown endpoints: 404.

Physics: both panels follow the sun at the configured place (`sim.sun`), each channel clipped
at half the power limit; the inverter is awake while its panels have light, restarts every
morning (e1/e2 from 0) and, with `sleep_at_night`, answers nothing at night (the connection
is dropped, as an unpowered device would not answer).

Faults (`Ez1Simulator.faults`): `latency` (real seconds), `drop_next`, `http_500_next`,
`failed_next` (message "FAILED"), `malformed_next` (the JSON cut short), `restart_next` (the
inverter restarts: e1/e2 back to 0), `unreachable` (every request dropped), `alarms` (flags
to raise, e.g. {"og": 1}).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.sim.serving import LocalApp, take_fault
from solar2prom.sim.sun import production_fraction

VARIANTS = {"EZ1-M": (30, 800), "EZ1-H": (30, 960), "EZ1-D": (80, 1800)}
ALARM_KEYS = ("og", "isce1", "isce2", "oe")
_CHANNELS = 2


@dataclass
class Ez1SimConfig:
    device_id: str = "E07000000001"
    variant: str = "EZ1-M"
    version: str = "EZ1 1.0.0"
    max_power_key: str = "maxPower"
    has_on_off: bool = True
    has_setters: bool = True
    channel_peak_w: float = 420.0
    latitude: float = 48.1
    longitude: float = 11.6
    timezone: str = "Europe/Berlin"
    seed: int = 2
    lifetime_kwh: tuple[float, float] = (250.0, 245.0)  # at the local midnight it starts from
    sleep_at_night: bool = True
    step: float = 60.0
    ssid: str = "demo-wifi"

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}")
        if self.max_power_key not in ("maxPower", "power"):
            raise ValueError("max_power_key must be 'maxPower' or 'power'")
        if self.step <= 0:
            raise ValueError("step must be positive")
        ZoneInfo(self.timezone)


@dataclass
class Ez1Faults:
    latency: float = 0.0
    drop_next: int = 0
    http_500_next: int = 0
    failed_next: int = 0
    malformed_next: int = 0
    restart_next: int = 0
    unreachable: bool = False
    alarms: dict[str, int] = field(default_factory=dict)

    def take(self, kind: str) -> bool:
        return take_fault(self, kind)


@dataclass
class Ez1SimStats:
    calls: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)  # set* requests received
    dropped: int = 0
    faults: Counter[str] = field(default_factory=Counter)


class Ez1Device:
    """The inverter's state, advanced in fixed steps on demand."""

    def __init__(self, config: Ez1SimConfig, now: float) -> None:
        self.config = config
        self.on = True
        self.power_limit = float(VARIANTS[config.variant][1])
        self._factors = tuple(
            random.Random(f"{config.seed}/{channel}").uniform(0.9, 1.0)
            for channel in range(_CHANNELS)
        )
        zone = ZoneInfo(config.timezone)
        midnight = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0)
        self._at = math.floor(midnight.timestamp() / config.step) * config.step
        self.awake = False
        self.power = [0.0] * _CHANNELS
        self.since_startup = [0.0] * _CHANNELS
        self.lifetime = list(config.lifetime_kwh)
        self.advance(now)

    def _fraction(self, at: float) -> float:
        c = self.config
        return production_fraction(c.latitude, c.longitude, at, c.seed)

    def restart(self) -> None:
        self.since_startup = [0.0] * _CHANNELS

    def advance(self, now: float) -> None:
        step = self.config.step
        while self._at + step <= now:
            self._at += step
            fraction = self._fraction(self._at)
            if fraction > 0.0 and not self.awake:
                self.restart()  # the panels wake it up: a fresh start every morning
            self.awake = fraction > 0.0
            cap = self.power_limit / _CHANNELS
            self.power = [
                min(cap, self.config.channel_peak_w * fraction * f) if self.on else 0.0
                for f in self._factors
            ]
            for channel, watts in enumerate(self.power):
                energy = watts * step / 3.6e6
                self.since_startup[channel] += energy
                self.lifetime[channel] += energy


class Ez1Simulator:
    def __init__(self, config: Ez1SimConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or Ez1SimConfig()
        self.clock: Clock = clock or SystemClock()
        self.faults = Ez1Faults()
        self.stats = Ez1SimStats()
        self.device = Ez1Device(self.config, self.clock.now())
        self.app = web.Application()
        self.app.router.add_get("/{endpoint}", self._handle)
        self._server = LocalApp(self.app)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); return the base URL."""
        return await self._server.start(host, port)

    async def stop(self) -> None:
        await self._server.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.match_info["endpoint"]
        self.stats.calls[endpoint] += 1
        device = self.device
        device.advance(self.clock.now())
        asleep = self.config.sleep_at_night and not device.awake
        if self.faults.unreachable or asleep or self.faults.take("drop"):
            self.stats.dropped += 1
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        if self.faults.take("http_500"):
            self.stats.faults["http_500"] += 1
            return web.Response(status=500, text="Internal Server Error")
        if self.faults.take("restart"):
            self.stats.faults["restart"] += 1
            device.restart()
        data = self._data(endpoint, request.query)
        if data is None:
            return web.Response(status=404, text="Not Found")
        failed = self.faults.take("failed")
        body = {
            "data": data,
            "message": "FAILED" if failed else "SUCCESS",
            "deviceId": self.config.device_id,
        }
        text = json.dumps(body)
        if self.faults.take("malformed"):
            self.stats.faults["malformed"] += 1
            text = text[: len(text) // 2]
        return web.Response(text=text, content_type="application/json")

    def _data(self, endpoint: str, query: Any) -> dict[str, Any] | None:
        c, device = self.config, self.device
        low, high = VARIANTS[c.variant]
        if endpoint == "getDeviceInfo":
            return {
                "deviceId": c.device_id,
                "devVer": c.version,
                "ssid": c.ssid,
                "ipAddr": "127.0.0.1",
                "minPower": str(low),
                "maxPower": str(high),
            }
        if endpoint == "getOutputData":
            data: dict[str, Any] = {}
            for i in range(_CHANNELS):
                data[f"p{i + 1}"] = round(device.power[i])
                data[f"e{i + 1}"] = round(device.since_startup[i], 5)
                data[f"te{i + 1}"] = round(device.lifetime[i], 5)
            return data
        if endpoint == "getMaxPower":
            return {c.max_power_key: str(round(device.power_limit))}
        if endpoint == "getAlarm":
            return {key: str(self.faults.alarms.get(key, 0)) for key in ALARM_KEYS}
        if endpoint == "getOnOff" and c.has_on_off:
            return {"status": "0" if device.on else "1"}
        if endpoint in ("setMaxPower", "setOnOff") and c.has_setters:
            self.stats.writes[endpoint] += 1
            return self._write(endpoint, query, low, high)
        return None

    def _write(self, endpoint: str, query: Any, low: int, high: int) -> dict[str, Any] | None:
        device = self.device
        if endpoint == "setMaxPower":
            try:
                watts = float(query.get("p", ""))
            except ValueError:
                return None
            device.power_limit = min(float(high), max(float(low), watts))
            return {self.config.max_power_key: str(round(device.power_limit))}
        status = query.get("status")
        if status not in ("0", "1"):
            return None
        device.on = status == "0"
        return {"status": status}
