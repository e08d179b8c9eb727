"""The Prometheus exposition, rendered once per snapshot and served as bytes.

A scrape never waits on a vendor and never formats a sample: when a source publishes a
snapshot its series are rendered (in a worker thread, so scrapes keep being answered), and
`/metrics` joins the cached per-family chunks of every source. Text format 0.0.4 by default,
OpenMetrics 1.0 when the scraper asks for it.

Series rendered per source (labels after the metric name)::

    solar_source_up{source} 1
    solar_source_last_success_timestamp_seconds{source} 1.7e9
    solar_source_poll_duration_seconds{source} 0.8
    solar_source_requests_total{source,endpoint,result} 12
    solar_source_rejected_readings_total{source,reason} 1
    solar_source_budget_remaining_calls{source,api,window} 3
    solar_source_budget_limit_calls{source,api,window} 4
    solar_site_info{source,site,vendor,name,...} 1
    solar_device_info{source,site,device,kind,model,firmware,name} 1
    <every reading>{source,site[,device][,own labels]} value

and, once per exposition, the outputs that keep data (`render_outputs`).
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import platform
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from prometheus_client import utils as _prom_utils
from prometheus_client.process_collector import ProcessCollector

from solar2prom import __version__
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Metric, MetricType, Snapshot
from solar2prom.core.samples import series_labels

if TYPE_CHECKING:
    from solar2prom.outputs.keeping import KeepingStatus

log = logging.getLogger(__name__)

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

# The client library's formatting of values, so ours reads exactly like every Python exporter's.
format_value = cast(Callable[[float], str], _prom_utils.floatToGoString)

# family name -> (metric, rendered sample lines of one source)
Chunks = dict[str, tuple[Metric, bytes]]
# The exporter's and the outputs' chunks sit next to the sources' under names no source can
# have.
SELF = " self"
OUTPUTS = " outputs"


def _process_start() -> float | None:
    """The process's start time as the client library reads it (None where it cannot)."""
    for family in ProcessCollector(registry=None).collect():
        if family.name == "process_start_time_seconds" and family.samples:
            return float(family.samples[0].value)
    return None


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _line(name: str, labels: Iterable[tuple[str, str]], value: float) -> str:
    inner = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels)
    selector = f"{name}{{{inner}}}" if inner else name
    return f"{selector} {format_value(value)}\n"


class _Families:
    """Collects the lines of one snapshot, grouped by family."""

    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}
        self.lines: defaultdict[str, list[str]] = defaultdict(list)

    def add(self, metric: Metric, labels: Iterable[tuple[str, str]], value: float) -> None:
        self.metrics.setdefault(metric.name, metric)
        self.lines[metric.name].append(_line(metric.name, labels, value))

    def chunks(self) -> Chunks:
        return {
            name: (self.metrics[name], "".join(lines).encode())
            for name, lines in self.lines.items()
        }


def render_snapshot(snap: Snapshot) -> Chunks:
    """Every series of one source, as per-family chunks of exposition lines."""
    fam = _Families()
    src: tuple[tuple[str, str], ...] = (("source", snap.source),)
    health = snap.health
    fam.add(m.SOURCE_UP, src, 1.0 if health.up else 0.0)
    if health.last_success is not None:
        fam.add(m.SOURCE_LAST_SUCCESS, src, health.last_success)
    if health.poll_duration is not None:
        fam.add(m.SOURCE_POLL_DURATION, src, health.poll_duration)
    for (endpoint, result), count in sorted(snap.requests.items()):
        fam.add(m.SOURCE_REQUESTS, (*src, ("endpoint", endpoint), ("result", result)), count)
    for reason, count in sorted(snap.rejected.items()):
        fam.add(m.SOURCE_REJECTED, (*src, ("reason", reason)), count)
    for budget in health.budgets:
        labels: tuple[tuple[str, str], ...] = (
            *src,
            ("api", budget.api),
            ("window", budget.window),
        )
        fam.add(m.SOURCE_BUDGET_REMAINING, labels, budget.remaining)
        fam.add(m.SOURCE_BUDGET_LIMIT, labels, budget.limit)
    for site in snap.sites:
        extra = tuple((k, v) for k, v in site.extra if k not in {"vendor", "name"})
        labels = (*src, ("site", site.id), ("vendor", site.vendor), ("name", site.name), *extra)
        fam.add(m.SITE_INFO, labels, 1.0)
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
        fam.add(m.DEVICE_INFO, labels, 1.0)
    for reading in snap.readings:
        fam.add(reading.metric, series_labels(snap.source, reading), reading.value)
    return fam.chunks()


def render_self(started: float | None) -> Chunks:
    """The exporter itself::

    solar2prom_build_info{version,python} 1
    process_start_time_seconds 1.7e9
    """
    fam = _Families()
    versions = (("version", __version__), ("python", platform.python_version()))
    fam.add(m.BUILD_INFO, versions, 1.0)
    if started is not None:
        fam.add(m.START_TIME, (), started)
    return fam.chunks()


