"""FusionSolar: every parser of Northbound `data`, fed random JSON and mutated real captures.

Contract: the models' `from_api` raise nothing but the `ValueError` they document for an item
without a usable device id or type; the reading functions raise nothing at all, and what they
return are finite SI values. A value the vendor sends as null or "N/A" is the same as a value
it does not send.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from solar2prom.sources.fusionsolar import kpi
from solar2prom.sources.fusionsolar.aggregate import site_readings
from solar2prom.sources.fusionsolar.alarms import alarm_readings, parse_alarms
from solar2prom.sources.fusionsolar.catalog import DEVICE_TYPES, PLANT_ITEMS
from solar2prom.sources.fusionsolar.history import history_readings
from solar2prom.sources.fusionsolar.inventory import Inventory
from solar2prom.sources.fusionsolar.parse import (
    DeviceInfo,
    DeviceKpi,
    ParsedReadings,
    ParseOptions,
    Plant,
    device_readings,
    station_readings,
)
from tests.conftest import DATA
from tests.fuzz.support import (
    bounded,
    check_entities,
    check_readings,
    json_values,
    mutated,
    present,
    vendor_values,
)

CAPTURES = DATA / "fusionsolar"


def _data(name: str) -> Any:
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))["data"]


PLANTS = [
    *_data("stations__one_plant_fields_blanked_upstream")["list"],
    *_data("getStationList__one_plant_redacted_upstream"),
]
DEVICES = _data("getDevList__dongle_inverter_battery_meter")
REAL_KPIS = {
    type_id: _data(name)
    for type_id, name in (
        (1, "getDevRealKpi__type1_string_inverter_close_time_na"),
        (38, "getDevRealKpi__type38_residential_inverter"),
        (39, "getDevRealKpi__type39_residential_battery"),
        (47, "getDevRealKpi__type47_power_sensor_na_and_nulls"),
        (62, "getDevRealKpi__type62_dongle_empty_data_item_map"),
    )
}
STATION_KPIS = _data("getStationRealKpi__one_plant_numeric_values")
DEVICE_KPI_DAY = _data("getDevKpiDay__type38_residential_inverter")
# getDevHistoryKpi rows: the real-time rows of each capture at a 5-minute bucket.
HISTORY = [
    {**row, "collectTime": 1_750_000_000_000 + 300_000 * i}
    for i, row in enumerate(row for rows in REAL_KPIS.values() for row in rows)
]
# The shape of getKpiStationDay rows (reference §6.4), with the keys the catalog knows.
PLANT_KPIS = [
    {
        "stationCode": "NE=35436844",
        "collectTime": 1_750_000_000_000 + i * 86_400_000,
        "dataItemMap": dict.fromkeys(kpi.PLANT_ITEMS, 10.0 + i),
    }
    for i in range(2)
]
# The shape of getAlarmList rows (reference §6.9); no capture of it was published.
ALARMS = [
    {
        "stationCode": "NE=1",
        "stationName": "Plant",
        "devName": "Inverter-1",
        "esnCode": "HV0000000002",
        "devTypeId": 1,
        "alarmId": 2064,
        "causeId": 1,
        "alarmName": "Grid Overvoltage",
        "alarmType": 2,
        "lev": 2,
        "status": 1,
        "raiseTime": 1_750_000_000_000,
    }
]

TYPE_IDS = sorted({*DEVICE_TYPES, 9999})
ITEM_KEYS = sorted({key for t in DEVICE_TYPES.values() for key in t.items})
options = st.builds(
    ParseOptions,
    meter_power_unit=st.sampled_from(("auto", "W", "kW")),
    plant_capacity_kw=st.none() | st.floats(allow_nan=False),
)


def item_maps(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    """dataItemMaps: the given keys (and others) with whatever a vendor may send."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), vendor_values, max_size=25)


def _keys(type_id: int) -> list[str]:
    known = DEVICE_TYPES.get(type_id)
    return sorted(known.items) if known else ITEM_KEYS


# A device of each type with a dataItemMap of mostly its own keys, so that the rules that need
# several of them together (a meter's W or kW from its U·I) come into play.
devices_with_items = st.sampled_from(TYPE_IDS).flatmap(
    lambda type_id: st.tuples(
        st.builds(
            DeviceInfo,
            id=st.sampled_from(("1000000035436846", "123456", "-1")),
            type_id=st.just(type_id),
            station_code=st.just("NE=1"),
        ),
        item_maps(_keys(type_id)),
    )
)


def _same(a: ParsedReadings, b: ParsedReadings) -> bool:
    readings = sorted(map(repr, a.readings)) == sorted(map(repr, b.readings))
    return readings and +a.rejected == +b.rejected


@given(st.sampled_from(PLANTS).flatmap(mutated) | st.dictionaries(st.text(), json_values))
def test_plants(raw: Any) -> None:
    if isinstance(raw, dict):
        plant = bounded(Plant.from_api, raw)
        site = plant.to_site()
        check_entities([site])
        assert plant.utc_offset is None or len(plant.utc_offset) == 6
        assert site.latitude is None or -90 <= site.latitude <= 90


