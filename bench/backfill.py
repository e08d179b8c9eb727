"""A FusionSolar backfill of 1,000 devices over 30 days into the history store, end to end.

What it measures: `solar2prom.cli.backfill` (what `solar2prom backfill` runs) fetches the
5-minute history of a simulated Northbound account (`--devices` devices in the mix of
collect_calls.py, scaled to the count; `--plants` plants, a quarter of the devices by default)
over the `--days` UTC days before the simulated "now", into a fresh SQLite history store. The
simulator and solar2prom share a manual clock: a wait (the vendor's one call per minute, the
account's daily budget of Σ⌈n_t/10⌉ + 24 calls) moves it on at once, so days of budget cost no
wall time and the wall time is the work: the simulator rendering each answer (10 devices ×
3 days of 5-minute samples, several MB of JSON), solar2prom parsing it, and the store writing it.

How to read it:

- `getDevHistoryKpi` calls (counted by the simulator) against the minimum
  Σ_t ⌈n_t/10⌉ × ⌈days/3⌉ over the device types with history (limits.HISTORY_TYPES), and the
  407s the simulator returned (calls over the vendor's limits; must be 0);
- the simulated days the backfill took against the plan's `days_of_budget` (⌈calls / daily
  budget⌉, what `solar2prom backfill` announces) and against the least the vendor's limits
  allow (the last call cannot come before ⌊(N-1)/B⌋ days + ((N-1) mod B) minutes);
- wall and CPU time, rows in the store (counted in the database) and rows per wall second, the
  database's size on disk (file + -wal) and bytes per row, the process's peak RSS;
- completeness: every device of a type with history has every 5-minute point of the period
  (a series of its own with all of them, else its distinct sample times), and no sample lies
  outside the period.

The run passes (exit 0) when the backfill succeeds, the calls answered equal the minimum and
no other call failed (a 305 after a long wait, when the token has expired, costs no budget and
is shown apart), no 407 was returned, it took no more simulated time than the plan said, and
every point of every device is in the store; otherwise it prints why and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import math
import platform
import re
import resource
import shlex
import sqlite3
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web
from aiohttp.typedefs import Handler
from common import DEVICE_MIX, git_revision
from pydantic import SecretStr

from solar2prom.cli import backfill
from solar2prom.config import AppConfig, NightOff
from solar2prom.outputs.history import HistoryDB
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sim.fusionsolar.config import MAX_HISTORY_DAYS
from solar2prom.sources.fusionsolar import FusionSolarConfig
from solar2prom.sources.fusionsolar.limits import HISTORY_TYPES

BENCH_DIR = Path(__file__).resolve().parent
RESULT = BENCH_DIR / "results" / "backfill.json"
SOURCE = "bench"
API = "getDevHistoryKpi"
STEP_MS = 300_000  # the vendor's 5-minute sample period
DAY = 86400.0
# Simulated "now" when the run starts (2025-06-15 15:06:40 UTC): a fixed date, so that every
# run backfills the same days of the same simulated plants.
START = 1_750_000_000.0


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it and yields to the loop."""

    def __init__(self, start: float) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def scaled_mix(devices: int) -> dict[int, int]:
    """DEVICE_MIX scaled to `devices` in all (largest remainders, so the total is exact)."""
    total = sum(DEVICE_MIX.values())
    exact = {t: devices * n / total for t, n in DEVICE_MIX.items()}
    mix = {t: math.floor(x) for t, x in exact.items()}
    by_remainder = sorted(DEVICE_MIX, key=lambda t: (mix[t] - exact[t], list(DEVICE_MIX).index(t)))
    for t in by_remainder[: devices - sum(mix.values())]:
        mix[t] += 1
    return mix


def minimum_calls(mix: Mapping[int, int], days: int) -> int:
    """Σ_t ⌈n_t/10⌉ × ⌈days/3⌉: 10 devices of one type and 3 days per call."""
    batches = sum(math.ceil(n / 10) for t, n in mix.items() if t in HISTORY_TYPES)
    return batches * math.ceil(days / 3)


def least_days(calls: int, per_day: int) -> float:
    """The earliest the last of `calls` calls can come after the first, in days, under the
    vendor's limits: `per_day` in any 24 hours and one per minute."""
    if calls <= 0:
        return 0.0
    full, rest = divmod(calls - 1, per_day)
    return full + rest * 60.0 / DAY


