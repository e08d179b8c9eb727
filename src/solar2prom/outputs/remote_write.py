"""Prometheus remote write 1.0: every new sample, live or late, to a receiver, across outages.

    snapshot ──> new samples ──> on-disk queue (SQLite, bounded) ──> batch ──> POST receiver

Each request is a protobuf `WriteRequest` compressed with snappy's block format, with the
headers the spec asks for; labels sorted by name with `__name__`, no empty ones, and the
samples of a series in time order. The queue is a file per receiver, so samples wait out a
receiver's outage and a restart of solar2prom; when it is full the oldest samples go first
(they are the ones a receiver is least likely to take).

Answers (spec 1.0, and Prometheus 2.42 as observed):

- 2xx: taken.
- 5xx, 429, timeouts, connection errors: the batch stays queued and is sent again after a
  back-off with jitter (1 s doubling to 1 min, or the receiver's Retry-After).
- 4xx: refused for good; dropped and counted.
- Prometheus answers a sample older than its out-of-order window with HTTP 500 "too old
  sample" (and a new series' old sample with 400 "out of bounds"). Retrying would never end:
  both are refusals for good.

Prometheus takes a request all or nothing, so one refused sample would lose a whole batch. A
refused batch of data (400, too old) is therefore split in halves, down to single samples,
so only the refused samples are dropped. The batch is sorted by time and the newer half goes
first: a receiver that refuses samples as too old refuses everything older, so once the newer
half met that refusal the older half is dropped without being sent, and a batch of history
older than the receiver's window costs a few requests, not one per sample.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import math
import random
import struct
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import aiohttp
import cramjam

from solar2prom import __version__
from solar2prom.core.clock import Clock
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.core.samples import Sample, SampleSelector, series_labels
from solar2prom.outputs.history import connect, transaction
from solar2prom.outputs.history_config import RemoteWriteConfig
from solar2prom.outputs.worker import UNWRITTEN_LIMIT, OrderedWorker, Unwritten, notes_of

log = logging.getLogger(__name__)

# A backfill waits for room in the queue only while the receiver took a batch this recently.
STALLED = 120.0


Labels = tuple[tuple[str, str], ...]
QueueItem = tuple[Labels, int, float]  # labels, time in ms, value

PROTOCOL_HEADERS = {
    "Content-Encoding": "snappy",
    "Content-Type": "application/x-protobuf",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
    "User-Agent": f"solar2prom/{__version__}",
}
_TOO_OLD = ("too old", "out of bounds")

# --- the wire format --------------------------------------------------------------------------


def _varint(number: int) -> bytes:
    number &= (1 << 64) - 1  # an int64 below zero is sent as its 64-bit two's complement
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _sample(timestamp_ms: int, value: float) -> bytes:
    # Sample { double value = 1 (64-bit, tag 0x09); int64 timestamp = 2 (varint, tag 0x10) }
    return b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(timestamp_ms)


def encode_write_request(series: Iterable[tuple[Labels, Sequence[tuple[int, float]]]]) -> bytes:
    """WriteRequest { repeated TimeSeries timeseries = 1 }, TimeSeries { repeated Label
    labels = 1; repeated Sample samples = 2 }, Label { string name = 1; string value = 2 }."""
    out = bytearray()
    for labels, samples in series:
        body = b"".join(
            _length_delimited(
                1, _length_delimited(1, name.encode()) + _length_delimited(2, value.encode())
            )
            for name, value in labels
        )
        body += b"".join(_length_delimited(2, _sample(t, v)) for t, v in samples)
        out += _length_delimited(1, body)
    return bytes(out)


def compress(payload: bytes) -> bytes:
    """Snappy block format (not the framed format), as remote write requires."""
    return bytes(cramjam.snappy.compress_raw(payload))


# --- the queue --------------------------------------------------------------------------------


class Queued(NamedTuple):
    seq: int
    labels: Labels
    time: int  # epoch ms
    value: float


_QUEUE_SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY,
    series INTEGER NOT NULL,
    time INTEGER NOT NULL,
    value REAL NOT NULL
);
COMMIT;
"""


