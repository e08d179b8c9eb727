"""The SQLite history store: upserts, revisions, live values once, retention, crash safety."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Metric, Reading, Scope, Snapshot
from solar2prom.core.samples import Sample
from solar2prom.outputs import history as history_module
from solar2prom.outputs.history import HistoryDB, HistoryStore
from solar2prom.outputs.history_config import DAY, HistoryConfig
from tests.conftest import ManualClock

STRING_VOLTAGE = Metric("test_pv_voltage_volts", "String voltage.", labels=("string",))
T0 = 1_501_862_400.0  # 2017-08-04T16:00:00Z


def power(value: float, device: str = "D1", time: float | None = None) -> Reading:
    return Reading(m.DEVICE_POWER, value, "S1", device, time=time)


def past(value: float, time: float, device: str = "D1") -> Sample:
    return Sample("roof", power(value, device, time), time, past=True)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[HistoryDB]:
    store = HistoryDB(tmp_path / "history.db")
    yield store
    store.close()


def test_writing_the_same_samples_again_changes_nothing(db: HistoryDB) -> None:
    batch = [past(1000.0 + i, T0 + 300 * i) for i in range(12)]
    assert db.write(batch, T0) == 12
    assert db.write(batch, T0) == 12
    assert db.count() == 12
    (series,) = db.series()
    assert db.samples(series.id) == [(T0 + 300 * i, 1000.0 + i) for i in range(12)]


def test_a_revised_value_replaces_the_stored_one(db: HistoryDB) -> None:
    db.write([past(21050.0, T0), past(20000.0, T0 + 300)], T0)
    db.write([past(20500.0, T0 + 300)], T0)
    (series,) = db.series()
    assert db.samples(series.id) == [(T0, 21050.0), (T0 + 300, 20500.0)]


def test_series_are_identified_by_source_site_device_metric_and_own_labels(db: HistoryDB) -> None:
    readings = [
        Reading(STRING_VOLTAGE, 600.0, "S1", "D1", ("1",)),
        Reading(STRING_VOLTAGE, 610.0, "S1", "D1", ("2",)),
        Reading(STRING_VOLTAGE, 620.0, "S1", "D2", ("1",)),
        Reading(m.PRODUCTION_POWER, 5.0, "S1"),
    ]
    db.write([Sample("roof", r, T0) for r in readings], T0)
    db.write([Sample("garage", readings[0], T0)], T0)
    found = {(s.source, s.site, s.device, s.metric, s.labels) for s in db.series()}
    assert found == {
        ("roof", "S1", "D1", STRING_VOLTAGE.name, (("string", "1"),)),
        ("roof", "S1", "D1", STRING_VOLTAGE.name, (("string", "2"),)),
        ("roof", "S1", "D2", STRING_VOLTAGE.name, (("string", "1"),)),
        ("roof", "S1", "", m.PRODUCTION_POWER.name, ()),
        ("garage", "S1", "D1", STRING_VOLTAGE.name, (("string", "1"),)),
    }
    assert db.metrics()[STRING_VOLTAGE.name].help == "String voltage."


def test_nan_is_not_stored(db: HistoryDB) -> None:
    assert db.write([past(float("nan"), T0), past(1.0, T0 + 300)], T0) == 1
    assert db.count() == 1


def test_last_time_per_source_device_and_metric_and_for_history_only(db: HistoryDB) -> None:
    db.write([past(1.0, T0, "D1"), past(2.0, T0 + 600, "D2")], T0)
    db.write([Sample("roof", power(3.0, "D1"), T0 + 3600)], T0)  # a live value
    assert db.last_time("roof") == T0 + 3600
    assert db.last_time("roof", "D1") == T0 + 3600
    assert db.last_time("roof", "D1", past_only=True) == T0
    assert db.last_time("roof", "D2", m.DEVICE_POWER.name) == T0 + 600
    assert db.last_time("roof", "D2", m.DEVICE_ENERGY_TOTAL.name) is None
    assert db.last_time("garage") is None


def test_counts_and_ranges_take_since_inclusive_and_until_exclusive(db: HistoryDB) -> None:
    db.write([past(float(i), T0 + 300 * i) for i in range(10)], T0)
    assert db.count("roof", since=T0 + 300, until=T0 + 900) == 2
    assert db.count("roof", device="D1", metric=m.DEVICE_POWER.name) == 10
    rows = list(db.rows(since=T0 + 2700))
    assert [(time, value) for _, time, value in rows] == [(T0 + 2700, 9.0)]


def test_samples_older_than_the_retention_are_skipped_and_pruned(tmp_path: Path) -> None:
    db = HistoryDB(tmp_path / "h.db", retention=10 * DAY)
    now = T0 + 30 * DAY
    try:
        assert db.write([past(1.0, now - 20 * DAY), past(2.0, now - 5 * DAY)], now) == 1
        db.write([past(3.0, now - 1 * DAY, "D2")], now)
        db.write([Sample("roof", power(4.0, "D2"), now)], now)  # live
        assert db.prune(now + 6 * DAY) == 1
        assert db.count() == 2
        assert [s.device for s in db.series()] == ["D2"]  # D1 had nothing left
        assert db.last_time("roof", "D1", past_only=True) is None
        assert db.prune(now + 9.5 * DAY) == 1  # D2's past sample; its live one stays
        assert db.last_time("roof", "D2", past_only=True) is None
        assert db.last_time("roof", "D2") == now
    finally:
        db.close()


async def test_the_store_takes_live_values_once_and_every_past_sample(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    hub = Hub()
    store = HistoryStore(HistoryConfig(path=tmp_path / "h.db"), clock)
    await store.start(hub)
    try:
        live = power(100.0)
        timed = Reading(m.PRODUCTION_POWER, 5.0, "S1", time=T0 - 60)
        compat = Reading(Metric("ap_power", "Compat.", scope=Scope.GLOBAL), 100.0)
        history = (power(21050.0, time=T0 - 3600), power(21050.0, time=T0 - 3300))
        hub.publish(Snapshot("roof", "test", T0, readings=(live, timed, compat), history=history))
        hub.publish(Snapshot("roof", "test", T0 + 60, readings=(live, timed, compat)))
        hub.publish(Snapshot("roof", "test", T0 + 330, readings=(power(100.0), timed)))
        await store.settled()
        device_series = await store.series("roof", m.DEVICE_POWER.name)
        assert await store.samples(device_series[0].id) == [
            (T0 - 3600, 21050.0),
            (T0 - 3300, 21050.0),
            (T0, 100.0),
            (T0 + 330, 100.0),
        ]
        assert await store.count("roof", metric=m.PRODUCTION_POWER.name) == 1
        assert await store.count() == 5
        assert await store.last_time("roof", "D1", past_only=True) == T0 - 3300
        assert store.status().written == 5
    finally:
        await store.close()


async def test_the_connection_lives_in_the_writer_thread_not_on_the_event_loop(
    tmp_path: Path,
) -> None:
    store = HistoryStore(HistoryConfig(path=tmp_path / "h.db"), ManualClock(T0))
    await store.start()
    try:
        await store.add([past(1.0, T0)])
        assert await store.count() == 1  # through the writer thread
        # SQLite refuses a connection used outside the thread that opened it.
        db = store._open()
        with pytest.raises(sqlite3.ProgrammingError, match="thread"):
            db.count()
    finally:
        await store.close()


async def test_data_survives_a_restart_and_backfill_adds_through_the_same_writer(
    tmp_path: Path,
) -> None:
    config = HistoryConfig(path=tmp_path / "h.db")
    store = HistoryStore(config, ManualClock(T0))
    await store.start()
    assert await store.add([past(1.0, T0), past(2.0, T0 + 300)]) == 2
    await store.close()
    again = HistoryStore(config, ManualClock(T0))
    await again.start()
    try:
        assert await again.count("roof") == 2
    finally:
        await again.close()


def test_a_database_of_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        HistoryDB(path)


# The writer: commits one batch, then is killed in the middle of the next one, with part of
# its rows already written inside the open transaction.
_WRITER = """
import sys, time
from pathlib import Path
from solar2prom.core import metrics as m
from solar2prom.core.model import Reading
from solar2prom.core.samples import Sample
from solar2prom.outputs.history import HistoryDB

