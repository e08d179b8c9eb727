"""The remote write sink against a receiver on loopback: wire format, retries, refusals, queue."""

from __future__ import annotations

import asyncio
import base64
import math
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Metric, Reading, Snapshot
from solar2prom.core.samples import Sample
from solar2prom.outputs.history_config import RemoteWriteConfig
from solar2prom.outputs.remote_write import RemoteWriteSink, encode_write_request
from tests.conftest import ManualClock
from tests.integration.helpers import free_port
from tests.outputs.receiver import Labels, Receiver, Series

STRING_VOLTAGE = Metric("test_pv_voltage_volts", "String voltage.", labels=("string",))
T0 = 1_750_000_000.0
POWER_LABELS: Labels = (
    ("__name__", "solar_device_power_watts"),
    ("device", "D1"),
    ("site", "S1"),
    ("source", "roof"),
)


def test_the_encoding_is_the_protobuf_wire_format() -> None:
    # WriteRequest{timeseries: [{labels: [{__name__: a}], samples: [{value: 1.0, ts: 1000}]}]},
    # worked out by hand from the protobuf encoding rules.
    expected = bytes.fromhex(
        "0a1d"  # field 1 (timeseries), 29 bytes
        "0a0d"  # field 1 (label), 13 bytes
        "0a08" + b"__name__".hex() + "1201" + b"a".hex() + "120c"  # field 2 (sample), 12 bytes
        "09000000000000f03f"  # field 1, 64-bit: 1.0
        "10e807"  # field 2, varint: 1000
    )
    assert encode_write_request([((("__name__", "a"),), [(1000, 1.0)])]) == expected


def test_a_negative_timestamp_is_a_ten_byte_varint() -> None:
    encoded = encode_write_request([((("__name__", "a"),), [(-1, 0.0)])])
    assert encoded.endswith(bytes.fromhex("10ffffffffffffffffff01"))


def power(value: float, time: float | None = None, device: str = "D1") -> Reading:
    return Reading(m.DEVICE_POWER, value, "S1", device, time=time)


def history(
    count: int, start: float = T0 - 86400, value: Callable[[int], float] = float
) -> list[Sample]:
    return [
        Sample("roof", power(value(i), start + 300 * i), start + 300 * i, past=True)
        for i in range(count)
    ]  # fmt: skip


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver()
    yield server
    await server.stop()