def disk_bytes(db: Path) -> int:
    """The database file and its write-ahead log."""
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def record_calls(simulator: FusionSolarSimulator, calls: list[float]) -> None:
    """Note the simulated time of every history call (before the simulator starts)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == f"/thirdData/{API}":
            calls.append(simulator.clock.now())
        return await handler(request)

    simulator.app.middlewares.append(middleware)


class Tee(io.TextIOBase):
    """Writes through to a stream and keeps a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


async def report_progress(
    simulator: FusionSolarSimulator,
    clock: ManualClock,
    db: Path,
    minimum: int,
    every: float,
    out: TextIO,
) -> None:
    """A line every `every` wall seconds: calls made, simulated time, store size."""
    wall_start, sim_start = time.perf_counter(), clock.now()
    stats = simulator.stats.api(API)
    while True:
        await asyncio.sleep(every)
        size = disk_bytes(db)
        print(
            f"  progress: wall {time.perf_counter() - wall_start:6.0f} s, {API} "
            f"{stats.ok}/{minimum} calls, simulated +{(clock.now() - sim_start) / DAY:.2f} d, "
            f"store {size / 2**20:.0f} MiB, peak RSS {peak_rss_kib() / 1024:.0f} MiB",
            file=out,
            flush=True,
        )


def completeness(db: Path, since: float, until: float) -> dict[str, Any]:
    """Which devices have every 5-minute point of [since, until), from the database itself.

    One pass over the samples gives, per series, its count, first and last time and how many
    times are off the 5-minute grid: a series with the full count, the period's first and last
    instants and none off the grid has every point (a series holds a time once). A device
    without such a series is checked on the distinct times of all its series.
    """
    first, last = round(since * 1000), round(until * 1000) - STEP_MS
    points = (last - first) // STEP_MS + 1
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT s.device, COUNT(*), MIN(t.time), MAX(t.time),"
            f" SUM(t.time % {STEP_MS} != 0)"
            " FROM samples t JOIN series s ON s.id = t.series GROUP BY t.series"
        ).fetchall()
        full: set[str] = set()
        devices: set[str] = set()
        outside = 0
        earliest, latest = math.inf, -math.inf
        for device, count, low, high, off_grid in rows:
            devices.add(device)
            earliest, latest = min(earliest, low), max(latest, high)
            if low < first or high > last:
                outside += 1
            if count == points and low == first and high == last and not off_grid:
                full.add(device)
        partial: dict[str, int] = {}
        for device in sorted(devices - full):
            (distinct,) = con.execute(
                "SELECT COUNT(DISTINCT t.time) FROM samples t JOIN series s"
                " ON s.id = t.series WHERE s.device = ? AND t.time >= ? AND t.time <= ?"
                f" AND t.time % {STEP_MS} = 0",
                (device, first, last),
            ).fetchone()
            if distinct != points:
                partial[device] = distinct
    finally:
        con.close()
    return {
        "points_per_device": points,
        "devices_in_store": len(devices),
        "devices_complete": len(devices) - len(partial),
        "devices_with_a_complete_series": len(full),
        "incomplete": dict(list(partial.items())[:20]),
        "series": len(rows),
        "series_reaching_outside_the_period": outside,
        "earliest": None if not rows else datetime.fromtimestamp(earliest / 1000, UTC).isoformat(),
        "latest": None if not rows else datetime.fromtimestamp(latest / 1000, UTC).isoformat(),
    }


