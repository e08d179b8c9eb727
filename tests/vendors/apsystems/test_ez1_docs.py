"""The metrics documentation lists every EZ1 metric exactly as the code declares it."""

from __future__ import annotations

from collections import Counter

from solar2prom.sources.apsystems.ez1 import catalog, parse
from solar2prom.sources.apsystems.ez1.readings import (
    alarm_readings,
    info_readings,
    output_readings,
    output_state_readings,
    power_limit_readings,
)
from tests.docs_tables import documented, section
from tests.vendors.apsystems.ez1_support import example

TITLE = "APsystems EZ1"


def test_the_metric_table_matches_the_catalog() -> None:
    expected = {
        m.name: (m.type.value, m.unit.value or "–", m.labels) for m in catalog.vendor_metrics()
    }
    assert documented(TITLE, "apsystems_ez1_") == expected


def test_every_metric_is_fed_and_the_core_ones_are_documented() -> None:
    rejected: Counter[str] = Counter()
    device = "E07000000001"
    output = parse.OutputData.from_api(example("getOutputData")["data"], rejected)
    info = parse.DeviceInfo.from_api(example("getDeviceInfo")["data"], rejected)
    readings = output_readings(device, output, 0.0, online=True) + info_readings(device, info)
    readings += power_limit_readings(device, 600.0) + output_state_readings(device, 0)
    readings += alarm_readings(device, parse.alarms(example("getAlarm")["data"], rejected))
    fed = {r.metric.name for r in readings}
    assert {name for name in fed if name.startswith("apsystems_")} == {
        m.name for m in catalog.vendor_metrics()
    }
    core = {name for name in fed if name.startswith("solar_")}
    assert len(core) == 6
    text = section(TITLE)
    assert [name for name in core if f"`{name}`" not in text] == []
