"""FusionSolar calls per API for a large account, against the minimum the vendor's limits allow.

What it measures: a simulated Northbound account with 250 plants and 1,000 devices of mixed
types (six real-time types plus dongles, which have no real-time data) is polled twice:

1. `collect`: one full poll through `Application.collect()` in this process (login, the plant
   list, the device list, then the real-time data), as `solar2prom collect` does it;
2. the daemon's next cycle: `Application.start()` runs the poller on its own schedule (the next
   real-time poll is due one interval, 330 s simulated, after the first one began) until it has
   published one more successful snapshot. The inventory must come from the cache.

Time is simulated by a `ScaledClock` (`--speed` simulated seconds per wall second), so the
vendor's one-call-per-minute spacing passes quickly; CPU work is scaled by the same factor, so
simulated durations include `speed` × the wall time spent parsing and rendering.

How to read it: for each API, `calls` (counted by the simulator) against `minimum`:

    login 1, stations ⌈P/100⌉ (pages of 100), getDevList ⌈P/100⌉,
    getStationRealKpi ⌈P/100⌉, getDevRealKpi Σ_t ⌈n_t/100⌉ over the real-time types t

for the first cycle, and only the last two for the second. `407s` is the number of calls the
simulator refused as over the vendor's limits. The run passes (exit 0) when both cycles succeed,
every API costs exactly its minimum, the simulator returned no 407, and the source stayed up
during the second cycle (no failed attempt); otherwise it prints why and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from common import DEVICE_MIX, git_revision
from pydantic import SecretStr

from solar2prom.app import Application
from solar2prom.config import AppConfig, ListenAddress, NightOff
from solar2prom.core.clock import ScaledClock
from solar2prom.core.model import Snapshot, SourceState
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.fusionsolar import FusionSolarConfig
from solar2prom.sources.fusionsolar.limits import REALTIME_TYPES

BENCH_DIR = Path(__file__).resolve().parent
RESULT = BENCH_DIR / "results" / "collect_calls.json"
SOURCE = "bench"

API_ORDER = ("login", "stations", "getDevList", "getStationRealKpi", "getDevRealKpi", "logout")


def minimum_calls(plants: int, devices: Mapping[int, int]) -> tuple[dict[str, int], dict[str, int]]:
    """The fewest calls a full first poll and a following real-time poll can make."""
    k = math.ceil(plants / 100)
    device_batches = sum(math.ceil(n / 100) for t, n in devices.items() if t in REALTIME_TYPES)
    realtime = {"getStationRealKpi": k, "getDevRealKpi": device_batches}
    first = {"login": 1, "stations": k, "getDevList": k, **realtime}
    return first, realtime


@dataclass
class CallLog:
    """Every call the simulator received: interface and simulated time."""

    calls: list[tuple[str, float]] = field(default_factory=list)

    def counts(self, since: int = 0, until: int | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for api, _ in self.calls[since:until]:
            counts[api] = counts.get(api, 0) + 1
        return counts


@dataclass
class Cycle:
    """One poll cycle; times are simulated seconds since `collect` began."""

    name: str
    ok: bool
    wall_s: float
    started: float
    ended: float
    first_call: float | None
    calls: dict[str, int]
    minimum: dict[str, int]
    violations: int
    due: float | None = None  # when the daemon's schedule had it start
    failed_attempts: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found: list[str] = []
        if not self.ok:
            found.append(f"{self.name}: the poll did not succeed")
        # The background feed's calls (KPIs, alarms, history: at most three per pass, each
        # inside its own daily budget) are shown but have no per-poll minimum to meet.
        for api in sorted(self.minimum):
            made, least = self.calls.get(api, 0), self.minimum[api]
            if made != least:
                found.append(f"{self.name}: {api} made {made} calls, minimum {least}")
        if self.violations:
            found.append(f"{self.name}: the simulator returned {self.violations} 407s")
        found.extend(f"{self.name}: failed attempt: {e}" for e in self.failed_attempts)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "wall_seconds": round(self.wall_s, 3),
            "simulated_seconds": round(self.ended - self.started, 1),
            "simulated_times_since_collect_began": {
                "started": round(self.started, 1),
                "due": None if self.due is None else round(self.due, 1),
                "first_call": None if self.first_call is None else round(self.first_call, 1),
                "ended": round(self.ended, 1),
            },
            "calls": self.calls,
            "minimum": self.minimum,
            "violations_407": self.violations,
            "failed_attempts": self.failed_attempts,
        }


def record_calls(simulator: FusionSolarSimulator, log: CallLog) -> None:
    """Log every northbound call with its simulated time (before the simulator starts)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/thirdData/"):
            log.calls.append((request.match_info.get("api", request.path), simulator.clock.now()))
        return await handler(request)

    simulator.app.middlewares.append(middleware)


