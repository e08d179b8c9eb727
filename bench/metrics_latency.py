"""`/metrics` latency with about 100k series while polls keep arriving, against the usual pattern.

What it measures: synthetic snapshots built from the real core model and the real metric
descriptors (`--sources` sources × `--sites` sites × `--devices` FusionSolar string inverters,
each with its 28 PV strings, 10 MPPTs, phases, state codes and the vendor-neutral core metrics;
about 100k series with the defaults) are served on loopback by two aiohttp servers:

- `solar2prom`: the real `outputs.http.build_app` with a `Hub` and a `PrometheusOutput`, which
  renders a snapshot once, in a worker thread, when it is published, and answers `/metrics`
  with cached bytes;
- `baseline`: the usual exporter pattern, a `prometheus_client` custom collector that turns the
  latest snapshots into the same families and samples, rendered by
  `prometheus_client.generate_latest` on every request, from an aiohttp handler.

Both servers and their data live in this process; each side has its own hub, so that a side only
does its own work while it is measured. A client process (an aiohttp client, as Prometheus would
be another process) first checks that both serve the same samples, then sends sequential GETs,
each after a random pause averaging `--gap`, so that they fall anywhere in the poll cycle. The
latency of a GET runs from sending it to having read the whole body. A background "poll"
publishes a new set of snapshots of the same size to the side being measured about every
second, so solar2prom keeps re-rendering in its worker threads during its measurement. The
sides alternate over `--rounds` rounds, so that both see the same machine. A first batch of
solar2prom GETs with no poll running is the reference for what the background renders cost.

How to read it: p50 / p99 of both sides and the ratio baseline ÷ solar2prom (higher is better
for solar2prom); the body size; the time to render one source's snapshot (`render_snapshot`:
what a worker thread does per published snapshot), all of them, and to assemble the body; the
process RSS (VmRSS, and the peak VmHWM) after building the data, once both servers are up, and
at the end. `bodies` counts the distinct bodies a side served: how many new snapshots showed.
Timings are of one run on a shared machine: compare the sides with each other, not with other
runs. Exit 1 if the two sides do not serve the same samples (solar2prom's own version and start
time series aside).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import platform
import random
import shlex
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from common import git_revision
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.core import Metric as PromMetric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import (
    BudgetStatus,
    Device,
    DeviceKind,
    Metric,
    MetricType,
    Reading,
    Site,
    Snapshot,
    SourceHealth,
    SourceState,
    Unit,
)
from solar2prom.outputs.http import build_app
from solar2prom.outputs.prometheus import PrometheusOutput, assemble, render_snapshot
from solar2prom.sources.fusionsolar.catalog import STRING_INVERTER

BENCH_DIR = Path(__file__).resolve().parent
RESULT = BENCH_DIR / "results" / "metrics_latency.json"
POLL_PERIOD = 1.0  # seconds between two published sets of snapshots

Labels = tuple[tuple[str, str], ...]

SITE_METRICS = (
    m.PRODUCTION_POWER,
    m.PRODUCTION_ENERGY_TODAY,
    m.PRODUCTION_ENERGY_TOTAL,
    m.CONSUMPTION_POWER,
    m.GRID_POWER,
    m.GRID_IMPORT_ENERGY_TOTAL,
    m.GRID_EXPORT_ENERGY_TOTAL,
    m.DATA_TIMESTAMP,
)
DEVICE_CORE = tuple(feed.metric for feed in STRING_INVERTER.core)


# --- synthetic data ------------------------------------------------------------------------------


def sample_value(metric: Metric, rng: random.Random, now: float) -> float:
    """A plausible value in the metric's unit, with the digits real values have."""
    unit = metric.unit
    if unit is Unit.JOULES:
        return round(rng.uniform(1.0, 90_000.0), 2) * 3.6e6
    if unit in (Unit.WATTS, Unit.VARS):
        return round(rng.uniform(0.0, 50.0), 3) * 1e3
    if unit is Unit.VOLTS:
        return round(rng.uniform(200.0, 800.0), 1)
    if unit is Unit.AMPERES:
        return round(rng.uniform(0.0, 12.0), 2)
    if unit is Unit.RATIO:
        return round(rng.uniform(0.0, 1.0), 4)
    if unit is Unit.SECONDS:
        return float(int(now) - rng.randrange(0, 86_400))
    if unit is Unit.CELSIUS:
        return round(rng.uniform(10.0, 60.0), 1)
    if unit is Unit.HERTZ:
        return round(rng.uniform(49.9, 50.1), 2)
    if metric.name == m.DEVICE_ONLINE.name:
        return 1.0
    return float(rng.randrange(0, 1024))  # state codes


