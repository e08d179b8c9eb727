"""Answers of a shape or size nobody documented, found by the fuzz tests (tests/fuzz): each is
dropped and counted, or holds nothing, instead of stopping the feed with an internal error."""

from __future__ import annotations

import sys

import pytest

from solar2prom.sources.fusionsolar import kpi
from solar2prom.sources.fusionsolar.aggregate import site_readings
from solar2prom.sources.fusionsolar.alarms import parse_alarms
from solar2prom.sources.fusionsolar.history import history_readings
from solar2prom.sources.fusionsolar.inventory import Inventory
from solar2prom.sources.fusionsolar.parse import (
    IMPLAUSIBLE,
    DeviceInfo,
    Plant,
    device_readings,
    station_readings,
)

LARGEST = sys.float_info.max
INVERTER = DeviceInfo("123456", 38, "NE=1")


@pytest.mark.parametrize("data", [True, 5, "busy", {"list": []}])
def test_data_that_is_no_list_holds_no_rows(data: object) -> None:
    rows = kpi.plant_kpis("day", data, "EUR")
    assert rows.history == rows.latest == ()
    assert kpi.device_kpis("day", 38, data, {"123456": "NE=1"}).history == ()
    assert parse_alarms(data) == []
    assert history_readings(data, {"123456": INVERTER}, {}) == ((), {}, {})


@pytest.mark.parametrize("dev_id", [None, "abc", 1.5, True])
def test_history_rows_without_a_usable_device_id_are_skipped(dev_id: object) -> None:
    rows = [
        {"devId": dev_id, "collectTime": 1_750_000_000_000, "dataItemMap": {"active_power": 1}},
        {"devId": 123456, "collectTime": 1_750_000_300_000, "dataItemMap": {"active_power": 2}},
    ]
    samples, newest, _ = history_readings(rows, {"123456": INVERTER}, {})
    assert newest == {"123456": 1_750_000_300.0}
    assert {r.time for r in samples} == {1_750_000_300.0}


def test_values_too_large_for_si_units_are_implausible() -> None:
    # 1e306 kW is no number of watts; the largest float does not survive rounding.
    parsed = device_readings(INVERTER, {"active_power": 1e306, "temperature": LARGEST})
    assert parsed.readings == ()
    assert parsed.rejected == {IMPLAUSIBLE: 4}  # each feeds a detail and a core series
    station = station_readings(Plant("NE=1"), {"day_power": 1e305}, currency="")
    assert station.readings == ()
    assert station.rejected == {IMPLAUSIBLE: 1}
    rows = kpi.plant_kpis(
        "day",
        [{"stationCode": "NE=1", "collectTime": 0, "dataItemMap": {"inverter_power": 1e305}}],
        "",
    )
    assert rows.history == ()
    assert rows.rejected == {IMPLAUSIBLE: 1}


def test_alarm_times_too_large_for_a_date_are_unknown() -> None:
    (alarm,) = parse_alarms([{"stationCode": "NE=1", "status": 1, "raiseTime": LARGEST}])
    assert alarm.raised is None
    assert alarm.active


def test_site_sums_that_overflow_give_no_series() -> None:
    inverters = [DeviceInfo(str(i), 38, "NE=1") for i in (1, 2)]
    parsed = [(d, device_readings(d, {"active_power": 1e305})) for d in inverters]  # 1e308 W
    assert all(p.readings for _, p in parsed)
    assert site_readings(Plant("NE=1"), parsed) == ()


def test_collect_times_beyond_any_date_drop_their_row() -> None:
    row = {"stationCode": "NE=1", "collectTime": LARGEST, "dataItemMap": {"use_power": 1}}
    assert kpi.plant_kpis("day", [row], "").history == ()
    history = [{**row, "devId": 123456, "dataItemMap": {"active_power": 1}}]
    assert history_readings(history, {"123456": INVERTER}, {}) == ((), {}, {})


def test_device_list_items_without_a_usable_id_are_left_out() -> None:
    plants = [{"plantCode": "NE=1", "plantName": "Roof"}]
    items = [
        {"id": None, "devTypeId": 38, "stationCode": "NE=1"},
        {"id": 123456, "devTypeId": "inverter", "stationCode": "NE=1"},
        {"id": 123457, "devTypeId": 38, "stationCode": "NE=1"},
    ]
    inventory = Inventory.from_raw(1.75e9, plants, items)
    assert [d.id for d in inventory.devices] == ["123457"]