def series_count(body: bytes) -> int:
    return sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))


async def run(plants: int, speed: float) -> dict[str, Any]:
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    clock = ScaledClock(start=start.timestamp(), speed=speed)
    sim_config = FusionSolarSimConfig(plants=plants, devices_per_type=dict(DEVICE_MIX))
    simulator = FusionSolarSimulator(sim_config, clock)
    log = CallLog()
    record_calls(simulator, log)
    url = await simulator.start()
    first_min, realtime_min = minimum_calls(plants, DEVICE_MIX)
    try:
        with tempfile.TemporaryDirectory(prefix="solar2prom-bench-") as state:
            source = FusionSolarConfig(
                name=SOURCE,
                type="fusionsolar",
                url=url,
                username=sim_config.username,
                system_code=SecretStr(sim_config.system_code),
                night=NightOff(mode="off"),
            )
            app = Application(AppConfig(sources=(source,)), clock, Path(state))
            try:
                first, body, origin = await first_cycle(app, simulator, log, first_min)
                second, served = await second_cycle(
                    app, simulator, log, realtime_min, origin, speed
                )
            finally:
                await app.stop()
    finally:
        await simulator.stop()
    return {
        "account": {
            "plants": plants,
            "devices": sum(DEVICE_MIX.values()),
            "devices_per_type": {str(t): n for t, n in DEVICE_MIX.items()},
            "realtime_types": sorted(t for t in DEVICE_MIX if t in REALTIME_TYPES),
        },
        "speed": speed,
        "exposition": {"series": series_count(body), "bytes": len(body)},
        "served_after_second_cycle": {"series": series_count(served), "bytes": len(served)},
        "first_cycle": first,
        "second_cycle": second,
        "logout_calls_at_shutdown": log.counts().get("logout", 0),
    }


async def first_cycle(
    app: Application, simulator: FusionSolarSimulator, log: CallLog, minimum: dict[str, int]
) -> tuple[Cycle, bytes, float]:
    """`Application.collect()`; the cycle, the exposition, and when it began (simulated)."""
    violations = simulator.stats.violations
    origin, wall_start = app.clock.now(), time.perf_counter()
    body, ok = await app.collect()
    cycle = Cycle(
        name="collect",
        ok=ok,
        wall_s=time.perf_counter() - wall_start,
        started=0.0,
        ended=app.clock.now() - origin,
        first_call=(log.calls[0][1] - origin) if log.calls else None,
        calls=log.counts(),
        minimum=minimum,
        violations=simulator.stats.violations - violations,
    )
    return cycle, body, origin


async def second_cycle(
    app: Application,
    simulator: FusionSolarSimulator,
    log: CallLog,
    minimum: dict[str, int],
    origin: float,
    speed: float,
) -> tuple[Cycle, bytes]:
    """Let the daemon run until its next successful real-time poll; count what that cost."""
    previous = app.hub.snapshots[SOURCE].health.last_success or 0.0
    done = asyncio.Event()
    failures: list[str] = []

    def watch(snapshot: Snapshot) -> None:
        health = snapshot.health
        if health.state is SourceState.DOWN and health.last_error:
            message = f"at +{snapshot.taken_at - origin:.0f}s: {health.last_error}"
            if message not in failures:
                failures.append(message)
        if health.last_success is not None and health.last_success > previous:
            done.set()

    app.hub.subscribe(watch)
    mark, violations = len(log.calls), simulator.stats.violations
    feed = app.pollers[0].feed_states[0]
    due = feed.next_due - origin
    started, wall_start = app.clock.now() - origin, time.perf_counter()
    urls = await app.start(ListenAddress("127.0.0.1", 0))
    try:
        # Three intervals of simulated time is far more than one poll plus one retry needs.
        await asyncio.wait_for(done.wait(), timeout=3 * feed.feed.interval / speed)
        ok = True
    except TimeoutError:
        ok = False
    wall, ended = time.perf_counter() - wall_start, app.clock.now() - origin
    calls = log.counts(since=mark)
    second_violations = simulator.stats.violations - violations
    async with (
        aiohttp.ClientSession() as session,
        session.get(urls[0] + "/metrics") as response,
    ):
        served = await response.read()
    first_call = log.calls[mark][1] - origin if len(log.calls) > mark else None
    cycle = Cycle(
        name="second cycle",
        ok=ok,
        wall_s=wall,
        started=started,
        ended=ended,
        first_call=first_call,
        calls=calls,
        minimum=minimum,
        violations=second_violations,
        due=due,
        failed_attempts=failures,
    )
    return cycle, served