async def run(devices: int, days: int, plants: int, work: Path, every: float) -> dict[str, Any]:
    clock = ManualClock(START)
    mix = scaled_mix(devices)
    history_devices = sum(n for t, n in mix.items() if t in HISTORY_TYPES)
    # One day more than the period: plants west of UTC start their local days later.
    sim_config = FusionSolarSimConfig(
        plants=plants, devices_per_type={t: n for t, n in mix.items() if n}, history_days=days + 1
    )
    simulator = FusionSolarSimulator(sim_config, clock)
    call_times: list[float] = []
    record_calls(simulator, call_times)
    until = datetime.fromtimestamp(START // DAY * DAY, UTC)
    since = datetime.fromtimestamp(until.timestamp() - days * DAY, UTC)
    db = work / "history.db"
    minimum = minimum_calls(mix, days)
    url = await simulator.start()
    out = sys.stdout
    try:
        source = FusionSolarConfig(
            name=SOURCE,
            type="fusionsolar",
            url=url,
            username=sim_config.username,
            system_code=SecretStr(sim_config.system_code),
            night=NightOff(mode="off"),
        )
        config = AppConfig(
            listen="127.0.0.1:0",
            state_dir=work / "state",
            history=HistoryConfig(path=db),
            sources=(source,),
        )
        print(
            f"backfilling {devices} devices ({history_devices} with history) of {plants} plants "
            f"over {since:%Y-%m-%d} .. {until:%Y-%m-%d} ({days} days), into {db}",
            flush=True,
        )
        progress = asyncio.create_task(report_progress(simulator, clock, db, minimum, every, out))
        # The command's own output: the plan on stdout (kept, to read its figures), a progress
        # bar on stderr (kept aside: in a log it has a line per call, for each one-minute wait).
        plan_out, bar = Tee(out), io.StringIO()
        sim_start, wall_start, cpu_start = clock.now(), time.perf_counter(), time.process_time()
        try:
            with contextlib.redirect_stdout(plan_out), contextlib.redirect_stderr(bar):
                status = await backfill(config, since, until, clock)
        finally:
            progress.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await progress
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
        sim_seconds = clock.now() - sim_start
    finally:
        await simulator.stop()
    if status != 0:
        print("the backfill failed; its progress output:", bar.getvalue()[-4000:], sep="\n")
    size = disk_bytes(db)

    count_start = time.perf_counter()
    store = HistoryDB(db, None)
    try:
        rows = store.count(source=SOURCE)
    finally:
        store.close()
    count_wall = time.perf_counter() - count_start
    check_start = time.perf_counter()
    complete = completeness(db, since.timestamp(), until.timestamp())
    check_wall = time.perf_counter() - check_start

    plan = re.search(
        r"(\d+) getDevHistoryKpi calls to make.*allows (\d+) a day.*about (\d+) day",
        plan_out.copy.getvalue(),
    )
    planned_calls, per_day, days_of_budget = (int(g) for g in plan.groups()) if plan else (0, 0, 0)
    api = simulator.stats.api(API)
    span = (call_times[-1] - call_times[0]) / DAY if call_times else 0.0
    return {
        "account": {
            "plants": plants,
            "devices": devices,
            "devices_with_history": history_devices,
            "devices_per_type": {str(t): n for t, n in mix.items()},
            "history_types": sorted(t for t in mix if t in HISTORY_TYPES and mix[t]),
        },
        "period": {"since": since.isoformat(), "until": until.isoformat(), "days": days},
        "exit_status": status,
        "calls": {
            "received": api.calls,
            "answered_ok": api.ok,
            "fail_codes": {str(c): n for c, n in sorted(api.fail_codes.items())},
            "minimum": minimum,
            "planned": planned_calls,
            "violations_407": simulator.stats.violations,
            "logins": simulator.stats.logins,
        },
        "budget": {
            "calls_per_day": per_day,
            "plan_days_of_budget": days_of_budget,
            "simulated_days_first_to_last_call": round(span, 3),
            "simulated_days_whole_command": round(sim_seconds / DAY, 3),
            "least_days_the_vendor_allows": round(least_days(api.ok, per_day), 3)
            if per_day
            else None,
        },
        "time": {
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 1),
            "count_wall_seconds": round(count_wall, 1),
            "check_wall_seconds": round(check_wall, 1),
        },
        "store": {
            "rows": rows,
            "rows_per_wall_second": round(rows / wall) if wall else None,
            "bytes_on_disk": size,
            "bytes_per_row": round(size / rows, 1) if rows else None,
            "series": complete["series"],
        },
        "peak_rss_kib": peak_rss_kib(),
        "completeness": complete,
    }


def problems_of(result: dict[str, Any]) -> list[str]:
    found: list[str] = []
    calls, budget, complete = result["calls"], result["budget"], result["completeness"]
    if result["exit_status"] != 0:
        found.append(f"the backfill exited with {result['exit_status']}")
    if calls["answered_ok"] != calls["minimum"]:
        found.append(f"{API}: {calls['answered_ok']} calls answered, minimum {calls['minimum']}")
    others = {c: n for c, n in calls["fail_codes"].items() if c != "305"}
    if others:
        found.append(f"{API}: calls failed with {others}")
    if calls["violations_407"]:
        found.append(f"the simulator returned {calls['violations_407']} 407s")
    if budget["simulated_days_whole_command"] > budget["plan_days_of_budget"]:
        found.append(
            f"took {budget['simulated_days_whole_command']} simulated days, the plan said "
            f"{budget['plan_days_of_budget']}"
        )
    expected = result["account"]["devices_with_history"]
    if complete["devices_in_store"] != expected or complete["devices_complete"] != expected:
        found.append(
            f"{complete['devices_complete']} devices complete, {complete['devices_in_store']} "
            f"in the store, {expected} expected; incomplete: {complete['incomplete']}"
        )
    if complete["series_reaching_outside_the_period"]:
        found.append(f"{complete['series_reaching_outside_the_period']} series outside the period")
    return found


