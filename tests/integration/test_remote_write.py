"""Remote write into a real Prometheus and a real VictoriaMetrics: backdated samples arrive.

Prometheus (2.42 in Debian) takes remote write with `--web.enable-remote-write-receiver`, and
samples older than the newest of their series only inside `out_of_order_time_window`; older
ones it refuses as "too old sample" (HTTP 500), which the sink must drop, not retry forever.
VictoriaMetrics takes samples days old without any setting.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from solar2prom.core import metrics as m
from solar2prom.core.clock import SystemClock
from solar2prom.core.hub import Hub
from solar2prom.core.model import Reading, Snapshot
from solar2prom.outputs.history_config import RemoteWriteConfig
from solar2prom.outputs.remote_write import RemoteWriteSink
from tests.conftest import require_program
from tests.integration.helpers import free_port, process, wait_http

SELECTOR = 'solar_device_power_watts{source="roof",site="S1",device="D1"}'
STEP = 300.0


def power(value: float, at: float | None = None) -> Reading:
    return Reading(m.DEVICE_POWER, value, "S1", "D1", time=at)


async def query(base: str, promql: str, at: float) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}/api/v1/query", params={"query": promql, "time": str(at)}) as response,
    ):
        body = await response.json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


async def raw_samples(base: str, selector: str, window: str, at: float) -> dict[float, float]:
    """The stored samples of one series, from a range-vector selector."""
    result = await query(base, f"{selector}[{window}]", at)
    return {float(t): float(v) for series in result for t, v in series["values"]}


async def until(check: Callable[[], Any], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.2)


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[Callable[[str], Any]]:
    made: list[RemoteWriteSink] = []

    async def start(url: str) -> RemoteWriteSink:
        config = RemoteWriteConfig(url=url)
        started = RemoteWriteSink(config, SystemClock(), tmp_path / "state", min_backoff=0.1)
        await started.start()
        made.append(started)
        return started

    yield start
    for started in made:
        await started.close()


def drained(target: RemoteWriteSink, count: int) -> Callable[[], Any]:
    async def check() -> bool:
        status = target.status()
        return status.queued == 0 and status.sent + sum(status.dropped.values()) >= count

    return check


async def test_prometheus_takes_backdated_samples_inside_its_out_of_order_window(
    tmp_path: Path, sink: Callable[[str], Any]
) -> None:
    prometheus = require_program("prometheus")
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        "storage:\n  tsdb:\n    out_of_order_time_window: 2h\nscrape_configs: []\n"
    )
    command = [
        prometheus,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-remote-write-receiver",
    ]
    base = f"http://127.0.0.1:{port}"
    with process(command, tmp_path / "prometheus.log"):
        await wait_http(f"{base}/-/ready")
        hub = Hub()
        writer: RemoteWriteSink = await sink(f"{base}/api/v1/write")
        hub.subscribe(writer.on_snapshot)
        now = time.time()
        hub.publish(Snapshot("roof", "test", now, readings=(power(1500.0),)))
        await until(drained(writer, 1))
        # 17 five-minute samples 90 to 10 minutes old, and one 3 hours old (outside the window).
        grid = now // STEP * STEP
        late = {grid - STEP * k: 1000.0 + k for k in range(2, 19)}
        history = (*(power(v, t) for t, v in late.items()), power(1.0, now - 3 * 3600))
        hub.publish(Snapshot("roof", "test", now + 1, readings=(), history=history))
        await until(drained(writer, 19))
        stored = await raw_samples(base, SELECTOR, "4h", now + 2)
        assert stored == {**late, round(now * 1000) / 1000: 1500.0}, (
            tmp_path / "prometheus.log"
        ).read_text()
        counted = await query(base, f"count_over_time({SELECTOR}[2h])", now + 2)
        assert float(counted[0]["value"][1]) == len(late) + 1
        assert writer.status().dropped == {"too_old": 1}


def victoria_metrics() -> str:
    for name in ("victoria-metrics", "victoria-metrics-prod"):
        found = shutil.which(name)
        if found:
            return found
    return require_program("victoria-metrics")


async def test_victoria_metrics_takes_history_days_old(
    tmp_path: Path, sink: Callable[[str], Any]
) -> None:
    binary = victoria_metrics()
    port = free_port()
    command = [
        binary,
        f"-httpListenAddr=127.0.0.1:{port}",
        f"-storageDataPath={tmp_path / 'vm'}",
        "-search.latencyOffset=0s",
        "-search.disableCache",
    ]
    base = f"http://127.0.0.1:{port}"
    with process(command, tmp_path / "victoria-metrics.log"):
        await wait_http(f"{base}/health")
        writer: RemoteWriteSink = await sink(f"{base}/api/v1/write")
        day_start = (time.time() - 3 * 86400) // 86400 * 86400
        late = {day_start + STEP * k: 500.0 + k for k in range(288)}
        hub = Hub()
        hub.subscribe(writer.on_snapshot)
        history = tuple(power(v, t) for t, v in late.items())
        hub.publish(Snapshot("roof", "test", time.time(), readings=(), history=history))
        await until(drained(writer, len(late)))
        end = day_start + 86400 - 1

        async def all_there() -> bool:
            # Samples become searchable within seconds; this makes it now.
            await wait_http(f"{base}/internal/force_flush")
            return await raw_samples(base, SELECTOR, "1d", end) == late

        await until(all_there, within=30)
        noon = await query(base, SELECTOR, day_start + 43200)
        assert float(noon[0]["value"][1]) == late[day_start + 43200]
        assert writer.status().dropped == {}