def build_snapshot(index: int, sites: int, devices: int, variant: int, now: float) -> Snapshot:
    """Source number `index`, with `sites` plants of `devices` string inverters each."""
    source = f"site-group-{index}"
    rng = random.Random(f"{source}/{variant}")
    site_list: list[Site] = []
    device_list: list[Device] = []
    readings: list[Reading] = []
    for s in range(sites):
        plant_number = 33_000_000 + index * 10_000 + s
        site_id = f"NE={plant_number}"
        site_list.append(
            Site(
                site_id,
                f"Plant {source} {s}",
                "fusionsolar",
                latitude=49.49,
                longitude=8.47,
                timezone="+01:00",
                extra=(("capacity_watts", f"{50_000 * devices}"),),
            )
        )
        for metric in SITE_METRICS:
            readings.append(Reading(metric, sample_value(metric, rng, now), site=site_id))
        for d in range(devices):
            device_id = f"10000{plant_number:08d}{d:03d}"
            device_list.append(
                Device(
                    device_id,
                    site_id,
                    DeviceKind.INVERTER,
                    model="SUN2000-50KTL-M3",
                    firmware="V500R001C00SPC123",
                    name=f"Inverter {d + 1}",
                    serial=f"ES21{device_id[-8:]}",
                )
            )
            for metric in DEVICE_CORE:
                value = sample_value(metric, rng, now)
                readings.append(Reading(metric, value, site_id, device_id))
            for item in STRING_INVERTER.items.values():
                value = sample_value(item.metric, rng, now)
                readings.append(Reading(item.metric, value, site_id, device_id, item.labels))
    budgets = (
        BudgetStatus("getStationRealKpi", "5m", sites // 100 + 1, 0),
        BudgetStatus("getDevRealKpi", "5m", sites * devices // 100 + 1, 0),
    )
    return Snapshot(
        source=source,
        vendor="fusionsolar",
        taken_at=now,
        health=SourceHealth(
            state=SourceState.UP,
            up=True,
            last_success=now,
            poll_duration=12.5,
            budgets=budgets,
        ),
        sites=tuple(site_list),
        devices=tuple(device_list),
        readings=tuple(readings),
        requests={("getStationRealKpi", "ok"): 3, ("getDevRealKpi", "ok"): 12},
        rejected={"counter_went_backwards": 1},
    )


# --- the baseline: a prometheus_client collector -------------------------------------------------


def series(snap: Snapshot) -> Iterator[tuple[Metric, Labels, float]]:
    """Every series of a snapshot, as `outputs.prometheus.render_snapshot` lays them out."""
    src: Labels = (("source", snap.source),)
    health = snap.health
    yield m.SOURCE_UP, src, 1.0 if health.up else 0.0
    if health.last_success is not None:
        yield m.SOURCE_LAST_SUCCESS, src, health.last_success
    if health.poll_duration is not None:
        yield m.SOURCE_POLL_DURATION, src, health.poll_duration
    for (endpoint, result), count in sorted(snap.requests.items()):
        yield m.SOURCE_REQUESTS, (*src, ("endpoint", endpoint), ("result", result)), count
    for reason, count in sorted(snap.rejected.items()):
        yield m.SOURCE_REJECTED, (*src, ("reason", reason)), count
    for budget in health.budgets:
        labels: Labels = (*src, ("api", budget.api), ("window", budget.window))
        yield m.SOURCE_BUDGET_REMAINING, labels, budget.remaining
        yield m.SOURCE_BUDGET_LIMIT, labels, budget.limit
    for site in snap.sites:
        extra = tuple((k, v) for k, v in site.extra if k not in {"vendor", "name"})
        yield (
            m.SITE_INFO,
            (*src, ("site", site.id), ("vendor", site.vendor), ("name", site.name), *extra),
            1.0,
        )
    for device in snap.devices:
        labels = (
            *src,
            ("site", device.site),
            ("device", device.id),
            ("kind", device.kind.value),
            ("model", device.model),
            ("firmware", device.firmware),
            ("name", device.name),
        )
        yield m.DEVICE_INFO, labels, 1.0
    scope = {"source": snap.source}
    for reading in snap.readings:
        scope["site"], scope["device"] = reading.site, reading.device
        names = reading.metric.label_names
        values = [scope[n] for n in names[: len(names) - len(reading.labels)]]
        yield (
            reading.metric,
            tuple(zip(names, (*values, *reading.labels), strict=True)),
            reading.value,
        )


class SnapshotCollector:
    """The usual custom collector: the latest data turned into metric families at each scrape."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterable[PromMetric]:
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for snap in list(self.hub.snapshots.values()):
            for metric, labels, value in series(snap):
                family = families.get(metric.name)
                names = [k for k, _ in labels]
                if family is None:
                    cls = CounterMetricFamily if metric.type is MetricType.COUNTER else None
                    family = families[metric.name] = (cls or GaugeMetricFamily)(
                        metric.name, metric.help, labels=names
                    )
                family.add_metric([v for _, v in labels], value)
        return [families[name] for name in sorted(families)]


# --- the client: another process, as Prometheus would be -----------------------------------------


async def fetch(session: aiohttp.ClientSession, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    async with session.get(url) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started, body


async def client_batch(url: str, count: int, gap: float, rng: random.Random) -> dict[str, Any]:
    """`count` sequential GETs of `url`, each after a pause of 0 to 2 × `gap` seconds.

    Returns the latencies, the CRC-32 of each body and the size of the last.
    """
    latencies: list[float] = []
    crcs: list[int] = []
    size = 0
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            await asyncio.sleep(rng.uniform(0.0, 2 * gap))
            latency, body = await fetch(session, url)
            latencies.append(latency)
            # The process series at the end change at every scrape: the data's part counts.
            crcs.append(zlib.crc32(body.partition(b"# HELP process_")[0]))
            size = len(body)
    return {"latencies": latencies, "crcs": crcs, "size": size}


async def client_check(urls: Sequence[str]) -> dict[str, Any]:
    """Whether every URL serves the same samples (labels in any order), and how many."""
    found: list[set[tuple[str, frozenset[tuple[str, str]], float]]] = []
    async with aiohttp.ClientSession() as session:
        for url in urls:
            _, body = await fetch(session, url)
            found.append(samples(body))
    return {"same": all(f == found[0] for f in found), "series": len(found[0])}


def client_main() -> int:
    """The client process: one JSON job per line on stdin, one JSON result per line on stdout."""
    rng = random.Random(1)
    for line in sys.stdin:
        job = json.loads(line)
        if "check" in job:
            result = asyncio.run(client_check(job["check"]))
        else:
            result = asyncio.run(client_batch(job["url"], job["count"], job["gap"], rng))
        print(json.dumps(result), flush=True)
    return 0


class Client:
    """Drives the client process from the server process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> Client:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--client",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def batch(self, url: str, count: int, gap: float) -> dict[str, Any]:
        return await self._ask({"url": url, "count": count, "gap": gap})

    async def check(self, urls: Sequence[str]) -> dict[str, Any]:
        return await self._ask({"check": list(urls)})

    async def _ask(self, job: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(job).encode() + b"\n")
        await stdin.drain()
        line = await stdout.readline()
        if not line:
            raise RuntimeError(f"the client process ended (exit code {await self.process.wait()})")
        result: dict[str, Any] = json.loads(line)
        return result

    async def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        if await self.process.wait() != 0:
            raise RuntimeError(f"the client process failed ({self.process.returncode})")


# --- figures -------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    crcs: set[int] = field(default_factory=set)
    size: int = 0

    def add(self, batch: Mapping[str, Any]) -> None:
        self.latencies.extend(batch["latencies"])
        self.crcs.update(batch["crcs"])
        self.size = batch["size"]

    def figures(self) -> dict[str, Any]:
        latencies = self.latencies
        return {
            "requests": len(latencies),
            "p50_ms": round(quantile(latencies, 0.50) * 1e3, 2),
            "p99_ms": round(quantile(latencies, 0.99) * 1e3, 2),
            "max_ms": round(max(latencies) * 1e3, 2),
            "mean_ms": round(sum(latencies) / len(latencies) * 1e3, 2),
            "body_bytes": self.size,
            "distinct_bodies_served": len(self.crcs),
        }


def memory() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in KiB."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(rest.split()[0])
    return found


# solar2prom's version and its process: the baseline, a bare collector, has no such series.
def exporter_self(name: str) -> bool:
    return name == m.BUILD_INFO.name or name.startswith("process_")


def samples(body: bytes) -> set[tuple[str, frozenset[tuple[str, str]], float]]:
    """The vendor data's samples: the exporter's own (`exporter_self`) only one side has."""
    return {
        (s.name, frozenset(s.labels.items()), s.value)
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if not exporter_self(s.name)
    }


# --- the servers and the poll --------------------------------------------------------------------


def baseline_app(hub: Hub) -> web.Application:
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(hub))

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/metrics"


class Poll:
    """Publishes a fresh set of snapshots to `hub` about every second, until stopped."""

    def __init__(self, variants: Sequence[Sequence[Snapshot]]) -> None:
        self.variants = variants
        self.hub: Hub | None = None
        self.published = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        turn = 0
        while not self._stop.is_set():
            if self.hub is not None:
                turn += 1
                now = time.time()
                for snap in self.variants[turn % len(self.variants)]:
                    # A new success time: every published snapshot renders to a new body.
                    health = replace(snap.health, last_success=now)
                    self.hub.publish(replace(snap, taken_at=now, health=health))
                self.published += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), POLL_PERIOD)

    def stop(self) -> None:
        self._stop.set()