class DiskQueue:
    """Samples waiting to be sent, oldest first, at most `limit`; used from one thread."""

    def __init__(self, path: Path, limit: int) -> None:
        self.limit = limit
        self._db = connect(path)
        self._db.execute("PRAGMA journal_mode = WAL")
        # A power cut may lose the last few samples queued; a crash of the process loses none.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_QUEUE_SCHEMA)
        self._ids: dict[Labels, int] = {}
        self._labels: dict[int, Labels] = {}
        self.size = int(self._db.execute("SELECT COUNT(*) FROM queue").fetchone()[0])

    def put(self, items: Sequence[QueueItem]) -> int:
        """Append samples; return how many of the oldest were dropped to stay within limit."""
        excess = max(0, self.size + len(items) - self.limit)
        try:
            with transaction(self._db):
                self._db.executemany(
                    "INSERT INTO queue (series, time, value) VALUES (?, ?, ?)",
                    [(self._series_id(labels), t, v) for labels, t, v in items],
                )
                if excess:
                    self._db.execute(
                        "DELETE FROM queue WHERE seq IN"
                        " (SELECT seq FROM queue ORDER BY seq LIMIT ?)",
                        (excess,),
                    )
        except BaseException:
            # Ids handed out inside the transaction are gone with it.
            self._forget_series()
            raise
        self.size += len(items) - excess
        return excess

    def _series_id(self, labels: Labels) -> int:
        series = self._ids.get(labels)
        if series is None:
            text = json.dumps(labels, separators=(",", ":"), ensure_ascii=False)
            self._db.execute("INSERT OR IGNORE INTO series (labels) VALUES (?)", (text,))
            (series,) = self._db.execute(
                "SELECT id FROM series WHERE labels = ?", (text,)
            ).fetchone()
            self._ids[labels] = series
            self._labels[series] = labels
        return series

    def _forget_series(self) -> None:
        self._ids.clear()
        self._labels.clear()

    def peek(self, count: int) -> list[Queued]:
        rows = self._db.execute(
            "SELECT q.seq, q.series, s.labels, q.time, q.value FROM queue q"
            " JOIN series s ON s.id = q.series ORDER BY q.seq LIMIT ?",
            (count,),
        ).fetchall()
        out = []
        for seq, series, text, ms, value in rows:
            labels = self._labels.get(series)
            if labels is None:
                labels = self._labels[series] = tuple((k, v) for k, v in json.loads(text))
            out.append(Queued(seq, labels, ms, value))
        return out

    def remove_through(self, seq: int) -> None:
        """Forget every sample queued up to `seq` (sent, or dropped for good)."""
        with transaction(self._db):
            removed = self._db.execute("DELETE FROM queue WHERE seq <= ?", (seq,)).rowcount
            empty = self.size - removed == 0
            if empty:
                # Series labels are kept only while a sample needs them.
                self._db.execute("DELETE FROM series")
        self.size -= removed
        if empty:
            self._forget_series()

    def close(self) -> None:
        self._db.close()


# --- delivery ---------------------------------------------------------------------------------


class Verdict(Enum):
    TAKEN = "taken"
    TOO_OLD = "too_old"  # older than the receiver takes: so is everything older
    BAD_DATA = "rejected"  # some sample of the request refused (400)
    REFUSED = "refused"  # the request itself refused (credentials, URL, size)


class RetryLater(Exception):
    """The receiver may take the batch later: it stays queued."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def verdict(status: int, body: str) -> Verdict:
    """What an answer means for the samples of the request (raises `RetryLater`)."""
    if 200 <= status < 300:
        return Verdict.TAKEN
    text = body.lower()
    if any(phrase in text for phrase in _TOO_OLD):
        return Verdict.TOO_OLD
    if status == 429 or status >= 500:
        raise RetryLater(f"HTTP {status}")
    if status == 400:
        return Verdict.BAD_DATA
    return Verdict.REFUSED


def _secrets_sent(url: str, headers: Mapping[str, str]) -> set[str]:
    """The credentials a request carries, in the forms a receiver's answer may quote them."""
    password = urlsplit(url).password
    found = {password, unquote(password)} if password else set()
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    if value:
        found.add(value)
    if scheme == "Basic" and value:
        found.add(base64.b64decode(value).decode(errors="replace").partition(":")[2])
    return {secret for secret in found if secret}


