"""`/metrics` latency with about 100k series while polls keep arriving, against the usual pattern.

What it measures: synthetic snapshots built from the real core model and the real metric
descriptors (`--sources` sources × `--sites` sites × `--devices` string inverters, each with its
28 PV strings, 10 MPPTs, phases, state codes and the vendor-neutral core metrics; about 100k
series with the defaults) are served on loopback by two aiohttp servers in this process:

- `solar2prom`: the real `outputs.http.build_app` with a `Hub` and a `PrometheusOutput`, which
  renders each snapshot once, in a worker thread, when it is published, and answers `/metrics`
  with cached bytes;
- `baseline`: the usual exporter pattern, a `prometheus_client` custom collector that turns the
  latest snapshots into the same families and samples, rendered by
  `prometheus_client.generate_latest` on every request from an aiohttp handler.

Both expose the same samples (checked once, before the measurement, by parsing both bodies).
While a background "poll" publishes a new set of snapshots of the same size about every second
(so the solar2prom side keeps re-rendering in its worker thread), `--requests` sequential GETs
are sent to each server, alternating between them, with an aiohttp client in this process; each
latency is from sending the request to having read the whole body.

How to read it: p50 / p99 of both and the ratio baseline ÷ solar2prom (higher is better for
solar2prom); the body size; the time to render one source's snapshot (`render_snapshot`, what
the worker thread does per published snapshot) and all of them; the process RSS (VmRSS, and the
peak VmHWM) after building the data and at the end. Timings are of one run on a shared machine:
compare the two sides with each other, not with other runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import random
import shlex
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
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


# --- synthetic data ---------------------------------------------------------------------------


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


# --- the baseline: a prometheus_client collector -----------------------------------------------


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


# --- servers, client, figures --------------------------------------------------------------------


@dataclass
class Side:
    name: str
    url: str
    latencies: list[float]
    bodies: set[int]  # CRC-32 of every body served during the measurement
    size: int = 0

    def quantile(self, q: float) -> float:
        """Nearest-rank quantile of the latencies, in seconds."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
        return ordered[rank - 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "p50_ms": round(self.quantile(0.50) * 1e3, 2),
            "p99_ms": round(self.quantile(0.99) * 1e3, 2),
            "max_ms": round(max(self.latencies) * 1e3, 2),
            "mean_ms": round(sum(self.latencies) / len(self.latencies) * 1e3, 2),
            "body_bytes": self.size,
            "distinct_bodies_served": len(self.bodies),
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


async def fetch(session: aiohttp.ClientSession, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    async with session.get(url) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started, body


def samples(body: bytes) -> set[tuple[str, frozenset[tuple[str, str]], float]]:
    return {
        (s.name, frozenset(s.labels.items()), s.value)
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


async def keep_polling(
    hub: Hub, variants: Sequence[Sequence[Snapshot]], stop: asyncio.Event, published: list[int]
) -> None:
    """Publish a fresh set of snapshots about every second until told to stop."""
    turn = 0
    while not stop.is_set():
        turn += 1
        now = time.time()
        for snap in variants[turn % len(variants)]:
            hub.publish(replace(snap, taken_at=now))
        published[0] += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_PERIOD)


async def run(sources: int, sites: int, devices: int, requests: int) -> dict[str, Any]:
    now = time.time()
    build_started = time.perf_counter()
    variants = [[build_snapshot(i, sites, devices, v, now) for i in range(sources)] for v in (0, 1)]
    names = [snap.source for snap in variants[0]]
    build_s = time.perf_counter() - build_started
    memory_after_build = memory()
    readings = sum(len(s.readings) for s in variants[0])

    started = time.perf_counter()
    chunks = render_snapshot(variants[0][0])
    render_one_s = time.perf_counter() - started
    started = time.perf_counter()
    all_chunks = {snap.source: render_snapshot(snap) for snap in variants[0]}
    render_all_s = time.perf_counter() - started
    started = time.perf_counter()
    body = assemble(all_chunks, openmetrics=False)
    assemble_s = time.perf_counter() - started
    del chunks, all_chunks, body

    hub = Hub()
    prometheus = PrometheusOutput(hub)
    for snap in variants[0]:
        hub.publish(snap)
    await prometheus.settled()

    ours_runner, ours_url = await serve(build_app(hub, prometheus, time.time, names))
    base_runner, base_url = await serve(baseline_app(hub))
    ours = Side("solar2prom", ours_url, [], set())
    base = Side("baseline", base_url, [], set())
    stop = asyncio.Event()
    published = [0]
    try:
        async with aiohttp.ClientSession() as session:
            _, ours_body = await fetch(session, ours_url)
            _, base_body = await fetch(session, base_url)
            check_started = time.perf_counter()
            ours_samples, base_samples = samples(ours_body), samples(base_body)
            check_s = time.perf_counter() - check_started
            same = ours_samples == base_samples
            series_count = len(ours_samples)
            ours.size, base.size = len(ours_body), len(base_body)
            del ours_body, base_body, ours_samples, base_samples

            poller = asyncio.create_task(keep_polling(hub, variants, stop, published))
            measure_started = time.perf_counter()
            for i in range(requests):
                pair = (ours, base) if i % 2 == 0 else (base, ours)
                for side in pair:
                    latency, got = await fetch(session, side.url)
                    side.latencies.append(latency)
                    side.bodies.add(zlib.crc32(got))
            measure_s = time.perf_counter() - measure_started
            stop.set()
            await poller
        await prometheus.settled()
    finally:
        stop.set()
        await ours_runner.cleanup()
        await base_runner.cleanup()

    return {
        "data": {
            "sources": sources,
            "sites_per_source": sites,
            "devices_per_site": devices,
            "devices": sources * sites * devices,
            "readings": readings,
            "series": series_count,
            "same_samples_both_sides": same,
            "build_seconds": round(build_s, 2),
            "sample_check_seconds": round(check_s, 2),
        },
        "render": {
            "one_snapshot_ms": round(render_one_s * 1e3, 1),
            "one_snapshot_series": len(variants[0][0].readings)
            + len(variants[0][0].sites)
            + len(variants[0][0].devices),
            "all_snapshots_ms": round(render_all_s * 1e3, 1),
            "assemble_ms": round(assemble_s * 1e3, 1),
        },
        "measurement": {
            "requests_per_side": requests,
            "seconds": round(measure_s, 1),
            "snapshot_sets_published": published[0],
            "poll_period_seconds": POLL_PERIOD,
        },
        "solar2prom": ours.to_json(),
        "baseline": base.to_json(),
        "ratio_p50": round(base.quantile(0.5) / ours.quantile(0.5), 1),
        "ratio_p99": round(base.quantile(0.99) / ours.quantile(0.99), 1),
        "memory_kib": {"after_build": memory_after_build, "at_end": memory()},
    }


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(BENCH_DIR), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        rev = ""
    return rev or "unknown"


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
        f"{render['all_snapshots_ms']:.0f} ms; assemble {render['assemble_ms']:.0f} ms"
    )
    for when in ("after_build", "at_end"):
        print(
            f"memory:    {when.replace('_', ' ')}: VmRSS {mem[when].get('VmRSS', 0) / 1024:.0f} "
            f"MiB, VmHWM {mem[when].get('VmHWM', 0) / 1024:.0f} MiB"
        )
    print(
        f"load:      {measure['snapshot_sets_published']} sets of {data['sources']} snapshots "
        f"published during the {measure['seconds']:.0f} s measurement "
        f"({measure['requests_per_side']} GETs per side, alternating)"
    )
    print()
    print(f"{'/metrics':<12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'body bytes':>12}{'bodies':>8}")
    for name in ("solar2prom", "baseline"):
        side = result[name]
        print(
            f"{name:<12}{side['p50_ms']:>9.1f}{side['p99_ms']:>9.1f}{side['max_ms']:>9.1f}"
            f"{side['body_bytes']:>12}{side['distinct_bodies_served']:>8}"
        )
    print(
        f"ratio baseline / solar2prom: p50 {result['ratio_p50']:.1f}x, "
        f"p99 {result['ratio_p99']:.1f}x"
    )
    print("(bodies: distinct exposition bodies each side served while the polls went on)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=4, help="sources (default 4)")
    parser.add_argument("--sites", type=int, default=27, help="sites per source (default 27)")
    parser.add_argument("--devices", type=int, default=10, help="inverters per site (default 10)")
    parser.add_argument("--requests", type=int, default=100, help="GETs per side (default 100)")
    parser.add_argument("--json", type=Path, default=RESULT, help="where to write the result")
    args = parser.parse_args()
    command = shlex.join(sys.orig_argv)

    result = asyncio.run(run(args.sources, args.sites, args.devices, args.requests))
    result = {"command": command, "revision": git_revision(), **result}
    print_report(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"result written to {args.json}")
    return 0 if result["data"]["same_samples_both_sides"] else 1


if __name__ == "__main__":
    sys.exit(main())
