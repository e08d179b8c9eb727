"""The history store: every sample the daemon collects or backfills, in one SQLite file.

Tables::

    metrics(name, type, unit, help)                TYPE and HELP for the export
    series(id, source, site, device, metric, labels)
        one row per series; `labels` are the metric's own labels as canonical JSON
        ({"string":"3"}), `site` and `device` are "" where the metric has none
    samples(series, time, value)                   time in epoch milliseconds
        PRIMARY KEY (series, time): writing a sample again replaces its value, which is how
        a vendor's revision of a past value lands
    past_marks(series, time)                       the latest sample that came as history

One batch is one transaction, in WAL mode with full syncs: a crash of the process or of the
machine keeps every batch that was committed and nothing of the one that was not. Samples older
than the retention are not written, and the rest are pruned hourly.

`HistoryDB` is the database on one connection, used from one thread. `HistoryStore` is the
output: it takes the new samples of every snapshot and writes them in its own thread, off the
event loop, in the order they arrived. A snapshot's batch that cannot be written (a full disk,
a locked file) is kept and written with the next one (`Unwritten`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from solar2prom.core.clock import Clock
from solar2prom.core.files import private_dir
from solar2prom.core.hub import Hub
from solar2prom.core.model import Metric, MetricType, Reading, Snapshot
from solar2prom.core.samples import Sample, SampleSelector
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.outputs.worker import UNWRITTEN_LIMIT, OrderedWorker, Unwritten, notes_of

log = logging.getLogger(__name__)


SCHEMA_VERSION = 1
PRUNE_EVERY = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    unit TEXT NOT NULL,
    help TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (source, site, device, metric, labels)
);
CREATE INDEX IF NOT EXISTS series_by_device ON series (source, device, metric);
CREATE INDEX IF NOT EXISTS series_by_metric ON series (metric, labels);
CREATE TABLE IF NOT EXISTS samples (
    series INTEGER NOT NULL,
    time INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS past_marks (
    series INTEGER PRIMARY KEY,
    time INTEGER NOT NULL
);
"""

_UPSERT = (
    "INSERT INTO samples (series, time, value) VALUES (?, ?, ?)"
    " ON CONFLICT (series, time) DO UPDATE SET value = excluded.value"
)
_MARK = (
    "INSERT INTO past_marks (series, time) VALUES (?, ?)"
    " ON CONFLICT (series) DO UPDATE SET time = max(time, excluded.time)"
)