def _without(text: str, secrets: Iterable[str]) -> str:
    """A receiver's answer with the credentials it quotes blanked out: it goes to the log and
    the status, where credentials never go."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "<credentials>")
    return text


def _timeseries(samples: Iterable[Queued]) -> list[tuple[Labels, list[tuple[int, float]]]]:
    by_series: dict[Labels, dict[int, float]] = {}
    for sample in samples:
        # A later value for the same time is a revision: it wins.
        by_series.setdefault(sample.labels, {})[sample.time] = sample.value
    return [(labels, sorted(points.items())) for labels, points in by_series.items()]


@dataclass(frozen=True, slots=True)
class RemoteWriteStatus:
    url: str
    queued: int
    unqueued: int  # samples the queue file could not take (a full disk), kept for the next put
    sent: int
    dropped: dict[str, int]  # reason -> samples
    retries: int
    last_success: float | None
    last_error: str | None


class RemoteWriteSink:
    """One remote write receiver: queues every new sample and sends it in the background."""

    def __init__(
        self,
        config: RemoteWriteConfig,
        clock: Clock,
        state_dir: Path,
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.url = config.display_url
        digest = hashlib.sha256(config.url.encode()).hexdigest()[:12]
        self.queue_path = config.queue_path or state_dir / f"remote_write-{digest}.db"
        self._clock = clock
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._rng = rng or random.Random()
        self._external = tuple(sorted(config.external_labels.items()))
        # One thread owns the queue file: puts and removals stay in order, off the event loop.
        self._worker = OrderedWorker("remote-write")
        self._queue: DiskQueue | None = None
        self._unqueued: Unwritten[QueueItem] = Unwritten(UNWRITTEN_LIMIT)
        self._selector = SampleSelector()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()  # set whenever sent samples leave the queue
        self._taken_at: float | None = None  # monotonic time the receiver last took a batch
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._sent = 0
        self._dropped: Counter[str] = Counter()
        self._retries = 0
        self._last_success: float | None = None
        self._last_error: str | None = None

    async def start(self, hub: Hub | None = None) -> None:
        """Open the queue, start sending, and take snapshots from `hub`."""
        self._queue = await self._worker.run(
            DiskQueue, self.queue_path, self.config.max_queue_samples
        )
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            headers={**self.config.headers, **PROTOCOL_HEADERS},
        )
        self._task = asyncio.create_task(self._send_forever(), name=f"remote write {self.url}")
        if hub is not None:
            hub.subscribe(self.on_snapshot)

    # --- taking samples -------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        samples = self._selector.select(snapshot)
        if samples:
            self._submit(samples)

    async def add(self, samples: Sequence[Sample]) -> None:
        """Queue samples that did not come through the hub (backfill); wait until queued.

        While the queue has no room for them and the receiver is taking samples, this waits
        for room first: a backfill faster than the receiver would otherwise push its own
        oldest samples out of the queue. A receiver that has taken nothing for `STALLED`
        seconds is not waited for (the queue then drops its oldest, as for live values).
        """
        limit = self.config.max_queue_samples
        need = min(len(samples), limit)
        while self._open().size + need > limit and self._receiver_taking():
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), STALLED)
        await self._submit(samples)

    def _receiver_taking(self) -> bool:
        return self._taken_at is not None and time.monotonic() - self._taken_at < STALLED

    def _labels(self, sample: Sample) -> Labels:
        labels = {k: v for k, v in series_labels(sample.source, sample.reading) if v}
        for name, value in self._external:
            labels.setdefault(name, value)
        labels["__name__"] = sample.reading.metric.name
        return tuple(sorted(labels.items()))

    def _submit(self, samples: Sequence[Sample]) -> asyncio.Future[int]:
        return self._worker.submit(self._put, samples, done=self._queued)

    def _put(self, samples: Sequence[Sample]) -> int:
        # In the queue's thread: a backfill can hand over hundreds of thousands of samples.
        items = [
            (self._labels(s), round(s.time * 1000), s.reading.value)
            for s in samples
            if not math.isnan(s.reading.value)  # SQLite has no NaN
        ]
        return self._unqueued.write(items, self._open().put)

    def _queued(self, future: asyncio.Future[int]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self._last_error = f"queueing failed: {type(error).__name__}: {error}"
            log.error("remote write %s: %s%s", self.url, self._last_error, notes_of(error))
            return
        if future.result():
            self._dropped["queue_full"] += future.result()
        self._wake.set()

    # --- sending --------------------------------------------------------------------------

    async def _send_forever(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            batch = await self._worker.run(self._open().peek, self.config.batch_size)
            if not batch:
                await self._wake.wait()
                continue
            try:
                await self._deliver(sorted(batch, key=lambda q: (q.time, q.seq)))
            except RetryLater as exc:
                failures += 1
                await self._back_off(failures, str(exc), exc.retry_after)
                continue
            except Exception as exc:
                # A bug must not stop the sink for good; the batch stays queued.
                log.exception("remote write %s: unexpected error", self.url)
                failures += 1
                await self._back_off(failures, f"internal error: {type(exc).__name__}", None)
                continue
            failures = 0
            await self._worker.run(self._open().remove_through, max(q.seq for q in batch))
            self._room.set()

    async def _back_off(self, failures: int, reason: str, retry_after: float | None) -> None:
        self._retries += 1
        self._last_error = reason
        delay = min(self._max_backoff, self._min_backoff * 2 ** min(failures - 1, 30))
        delay = max(delay * self._rng.uniform(0.5, 1.0), retry_after or 0.0)
        log.warning("remote write %s: %s; retrying in %.1fs", self.url, reason, delay)
        await asyncio.sleep(delay)

    async def _deliver(self, part: Sequence[Queued]) -> bool:
        """Send samples sorted by time; drop what is refused for good. True when the receiver
        refused some of them as too old."""
        result, message = await self._post(part)
        if result is Verdict.TAKEN:
            self._sent += len(part)
            self._last_success = self._clock.now()
            self._taken_at = time.monotonic()
            self._last_error = None
            return False
        if len(part) == 1 or result is Verdict.REFUSED:
            self._drop(result.value, len(part), message)
            return result is Verdict.TOO_OLD
        middle = len(part) // 2
        older, newer = part[:middle], part[middle:]
        if await self._deliver(newer):
            self._drop(Verdict.TOO_OLD.value, len(older), message)
            return True
        return await self._deliver(older)

    def _drop(self, reason: str, count: int, message: str) -> None:
        self._dropped[reason] += count
        self._last_error = f"{count} sample(s) refused ({reason}): {message}"
        log.warning("remote write %s: %s", self.url, self._last_error)

    async def _post(self, part: Sequence[Queued]) -> tuple[Verdict, str]:
        body = compress(encode_write_request(_timeseries(part)))
        if self._session is None:
            raise RuntimeError("the remote write sink is not started")
        try:
            headers = self._credentials()
            async with self._session.post(self.config.url, data=body, headers=headers) as response:
                text = await response.text(errors="replace")
                text = _without(text, _secrets_sent(self.config.url, headers))[:300].strip()
                retry_after = response.headers.get("Retry-After", "")
                try:
                    return verdict(response.status, text), f"HTTP {response.status} {text}"
                except RetryLater:
                    wait = float(retry_after) if retry_after.isdigit() else None
                    raise RetryLater(f"HTTP {response.status} {text}", wait) from None
        except TimeoutError as exc:
            raise RetryLater(f"no answer within {self.config.timeout:g}s") from exc
        except aiohttp.ClientError as exc:
            # Some client errors quote the URL, which may carry credentials.
            reason = str(exc).replace(self.config.url, self.url)
            raise RetryLater(f"{type(exc).__name__}: {reason}") from exc
        except OSError as exc:  # a secret file that cannot be read
            raise RetryLater(f"cannot read a credentials file: {exc.strerror}") from exc

    def _credentials(self) -> dict[str, str]:
        """The Authorization header, read at every request so a rotated secret file is used."""
        config = self.config
        if config.basic_auth is not None:
            auth = config.basic_auth
            if auth.password_file is not None:
                password = auth.password_file.read_text().strip("\r\n")
            else:
                password = auth.password.get_secret_value() if auth.password else ""
            pair = f"{auth.username}:{password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        token = config.bearer_token.get_secret_value() if config.bearer_token else None
        if config.bearer_token_file is not None:
            token = config.bearer_token_file.read_text().strip("\r\n")
        return {"Authorization": f"Bearer {token}"} if token else {}

    # --- plumbing -------------------------------------------------------------------------

    def _open(self) -> DiskQueue:
        if self._queue is None:
            raise RuntimeError("the remote write sink is not started")
        return self._queue

    async def settled(self) -> None:
        """Wait until every sample handed over so far is queued on disk."""
        await self._worker.settled()

    def status(self) -> RemoteWriteStatus:
        return RemoteWriteStatus(
            url=self.url,
            queued=self._queue.size if self._queue is not None else 0,
            unqueued=len(self._unqueued.items),
            sent=self._sent,
            dropped=dict(self._dropped)
            | ({"unqueued": n} if (n := self._unqueued.dropped) else {}),
            retries=self._retries,
            last_success=self._last_success,
            last_error=self._last_error,
        )

    async def close(self) -> None:
        """Stop sending; what is still queued is sent after the next start."""
        await self.settled()
        lost = self._unqueued.give_up()
        if lost:
            log.error(
                "remote write %s: %d samples could not be queued and are lost", self.url, lost
            )
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._queue is not None:
            await self._worker.run(self._queue.close)
            self._queue = None
        self._worker.shutdown()