class Sinks:
    """Sinks with fast back-off, closed at the end of the test."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.open: list[RemoteWriteSink] = []

    async def start(self, url: str, hub: Hub | None = None, **config: Any) -> RemoteWriteSink:
        settings = RemoteWriteConfig(url=url, **config)
        sink = RemoteWriteSink(settings, ManualClock(T0), self.state_dir, min_backoff=0.01)
        await sink.start(hub)
        self.open.append(sink)
        return sink


@pytest.fixture
async def sinks(tmp_path: Path) -> AsyncIterator[Sinks]:
    made = Sinks(tmp_path / "state")
    yield made
    for sink in made.open:
        await sink.close()


def drained(sink: RemoteWriteSink, sent: int) -> Callable[[], bool]:
    return lambda: (
        sink.status().queued == 0
        and sink.status().sent + sum(sink.status().dropped.values()) >= sent
    )


async def test_live_values_and_history_arrive_labelled_with_the_protocol_headers(
    tmp_path: Path, receiver: Receiver, sinks: Sinks
) -> None:
    url = await receiver.start()
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    hub = Hub()
    sink = await sinks.start(
        url,
        hub,
        bearer_token_file=token,
        headers={"X-Scope-OrgID": "solar"},
        external_labels={"job": "history", "source": "never-overrides"},
    )
    live = (
        power(1500.0),
        Reading(STRING_VOLTAGE, 612.5, "S1", "D1", ("3",)),
        Reading(m.PRODUCTION_POWER, 1500.0, "S1", time=T0 - 30),
    )
    past = tuple(power(100.0 + i, T0 - 3600 + 300 * i) for i in range(6))
    hub.publish(Snapshot("roof", "test", T0, readings=live, history=past[::-1]))
    await until(drained(sink, 9))
    request = receiver.requests[0]
    assert request.headers["Content-Encoding"] == "snappy"
    assert request.headers["Content-Type"] == "application/x-protobuf"
    assert request.headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
    assert request.headers["User-Agent"].startswith("solar2prom/")
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["X-Scope-OrgID"] == "solar"
    for labels, samples in request.series:
        assert list(labels) == sorted(labels)
        assert all(value for _, value in labels)
        assert [t for t, _ in samples] == sorted(t for t, _ in samples)
    job = (("job", "history"),)
    device_power = tuple(sorted(POWER_LABELS + job))
    assert receiver.stored[device_power] == {
        **{round(r.time * 1000): r.value for r in past if r.time is not None},
        round(T0 * 1000): 1500.0,
    }
    site_power = (
        ("__name__", "solar_production_power_watts"),
        ("job", "history"),
        ("site", "S1"),
        ("source", "roof"),
    )
    assert receiver.stored[site_power] == {round((T0 - 30) * 1000): 1500.0}
    string = tuple(sorted(POWER_LABELS[1:] + job + (("__name__", STRING_VOLTAGE.name),)))
    assert receiver.stored[tuple(sorted((*string, ("string", "3"))))] == {round(T0 * 1000): 612.5}
    # The same reading objects in the next snapshot are not new samples.
    hub.publish(Snapshot("roof", "test", T0 + 60, readings=live))
    await asyncio.sleep(0.1)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({"bearer_token": "t0ken"}, "Bearer t0ken"),
        (
            {"basic_auth": {"username": "solar", "password": "pa55"}},
            "Basic " + base64.b64encode(b"solar:pa55").decode(),
        ),
        (
            {"basic_auth": {"username": "solar", "password_file": "password"}},
            "Basic " + base64.b64encode(b"solar:from-file").decode(),
        ),
    ],
)
async def test_credentials_go_in_the_authorization_header(
    tmp_path: Path,
    receiver: Receiver,
    sinks: Sinks,
    credentials: dict[str, Any],
    expected: str,
) -> None:
    (tmp_path / "password").write_text("from-file\n")
    url = await receiver.start()
    settings = RemoteWriteConfig.model_validate({"url": url, **credentials})
    sink = await sinks.start(url, **settings.relative_to(tmp_path).model_dump(exclude={"url"}))
    await sink.add(history(3))
    await until(drained(sink, 3))
    assert receiver.requests[0].headers["Authorization"] == expected


async def test_server_errors_are_retried_until_the_receiver_takes_the_batch(
    receiver: Receiver, sinks: Sinks
) -> None:
    def flaky(_: list[Series]) -> tuple[int, str] | None:
        return (503, "starting up") if len(receiver.requests) < 3 else None

    receiver.judge = flaky
    sink = await sinks.start(await receiver.start())
    await sink.add(history(20))
    await until(drained(sink, 20))
    assert [r.status for r in receiver.requests] == [503, 503, 503, 204]
    assert receiver.sample_count == 20
    status = sink.status()
    assert (status.retries, status.dropped, status.last_error) == (3, {}, None)


async def test_a_timeout_is_retried(receiver: Receiver, sinks: Sinks) -> None:
    receiver.delay, receiver.delayed = 0.5, 1
    sink = await sinks.start(await receiver.start(), timeout="0.2s")
    await sink.add(history(5))
    await until(drained(sink, 5))
    assert sink.status().retries >= 1
    assert receiver.sample_count == 5


async def test_samples_wait_on_disk_through_an_outage_and_a_restart(
    receiver: Receiver, sinks: Sinks
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/write"  # nothing listens yet
    first = await sinks.start(url)
    await first.add(history(50))
    await until(lambda: first.status().retries >= 2)
    assert first.status().queued == 50
    await first.close()
    sinks.open.remove(first)
    await receiver.start(port)
    second = await sinks.start(url)
    await until(drained(second, 50))
    assert receiver.sample_count == 50


async def test_a_full_queue_drops_the_oldest_samples(receiver: Receiver, sinks: Sinks) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/write"
    sink = await sinks.start(url, max_queue_samples=5)
    await sink.add(history(8))
    assert (sink.status().queued, sink.status().dropped) == (5, {"queue_full": 3})
    await receiver.start(port)
    await until(drained(sink, 5))
    (points,) = receiver.stored.values()
    assert sorted(points) == [round((T0 - 86400 + 300 * i) * 1000) for i in range(3, 8)]


async def test_one_refused_sample_costs_only_itself(receiver: Receiver, sinks: Sinks) -> None:
    def no_666(series: list[Series]) -> tuple[int, str] | None:
        if any(value == 666 for _, samples in series for _, value in samples):
            return 400, "duplicate sample for timestamp"
        return None

    receiver.judge = no_666
    sink = await sinks.start(await receiver.start())
    await sink.add(history(100, value=lambda i: 666.0 if i == 37 else float(i)))
    await until(drained(sink, 100))
    assert receiver.sample_count == 99
    assert sink.status().dropped == {"rejected": 1}
    assert sink.status().sent == 99


async def test_samples_older_than_the_receiver_takes_cost_a_few_requests(
    receiver: Receiver, sinks: Sinks
) -> None:
    threshold = round((T0 - 86400 + 300 * 700) * 1000)

    def window(series: list[Series]) -> tuple[int, str] | None:
        if any(t < threshold for _, samples in series for t, _ in samples):
            return 500, "too old sample"
        return None

    receiver.judge = window
    sink = await sinks.start(await receiver.start())
    await sink.add(history(1000))
    await until(drained(sink, 1000))
    assert receiver.sample_count == 300
    assert sink.status().dropped == {"too_old": 700}
    assert len(receiver.requests) <= 2 * math.ceil(math.log2(1000)) + 1


async def test_a_refused_request_drops_its_batch_once(receiver: Receiver, sinks: Sinks) -> None:
    receiver.judge = lambda _: (401, "unauthorized")
    sink = await sinks.start(await receiver.start())
    await sink.add(history(10))
    await until(drained(sink, 10))
    assert len(receiver.requests) == 1
    assert sink.status().dropped == {"refused": 10}
    assert "401" in (sink.status().last_error or "")


async def test_batches_hold_at_most_batch_size_samples(receiver: Receiver, sinks: Sinks) -> None:
    sink = await sinks.start(await receiver.start(), batch_size=7)
    await sink.add(history(20))
    await until(drained(sink, 20))
    sizes = [sum(len(s) for _, s in r.series) for r in receiver.requests]
    assert sizes == [7, 7, 6]


async def test_samples_the_queue_file_cannot_take_go_in_with_the_next_ones(
    receiver: Receiver, sinks: Sinks
) -> None:
    """A full disk under the state folder: the queue's SQLite answers "database or disk is
    full" (here by a page limit on its connection); the samples wait in memory meanwhile."""
    port = free_port()
    hub = Hub()
    sink = await sinks.start(f"http://127.0.0.1:{port}/api/v1/write", hub)

    async def queue_file_may_grow(pages: int | None) -> None:
        def apply() -> None:
            db = sink._open()._db
            (now,) = db.execute("PRAGMA page_count").fetchone()
            db.execute(f"PRAGMA max_page_count = {now if pages is None else pages}")

        await sink._worker.run(apply)

    def snapshot(at: float) -> Snapshot:
        readings = tuple(power(float(i), at, f"D{i}") for i in range(300))
        return Snapshot("roof", "test", at, readings=readings)

    hub.publish(snapshot(T0))
    await sink.settled()
    await queue_file_may_grow(None)
    hub.publish(snapshot(T0 + 300))
    await sink.settled()
    status = sink.status()
    assert status.last_error == "queueing failed: OperationalError: database or disk is full"
    assert (status.queued, status.unqueued) == (300, 300)
    await queue_file_may_grow(1 << 30)
    hub.publish(snapshot(T0 + 600))
    await sink.settled()
    assert (sink.status().queued, sink.status().unqueued) == (900, 0)
    await receiver.start(port)
    await until(drained(sink, 900))
    assert receiver.sample_count == 900
    assert sink.status().dropped == {}


async def test_a_backfill_faster_than_the_receiver_waits_for_room_and_loses_nothing(
    receiver: Receiver, sinks: Sinks
) -> None:
    receiver.delay, receiver.delayed = 0.02, 10**6  # every request a little slow
    sink = await sinks.start(await receiver.start(), max_queue_samples=100, batch_size=25)
    await sink.add(history(20))
    await until(drained(sink, 20))  # the receiver has taken a batch: it is taking samples
    for part in range(6):
        await sink.add(history(80, start=T0 + 86400 * part))
        assert sink.status().queued <= 100
    await until(drained(sink, 500))
    assert sink.status().dropped == {}
    assert receiver.sample_count == 500


async def test_a_backfill_does_not_wait_for_a_receiver_that_takes_nothing(sinks: Sinks) -> None:
    sink = await sinks.start(f"http://127.0.0.1:{free_port()}/api/v1/write", max_queue_samples=100)
    for part in range(3):
        await asyncio.wait_for(sink.add(history(80, start=T0 + 86400 * part)), 5)
    assert (sink.status().queued, sink.status().dropped) == (100, {"queue_full": 140})
