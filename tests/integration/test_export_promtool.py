"""The OpenMetrics export is what the real `promtool tsdb create-blocks-from openmetrics` takes."""

from __future__ import annotations

import asyncio
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from solar2prom.core import metrics as m
from solar2prom.core.model import Metric, Reading
from solar2prom.core.samples import Sample
from solar2prom.outputs.export import export_command
from solar2prom.outputs.history import HistoryDB
from solar2prom.outputs.history_config import HistoryConfig
from tests.conftest import require_program

STRING_VOLTAGE = Metric("test_pv_voltage_volts", "String voltage.", labels=("string",))
DAY_START = datetime(2017, 8, 4, tzinfo=UTC).timestamp()
_DUMP_LINE = re.compile(r"^\{(.*)\} (\S+) (-?\d+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Config:
    history: HistoryConfig | None


def day_of_samples() -> list[Sample]:
    samples: list[Sample] = []
    for k in range(288):
        t = DAY_START + 300 * k
        for device in ("D1", "D2"):
            samples.append(Sample("roof", Reading(m.DEVICE_POWER, 100.0 + k, "S1", device), t))
            voltage = Reading(STRING_VOLTAGE, 600.0 + k / 8, "S1", device, ("1",))
            samples.append(Sample("roof", voltage, t))
        energy = Reading(m.PRODUCTION_ENERGY_TOTAL, 3.6e9 + 3.6e6 * k, "S1")
        samples.append(Sample("roof", energy, t, past=True))
    return samples


def expected(samples: list[Sample]) -> set[tuple[frozenset[tuple[str, str]], float, int]]:
    out = set()
    for s in samples:
        r = s.reading
        labels = {"__name__": r.metric.name, "source": s.source, "site": r.site}
        if r.device:
            labels["device"] = r.device
        labels.update(zip(r.metric.labels, r.labels, strict=True))
        out.add((frozenset(labels.items()), r.value, round(s.time * 1000)))
    return out


def test_promtool_builds_blocks_from_the_export_with_every_sample(tmp_path: Path) -> None:
    promtool = require_program("promtool")
    samples = day_of_samples()
    db = HistoryDB(tmp_path / "h.db")
    db.write(samples, DAY_START)
    db.close()
    export = tmp_path / "history.om"
    config = Config(HistoryConfig(path=tmp_path / "h.db"))
    since = datetime(2017, 8, 1, tzinfo=UTC)
    assert asyncio.run(export_command(config, since, None, "openmetrics", export)) == 0
    blocks = tmp_path / "blocks"
    created = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(export), str(blocks)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    # promtool reads a block directory as a database, which it expects to have a WAL folder.
    (blocks / "wal").mkdir()
    dump = subprocess.run(
        [promtool, "tsdb", "dump", str(blocks)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = set()
    for line in dump.stdout.splitlines():
        match = _DUMP_LINE.match(line)
        assert match, line
        labels = frozenset(_LABEL.findall(match.group(1)))
        found.add((labels, float(match.group(2)), int(match.group(3))))
    assert found == expected(samples)
