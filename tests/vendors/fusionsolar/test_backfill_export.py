"""`backfill` into the history store, interrupted and resumed, then `export --format csv`:
every 5-minute point once, none missing. The commands' own functions run against the
simulator with a shared manual clock, so the vendor's one-call-a-minute spacing costs no
real time."""

from __future__ import annotations

import asyncio
import csv
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from solar2prom.cli import backfill
from solar2prom.config import AppConfig, NightOff
from solar2prom.outputs.export import export_command
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.fusionsolar import FusionSolarConfig
from tests.conftest import ManualClock

METRIC = "solar_device_power_watts"


async def test_backfill_interrupted_then_resumed_exports_every_point_once(
    clock: ManualClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator = FusionSolarSimulator(FusionSolarSimConfig(plants=1, history_days=3), clock)
    url = await simulator.start()
    source = FusionSolarConfig(
        name="roof",
        type="fusionsolar",
        url=url,
        username="demo",
        system_code=SecretStr("demo-secret"),
        night=NightOff(mode="off"),
    )
    config = AppConfig(
        listen="127.0.0.1:0",
        state_dir=tmp_path / "state",
        history=HistoryConfig(path=tmp_path / "history.db"),
        sources=(source,),
    )
    until = datetime.fromtimestamp((clock.now() // 86400) * 86400, UTC)
    since = datetime.fromtimestamp(until.timestamp() - 2 * 86400, UTC)
    history_calls = simulator.stats.api("getDevHistoryKpi")

    async def cut_halfway() -> None:
        while history_calls.calls < 3:  # noqa: ASYNC110 - watching the simulator's counter
            await asyncio.sleep(0.001)
        simulator.faults.down = True

    try:
        watcher = asyncio.create_task(cut_halfway())
        assert await backfill(config, since, until, clock) == 1  # the vendor went away
        await watcher
        first_plan = capsys.readouterr().out
        made_before = history_calls.calls
        simulator.faults.down = False
        assert await backfill(config, since, until, clock) == 0
        second_plan = capsys.readouterr().out
        out = tmp_path / "export.csv"
        assert await export_command(config, since, until, "csv", out) == 0
    finally:
        await simulator.stop()

    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert list(rows[0]) == ["time", "source", "site", "device", "metric", "value"]
    keys = Counter((r["time"], r["source"], r["site"], r["device"], r["metric"]) for r in rows)
    assert max(keys.values()) == 1, "a row appears twice"
    power = [r for r in rows if r["metric"] == METRIC]
    devices = {r["device"] for r in power}
    assert devices
    expected = {
        datetime.fromtimestamp(t, UTC)
        for t in range(int(since.timestamp()), int(until.timestamp()), 300)
    }
    for device in devices:
        times = {datetime.fromisoformat(r["time"]) for r in power if r["device"] == device}
        assert times == expected, (device, len(expected - times), len(times - expected))
    # The resumed run asked only for what the first run had not finished.
    planned = re.search(r"(\d+) getDevHistoryKpi calls to make", first_plan)
    assert planned is not None, first_plan
    total = int(planned.group(1))
    left = re.search(r"(\d+) getDevHistoryKpi calls to make \((\d+) already done", second_plan)
    assert left is not None, second_plan
    assert int(left.group(2)) >= 2
    assert int(left.group(1)) == total - int(left.group(2))
    assert history_calls.calls - made_before == int(left.group(1))
    assert simulator.stats.violations == 0
