"""`solar2prom export`: the history store written out as CSV or OpenMetrics (SPEC §3).

CSV — columns `time,source,site,device,metric,value`, one row per sample:

    time,source,site,device,metric,value
    2017-08-04T16:00:00Z,roof,NE=33554875,213472461631079,solar_device_power_watts,21050.0
    2017-08-04T16:00:00Z,roof,NE=33554875,213472461631079,"fusionsolar_inverter_pv_voltage_volts{string=""3""}",612.5

`time` is RFC 3339 in UTC (milliseconds only where a sample has them); `metric` is the
Prometheus metric name, in selector form `name{string="3"}` where the metric has labels of its
own (so one column identifies the series; CSV quoting doubles the quotes); `site` and `device`
are empty where the metric has none. Rows come series after series (by metric, then labels,
source, site, device), each series in time order.

OpenMetrics — the input `promtool tsdb create-blocks-from openmetrics` takes: families sorted
by name, each with HELP and TYPE, every label of the series (source, site, device, own labels;
empty ones left out, as Prometheus treats an empty label as absent), samples of a series in
time order with their timestamp in seconds, and the closing `# EOF`.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

from solar2prom.core.model import MetricType
from solar2prom.outputs.history import HistoryDB, Labels, MetricInfo, SeriesInfo
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.outputs.prometheus import escape_help, escape_label_value, format_value

FORMATS = ("csv", "openmetrics")
CSV_COLUMNS = ("time", "source", "site", "device", "metric", "value")


class HasHistory(Protocol):
    """What the export needs of the application config (`AppConfig` has it)."""

    @property
    def history(self) -> HistoryConfig | None: ...


@dataclass(slots=True)
class ExportStats:
    samples: int = 0
    series: int = 0


def _split_ms(seconds: float) -> tuple[int, int]:
    return divmod(round(seconds * 1000), 1000)


def rfc3339(seconds: float) -> str:
    whole, ms = _split_ms(seconds)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms:03d}Z" if ms else f"{text}Z"


def _openmetrics_time(seconds: float) -> str:
    whole, ms = _split_ms(seconds)
    return f"{whole}.{ms:03d}" if ms else str(whole)


def _selector(name: str, labels: Labels) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels) + "}"


def _all_labels(series: SeriesInfo) -> Labels:
    standard = (("source", series.source), ("site", series.site), ("device", series.device))
    return tuple((k, v) for k, v in (*standard, *series.labels) if v)


def write_csv(db: HistoryDB, out: TextIO, since: float | None, until: float | None) -> ExportStats:
    stats = ExportStats()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    current: SeriesInfo | None = None
    for series, time, value in db.rows(since, until):
        if series is not current:
            current = series
            stats.series += 1
            metric = _selector(series.metric, series.labels)
        writer.writerow(
            (rfc3339(time), series.source, series.site, series.device, metric, format_value(value))
        )
        stats.samples += 1
    return stats


def _family_header(name: str, info: MetricInfo | None) -> str:
    counter = info is not None and info.type is MetricType.COUNTER
    family = name.removesuffix("_total") if counter else name
    kind = info.type.value if info is not None else "unknown"
    help_line = f"# HELP {family} {escape_help(info.help)}\n" if info is not None else ""
    return f"{help_line}# TYPE {family} {kind}\n"


def write_openmetrics(
    db: HistoryDB, out: TextIO, since: float | None, until: float | None
) -> ExportStats:
    stats = ExportStats()
    metrics = db.metrics()
    family: str | None = None
    current: SeriesInfo | None = None
    for series, time, value in db.rows(since, until):
        if series is not current:
            current = series
            stats.series += 1
            selector = _selector(series.metric, _all_labels(series))
            if series.metric != family:
                family = series.metric
                out.write(_family_header(family, metrics.get(family)))
        out.write(f"{selector} {format_value(value)} {_openmetrics_time(time)}\n")
        stats.samples += 1
    out.write("# EOF\n")
    return stats


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file that appears only once it is complete."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export(
    store: Path, fmt: str, output: Path | None, since: float | None, until: float | None
) -> ExportStats:
    """Write the samples of [since, until) in `fmt` to `output` (stdout if None)."""
    writer = write_csv if fmt == "csv" else write_openmetrics
    db = HistoryDB(store)
    try:
        with _output(output) as out:
            return writer(db, out, since, until)
    finally:
        db.close()


def _epoch(moment: datetime) -> float:
    # A date without a zone is UTC, like every time the export writes.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def export_command(
    config: HasHistory, since: datetime, until: datetime | None, fmt: str, output: Path | None
) -> int:
    """`solar2prom export`: 0 when written, 1 when reading or writing failed, 2 when there is
    nothing to export from."""
    if config.history is None:
        print(
            "export: the configuration has no history store; add e.g. "
            "`history: {path: solar2prom.db}` and let `run` or `backfill` fill it",
            file=sys.stderr,
        )
        return 2
    store = config.history.path
    if not store.is_file():
        print(f"export: no history store at {store} yet", file=sys.stderr)
        return 2
    if fmt not in FORMATS:
        print(f"export: unknown format {fmt!r} (known: {', '.join(FORMATS)})", file=sys.stderr)
        return 2
    end = None if until is None else _epoch(until)
    try:
        stats = await asyncio.to_thread(export, store, fmt, output, _epoch(since), end)
    except (OSError, sqlite3.Error) as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    where = "" if output is None else f" to {output}"
    print(f"exported {stats.samples} samples of {stats.series} series{where}", file=sys.stderr)
    return 0
