"""The metrics documentation lists every ECU metric exactly as the code declares it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

from solar2prom.sources.apsystems.ecu import catalog
from solar2prom.sources.apsystems.ecu.decode import RealtimeData, SignalLevels, SystemInfo
from solar2prom.sources.apsystems.ecu.frames import Command, Frame
from solar2prom.sources.apsystems.ecu.readings import (
    realtime_readings,
    signal_readings,
    system_readings,
)
from tests.docs_tables import documented, section
from tests.vendors.apsystems.ecu_support import frame_bytes

TITLE = "APsystems ECU"


def test_the_metric_table_matches_the_catalog() -> None:
    expected = {
        m.name: (m.type.value, m.unit.value or "–", m.labels) for m in catalog.vendor_metrics()
    }
    assert documented(TITLE, "apsystems_ecu_") == expected


def test_the_core_metrics_fed_are_documented() -> None:
    info = SystemInfo.from_frame(
        Frame.parse(frame_bytes("info_ecu_r_pro_aps12.hex"), Command.SYSTEM_INFO)
    )
    day = RealtimeData.from_frame(
        Frame.parse(frame_bytes("realtime_ds3_day.hex"), Command.REALTIME)
    )
    three_phase = RealtimeData.from_frame(
        Frame.parse(frame_bytes("realtime_qt2_x6_20231120.hex"), Command.REALTIME)
    )
    signals = SignalLevels.from_frame(Frame.parse(frame_bytes("signal_ds3_x8.hex"), Command.SIGNAL))
    readings = system_readings(info, UTC, Counter())
    readings += realtime_readings(info.ecu_id, day, UTC) + signal_readings(info.ecu_id, signals)
    readings += realtime_readings(info.ecu_id, three_phase, UTC)
    fed = {r.metric.name for r in readings}
    assert {name for name in fed if name.startswith("apsystems_")} == {
        m.name for m in catalog.vendor_metrics()
    }
    core = {name for name in fed if name.startswith("solar_")}
    assert len(core) == 7
    text = section(TITLE)
    assert [name for name in core if f"`{name}`" not in text] == []