async def run(
    sources: int, sites: int, devices: int, counts: dict[str, int], rounds: int, gap: float
) -> dict[str, Any]:
    now = time.time()
    build_started = time.perf_counter()
    variants = [[build_snapshot(i, sites, devices, v, now) for i in range(sources)] for v in (0, 1)]
    names = [snap.source for snap in variants[0]]
    build_s = time.perf_counter() - build_started
    memory_after_build = memory()
    first = variants[0][0]

    started = time.perf_counter()
    render_snapshot(first)
    render_one_s = time.perf_counter() - started
    started = time.perf_counter()
    all_chunks = {snap.source: render_snapshot(snap) for snap in variants[0]}
    render_all_s = time.perf_counter() - started
    started = time.perf_counter()
    assemble(all_chunks, openmetrics=False)
    assemble_s = time.perf_counter() - started
    del all_chunks

    # One hub per side, so that each side only does its own work while it is measured.
    hubs = {"solar2prom": Hub(), "baseline": Hub()}
    prometheus = PrometheusOutput(hubs["solar2prom"])
    for hub in hubs.values():
        for snap in variants[0]:
            hub.publish(snap)
    await prometheus.settled()
    apps = {
        "solar2prom": build_app(hubs["solar2prom"], prometheus, time.time, names),
        "baseline": baseline_app(hubs["baseline"]),
    }

    runners: list[web.AppRunner] = []
    urls: dict[str, str] = {}
    poll = Poll(variants)
    poll_task = asyncio.create_task(poll.run())
    measured = {name: Measured() for name in (*apps, "solar2prom_no_poll")}
    try:
        for name, app in apps.items():
            runner, urls[name] = await serve(app)
            runners.append(runner)
        client = await Client.start()
        try:
            check = await client.check([urls["solar2prom"], urls["baseline"]])
            memory_ready = memory()
            # Reference: solar2prom with no poll running.
            no_poll = await client.batch(urls["solar2prom"], counts["solar2prom"] // 4 or 1, gap)
            measured["solar2prom_no_poll"].add(no_poll)
            measure_started = time.perf_counter()
            for r in range(rounds):
                order = list(apps) if r % 2 == 0 else list(reversed(apps))
                for name in order:
                    share = counts[name] * (r + 1) // rounds - counts[name] * r // rounds
                    if share:
                        poll.hub = hubs[name]
                        measured[name].add(await client.batch(urls[name], share, gap))
            poll.hub = None
            measure_s = time.perf_counter() - measure_started
        finally:
            await client.close()
    finally:
        poll.stop()
        await poll_task
        await prometheus.settled()
        for runner in runners:
            await runner.cleanup()

    ours, base = measured["solar2prom"].latencies, measured["baseline"].latencies
    return {
        "data": {
            "sources": sources,
            "sites_per_source": sites,
            "devices_per_site": devices,
            "devices": sources * sites * devices,
            "series": check["series"],
            "same_samples_both_sides": check["same"],
            "build_seconds": round(build_s, 2),
        },
        "render": {
            "one_snapshot_ms": round(render_one_s * 1e3, 1),
            "one_snapshot_series": len(first.readings) + len(first.sites) + len(first.devices),
            "all_snapshots_ms": round(render_all_s * 1e3, 1),
            "assemble_ms": round(assemble_s * 1e3, 1),
        },
        "measurement": {
            "requests": counts,
            "rounds": rounds,
            "seconds": round(measure_s, 1),
            "snapshot_sets_published": poll.published,
            "poll_period_seconds": POLL_PERIOD,
            "mean_gap_seconds": gap,
        },
        "solar2prom": measured["solar2prom"].figures(),
        "baseline": measured["baseline"].figures(),
        "solar2prom_no_poll": measured["solar2prom_no_poll"].figures(),
        "ratio_p50": round(quantile(base, 0.5) / quantile(ours, 0.5), 1),
        "ratio_p99": round(quantile(base, 0.99) / quantile(ours, 0.99), 1),
        "memory_kib": {
            "after_build": memory_after_build,
            "serving": memory_ready,
            "at_end": memory(),
        },
    }


def print_report(result: dict[str, Any]) -> None:
    data, render, measure = result["data"], result["render"], result["measurement"]
    mem = result["memory_kib"]
    print(f"command:   {result['command']}")
    print(f"revision:  {result['revision']}   python {platform.python_version()}")
    print(
        f"data:      {data['sources']} sources × {data['sites_per_source']} sites × "
        f"{data['devices_per_site']} string inverters = {data['devices']} devices, "
        f"{data['series']} series (same samples on both sides: "
        f"{'yes' if data['same_samples_both_sides'] else 'NO'})"
    )
    print(
        f"render:    one snapshot ({render['one_snapshot_series']} series) "
        f"{render['one_snapshot_ms']:.0f} ms; all {data['sources']} "
        f"{render['all_snapshots_ms']:.0f} ms; assembling the body {render['assemble_ms']:.0f} ms"
    )
    for when, title in (
        ("after_build", "data built"),
        ("serving", "both servers up, rendered, scraped once"),
        ("at_end", "at the end"),
    ):
        print(
            f"memory:    {title}: VmRSS {mem[when].get('VmRSS', 0) / 1024:.0f} "
            f"MiB, VmHWM (peak) {mem[when].get('VmHWM', 0) / 1024:.0f} MiB"
        )
    print(
        f"load:      {measure['snapshot_sets_published']} sets of {data['sources']} snapshots "
        f"published during the {measure['seconds']:.0f} s measurement "
        f"({measure['rounds']} rounds alternating the sides; sequential GETs, each after a "
        f"random pause averaging {measure['mean_gap_seconds'] * 1e3:.0f} ms)"
    )
    print()
    print(
        f"{'/metrics':<26}{'GETs':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'body bytes':>12}{'bodies':>8}"
    )
    rows = {
        "solar2prom, while polling": "solar2prom",
        "baseline, while polling": "baseline",
        "solar2prom, no poll": "solar2prom_no_poll",
    }
    for title, key in rows.items():
        side = result[key]
        print(
            f"{title:<26}{side['requests']:>6}{side['p50_ms']:>9.1f}{side['p99_ms']:>9.1f}"
            f"{side['max_ms']:>9.1f}{side['body_bytes']:>12}{side['distinct_bodies_served']:>8}"
        )
    print(
        f"ratio baseline / solar2prom while polling: p50 {result['ratio_p50']:.1f}x, "
        f"p99 {result['ratio_p99']:.1f}x"
    )
    print("(p99 is nearest-rank: of fewer than 100 GETs it is the slowest one; bodies: how many")
    print(" distinct exposition bodies a side served, i.e. how many new snapshots it showed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=4, help="sources (default 4)")
    parser.add_argument("--sites", type=int, default=27, help="sites per source (default 27)")
    parser.add_argument("--devices", type=int, default=10, help="inverters per site (default 10)")
    parser.add_argument(
        "--requests", type=int, default=200, help="GETs of solar2prom's /metrics (default 200)"
    )
    parser.add_argument(
        "--baseline-requests",
        type=int,
        default=50,
        help="GETs of the baseline's /metrics, about a second each (default 50)",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="times the measurement alternates sides (default 5)"
    )
    parser.add_argument(
        "--gap",
        type=float,
        default=0.025,
        help="mean pause before each GET, in seconds (default 0.025): spreads the GETs over the "
        "poll cycle",
    )
    parser.add_argument("--json", type=Path, default=RESULT, help="where to write the result")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    if args.client:
        return client_main()
    if min(args.requests, args.baseline_requests, args.rounds) < 1:
        parser.error("--requests, --baseline-requests and --rounds must be at least 1")
    command = shlex.join(sys.orig_argv)

    counts = {"solar2prom": args.requests, "baseline": args.baseline_requests}
    result = asyncio.run(run(args.sources, args.sites, args.devices, counts, args.rounds, args.gap))
    result = {"command": command, "revision": git_revision(), **result}
    print_report(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"result written to {args.json}")
    return 0 if result["data"]["same_samples_both_sides"] else 1


if __name__ == "__main__":
    sys.exit(main())