db = HistoryDB(Path(sys.argv[1]))
T0 = float(sys.argv[2])
def batch(device, n):
    for i in range(n):
        t = T0 + 300 * i
        yield Sample("roof", Reading(m.DEVICE_POWER, float(i), "S1", device, time=t), t, True)
        if device == "D2" and i == n // 2:
            print("inside the second batch", flush=True)
            time.sleep(60)
db.write(batch("D1", 288), T0)
print("first batch committed", flush=True)
db.write(batch("D2", 288), T0)
"""


def test_a_writer_killed_mid_transaction_loses_nothing_committed_and_leaves_no_half_batch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(T0)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "first batch committed"
        assert writer.stdout.readline().strip() == "inside the second batch"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    db = HistoryDB(path)
    try:
        assert db.count("roof", device="D1") == 288
        assert db.count("roof", device="D2") == 0
        assert [s.device for s in db.series()] == ["D1"]
    finally:
        db.close()


def live_snapshot(at: float, devices: int = 400) -> Snapshot:
    readings = tuple(power(float(i), f"D{i}", time=at) for i in range(devices))
    return Snapshot("roof", "test", at, readings=readings)


async def disk_full(store: HistoryStore, full: bool = True) -> None:
    """SQLite's own "database or disk is full", as a full disk gives it: the file may not grow
    beyond its current size (full=False: room again)."""

    def apply() -> None:
        db = store._open()._db
        (pages,) = db.execute("PRAGMA page_count").fetchone() if full else (1 << 30,)
        db.execute(f"PRAGMA max_page_count = {pages}")

    await store._worker.run(apply)


@asynccontextmanager
async def store_on_a_full_disk(tmp_path: Path) -> AsyncIterator[tuple[Hub, HistoryStore]]:
    """A store fed by a hub, one snapshot written, then the disk full; closed at the end."""
    hub = Hub()
    store = HistoryStore(HistoryConfig(path=tmp_path / "h.db"), ManualClock(T0))
    await store.start(hub)
    try:
        hub.publish(live_snapshot(T0))
        await store.settled()
        await disk_full(store)
        yield hub, store
    finally:
        await store.close()


async def test_live_values_that_meet_a_full_disk_are_written_once_there_is_room(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with store_on_a_full_disk(tmp_path) as (hub, store):
        hub.publish(live_snapshot(T0 + 300))
        hub.publish(live_snapshot(T0 + 600))
        await store.settled()
        status = store.status()
        assert status.last_error == "OperationalError: database or disk is full"
        assert (status.unwritten, status.dropped) == (800, 0)
        assert await store.count() == 400
        assert "disk is full; 400 samples kept to write with the next batch" in caplog.text
        assert "disk is full; 800 samples kept to write with the next batch" in caplog.text

        await disk_full(store, full=False)
        hub.publish(live_snapshot(T0 + 900))
        await store.settled()
        status = store.status()
        assert (status.last_error, status.unwritten, status.dropped) == (None, 0, 0)
        assert await store.count() == 1600
        (series,) = [s for s in await store.series("roof") if s.device == "D7"]
        times = [t for t, _ in await store.samples(series.id)]
        assert times == [T0, T0 + 300, T0 + 600, T0 + 900]


async def test_what_a_full_disk_keeps_in_memory_is_bounded_oldest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "UNWRITTEN_LIMIT", 1000)
    async with store_on_a_full_disk(tmp_path) as (hub, store):
        for step in (1, 2, 3):
            hub.publish(live_snapshot(T0 + 300 * step))
        await store.settled()
        assert (store.status().unwritten, store.status().dropped) == (1000, 200)
        await disk_full(store, full=False)
        hub.publish(live_snapshot(T0 + 1200))
        await store.settled()
        (series,) = [s for s in await store.series("roof") if s.device == "D399"]
        # The first 200 samples of T0+300 went; its last 200 devices (D200..D399) stayed.
        assert [t for t, _ in await store.samples(series.id)] == [
            T0 + 300 * step for step in range(5)
        ]
        (first,) = [s for s in await store.series("roof") if s.device == "D0"]
        assert T0 + 300 not in [t for t, _ in await store.samples(first.id)]


async def test_unwritten_samples_at_shutdown_are_reported_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with store_on_a_full_disk(tmp_path) as (hub, store):
        hub.publish(live_snapshot(T0 + 300))
    assert "history: 400 samples could not be written before shutdown and are lost" in caplog.text
    assert store.status().dropped == 400


_SMALL_DISK = """
import asyncio, json, resource, sys
from pathlib import Path
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Reading, Snapshot
from solar2prom.outputs.history import HistoryStore
from solar2prom.outputs.history_config import HistoryConfig
from tests.conftest import ManualClock