Labels = tuple[tuple[str, str], ...]
_SeriesKey = tuple[str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    id: int
    source: str
    site: str
    device: str
    metric: str
    labels: Labels  # the metric's own labels, sorted by name


@dataclass(frozen=True, slots=True)
class MetricInfo:
    name: str
    type: MetricType
    unit: str
    help: str


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _canonical(reading: Reading) -> str:
    own = dict(sorted(zip(reading.metric.labels, reading.labels, strict=True)))
    return json.dumps(own, separators=(",", ":"), ensure_ascii=False)


def connect(path: Path) -> sqlite3.Connection:
    """A private database file (created 0600, as the account's other data), in autocommit
    mode: transactions are explicit, one per batch."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    return sqlite3.connect(path, isolation_level=None, timeout=30.0)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (no upgrade from a read lock that could fail)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        # After some errors (a full disk) SQLite has rolled back by itself, or the rollback
        # fails too: neither may hide the error that matters. A COMMIT that failed leaves the
        # transaction open, and the next batch could not begin.
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise


def _where(filters: Iterable[tuple[str, object | None]]) -> tuple[str, list[object]]:
    """A WHERE clause of the given `column op` conditions whose value is not None."""
    clauses: list[str] = []
    params: list[object] = []
    for condition, value in filters:
        if value is not None:
            clauses.append(f"{condition} ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


class HistoryDB:
    """The store on one SQLite connection; every method must be called from one thread."""

    def __init__(self, path: Path, retention: float | None = None) -> None:
        self.path = path
        self.retention = retention
        self._db = connect(path)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._migrate()
        self._ids: dict[_SeriesKey, int] = {}
        self._metrics: dict[str, tuple[str, str, str]] = {}

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version == 0:
            # Idempotent, so two processes creating the file at once both succeed.
            script = f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
            self._db.executescript(script)
        elif version != SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path}: history schema version {version}, this solar2prom knows "
                f"{SCHEMA_VERSION}"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with transaction(self._db):
                yield
        except BaseException:
            # Ids handed out inside the transaction are gone with it.
            self._ids.clear()
            self._metrics.clear()
            raise

    def close(self) -> None:
        self._db.close()

    # --- writing --------------------------------------------------------------------------

    def write(self, samples: Iterable[Sample], now: float) -> int:
        """Upsert a batch of samples in one transaction; return how many were written.

        Samples older than the retention, and NaN values (SQLite has no NaN), are skipped.
        """
        cutoff = self._cutoff(now)
        written = 0
        marks: dict[int, int] = {}

        def rows() -> Iterator[tuple[int, int, float]]:
            nonlocal written
            for sample in samples:
                time = _ms(sample.time)
                value = sample.reading.value
                if (cutoff is not None and time < cutoff) or math.isnan(value):
                    continue
                series = self._series_id(sample.source, sample.reading)
                if sample.past:
                    marks[series] = max(time, marks.get(series, time))
                written += 1
                yield series, time, value

        with self._transaction():
            self._db.executemany(_UPSERT, rows())
            self._db.executemany(_MARK, marks.items())
        return written

    def _series_id(self, source: str, reading: Reading) -> int:
        key = (source, reading.site, reading.device, reading.metric.name, _canonical(reading))
        series = self._ids.get(key)
        if series is None:
            self._remember(reading.metric)
            self._db.execute(
                "INSERT OR IGNORE INTO series (source, site, device, metric, labels)"
                " VALUES (?, ?, ?, ?, ?)",
                key,
            )
            (series,) = self._db.execute(
                "SELECT id FROM series WHERE source = ? AND site = ? AND device = ?"
                " AND metric = ? AND labels = ?",
                key,
            ).fetchone()
            self._ids[key] = series
        return series

    def _remember(self, metric: Metric) -> None:
        info = (metric.type.value, metric.unit.value, metric.help)
        if self._metrics.get(metric.name) != info:
            self._db.execute(
                "INSERT INTO metrics (name, type, unit, help) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET"
                " type = excluded.type, unit = excluded.unit, help = excluded.help",
                (metric.name, *info),
            )
            self._metrics[metric.name] = info

    def _cutoff(self, now: float) -> int | None:
        return None if self.retention is None else _ms(now - self.retention)

    def prune(self, now: float) -> int:
        """Delete the samples older than the retention; return how many went."""
        cutoff = self._cutoff(now)
        if cutoff is None:
            return 0
        with self._transaction():
            ids = [row[0] for row in self._db.execute("SELECT id FROM series")]
            # Series by series, so that each delete is a range of the primary key.
            removed = self._db.executemany(
                "DELETE FROM samples WHERE series = ? AND time < ?", ((i, cutoff) for i in ids)
            ).rowcount
            emptied = self._db.execute(
                "DELETE FROM series WHERE NOT EXISTS"
                " (SELECT 1 FROM samples WHERE samples.series = series.id)"
            ).rowcount
            # A mark older than the retention points at samples that are gone.
            self._db.execute(
                "DELETE FROM past_marks WHERE time < ? OR series NOT IN (SELECT id FROM series)",
                (cutoff,),
            )
        if emptied:
            self._ids.clear()
        return removed

    # --- reading --------------------------------------------------------------------------

    def last_time(
        self,
        source: str,
        device: str | None = None,
        metric: str | None = None,
        *,
        past_only: bool = False,
    ) -> float | None:
        """The latest sample time (epoch s) of a source, optionally of one device / metric.

        `past_only` counts only samples that came as history, not live values: the point up
        to which a device's history is complete, where gap filling resumes.
        """
        where, params = _where(
            (("s.source =", source), ("s.device =", device), ("s.metric =", metric))
        )
        if past_only:
            query = f"SELECT MAX(m.time) FROM past_marks m JOIN series s ON s.id = m.series{where}"
        else:
            # One primary-key lookup per series rather than a scan of its samples.
            query = (
                "SELECT MAX((SELECT MAX(time) FROM samples WHERE samples.series = s.id))"
                f" FROM series s{where}"
            )
        (latest,) = self._db.execute(query, params).fetchone()
        return None if latest is None else latest / 1000

    def count(
        self,
        source: str | None = None,
        since: float | None = None,
        until: float | None = None,
        device: str | None = None,
        metric: str | None = None,
    ) -> int:
        """How many samples match; `since` inclusive, `until` exclusive (epoch s)."""
        where, params = _where(
            (
                ("s.source =", source),
                ("s.device =", device),
                ("s.metric =", metric),
                ("t.time >=", None if since is None else _ms(since)),
                ("t.time <", None if until is None else _ms(until)),
            )
        )
        query = f"SELECT COUNT(*) FROM samples t JOIN series s ON s.id = t.series{where}"
        return int(self._db.execute(query, params).fetchone()[0])

    def series(self, source: str | None = None, metric: str | None = None) -> list[SeriesInfo]:
        """Every series, grouped by metric, then by labels, source, site and device."""
        where, params = _where((("source =", source), ("metric =", metric)))
        rows = self._db.execute(
            f"SELECT id, source, site, device, metric, labels FROM series{where}"
            " ORDER BY metric, labels, source, site, device",
            params,
        )
        return [
            SeriesInfo(i, src, site, dev, name, tuple(json.loads(labels).items()))
            for i, src, site, dev, name, labels in rows
        ]

    def samples(
        self, series: int, since: float | None = None, until: float | None = None
    ) -> list[tuple[float, float]]:
        """(time in epoch s, value) of one series in time order; `until` exclusive."""
        low = -(2**63) if since is None else _ms(since)
        high = 2**63 - 1 if until is None else _ms(until)
        rows = self._db.execute(
            "SELECT time, value FROM samples WHERE series = ? AND time >= ? AND time < ?"
            " ORDER BY time",
            (series, low, high),
        )
        return [(time / 1000, value) for time, value in rows]

    def rows(
        self, since: float | None = None, until: float | None = None, source: str | None = None
    ) -> Iterator[tuple[SeriesInfo, float, float]]:
        """(series, time, value) of every sample in range, series after series (grouped as
        `series` orders them), each in time order.

        One read transaction: a batch written meanwhile is in the result entirely or not at all.
        """
        self._db.execute("BEGIN")
        try:
            for info in self.series(source):
                for time, value in self.samples(info.id, since, until):
                    yield info, time, value
        finally:
            self._db.execute("COMMIT")

    def metrics(self) -> dict[str, MetricInfo]:
        rows = self._db.execute("SELECT name, type, unit, help FROM metrics")
        return {
            name: MetricInfo(name, MetricType(kind), unit, text) for name, kind, unit, text in rows
        }


@dataclass(frozen=True, slots=True)
class HistoryStatus:
    path: str
    written: int  # samples written since start
    pending: int  # batches waiting for the writer thread
    unwritten: int  # samples of failed writes, kept for the next one
    dropped: int  # samples of failed writes given up (beyond UNWRITTEN_LIMIT, or at shutdown)
    last_write: float | None
    last_error: str | None


class HistoryStore:
    """The store as an output: writes the new samples of every snapshot, in its own thread."""

    def __init__(self, config: HistoryConfig, clock: Clock) -> None:
        self.config = config
        self._clock = clock
        # One thread owns the connection: writes stay in order and never block the event loop.
        self._worker = OrderedWorker("history")
        self._db: HistoryDB | None = None
        self._selector = SampleSelector()
        self._last_prune = -math.inf
        self._written = 0
        self._unwritten: Unwritten[Sample] = Unwritten(UNWRITTEN_LIMIT)
        self._last_write: float | None = None
        self._last_error: str | None = None

    async def start(self, hub: Hub | None = None) -> None:
        """Open (or create) the database, prune it, and take snapshots from `hub`."""
        self._db = await self._worker.run(HistoryDB, self.config.path, self.config.retention)
        await self._worker.run(self._prune_if_due)
        if hub is not None:
            hub.subscribe(self.on_snapshot)

    def on_snapshot(self, snapshot: Snapshot) -> None:
        samples = self._selector.select(snapshot)
        if samples:
            self._worker.submit(self._write_live, samples, done=self._done)

    async def add(self, samples: Sequence[Sample]) -> int:
        """Write samples that did not come through the hub (backfill); wait for the commit.

        A failure is raised to the caller, who still has the samples (a backfill stops and
        resumes there next time)."""
        return await self._worker.submit(self._write, samples, done=self._done)

    def _write(self, samples: Sequence[Sample]) -> int:
        written = self._open().write(samples, self._clock.now())
        self._prune_if_due()
        return written

    def _write_live(self, samples: Sequence[Sample]) -> int:
        """A snapshot's samples, after those of earlier snapshots that could not be written."""
        return self._unwritten.write(samples, self._write)

    def _done(self, future: asyncio.Future[int]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self._last_error = f"{type(error).__name__}: {error}"
            log.error(
                "writing to the history store failed: %s%s", self._last_error, notes_of(error)
            )
            return
        self._written += future.result()
        self._last_write = self._clock.now()
        self._last_error = None

    def _prune_if_due(self) -> None:
        now = self._clock.now()
        if now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            removed = self._open().prune(now)
            if removed:
                log.info("history: pruned %d samples older than the retention", removed)

    def _open(self) -> HistoryDB:
        if self._db is None:
            raise RuntimeError("the history store is not started")
        return self._db

    async def settled(self) -> None:
        """Wait until every batch handed over so far is written (tests, shutdown)."""
        await self._worker.settled()

    async def last_time(
        self,
        source: str,
        device: str | None = None,
        metric: str | None = None,
        *,
        past_only: bool = False,
    ) -> float | None:
        db = self._open()
        query = functools.partial(db.last_time, source, device, metric, past_only=past_only)
        return await self._worker.run(query)

    async def count(
        self,
        source: str | None = None,
        since: float | None = None,
        until: float | None = None,
        device: str | None = None,
        metric: str | None = None,
    ) -> int:
        return await self._worker.run(self._open().count, source, since, until, device, metric)

    async def samples(
        self, series: int, since: float | None = None, until: float | None = None
    ) -> list[tuple[float, float]]:
        return await self._worker.run(self._open().samples, series, since, until)

    async def series(
        self, source: str | None = None, metric: str | None = None
    ) -> list[SeriesInfo]:
        return await self._worker.run(self._open().series, source, metric)

    def status(self) -> HistoryStatus:
        return HistoryStatus(
            str(self.config.path),
            self._written,
            self._worker.pending,
            len(self._unwritten.items),
            self._unwritten.dropped,
            self._last_write,
            self._last_error,
        )

    async def close(self) -> None:
        await self.settled()
        lost = self._unwritten.give_up()
        if lost:
            # FusionSolar fills such gaps from its history after a restart; the others cannot.
            log.error("history: %d samples could not be written before shutdown and are lost", lost)
        if self._db is not None:
            await self._worker.run(self._db.close)
            self._db = None
        self._worker.shutdown()