def print_report(result: dict[str, Any], command: str) -> None:
    first: Cycle = result["first_cycle"]
    second: Cycle = result["second_cycle"]
    account = result["account"]
    mix = ", ".join(f"{t}:{n}" for t, n in account["devices_per_type"].items())
    print(f"command:   {command}")
    print(f"revision:  {result['revision']}   python {platform.python_version()}")
    print(
        f"account:   {account['plants']} plants, {account['devices']} devices "
        f"(devTypeId:count {mix}; real-time types {account['realtime_types']})"
    )
    print(f"clock:     ScaledClock x{result['speed']:g} (simulated seconds per wall second)")
    print()
    print(f"{'API':<20}{'collect':>9}{'minimum':>9}{'cycle 2':>10}{'minimum':>9}")
    for api in API_ORDER:
        if api == "logout":
            continue
        print(
            f"{api:<20}{first.calls.get(api, 0):>9}{first.minimum.get(api, 0):>9}"
            f"{second.calls.get(api, 0):>10}{second.minimum.get(api, 0):>9}"
        )
    print(
        f"{'total':<20}{sum(first.calls.get(a, 0) for a in first.minimum):>9}"
        f"{sum(first.minimum.values()):>9}"
        f"{sum(second.calls.get(a, 0) for a in second.minimum):>10}"
        f"{sum(second.minimum.values()):>9}"
    )
    others = sorted((set(first.calls) | set(second.calls)) - set(API_ORDER))
    if others:
        print("background feed (KPIs, alarms, history; each within its own daily budget):")
    for api in others:
        print(f"  {api:<18}{first.calls.get(api, 0):>9}{'':>9}{second.calls.get(api, 0):>10}")
    print(f"{'407s returned':<20}{first.violations:>9}{'':>9}{second.violations:>10}")
    print()
    floor = 2 * (math.ceil(account["plants"] / 100) - 1) * 60
    print(
        f"collect: {'ok' if first.ok else 'FAILED'}; wall {first.wall_s:.2f} s, simulated "
        f"{first.ended:.0f} s (the vendor's 1/min spacing of getDevList and getStationRealKpi "
        f"alone takes {floor} s)"
    )
    print(
        f"cycle 2 (the daemon, started when collect ended): "
        f"{'ok' if second.ok else 'FAILED'}; due at +{second.due or 0:.0f} s, first call at "
        f"+{second.first_call or 0:.0f} s, successful snapshot at +{second.ended:.0f} s "
        f"(simulated, since collect began); wall {second.wall_s:.2f} s"
    )
    expo, served = result["exposition"], result["served_after_second_cycle"]
    print(f"exposition after collect: {expo['series']} series, {expo['bytes']} bytes")
    print(f"/metrics after cycle 2:   {served['series']} series, {served['bytes']} bytes")
    for failure in second.failed_attempts:
        print(f"second cycle, failed attempt {failure}")
    print(f"logout at shutdown: {result['logout_calls_at_shutdown']} (not counted above)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plants", type=int, default=250, help="plants in the account")
    parser.add_argument(
        "--speed", type=float, default=100.0, help="simulated seconds per wall second"
    )
    parser.add_argument("--json", type=Path, default=RESULT, help="where to write the result")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="log: %(levelname)s %(name)s: %(message)s")
    command = shlex.join(sys.orig_argv)

    result = asyncio.run(run(args.plants, args.speed))
    result["revision"] = git_revision()
    first: Cycle = result["first_cycle"]
    second: Cycle = result["second_cycle"]
    print_report(result, command)
    problems = first.problems() + second.problems()
    print()
    print("PASS" if not problems else "FAIL:\n  " + "\n  ".join(problems))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = {
        **result,
        "command": command,
        "first_cycle": first.to_json(),
        "second_cycle": second.to_json(),
        "pass": not problems,
        "problems": problems,
    }
    args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(f"result written to {args.json}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