path, T0 = Path(sys.argv[1]), float(sys.argv[2])

def snapshot(at, devices):
    readings = tuple(Reading(m.DEVICE_POWER, 1.0, "S1", f"D{i}", time=at) for i in range(devices))
    return Snapshot("roof", "test", at, readings=readings)

async def main():
    hub = Hub()
    store = HistoryStore(HistoryConfig(path=path), ManualClock(T0))
    await store.start(hub)
    hub.publish(snapshot(T0, 100))
    await store.settled()
    largest = max(p.stat().st_size for p in path.parent.iterdir())
    # No file may grow past its size now, as on a full disk (Python ignores SIGXFSZ).
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 4096, resource.RLIM_INFINITY))
    hub.publish(snapshot(T0 + 300, 20_000))
    await store.settled()
    full = store.status()
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    hub.publish(snapshot(T0 + 600, 100))
    await store.settled()
    after = store.status()
    print(json.dumps({"full": [full.last_error, full.unwritten],
                      "after": [after.last_error, after.unwritten, after.written],
                      "count": await store.count()}))
    await store.close()

asyncio.run(main())
"""


def test_a_real_file_size_limit_loses_no_live_sample(tmp_path: Path) -> None:
    """A child process whose files may not grow (RLIMIT_FSIZE): the write fails in the kernel
    as on a full disk, the batch waits, and goes in once the files may grow again."""
    result = subprocess.run(
        [sys.executable, "-c", _SMALL_DISK, str(tmp_path / "h.db"), str(T0)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    error, waiting = report["full"]
    assert error.startswith("OperationalError: "), error  # "disk I/O error" or "... is full"
    assert waiting == 20_000
    assert report["after"] == [None, 0, 20_200]
    assert report["count"] == 20_200
    assert "samples kept to write with the next batch" in result.stderr
