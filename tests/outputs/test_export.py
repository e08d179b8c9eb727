"""`export`: the history store as CSV and as OpenMetrics."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from solar2prom.core import metrics as m
from solar2prom.core.model import Metric, Reading
from solar2prom.core.samples import Sample
from solar2prom.outputs.export import export_command
from solar2prom.outputs.history import HistoryDB
from solar2prom.outputs.history_config import HistoryConfig

STRING_VOLTAGE = Metric("test_pv_voltage_volts", "String voltage.", labels=("string",))
T0 = 1_501_862_400.0  # 2017-08-04T16:00:00Z
SINCE = datetime(2017, 8, 4, tzinfo=UTC)


@dataclass(frozen=True)
class Config:
    """The part of the application config the export reads."""

    history: HistoryConfig | None


def fill(path: Path) -> list[Sample]:
    samples = [
        Sample("roof", Reading(m.DEVICE_POWER, 21050.0, "S1", "D1", time=t), t, past=True)
        for t in (T0, T0 + 300)
    ]
    samples += [
        Sample("roof", Reading(STRING_VOLTAGE, 612.5, "S1", "D1", ("3",)), T0 + 0.25),
        Sample("roof", Reading(STRING_VOLTAGE, 1.5, "S1", "D1", ('a"b\\',)), T0),
        Sample("roof", Reading(m.PRODUCTION_ENERGY_TOTAL, 3.6e9, "S1"), T0 + 60),
    ]
    db = HistoryDB(path)
    db.write(samples, T0)
    db.close()
    return samples


async def run_export(
    tmp_path: Path,
    fmt: str,
    since: datetime = SINCE,
    until: datetime | None = None,
) -> str:
    out = tmp_path / f"out.{fmt}"
    config = Config(HistoryConfig(path=tmp_path / "h.db"))
    assert await export_command(config, since, until, fmt, out) == 0
    return out.read_text(encoding="utf-8")


async def test_csv_has_one_row_per_sample_with_the_spec_columns(tmp_path: Path) -> None:
    samples = fill(tmp_path / "h.db")
    text = await run_export(tmp_path, "csv")
    assert text.splitlines()[0] == "time,source,site,device,metric,value"
    rows = {tuple(row) for row in csv.reader(io.StringIO(text))} - {
        ("time", "source", "site", "device", "metric", "value")
    }
    voltage = STRING_VOLTAGE.name
    varying = {
        ("2017-08-04T16:00:00Z", "D1", "solar_device_power_watts", "21050.0"),
        ("2017-08-04T16:05:00Z", "D1", "solar_device_power_watts", "21050.0"),
        ("2017-08-04T16:00:00.250Z", "D1", voltage + '{string="3"}', "612.5"),
        ("2017-08-04T16:00:00Z", "D1", voltage + '{string="a\\"b\\\\"}', "1.5"),
        ("2017-08-04T16:01:00Z", "", "solar_production_energy_joules_total", "3.6e+09"),
    }
    assert rows == {
        (time, "roof", "S1", dev, metric, value) for time, dev, metric, value in varying
    }
    assert len(text.splitlines()) == len(samples) + 1


async def test_csv_takes_since_inclusive_and_until_exclusive(tmp_path: Path) -> None:
    fill(tmp_path / "h.db")
    until = datetime(2017, 8, 4, 16, 5)  # no zone: UTC
    text = await run_export(tmp_path, "csv", datetime(2017, 8, 4, 16, 0, 1), until)
    times = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert times == ["2017-08-04T16:01:00Z"]


async def test_a_batch_written_again_after_an_interruption_leaves_no_duplicate(
    tmp_path: Path,
) -> None:
    def day(device: str) -> list[Sample]:
        return [
            Sample("roof", Reading(m.DEVICE_POWER, float(i), "S1", device), T0 + 300 * i, True)
            for i in range(288)
        ]

    db = HistoryDB(tmp_path / "h.db")
    db.write(day("D1") + day("D2")[:100], T0)  # interrupted
    db.write(day("D1") + day("D2"), T0)  # started again
    db.close()
    rows = list(csv.reader(io.StringIO(await run_export(tmp_path, "csv"))))[1:]
    keys = [(row[3], row[0]) for row in rows]
    assert len(keys) == len(set(keys)) == 2 * 288


async def test_openmetrics_has_typed_families_every_label_and_timestamps(tmp_path: Path) -> None:
    fill(tmp_path / "h.db")
    text = await run_export(tmp_path, "openmetrics")
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert list(families) == sorted(families)
    energy = families["solar_production_energy_joules"]
    assert energy.type == "counter"
    assert energy.documentation == m.PRODUCTION_ENERGY_TOTAL.help
    (total,) = energy.samples
    assert total.name == "solar_production_energy_joules_total"
    assert total.labels == {"source": "roof", "site": "S1"}  # no empty device label
    assert (float(total.timestamp), total.value) == (T0 + 60, 3.6e9)
    power = families["solar_device_power_watts"]
    assert power.type == "gauge"
    assert [(float(s.timestamp), s.value) for s in power.samples] == [
        (T0, 21050.0),
        (T0 + 300, 21050.0),
    ]
    assert power.samples[0].labels == {"source": "roof", "site": "S1", "device": "D1"}
    strings = {
        s.labels["string"]: float(s.timestamp) for s in families[STRING_VOLTAGE.name].samples
    }
    assert strings == {"3": T0 + 0.25, 'a"b\\': T0}


async def test_export_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(tmp_path / "h.db")
    config = Config(HistoryConfig(path=tmp_path / "h.db"))
    assert await export_command(config, SINCE, None, "csv", None) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("time,source,site,device,metric,value\n")
    assert "exported 5 samples of 4 series" in captured.err


@pytest.mark.parametrize(
    ("history", "fmt", "message"),
    [
        (None, "csv", "no history store"),
        (HistoryConfig(path=Path("missing.db")), "csv", "no history store at"),
        (HistoryConfig(path=Path("h.db")), "xml", "unknown format 'xml'"),
    ],
)
async def test_export_explains_what_is_missing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    history: HistoryConfig | None,
    fmt: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    fill(tmp_path / "h.db")
    out = tmp_path / "out"
    assert await export_command(Config(history), SINCE, None, fmt, out) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