def render_outputs(keeping: KeepingStatus) -> Chunks:
    """The health of the history store and of each remote write receiver::

    solar_history_samples_written_total 1200
    solar_history_samples_waiting 0
    solar_history_samples_dropped_total 0
    solar_history_write_failing 0
    solar_history_last_write_timestamp_seconds 1.7e9
    solar_remote_write_samples_sent_total{url} 1200
    solar_remote_write_samples_dropped_total{url,reason} 3
    solar_remote_write_samples_queued{url} 0
    solar_remote_write_retries_total{url} 2
    solar_remote_write_last_success_timestamp_seconds{url} 1.7e9
    """
    fam = _Families()
    history = keeping.history
    if history is not None:
        fam.add(m.HISTORY_WRITTEN, (), history.written)
        fam.add(m.HISTORY_WAITING, (), history.unwritten)
        fam.add(m.HISTORY_DROPPED, (), history.dropped)
        fam.add(m.HISTORY_FAILING, (), 1.0 if history.last_error else 0.0)
        if history.last_write is not None:
            fam.add(m.HISTORY_LAST_WRITE, (), history.last_write)
    for remote in keeping.remote_write:
        url = (("url", remote.url),)
        fam.add(m.REMOTE_WRITE_SENT, url, remote.sent)
        for reason, count in sorted(remote.dropped.items()):
            fam.add(m.REMOTE_WRITE_DROPPED, (*url, ("reason", reason)), count)
        fam.add(m.REMOTE_WRITE_QUEUED, url, remote.queued + remote.unqueued)
        fam.add(m.REMOTE_WRITE_RETRIES, url, remote.retries)
        if remote.last_success is not None:
            fam.add(m.REMOTE_WRITE_LAST_SUCCESS, url, remote.last_success)
    return fam.chunks()


@dataclass(frozen=True, slots=True)
class Exposition:
    body: bytes
    content_type: str


def assemble(per_source: Mapping[str, Chunks], openmetrics: bool) -> bytes:
    families: dict[str, Metric] = {}
    for chunks in per_source.values():
        for name, (metric, _) in chunks.items():
            families.setdefault(name, metric)
    parts: list[bytes] = []
    for name in sorted(families):
        metric = families[name]
        family = name
        if openmetrics and metric.type is MetricType.COUNTER:
            family = name.removesuffix("_total")
        header = f"# HELP {family} {escape_help(metric.help)}\n# TYPE {family} {metric.type}\n"
        parts.append(header.encode())
        parts.extend(chunks[name][1] for chunks in per_source.values() if name in chunks)
    if openmetrics:
        parts.append(b"# EOF\n")
    return b"".join(parts)


class PrometheusOutput:
    """Keeps the rendered exposition of every source current; hands out cached bytes."""

    def __init__(self, hub: Hub | None = None, outputs: Callable[[], Chunks] | None = None) -> None:
        """`outputs` renders the outputs' health (`render_outputs`); it runs at every scrape,
        as those figures move between snapshots, and costs a few lines."""
        self._chunks: dict[str, Chunks] = {SELF: render_self(_process_start())}
        self._outputs = outputs
        self._cache: dict[tuple[bool, bool], bytes] = {}  # (openmetrics, gzipped) -> body
        # One thread: rendering is pure Python, so parallel renders would only fight over the
        # interpreter lock with the event loop that answers scrapes.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exposition")
        self._pending: dict[str, Snapshot] = {}
        self._rendering: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        if hub is not None:
            hub.subscribe(self.on_snapshot)

    def on_snapshot(self, snap: Snapshot) -> None:
        self._pending[snap.source] = snap
        if snap.source not in self._rendering:
            self._rendering.add(snap.source)
            task = asyncio.get_running_loop().create_task(self._render_loop(snap.source))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _render_loop(self, source: str) -> None:
        # Coalesces bursts: whatever arrived while rendering is rendered once more, newest only.
        try:
            while source in self._pending:
                snap = self._pending.pop(source)
                try:
                    loop = asyncio.get_running_loop()
                    chunks = await loop.run_in_executor(self._executor, render_snapshot, snap)
                except Exception:
                    log.exception("rendering the exposition of %s failed", source)
                    continue
                self._store(source, chunks)
        finally:
            self._rendering.discard(source)

    def _store(self, source: str, chunks: Chunks) -> None:
        self._chunks[source] = chunks
        self._cache.clear()

    async def settled(self) -> None:
        """Wait until every published snapshot is rendered (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def exposition(self, openmetrics: bool = False) -> Exposition:
        if self._outputs is not None:
            outputs = self._outputs()
            if outputs != self._chunks.get(OUTPUTS):
                self._store(OUTPUTS, outputs)
        body = self._cache.get((openmetrics, False))
        if body is None:
            body = self._cache[(openmetrics, False)] = assemble(self._chunks, openmetrics)
        return Exposition(body, OPENMETRICS_CONTENT_TYPE if openmetrics else TEXT_CONTENT_TYPE)

    async def gzipped(self, openmetrics: bool = False) -> Exposition:
        """The exposition gzip-compressed, once per change and off the event loop."""
        plain = self.exposition(openmetrics)
        body = self._cache.get((openmetrics, True))
        if body is None:
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(self._executor, gzip.compress, plain.body, 1)
            if self._cache.get((openmetrics, False)) is plain.body:  # still current
                self._cache[(openmetrics, True)] = body
        return Exposition(body, plain.content_type)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
