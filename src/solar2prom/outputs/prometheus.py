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

and solar2prom's own `solar2prom_build_info`. A scrape of `/metrics` adds, after them, what
moves between snapshots, rendered for that scrape (a few lines, so the cached bytes of the
sources stay cached, gzipped ones included): the process (`ProcessSeries`) and the outputs
that keep data (`render_outputs`). `collect` writes the sources' series only: the process
series of a one-shot run would say nothing, and in node_exporter's textfile collector they
would clash with node_exporter's own.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import utils as _prom_utils
from prometheus_client.openmetrics import exposition as _openmetrics
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
generate_openmetrics = cast(Callable[[CollectorRegistry], bytes], _openmetrics.generate_latest)

OPENMETRICS_EOF = b"# EOF\n"

# family name -> (metric, rendered sample lines of one source)
Chunks = dict[str, tuple[Metric, bytes]]
# The exporter's chunks sit next to the sources' under a name no source can have.
SELF = " self"
# gzip level 1: a 100,000-series exposition compresses 10:1 in a fraction of the time of the
# default level, and it is compressed again at every change.
GZIP_LEVEL = 1


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


def render_self() -> Chunks:
    """The exporter itself::

    solar2prom_build_info{version,python} 1
    """
    fam = _Families()
    versions = (("version", __version__), ("python", platform.python_version()))
    fam.add(m.BUILD_INFO, versions, 1.0)
    return fam.chunks()


class ProcessSeries:
    """The process, as every Prometheus client library exports it (Linux; nothing elsewhere)::

    process_cpu_seconds_total 12.5
    process_resident_memory_bytes 1.5e8
    process_virtual_memory_bytes 4.1e8
    process_open_fds 23
    process_max_fds 1024
    process_start_time_seconds 1.7e9
    """

    def __init__(self) -> None:
        self._registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=self._registry)

    def render(self, openmetrics: bool) -> bytes:
        if openmetrics:
            return generate_openmetrics(self._registry).removesuffix(OPENMETRICS_EOF)
        return generate_latest(self._registry)


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


def assemble(per_source: Mapping[str, Chunks], openmetrics: bool, end: bool = True) -> bytes:
    """The families of every source, sorted; OpenMetrics's `# EOF` at the `end`."""
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
    if openmetrics and end:
        parts.append(OPENMETRICS_EOF)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class _Deflated:
    """The cached part of an exposition gzipped, the stream left open: a scrape finishes a
    copy of it with its own lines, so the big part is compressed once per change."""

    head: bytes
    stream: zlib._Compress

    @classmethod
    def start(cls, body: bytes) -> _Deflated:
        stream = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        head = stream.compress(body) + stream.flush(zlib.Z_SYNC_FLUSH)
        return cls(head, stream)

    def finish(self, tail: bytes) -> bytes:
        stream = self.stream.copy()
        return self.head + stream.compress(tail) + stream.flush()


class PrometheusOutput:
    """Keeps the rendered exposition of every source current; hands out cached bytes."""

    def __init__(
        self,
        hub: Hub | None = None,
        outputs: Callable[[], Chunks] | None = None,
        process: bool = True,
    ) -> None:
        """`outputs` renders the outputs' health (`render_outputs`) and `process` adds the
        process series; both are rendered at every scrape, as they move between snapshots."""
        self._chunks: dict[str, Chunks] = {SELF: render_self()}
        self._outputs = outputs
        self._process = ProcessSeries() if process else None
        self._cache: dict[bool, bytes] = {}  # openmetrics -> the sources' part, no `# EOF`
        self._deflated: dict[bool, _Deflated] = {}
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
        self._deflated.clear()

    async def settled(self) -> None:
        """Wait until every published snapshot is rendered (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _sources_part(self, openmetrics: bool) -> bytes:
        body = self._cache.get(openmetrics)
        if body is None:
            body = self._cache[openmetrics] = assemble(self._chunks, openmetrics, end=False)
        return body

    def exposition(self, openmetrics: bool = False) -> Exposition:
        """The sources' series and the build info: what `collect` writes."""
        body = self._sources_part(openmetrics)
        if openmetrics:
            body += OPENMETRICS_EOF
        return Exposition(body, _content_type(openmetrics))

    def _live_part(self, openmetrics: bool) -> bytes:
        parts = [self._process.render(openmetrics)] if self._process is not None else []
        if self._outputs is not None:
            parts.append(assemble({"": self._outputs()}, openmetrics, end=False))
        if openmetrics:
            parts.append(OPENMETRICS_EOF)
        return b"".join(parts)

    async def scrape(self, openmetrics: bool = False, gzipped: bool = False) -> Exposition:
        """What `/metrics` serves: the exposition, then the series rendered for this scrape.
        Gzipped, the sources' part is compressed once per change, off the event loop."""
        content_type = _content_type(openmetrics)
        if not gzipped:
            body = self._sources_part(openmetrics) + self._live_part(openmetrics)
            return Exposition(body, content_type)
        deflated = self._deflated.get(openmetrics)
        if deflated is None:
            sources = self._sources_part(openmetrics)
            loop = asyncio.get_running_loop()
            deflated = await loop.run_in_executor(self._executor, _Deflated.start, sources)
            if self._cache.get(openmetrics) is sources:  # still current
                self._deflated[openmetrics] = deflated
        return Exposition(deflated.finish(self._live_part(openmetrics)), content_type)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _content_type(openmetrics: bool) -> str:
    return OPENMETRICS_CONTENT_TYPE if openmetrics else TEXT_CONTENT_TYPE
