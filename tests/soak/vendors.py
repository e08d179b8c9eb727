"""Every vendor's simulator as the soak runs it: started on loopback with a tap, the source
config that points solar2prom at it, and the vendor's limits checked from its own counters.

Settings differ from the demo's where the soak needs them to: Enphase and the ECU poll at
night too (so the gateway's nightly outage, the ECU's maintenance window and the DST night
are met), the Enlighten tokens live 6 hours (so they are renewed during the run), the
FusionSolar inventory is refreshed every 6 hours, timeouts are short (they cost real time),
and the OpenAPI account has a paid-tier quota (so polls, and recoveries, come every few
minutes rather than hourly).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import SecretStr

from solar2prom.config import NightOff, SourceConfig
from solar2prom.core.clock import Clock
from solar2prom.demo import ecu_source, ema_source, ez1_source, fusionsolar_source, openapi_source
from solar2prom.sim.apsystems_ecu import EcuSimulator
from solar2prom.sim.apsystems_ema import EmaSimConfig, EmaSimulator
from solar2prom.sim.apsystems_ez1 import Ez1Simulator
from solar2prom.sim.apsystems_openapi import OpenApiSimConfig, OpenApiSimulator
from solar2prom.sim.enlighten import Account, EnlightenSimulator
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.enphase import EnphaseConfig
from tests.soak.taps import HttpTap

# Real seconds: a timeout costs real time, not simulated time.
TIMEOUT = 0.5
TOKEN_LIFETIME = 6 * 3600.0
OPENAPI_QUOTA = 10_000
ENLIGHTEN_USER = "owner@example.com"
ENLIGHTEN_PASSWORD = "soak-enlighten-password"


@dataclass
class Vendor:
    """One simulator (or two: a gateway and its token service) and the source reading it."""

    source: SourceConfig
    stop: Callable[[], Awaitable[None]]
    taps: tuple[HttpTap, ...] = ()
    busy_probes: tuple[Callable[[], bool], ...] = ()
    broken_limits: Callable[[], list[str]] = list
    calls: Callable[[], str] = str

    @property
    def name(self) -> str:
        return self.source.name

    def busy(self) -> bool:
        return any(t.in_flight for t in self.taps) or any(p() for p in self.busy_probes)


def _one_at_a_time(vendor: str, taps: tuple[HttpTap, ...]) -> list[str]:
    return [
        f"{vendor}: {t.max_in_flight} requests in flight at once (allowed: 1)"
        for t in taps
        if t.max_in_flight > 1
    ]


@dataclass
class FusionSolar:
    clock: Clock
    sim: FusionSolarSimulator = field(init=False)
    tap: HttpTap = field(init=False, default_factory=HttpTap)
    url: str = ""

    def __post_init__(self) -> None:
        self.sim = FusionSolarSimulator(FusionSolarSimConfig(plants=2, seed=11), self.clock)
        self.tap.attach(self.sim.app)

    async def start(self) -> Vendor:
        tap = self.tap
        url = self.url = await self.sim.start()
        source = fusionsolar_source(
            self.sim, url, "roof", timeout=TIMEOUT, inventory_refresh=6 * 3600.0
        )

        def calls() -> str:
            stats = self.sim.stats
            total = sum(s.calls for s in stats.apis.values())
            return (
                f"{total} calls, {stats.logins} logins, {stats.violations} refused for "
                "frequency (407; allowed only while another client spent the budget)"
            )

        return Vendor(
            source,
            self.sim.stop,
            (tap,),
            broken_limits=lambda: _one_at_a_time("fusionsolar", (tap,)),
            calls=calls,
        )


@dataclass
class Enphase:
    clock: Clock
    gateway: EnphaseSimulator = field(init=False)
    enlighten: EnlightenSimulator = field(init=False)
    tap: HttpTap = field(init=False, default_factory=HttpTap)
    enlighten_tap: HttpTap = field(init=False, default_factory=HttpTap)

    def __post_init__(self) -> None:
        self.gateway = EnphaseSimulator(None, self.clock)
        self.gateway.faults.update({"nightly_outage": True})
        account = Account(ENLIGHTEN_USER, ENLIGHTEN_PASSWORD, (self.gateway.serial,))
        self.enlighten = EnlightenSimulator(
            self.gateway.signer, (account,), self.clock, token_lifetime=TOKEN_LIFETIME
        )
        self.tap.attach(self.gateway.app)
        self.enlighten_tap.attach(self.enlighten.app)

    async def start(self) -> Vendor:
        taps = (self.tap, self.enlighten_tap)
        enlighten_url = await self.enlighten.start()
        url = await self.gateway.start()
        source = EnphaseConfig(
            name="house",
            type="enphase",
            url=url,
            username=ENLIGHTEN_USER,
            password=SecretStr(ENLIGHTEN_PASSWORD),
            enlighten_url=enlighten_url,
            entrez_url=enlighten_url,
            night=NightOff(mode="off"),
            timeout=TIMEOUT,
            meters_interval=60.0,
        )

        async def stop() -> None:
            await self.gateway.stop()
            await self.enlighten.stop()

        def broken() -> list[str]:
            found = _one_at_a_time("enphase gateway", taps[:1])
            if self.gateway.stats.max_in_flight > 1:
                found.append(f"enphase: gateway saw {self.gateway.stats.max_in_flight} at once")
            return found

        def calls() -> str:
            stats = self.gateway.stats
            return (
                f"{sum(stats.requests.values())} gateway requests (at most "
                f"{stats.max_in_flight} at once, limit 1; {stats.faults['nightly_outage']} in "
                f"its nightly outages), {self.enlighten.stats.tokens_issued} tokens issued"
            )

        return Vendor(source, stop, taps, broken_limits=broken, calls=calls)


@dataclass
class Ema:
    clock: Clock
    sim: EmaSimulator = field(init=False)
    tap: HttpTap = field(init=False, default_factory=HttpTap)

    def __post_init__(self) -> None:
        self.sim = EmaSimulator(EmaSimConfig(seed=5), self.clock)
        self.tap.attach(self.sim.app)

    async def start(self) -> Vendor:
        tap = self.tap
        url = await self.sim.start()
        source = ema_source(self.sim, url, "garage", timeout=TIMEOUT)

        def calls() -> str:
            stats = self.sim.stats
            total = sum(s.calls for s in stats.apis.values())
            return f"{total} page requests, {stats.logins} visitor logins (no published limit)"

        return Vendor(
            source,
            self.sim.stop,
            (tap,),
            broken_limits=lambda: _one_at_a_time("apsystems_ema", (tap,)),
            calls=calls,
        )


@dataclass
class OpenApi:
    clock: Clock
    sim: OpenApiSimulator = field(init=False)
    tap: HttpTap = field(init=False, default_factory=HttpTap)

    def __post_init__(self) -> None:
        config = OpenApiSimConfig(monthly_quota=OPENAPI_QUOTA, seed=6)
        self.sim = OpenApiSimulator(config, self.clock)
        self.tap.attach(self.sim.app)

    async def start(self) -> Vendor:
        tap = self.tap
        url = await self.sim.start()
        source = openapi_source(self.sim, url, "barn", monthly_quota=OPENAPI_QUOTA, timeout=TIMEOUT)

        def broken() -> list[str]:
            found = _one_at_a_time("apsystems_openapi", (tap,))
            if self.sim.stats.violations:
                found.append(f"apsystems_openapi: {self.sim.stats.violations} calls over quota")
            too_many = sum(s.fail_codes[7002] for s in self.sim.stats.apis.values())
            if too_many:
                found.append(f"apsystems_openapi: {too_many} calls over the per-minute limit")
            if self.sim.calls_this_month() > OPENAPI_QUOTA:
                found.append("apsystems_openapi: monthly quota exceeded")
            return found

        def calls() -> str:
            return (
                f"{self.sim.calls_this_month()} calls counted this month (quota "
                f"{OPENAPI_QUOTA}, {OPENAPI_QUOTA // 33} a day), "
                f"{self.sim.stats.violations} over quota"
            )

        return Vendor(source, self.sim.stop, (tap,), broken_limits=broken, calls=calls)


@dataclass
class Ecu:
    clock: Clock
    sim: EcuSimulator = field(init=False)

    def __post_init__(self) -> None:
        self.sim = EcuSimulator(clock=self.clock)

    async def start(self) -> Vendor:
        await self.sim.start()
        source = ecu_source(self.sim, "shed", night=NightOff(mode="off"), timeout=TIMEOUT)

        def broken() -> list[str]:
            stats, found = self.sim.stats, []
            if stats.max_open > 1:
                found.append(f"apsystems_ecu: {stats.max_open} connections at once (allowed: 1)")
            # The source skips 02:45-03:15 local time, which the DST night has twice.
            if stats.faults["maintenance"]:
                found.append(
                    f"apsystems_ecu: {stats.faults['maintenance']} connections during the ECU's "
                    "nightly maintenance"
                )
            return found

        def calls() -> str:
            stats = self.sim.stats
            return (
                f"{stats.connections} connections (at most {stats.max_open} at once, limit 1; "
                f"{stats.faults['maintenance']} during maintenance), "
                f"{sum(stats.commands.values())} commands answered"
            )

        return Vendor(
            source,
            self.sim.stop,
            busy_probes=(lambda: self.sim.stats.open_now > 0,),
            broken_limits=broken,
            calls=calls,
        )


@dataclass
class Ez1:
    clock: Clock
    sim: Ez1Simulator = field(init=False)
    tap: HttpTap = field(init=False, default_factory=HttpTap)

    def __post_init__(self) -> None:
        self.sim = Ez1Simulator(clock=self.clock)
        self.tap.attach(self.sim.app)

    async def start(self) -> Vendor:
        tap = self.tap
        url = await self.sim.start()
        source = ez1_source(self.sim, url, "balcony", interval=60.0, timeout=TIMEOUT)

        def broken() -> list[str]:
            found = _one_at_a_time("apsystems_ez1", (tap,))
            writes = sum(self.sim.stats.writes.values())
            if writes:
                found.append(f"apsystems_ez1: {writes} setter calls (the source is read-only)")
            return found

        def calls() -> str:
            stats = self.sim.stats
            return (
                f"{sum(stats.calls.values())} requests ({stats.dropped} unanswered), "
                f"{sum(stats.writes.values())} writes (must be 0)"
            )

        return Vendor(source, self.sim.stop, (tap,), broken_limits=broken, calls=calls)