def print_report(result: dict[str, Any], command: str) -> None:
    account, calls, budget = result["account"], result["calls"], result["budget"]
    times, store, complete = result["time"], result["store"], result["completeness"]
    mix = ", ".join(f"{t}:{n}" for t, n in account["devices_per_type"].items())
    period = result["period"]
    print()
    print(f"command:   {command}")
    print(f"revision:  {result['revision']}   python {platform.python_version()}")
    print(
        f"account:   {account['plants']} plants, {account['devices']} devices "
        f"(devTypeId:count {mix}); {account['devices_with_history']} with history "
        f"(types {account['history_types']})"
    )
    print(f"period:    {period['since']} .. {period['until']} ({period['days']} days, UTC)")
    print()
    fails = ", ".join(f"{c}: {n}" for c, n in calls["fail_codes"].items()) or "none"
    print(
        f"{API} calls: {calls['answered_ok']} answered, minimum Σ⌈n_t/10⌉×⌈days/3⌉ = "
        f"{calls['minimum']} (the plan: {calls['planned']}); {calls['received']} received, "
        f"failCodes {fails}; logins {calls['logins']}"
    )
    print(f"407s returned by the simulator: {calls['violations_407']}")
    print(
        f"budget: {budget['calls_per_day']} calls a day; simulated days, first to last call "
        f"{budget['simulated_days_first_to_last_call']:.2f}, whole command "
        f"{budget['simulated_days_whole_command']:.2f}; the plan's days_of_budget "
        f"{budget['plan_days_of_budget']}; least the vendor allows "
        f"{budget['least_days_the_vendor_allows']:.2f}"
    )
    print(
        f"wall {times['wall_seconds']:.0f} s, CPU {times['cpu_seconds']:.0f} s (this process: "
        f"simulator, client and store); peak RSS {result['peak_rss_kib'] / 1024:.0f} MiB"
    )
    print(
        f"store: {store['rows']:,} rows in {store['series']:,} series, "
        f"{store['rows_per_wall_second']:,} rows/s (wall); {store['bytes_on_disk'] / 2**20:,.1f} "
        f"MiB on disk (file + -wal), {store['bytes_per_row']} bytes/row "
        f"(counted in {times['count_wall_seconds']:.0f} s)"
    )
    print(
        f"completeness: {complete['devices_complete']}/{account['devices_with_history']} devices "
        f"have all {complete['points_per_device']} 5-minute points "
        f"({complete['devices_with_a_complete_series']} of them in a single series); "
        f"samples from {complete['earliest']} to {complete['latest']}; "
        f"{complete['series_reaching_outside_the_period']} series outside the period "
        f"(checked in {times['check_wall_seconds']:.0f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="devices in the account")
    parser.add_argument("--days", type=int, default=30, help="days to backfill")
    parser.add_argument("--plants", type=int, help="plants in the account (default: devices/4)")
    parser.add_argument(
        "--progress", type=float, default=30.0, help="wall seconds between progress lines"
    )
    parser.add_argument(
        "--dir", type=Path, help="keep the store and state here (default: a temporary folder)"
    )
    parser.add_argument("--json", type=Path, default=RESULT, help="where to write the result")
    args = parser.parse_args()
    if args.devices < 1 or not 1 <= args.days < MAX_HISTORY_DAYS:
        parser.error(f"--devices must be at least 1 and --days 1..{MAX_HISTORY_DAYS - 1}")
    plants = args.plants or max(1, args.devices // 4)
    logging.basicConfig(level=logging.WARNING, format="log: %(levelname)s %(name)s: %(message)s")
    command = shlex.join(sys.orig_argv)

    with contextlib.ExitStack() as stack:
        if args.dir is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="solar2prom-")))
        else:
            work = args.dir
            if (work / "history.db").exists() or (work / "state").exists():
                parser.error(f"{work} already holds a store or state: give an empty folder")
        result = asyncio.run(run(args.devices, args.days, plants, work, args.progress))
    result["revision"] = git_revision()
    print_report(result, command)
    problems = problems_of(result)
    print()
    print("PASS" if not problems else "FAIL:\n  " + "\n  ".join(problems))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = {**result, "command": command, "pass": not problems, "problems": problems}
    args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(f"result written to {args.json}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
