"""The faults the soak injects, vendor by vendor, each with what it must do to the exporter.

A `Fault` turns simulator switches (or tap rules) on when it starts and back off when it
clears; `counter` reads the simulator's own count of what it served, so the report shows how
often each fault really fired (and the soak fails if one never did). Its `effect` is what the
exporter must make of it:

- `DOWN`: every request fails while it lasts: `solar_source_up` must drop to 0 and still be
  0 when the fault clears, then come back in time.
- `MAYBE`: some requests fail (a one-off, or a share of them): the source may go down, and
  must come back in time.
- `UP`: the client absorbs it (a retry, a new login, a new token, a device that is dark, a
  known nightly outage): `solar_source_up` must stay 1.
- `DATA`: only values are wrong: the source stays up.

Whatever the effect, the series in `watch` never read 0 while the fault lasts where they read
more before it (a missing value is no series, never 0), and no counter ever drops.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp

from solar2prom.core.hub import Hub
from solar2prom.sim.fusionsolar.stats import SimStats
from tests.soak.taps import HtmlPage, HttpTap, Rewrite
from tests.soak.vendors import Ecu, Ema, Enphase, Ez1, FusionSolar, OpenApi

MINUTE = 60.0
HOUR = 3600.0
MANY = 10**6  # a `*_next` count that outlasts any fault window
# A real-time delay longer than every source's timeout (vendors.TIMEOUT).
SLOW = 0.8

# Metric families a missing value must never turn into 0.
POWER = ("solar_production_power_watts", "solar_device_power_watts")
TODAY = ("solar_production_energy_today_joules",)
LIFETIME = ("solar_production_energy_joules_total", "solar_device_energy_joules_total")


class Effect(StrEnum):
    DOWN = "down"
    MAYBE = "maybe"
    UP = "up"
    DATA = "data"


async def _nothing() -> None:
    return None


def _noop() -> None:
    return None


@dataclass
class Fault:
    source: str
    label: str
    effect: Effect
    duration: float
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], None] = _noop
    counter: Callable[[], int] = lambda: 0
    watch: tuple[str, ...] = ()
    # Waits, before the fault starts, for the moment it is meant to bite (and may set
    # `down_from` and `duration`).
    arm: Callable[[Fault], Awaitable[None]] | None = None
    # Runs for the fault's duration instead of a plain sleep (a client acting meanwhile).
    during: Callable[[float], Awaitable[None]] | None = None
    # Another client spends the account's budget meanwhile: the vendor's 407s are no fault
    # of the source's (until its recovery deadline).
    foreign_budget: bool = False
    # Filled in by the schedule and the driver:
    at: float = 0.0
    started: float | None = None
    cleared: float | None = None
    down_from: float | None = None  # DOWN: when the fault bites, if later than `started`
    deadline: float | None = None  # DOWN, MAYBE: up again by then
    fired: int = 0

    @property
    def bites(self) -> float:
        start = self.started if self.started is not None else self.at
        return max(start, self.down_from or start)


def _sync(action: Callable[[], object]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        action()

    return run


def switched(
    source: str,
    label: str,
    effect: Effect,
    duration: float,
    target: object,
    values: dict[str, Any],
    counter: Callable[[], int],
    watch: tuple[str, ...] = (),
) -> Fault:
    """Fault switches set for the duration, then put back as they were."""
    saved: dict[str, Any] = {}

    def on() -> None:
        for name, value in values.items():
            saved[name] = getattr(target, name)
            setattr(target, name, value)

    def off() -> None:
        for name, value in saved.items():
            setattr(target, name, value)

    return Fault(source, label, effect, duration, _sync(on), off, counter, watch)


def tapped(
    source: str,
    label: str,
    effect: Effect,
    duration: float,
    tap: HttpTap,
    rules: Sequence[Rewrite | HtmlPage],
    watch: tuple[str, ...] = (),
) -> Fault:
    """Tap rules for the duration (a rule with `remaining` stops by itself earlier); the
    fault counts as fired as often as its least used rule."""

    def on() -> None:
        for rule in rules:
            (tap.rewrites if isinstance(rule, Rewrite) else tap.pages).append(rule)  # type: ignore[arg-type]

    def off() -> None:
        for rule in rules:
            (tap.rewrites if isinstance(rule, Rewrite) else tap.pages).remove(rule)  # type: ignore[arg-type]

    return Fault(
        source, label, effect, duration, _sync(on), off, lambda: min(r.done for r in rules), watch
    )


def sim_faults(stats: SimStats, *kinds: str) -> Callable[[], int]:
    return lambda: sum(api.faults[k] for api in stats.apis.values() for k in kinds)


def sim_codes(stats: SimStats, code: int) -> Callable[[], int]:
    return lambda: sum(api.fail_codes[code] for api in stats.apis.values())


def sim_calls(stats: SimStats) -> Callable[[], int]:
    return lambda: sum(api.calls for api in stats.apis.values())


def _transport(
    source: str, faults: object, stats: SimStats, minutes: float = 20
) -> dict[str, Fault]:
    """The transport faults the FusionSolar, EMA and OpenAPI simulators share."""
    duration = minutes * MINUTE

    def fault(label: str, values: dict[str, Any], *kinds: str) -> Fault:
        return switched(
            source, label, Effect.DOWN, duration, faults, values, sim_faults(stats, *kinds)
        )

    return {
        "reset": fault("connection reset", {"drop_connection_next": MANY}, "drop_connection"),
        "http_503": fault(
            "HTTP 503", {"http_error_next": MANY, "http_error_status": 503}, "http_error"
        ),
        "http_500": fault(
            "HTTP 500", {"http_error_next": MANY, "http_error_status": 500}, "http_error"
        ),
        "html": fault("HTML page instead of JSON", {"html_error_next": MANY}, "html_error"),
        "http_403": fault("HTTP 403", {"quota_403_next": MANY}, "quota_403"),
        "truncated": fault("JSON cut short", {"malformed_json_next": MANY}, "malformed_json"),
        "timeout": switched(
            source,
            "no answer (timeout)",
            Effect.DOWN,
            min(duration, 10 * MINUTE),
            faults,
            {"latency": SLOW},
            sim_calls(stats),
        ),
        "flaky": switched(
            source,
            "1 in 8 requests reset or 502",
            Effect.MAYBE,
            90 * MINUTE,
            faults,
            {
                "drop_connection_probability": 0.06,
                "http_error_probability": 0.06,
                "http_error_status": 502,
            },
            sim_faults(stats, "drop_connection", "http_error"),
        ),
    }


# --- FusionSolar ----------------------------------------------------------------------------


def fusionsolar(fs: FusionSolar) -> dict[str, Fault]:
    name, sim = "roof", fs.sim
    faults, stats = sim.faults, sim.stats
    realtime = sim_calls(stats)
    out = _transport(name, faults, stats)
    out["http_403"] = switched(
        name,
        "HTTP 403 quotaControl",
        Effect.DOWN,
        20 * MINUTE,
        faults,
        {"quota_403_next": MANY},
        sim_faults(stats, "quota_403"),
    )
    out |= {
        "outage": _outage(fs),
        "session_305": switched(
            name,
            "session ended (305) once",
            Effect.UP,
            20 * MINUTE,
            faults,
            {"force_305_next": 1},
            sim_codes(stats, 305),
        ),
        "foreign_login": _foreign_login(fs),
        "budget_407": _foreign_budget(fs),
        "nulls": switched(
            name,
            "power and today's energy null",
            Effect.DATA,
            20 * MINUTE,
            faults,
            {"corrupt_values": "null", "corrupt_keys": ["active_power", "day_power"]},
            realtime,
            (*POWER, *TODAY, "fusionsolar_inverter_active_power_watts"),
        ),
        "na": switched(
            name,
            'lifetime energies "N/A"',
            Effect.DATA,
            20 * MINUTE,
            faults,
            {"corrupt_values": "na", "corrupt_keys": ["total_cap", "total_power"]},
            realtime,
            LIFETIME,
        ),
        "strings": switched(
            name,
            "every value a string",
            Effect.DATA,
            20 * MINUTE,
            faults,
            {"corrupt_values": "string", "corrupt_keys": []},
            realtime,
            (*POWER, *LIFETIME),
        ),
        "lifetime_zero": tapped(
            name,
            "lifetime counters 0 for one sample",
            Effect.DATA,
            HOUR,
            fs.tap,
            [
                Rewrite("getDevRealKpi", "total_cap", "zero", remaining=1),
                Rewrite("getStationRealKpi", "total_power", "zero", remaining=1),
            ],
        ),
    }
    return out


def _outage(fs: FusionSolar) -> Fault:
    """The whole API unreachable for two hours; its history must be filled in afterwards."""
    sim = fs.sim

    async def start() -> None:
        sim.faults.down_until = sim.clock.now() + 2 * HOUR

    def stop() -> None:
        sim.faults.down_until = 0.0

    return Fault(
        "roof",
        "API unreachable for 2 hours",
        Effect.DOWN,
        2 * HOUR,
        start,
        stop,
        sim_faults(sim.stats, "down"),
    )


def _foreign_login(fs: FusionSolar) -> Fault:
    """Another client logs in to the same account, which ends our session (305 next)."""
    sim = fs.sim

    async def start() -> None:
        body = {"userName": sim.config.username, "systemCode": sim.config.system_code}
        async with (
            aiohttp.ClientSession() as http,
            http.post(fs.url + "/thirdData/login", json=body) as response,
        ):
            await response.read()

    return Fault(
        "roof",
        "another client logged in (305 next)",
        Effect.UP,
        20 * MINUTE,
        start,
        counter=sim_codes(sim.stats, 305),
    )


def _foreign_budget(fs: FusionSolar) -> Fault:
    """Another client takes the real-time budgets whenever they have room, so that our
    real-time calls are refused with 407 until it stops."""
    sim = fs.sim

    async def spend(until: float) -> None:
        while sim.clock.now() < until:
            for api in ("getStationRealKpi", "getDevRealKpi"):
                sim.api.limiter.acquire(api, sim.clock.now())
            await sim.clock.sleep(5.0)

    return Fault(
        "roof",
        "another client spends the budget (407)",
        Effect.MAYBE,
        8 * MINUTE,
        _nothing,
        counter=sim_codes(sim.stats, 407),
        during=spend,
        foreign_budget=True,
    )


# --- Enphase --------------------------------------------------------------------------------


def enphase(en: Enphase, hub: Hub) -> dict[str, Fault]:
    name, gateway = "house", en.gateway
    faults, stats = gateway.faults, gateway.stats

    def served(kind: str) -> Callable[[], int]:
        return lambda: stats.faults[kind]

    def fault(label: str, values: dict[str, Any], kind: str) -> Fault:
        return switched(name, label, Effect.DOWN, 8 * MINUTE, faults, values, served(kind))

    return {
        "http_503": fault("HTTP 503", {"http_error_next": MANY}, "http_error"),
        "reset": fault("connection reset", {"drop_connection_next": MANY}, "drop_connection"),
        "truncated": fault("JSON cut short", {"malformed_json_next": MANY}, "malformed_json"),
        "timeout": switched(
            name,
            "no answer (timeout)",
            Effect.DOWN,
            3 * MINUTE,
            faults,
            {"latency": SLOW},
            lambda: sum(stats.requests.values()),
        ),
        "html": tapped(
            name,
            "HTML page instead of JSON",
            Effect.DOWN,
            15 * MINUTE,
            en.tap,
            [HtmlPage("/production")],
        ),
        "revoke": Fault(
            name,
            "tokens revoked",
            Effect.UP,
            20 * MINUTE,
            _sync(gateway.revoke_tokens),
            counter=lambda: stats.auth_refusals["revoked"],
        ),
        "token_expiry": _token_expiry(en, hub),
        # pyenphase cannot read a null in the gateway's answers: the poll fails (in plain
        # words) and the last values stay, which is still never a 0.
        "nulls": tapped(
            name,
            "production power null (poll fails)",
            Effect.DOWN,
            20 * MINUTE,
            en.tap,
            [Rewrite("/production.json", "wNow", "null")],
            POWER,
        ),
        "lifetime_zero": tapped(
            name,
            "lifetime counters 0 for one sample",
            Effect.DATA,
            30 * MINUTE,
            en.tap,
            [Rewrite("/production.json", "whLifetime", "zero", remaining=1)],
        ),
        "flaky": switched(
            name,
            "1 in 8 requests reset or 503",
            Effect.MAYBE,
            90 * MINUTE,
            faults,
            {"http_error_probability": 0.06, "drop_connection_probability": 0.06},
            lambda: stats.faults["http_error"] + stats.faults["drop_connection"],
        ),
    }


TOKEN_METRIC = "enphase_token_expiry_timestamp_seconds"


def _token_expiry(en: Enphase, hub: Hub) -> Fault:
    """Enlighten answers a web page instead of tokens from 40 minutes before the gateway
    token expires until 20 minutes after: renewal fails, the token runs out, the source is
    down until Enlighten is back."""
    page = HtmlPage("/login")
    clock = en.gateway.clock

    async def arm(fault: Fault) -> None:
        snapshot = hub.snapshots["house"]
        expiry = next(r.value for r in snapshot.readings if r.metric.name == TOKEN_METRIC)
        await clock.sleep(expiry - 40 * MINUTE - clock.now())
        fault.down_from = expiry
        fault.duration = expiry + 20 * MINUTE - clock.now()

    def on() -> None:
        en.enlighten_tap.pages.append(page)

    def off() -> None:
        en.enlighten_tap.pages.remove(page)

    return Fault(
        "house",
        "token expired while Enlighten was down",
        Effect.DOWN,
        HOUR,
        _sync(on),
        off,
        lambda: page.done,
        arm=arm,
    )


# --- APsystems ECU --------------------------------------------------------------------------


def ecu(ec: Ecu) -> dict[str, Fault]:
    name, faults, stats = "shed", ec.sim.faults, ec.sim.stats

    def served(kind: str) -> Callable[[], int]:
        return lambda: stats.faults[kind]

    def fault(label: str, values: dict[str, Any], kind: str, minutes: float = 20) -> Fault:
        return switched(name, label, Effect.DOWN, minutes * MINUTE, faults, values, served(kind))

    def once(label: str, switch: str, effect: Effect, watch: tuple[str, ...] = ()) -> Fault:
        return switched(
            name,
            label,
            effect,
            20 * MINUTE,
            faults,
            {switch: 1},
            lambda: -getattr(faults, switch),
            watch,
        )

    return {
        "reset_once": switched(
            name,
            "connection reset once",
            Effect.UP,
            20 * MINUTE,
            faults,
            {"reset_next": 1},
            served("reset"),
        ),
        "reset": fault("connection reset", {"reset_next": MANY}, "reset"),
        "timeout": fault("no answer (timeout)", {"silent_next": MANY}, "silent", 10),
        "truncated": fault("frame cut short", {"truncate_next": MANY}, "truncate"),
        "garbage": fault("garbage instead of a frame", {"garbage_next": MANY}, "garbage"),
        "bad_length": fault("wrong frame length", {"bad_length_next": MANY}, "bad_length"),
        "hang": fault("ECU hung (until power-cycled)", {"hang": True}, "silent", 15),
        "lifetime_zero": once(
            "lifetime energy 0 for one sample", "lifetime_zero_next", Effect.DATA
        ),
        "no_data": once("no inverter data once", "no_data_next", Effect.DATA, POWER),
        "today_zero": switched(
            name,
            "today's energy 0 while producing",
            Effect.DATA,
            30 * MINUTE,
            faults,
            {"today_zero": True},
            lambda: stats.connections,
            TODAY,
        ),
    }


# --- APsystems EZ1 --------------------------------------------------------------------------


def ez1(ez: Ez1) -> dict[str, Fault]:
    name, faults, stats, tap = "balcony", ez.sim.faults, ez.sim.stats, ez.tap
    requests: Callable[[], int] = lambda: tap.requests  # noqa: E731

    def fault(label: str, effect: Effect, values: dict[str, Any], minutes: float = 15) -> Fault:
        return switched(name, label, effect, minutes * MINUTE, faults, values, requests)

    def rewrite(label: str, rule: Rewrite, watch: tuple[str, ...] = ()) -> Fault:
        return tapped(name, label, Effect.DATA, 20 * MINUTE, tap, [rule], watch)

    return {
        "http_500": fault("HTTP 500", Effect.DOWN, {"http_500_next": MANY}),
        "failed": fault('"FAILED" answers', Effect.DOWN, {"failed_next": MANY}),
        "failed_once": fault('one "FAILED" answer (retried)', Effect.UP, {"failed_next": 1}),
        "truncated": fault("JSON cut short", Effect.DOWN, {"malformed_next": MANY}),
        "reset": switched(
            name,
            "connection reset (reported dark)",
            Effect.UP,
            15 * MINUTE,
            faults,
            {"drop_next": MANY},
            lambda: stats.dropped,
        ),
        "timeout": fault("no answer (reported dark)", Effect.UP, {"latency": SLOW}, 3),
        "unreachable": switched(
            name,
            "unreachable (reported dark)",
            Effect.UP,
            20 * MINUTE,
            faults,
            {"unreachable": True},
            lambda: stats.dropped,
        ),
        "html": tapped(
            name,
            "HTML page instead of JSON",
            Effect.DOWN,
            15 * MINUTE,
            tap,
            [HtmlPage("getOutputData")],
        ),
        "nulls": rewrite("channel 1 power null", Rewrite("getOutputData", "p1", "null"), POWER),
        "na": rewrite('lifetime energy "N/A"', Rewrite("getOutputData", "te2", "na"), LIFETIME),
        "empty": rewrite(
            "energy since startup empty", Rewrite("getOutputData", "e1", "empty"), TODAY
        ),
        "lifetime_zero": rewrite(
            "lifetime energy 0 for one sample",
            Rewrite("getOutputData", "te1", "zero", remaining=1),
        ),
        "restart": switched(
            name,
            "inverter restarted (energy since startup back to 0)",
            Effect.DATA,
            20 * MINUTE,
            faults,
            {"restart_next": 1},
            lambda: stats.faults["restart"],
            TODAY,
        ),
    }


# --- APsystems EMA --------------------------------------------------------------------------


def ema(em: Ema) -> dict[str, Fault]:
    name, sim, tap = "garage", em.sim, em.tap
    out = _transport(name, sim.faults, sim.stats)

    def frozen(on: bool) -> Callable[[], None]:
        def set_frozen() -> None:
            sim.frozen_at = sim.clock.now() if on else None

        return set_frozen

    def no_data() -> None:
        sim.no_data_next = 1

    out |= {
        "frozen": Fault(
            name,
            "uploads stopped (no new data)",
            Effect.UP,
            40 * MINUTE,
            _sync(frozen(True)),
            frozen(False),
            sim_calls(sim.stats),
        ),
        "no_data": Fault(
            name,
            'day answered "no data" once',
            Effect.DATA,
            20 * MINUTE,
            _sync(no_data),
            counter=lambda: sim.stats.api("getPowerOnCurrentDayAjax").empty_bodies,
            watch=TODAY,
        ),
        "nulls": tapped(
            name,
            'lifetime null, today\'s total "N/A"',
            Effect.DATA,
            20 * MINUTE,
            tap,
            [
                Rewrite("getDashboardProductionInfoAjax", "lifetime", "null"),
                Rewrite("getPowerOnCurrentDayAjax", "total", "na"),
            ],
            (*LIFETIME, *TODAY),
        ),
        "lifetime_zero": tapped(
            name,
            "lifetime 0 for one sample",
            Effect.DATA,
            20 * MINUTE,
            tap,
            [Rewrite("getDashboardProductionInfoAjax", "lifetime", "zero", remaining=1)],
        ),
    }
    return out


# --- APsystems OpenAPI ----------------------------------------------------------------------


def openapi(oa: OpenApi) -> dict[str, Fault]:
    name, sim, tap = "barn", oa.sim, oa.tap
    out = _transport(name, sim.faults, sim.stats)

    def forced(codes: list[int]) -> Callable[[], None]:
        def force() -> None:
            sim.force_codes[:] = codes

        return force

    out |= {
        "code_5000": Fault(
            name,
            "code 5000 (internal error)",
            Effect.DOWN,
            20 * MINUTE,
            _sync(forced([5000] * MANY)),
            forced([]),
            sim_codes(sim.stats, 5000),
        ),
        "busy": Fault(
            name,
            "code 7003 once (busy: ask in an hour)",
            Effect.MAYBE,
            20 * MINUTE,
            _sync(forced([7003])),
            forced([]),
            sim_codes(sim.stats, 7003),
        ),
        "nulls": tapped(
            name,
            'today "N/A", lifetimes null',
            Effect.DATA,
            5 * HOUR,
            tap,
            [Rewrite("/ecu/energy/", "today", "na"), Rewrite("/summary/", "lifetime", "null")],
            (*TODAY, *LIFETIME, "apsystems_openapi_ecu_energy_today_joules"),
        ),
        "lifetime_zero": tapped(
            name,
            "lifetime 0 for one sample",
            Effect.DATA,
            5 * HOUR,
            tap,
            [Rewrite("systems/summary/", "lifetime", "zero", remaining=1)],
        ),
    }
    return out


def all_faults(
    fs: FusionSolar, en: Enphase, em: Ema, oa: OpenApi, ec: Ecu, ez: Ez1, hub: Hub
) -> dict[str, dict[str, Fault]]:
    """Every vendor's faults by source name, then by key."""
    return {
        "roof": fusionsolar(fs),
        "house": enphase(en, hub),
        "garage": ema(em),
        "barn": openapi(oa),
        "shed": ecu(ec),
        "balcony": ez1(ez),
    }