@given(st.sampled_from(DEVICES).flatmap(mutated) | st.dictionaries(st.text(), json_values))
def test_device_list_items(raw: Any) -> None:
    if not isinstance(raw, dict):
        return
    try:
        device = bounded(DeviceInfo.from_api, raw)
    except ValueError:
        return  # documented: an item without a usable id or type
    assert device.to_device().id.lstrip("-").isdigit()
    check_entities([device.to_device()])


@given(mutated(PLANTS), mutated(DEVICES, max_changes=6))
def test_inventory(raw_plants: Any, raw_devices: Any) -> None:
    # The source keeps the object items of the list answers.
    plants, items = (
        [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        for raw in (raw_plants, raw_devices)
    )
    inventory = bounded(Inventory.from_raw, 1.75e9, plants, items)
    check_entities([p.to_site() for p in inventory.plants])
    check_entities([d.to_device() for d in inventory.devices])
    assert {d.station_code for d in inventory.devices} <= {p.code for p in inventory.plants}


@given(devices_with_items, options)
def test_device_readings(case: tuple[DeviceInfo, dict[str, object]], opts: ParseOptions) -> None:
    device, item_map = case
    parsed = bounded(device_readings, device, item_map, options=opts, time=1.75e9)
    check_readings(parsed.readings)
    without_missing = device_readings(device, present(item_map), options=opts, time=1.75e9)
    assert _same(parsed, without_missing), "a null or N/A value changed the readings"


@given(
    st.sampled_from(sorted(REAL_KPIS)).flatmap(
        lambda t: st.tuples(st.just(t), mutated(REAL_KPIS[t]))
    ),
    options,
)
def test_real_time_captures_mutated(case: tuple[int, Any], opts: ParseOptions) -> None:
    type_id, rows = case
    device = DeviceInfo("123456", type_id, "NE=1")
    # The source passes on only object rows with an object dataItemMap.
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("dataItemMap"), dict):
            items = row["dataItemMap"]
            check_readings(bounded(device_readings, device, items, options=opts).readings)
            with contextlib.suppress(ValueError):  # documented: no usable device id
                DeviceKpi.from_api(row)


@given(item_maps(sorted(PLANT_ITEMS)), st.sampled_from(("", "EUR", "CNY")))
def test_station_readings(kpi_map: dict[str, object], currency: str) -> None:
    plant = Plant("NE=1", capacity_kw=10.0)
    parsed = bounded(station_readings, plant, kpi_map, currency=currency)
    check_readings(parsed.readings)
    assert _same(parsed, station_readings(plant, present(kpi_map), currency=currency))


@given(mutated(STATION_KPIS))
def test_station_capture_mutated(rows: Any) -> None:
    plant = Plant("NE=35436844")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("dataItemMap"), dict):
            items = row["dataItemMap"]
            check_readings(bounded(station_readings, plant, items, currency="").readings)


@given(st.lists(devices_with_items, max_size=6), options)
def test_site_aggregates(
    members: list[tuple[DeviceInfo, dict[str, object]]], opts: ParseOptions
) -> None:
    parsed = [(d, device_readings(d, m, options=opts)) for d, m in members]
    check_readings(bounded(site_readings, Plant("NE=1"), parsed))


periods = st.sampled_from(kpi.PERIODS)
device_periods = st.sampled_from(sorted(kpi.DEVICE_APIS))


@given(periods, mutated(PLANT_KPIS) | json_values)
def test_plant_kpis(period: str, data: Any) -> None:
    rows = bounded(kpi.plant_kpis, period, data, "EUR")
    check_readings((*rows.history, *rows.latest))


@given(
    device_periods, st.sampled_from(sorted(kpi.DEVICE_ITEMS)), mutated(DEVICE_KPI_DAY) | json_values
)
def test_device_kpis(period: str, type_id: int, data: Any) -> None:
    rows = bounded(kpi.device_kpis, period, type_id, data, {"123456": "NE=1"})
    check_readings((*rows.history, *rows.latest))


@given(mutated(ALARMS) | json_values)
def test_alarms(data: Any) -> None:
    found = bounded(parse_alarms, data)
    readings = alarm_readings(["NE=1", "NE=2"], found)
    check_readings(readings)
    for alarm in found:
        assert isinstance(alarm.describe(), str)


@given(mutated(HISTORY, max_changes=8) | json_values, options)
def test_history(data: Any, opts: ParseOptions) -> None:
    known = {"123456": DeviceInfo("123456", 38, "NE=1")}
    samples, newest, rejected = bounded(history_readings, data, known, {"123456": opts})
    check_readings(samples)
    assert all(r.time is not None for r in samples)
    assert set(newest) <= set(known)
    assert all(isinstance(n, int) and n > 0 for n in rejected.values())
