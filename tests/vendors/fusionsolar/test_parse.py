"""FusionSolar parsing, driven by real captured responses and the reference's examples."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from solar2prom.core import metrics as core
from solar2prom.core.model import DeviceKind
from solar2prom.core.values import Unparsable, parse_number
from solar2prom.sources.fusionsolar import catalog
from solar2prom.sources.fusionsolar.parse import (
    DeviceInfo,
    DeviceKpi,
    ParsedReadings,
    ParseOptions,
    Plant,
    StationKpi,
    device_readings,
    station_readings,
)
from tests.vendors.fusionsolar import seed
from tests.vendors.fusionsolar.conftest import load


def joules(kwh: float) -> Any:
    """kWh in J, compared without the float noise of the multiplication."""
    return pytest.approx(kwh * 3.6e6, rel=1e-12)


def series(parsed: ParsedReadings, name: str) -> dict[tuple[str, ...], float]:
    """The readings of one metric, by label values."""
    return {r.labels: r.value for r in parsed.readings if r.metric.name == name}


def one(parsed: ParsedReadings, name: str, labels: tuple[str, ...] = ()) -> float:
    return series(parsed, name)[labels]


def device(type_id: int, dev_id: str = "123456", station: str = "NE=1") -> DeviceInfo:
    return DeviceInfo(id=dev_id, type_id=type_id, station_code=station)


def real_kpi(fixture: str) -> DeviceKpi:
    (item,) = load(fixture)["data"]
    return DeviceKpi.from_api(item)


def parse_fixture(fixture: str, type_id: int, **options: Any) -> ParsedReadings:
    kpi = real_kpi(fixture)
    return device_readings(device(type_id, kpi.dev_id), kpi.items, options=ParseOptions(**options))


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("345732.000", 345732.0),
        (" 17 ", 17.0),
        (3, 3.0),
        (512.0, 512.0),
        (-89.0, -89.0),
        (15.970000000000027, 15.97),
        (2.661666666666671, 2.66166666666667),
        ("1e3", 1000.0),
    ],
)
def test_numbers_are_parsed_tolerantly(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "N/A", "n/a", "null", "NULL", " - "])
def test_vendor_spellings_of_no_value_are_missing(raw: object) -> None:
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    "raw",
    ["abc", "12,5", True, False, [1], {"v": 1}, "nan", "inf", float("nan"), 10**400, "1e400"],
)
def test_values_that_are_no_number_are_unparsable(raw: object) -> None:
    with pytest.raises(Unparsable):
        parse_number(raw)


# --- models -------------------------------------------------------------------------------------


def test_plant_from_stations() -> None:
    (item,) = load("stations__one_plant_fields_blanked_upstream")["data"]["list"]
    plant = Plant.from_api(item)
    assert plant.capacity_kw == 18.0  # kWp in this list
    assert (plant.latitude, plant.longitude) == (None, None)  # "" upstream
    assert plant.grid_connection_date is not None
    assert plant.grid_connection_date.utcoffset() == timedelta(hours=1)
    assert plant.utc_offset == "+01:00"
    site = plant.to_site()
    assert (site.vendor, site.timezone, site.extra) == (
        "fusionsolar",
        "+01:00",
        (("capacity_watts", "18000"),),
    )


def test_plant_from_legacy_station_list_converts_megawatts() -> None:
    (item,) = load("getStationList__one_plant_redacted_upstream")["data"]
    for plant in (Plant.from_api(item), Plant.from_legacy_api(item)):
        assert plant.code == "xxxxxxxxxxxx"
        assert plant.name == "xx xxxx"
        assert plant.capacity_kw == 9.0  # 0.009 MW
        assert plant.utc_offset is None


def test_plant_coordinates_and_dates() -> None:
    plant = Plant.from_api(
        {
            "plantCode": "NE=33554434",
            "latitude": "52.1",
            "longitude": 190,
            "capacity": "6.5",
            "gridConnectionDate": "2022-11-21T16:23:00-03:30",
        }
    )
    assert (plant.latitude, plant.longitude, plant.capacity_kw) == (52.1, None, 6.5)
    assert plant.utc_offset == "-03:30"
    assert Plant.from_api({"plantCode": "x", "gridConnectionDate": "soon"}).utc_offset is None
    assert Plant.from_api({"plantCode": "x", "capacity": 2500}).to_site().extra == (
        ("capacity_watts", "2500000"),
    )


def test_device_list() -> None:
    devices = [
        DeviceInfo.from_api(d) for d in load("getDevList__dongle_inverter_battery_meter")["data"]
    ]
    assert [d.id for d in devices] == [
        "1000000035436845",
        "1000000035436846",
        "1000000035436848",
        "1000000035436847",
    ]
    assert [d.type_id for d in devices] == [62, 1, 39, 47]
    assert [d.kind for d in devices] == [
        DeviceKind.GATEWAY,
        DeviceKind.INVERTER,
        DeviceKind.BATTERY,
        DeviceKind.METER,
    ]
    dongle, inverter, battery, _ = devices
    assert inverter.model == "SUN2000-10KTL-M1"
    assert inverter.software_version == "V100R001C00SPC141"
    assert battery.esn == battery.model == battery.software_version == ""  # null upstream
    assert dongle.to_device().serial == "HV0000000001"
    assert inverter.to_device() == inverter.to_device().__class__(
        id="1000000035436846",
        site="NE=35436844",
        kind=DeviceKind.INVERTER,
        model="SUN2000-10KTL-M1",
        firmware="V100R001C00SPC141",
        name="Inverter-1",
        serial="HV0000000002",
    )


def test_device_ids_stay_exact() -> None:
    negative = DeviceInfo.from_api({"id": -214543629611879, "devTypeId": "1", "esnCode": "null"})
    assert (negative.id, negative.type_id, negative.esn) == ("-214543629611879", 1, "")
    assert DeviceInfo.from_api({"id": "1000000035436846", "devTypeId": 38}).id == (
        "1000000035436846"
    )
    with pytest.raises(ValueError, match="device id"):
        DeviceInfo.from_api({"id": 1.000000035436846e15, "devTypeId": 1})
    with pytest.raises(ValueError, match="devTypeId"):
        DeviceInfo.from_api({"id": 1, "devTypeId": "inverter"})


def test_kpi_items() -> None:
    battery = real_kpi("getDevRealKpi__type39_residential_battery")
    assert (battery.dev_id, battery.sn, battery.collect_time) == ("123456", "", None)
    inverter = real_kpi("getDevRealKpi__type1_string_inverter_close_time_na")
    assert inverter.sn == ""  # no sn key at all
    day = DeviceKpi.from_api(load("getDevKpiDay__type38_residential_inverter")["data"][0])
    assert day.collect_time == 1719788400.0
    (plant,) = load("getStationRealKpi__one_plant_numeric_values")["data"]
    kpi = StationKpi.from_api(plant)
    assert kpi.station_code == "NE=35436844"
    assert kpi.items["day_power"] == 31.81
    assert StationKpi.from_api({"stationCode": "x", "dataItemMap": None}).items == {}
    with pytest.raises(ValueError, match="dataItemMap"):
        StationKpi.from_api({"stationCode": "x", "dataItemMap": [1]})


# --- device readings from captures ------------------------------------------------------------


def test_string_inverter_capture() -> None:
    parsed = parse_fixture("getDevRealKpi__type1_string_inverter_close_time_na", 1)
    assert one(parsed, core.DEVICE_POWER.name) == 180.0  # 0.18 kW
    assert one(parsed, "fusionsolar_inverter_active_power_watts") == 180.0
    assert one(parsed, core.DEVICE_ENERGY_TOTAL.name) == joules(1380.5)
    assert one(parsed, core.DEVICE_TEMPERATURE.name) == 45.0
    assert one(parsed, core.DEVICE_ONLINE.name) == 1.0
    assert one(parsed, "fusionsolar_inverter_state") == 512.0
    assert series(parsed, "fusionsolar_inverter_state_info") == {
        ("512", "Grid-connected", "producing"): 1.0
    }
    assert one(parsed, "fusionsolar_inverter_efficiency_ratio") == 1.0
    assert one(parsed, "fusionsolar_inverter_startup_timestamp_seconds") == 1665642954.0
    assert series(parsed, "fusionsolar_inverter_shutdown_timestamp_seconds") == {}  # "N/A"
    strings = series(parsed, "fusionsolar_inverter_pv_voltage_volts")
    assert sorted(strings, key=lambda labels: int(labels[0])) == [(str(n),) for n in range(1, 25)]
    assert strings[("1",)] == 429.2
    assert one(parsed, "fusionsolar_inverter_mppt_energy_joules_total", ("2",)) == joules(603.6)
    assert one(parsed, "fusionsolar_inverter_dc_input_energy_joules_total") == joules(1501.37)
    assert one(parsed, "fusionsolar_inverter_line_voltage_volts", ("ab",)) == 394.2
    assert one(parsed, "fusionsolar_inverter_phase_current_amperes", ("a",)) == 0.307
    assert parsed.rejected == {}
    assert {(r.site, r.device, r.time) for r in parsed.readings} == {
        ("NE=1", "1000000035436846", None)
    }


def test_residential_inverter_capture() -> None:
    parsed = parse_fixture("getDevRealKpi__type38_residential_inverter", 38)
    assert one(parsed, core.DEVICE_POWER.name) == 518.0
    assert one(parsed, "fusionsolar_inverter_phase_voltage_volts", ("a",)) == 118.4
    assert one(parsed, "fusionsolar_inverter_energy_today_joules") == joules(10.13)
    assert one(parsed, "fusionsolar_inverter_dc_input_power_watts") == 435.0
    assert len(series(parsed, "fusionsolar_inverter_pv_current_amperes")) == 8
    assert len(series(parsed, "fusionsolar_inverter_mppt_energy_joules_total")) == 4
    assert series(parsed, catalog.GENERIC_ITEM.name) == {}


def test_battery_capture_and_sign() -> None:
    parsed = parse_fixture("getDevRealKpi__type39_residential_battery", 39)
    # Huawei: positive charges, so -89 W is discharging; the core counts discharging positive.
    assert one(parsed, "fusionsolar_battery_charge_discharge_power_watts") == -89.0
    assert one(parsed, core.DEVICE_POWER.name) == 89.0
    assert one(parsed, "fusionsolar_battery_state_of_charge_ratio") == 0.86
    assert one(parsed, "fusionsolar_battery_status") == 2.0
    assert series(parsed, "fusionsolar_battery_status_info") == {("2", "Running"): 1.0}
    assert series(parsed, "fusionsolar_battery_charge_discharge_mode_info") == {
        ("4", "Automatic charge/discharge"): 1.0
    }
    assert one(parsed, "fusionsolar_battery_charged_energy_joules") == joules(5.41)
    assert one(parsed, "fusionsolar_battery_max_charge_power_watts") == 2500.0
    assert one(parsed, core.DEVICE_ONLINE.name) == 1.0
    assert core.DEVICE_ENERGY_TOTAL.name not in {r.metric.name for r in parsed.readings}


def test_power_sensor_capture_skips_na_and_null() -> None:
    parsed = parse_fixture("getDevRealKpi__type47_power_sensor_na_and_nulls", 47)
    names = {r.metric.name for r in parsed.readings}
    assert parsed.rejected == {}
    assert one(parsed, "fusionsolar_meter_active_power_watts") == 0.0
    assert series(parsed, "fusionsolar_meter_phase_voltage_volts") == {("a",): 238.5}
    assert series(parsed, "fusionsolar_meter_phase_current_amperes") == {("a",): 1.04}
    assert series(parsed, "fusionsolar_meter_active_energy_joules_total") == {
        ("positive",): joules(650.65),
        ("negative",): joules(296.8),
    }
    assert one(parsed, "fusionsolar_meter_reactive_power_vars") == 296.0
    assert one(parsed, "fusionsolar_meter_grid_frequency_hertz") == 49.99
    assert series(parsed, "fusionsolar_meter_status_info") == {("1", "Normal"): 1.0}
    assert one(parsed, core.DEVICE_ONLINE.name) == 1.0
    for absent in (
        "fusionsolar_meter_line_voltage_volts",  # "N/A"
        "fusionsolar_meter_phase_active_power_watts",  # "N/A"
        "fusionsolar_meter_tou_active_energy_joules_total",  # null
        "fusionsolar_meter_apparent_power_volt_amperes",  # null
    ):
        assert absent not in names


def test_dongle_with_empty_item_map_yields_nothing() -> None:
    parsed = parse_fixture("getDevRealKpi__type62_dongle_empty_data_item_map", 62)
    assert parsed.readings == ()
    assert parsed.rejected == {}


def test_unknown_device_types_pass_through() -> None:
    emma = device(23070)
    parsed = device_readings(
        emma, {"pv_power": "3.5", "mode": 2.0, "state": "N/A", "note": "hello", "flag": True}
    )
    assert series(parsed, "fusionsolar_device_data_item") == {
        ("23070", "pv_power"): 3.5,
        ("23070", "mode"): 2.0,
    }
    assert parsed.rejected == {"unparsable": 2}


def test_unknown_keys_of_a_known_type_pass_through() -> None:
    parsed = device_readings(device(1), {"pv29_u": 500.0, "pv1_u": 400.0})
    assert series(parsed, "fusionsolar_device_data_item") == {("1", "pv29_u"): 500.0}
    assert series(parsed, "fusionsolar_inverter_pv_voltage_volts") == {("1",): 400.0}


def test_garbage_is_rejected_and_counted_never_zero() -> None:
    parsed = device_readings(
        device(1),
        {"active_power": "abc", "temperature": True, "inverter_state": 512.5, "day_cap": "1.5"},
    )
    assert {r.metric.name for r in parsed.readings} == {"fusionsolar_inverter_energy_today_joules"}
    assert parsed.rejected == {"unparsable": 3}


def test_state_codes() -> None:
    parsed = device_readings(device(1), {"inverter_state": "40960.0", "run_state": 0})
    assert series(parsed, "fusionsolar_inverter_state_info") == {
        ("40960", "Standby: no irradiation", "standby"): 1.0
    }
    assert series(parsed, "fusionsolar_inverter_run_state_info") == {("0", "Disconnected"): 1.0}
    assert one(parsed, core.DEVICE_ONLINE.name) == 0.0
    unknown = device_readings(device(1), {"inverter_state": 9999})
    assert one(unknown, "fusionsolar_inverter_state") == 9999.0
    assert series(unknown, "fusionsolar_inverter_state_info") == {
        ("9999", "unknown", "unknown"): 1.0
    }


def test_online_prefers_the_device_status_then_run_state() -> None:
    offline = device_readings(device(39), {"battery_status": 0.0, "run_state": 1})
    assert one(offline, core.DEVICE_ONLINE.name) == 0.0
    fallback = device_readings(device(47), {"meter_status": None, "run_state": 1})
    assert one(fallback, core.DEVICE_ONLINE.name) == 1.0
    assert series(device_readings(device(17), {"a_u": 230.0}), core.DEVICE_ONLINE.name) == {}


def test_the_ess_feeds_the_core_battery_power() -> None:
    parsed = device_readings(device(41), {"ch_discharge_power": 1500, "battery_soc": "55"})
    assert one(parsed, core.DEVICE_POWER.name) == -1500.0  # charging
    assert one(parsed, "fusionsolar_ess_state_of_charge_ratio") == 0.55


def test_power_m_units() -> None:
    rack = device_readings(
        device(60014),
        {
            "soc": 80,
            "charge_discharge_power": 1.2,
            "remaining_backup_time": 2.5,
            "battery_state": 5,
        },
    )
    assert one(rack, "fusionsolar_lithium_rack_state_of_charge_ratio") == 0.8
    assert one(rack, "fusionsolar_lithium_rack_charge_discharge_power_watts") == 1200.0
    assert one(rack, "fusionsolar_lithium_rack_remaining_backup_seconds") == 9000.0
    assert series(rack, "fusionsolar_lithium_rack_state_info") == {("5", "Charging"): 1.0}
    assert core.DEVICE_POWER.name not in {r.metric.name for r in rack.readings}
    emi = device_readings(device(10), {"radiant_total": 12.5, "horiz_radiant_line": None})
    assert series(emi, "fusionsolar_emi_irradiation_today_joules_per_square_meter") == {(): 12.5e6}
    assert len(emi.readings) == 1


# --- meter power: W or kW, and the overflow -----------------------------------------------------


def grid_meter_watts(item_map: dict[str, object], **options: Any) -> float | None:
    parsed = device_readings(device(17), item_map, options=ParseOptions(**options))
    return parsed.value(catalog.METER_ACTIVE_POWER)


@pytest.mark.parametrize(
    ("item_map", "options", "watts"),
    [
        # U·I known (230 V × 11 A = 2530 VA): 2.5 read as kW fits, 2500 read as kW does not.
        ({"active_power": 2.5, "a_u": 230, "a_i": 11}, {}, 2500.0),
        ({"active_power": 2500, "a_u": 230, "a_i": 11}, {}, 2500.0),
        # Near zero grid exchange on a meter that sends W: 3 kW cannot flow at 0.1 A.
        ({"active_power": -3, "a_u": 230, "a_i": 0.1}, {}, -3.0),
        # Three phases add up: 3 × 230 V × 10 A = 6900 VA.
        (
            {"active_power": 6.5, "a_u": 230, "b_u": 230, "c_u": 230}
            | {"a_i": 10, "b_i": 10, "c_i": 10},
            {},
            6500.0,
        ),
        # No U·I: twice the plant capacity is the limit for a kW reading.
        ({"active_power": 25}, {"plant_capacity_kw": 10}, 25.0),
        ({"active_power": -5}, {"plant_capacity_kw": 10}, -5000.0),
        # Nothing to judge by: the documented kW.
        ({"active_power": 25}, {}, 25000.0),
        # Configured units are taken as they are.
        ({"active_power": 2500, "a_u": 230, "a_i": 11}, {"meter_power_unit": "kW"}, 2.5e6),
        ({"active_power": 2.5}, {"meter_power_unit": "W"}, 2.5),
    ],
)
def test_grid_meter_power_unit(
    item_map: dict[str, object], options: dict[str, Any], watts: float
) -> None:
    assert grid_meter_watts(item_map, **options) == watts


def test_phase_powers_use_their_own_phase() -> None:
    parsed = device_readings(
        device(17),
        {"active_power_a": 1.5, "active_power_b": 1500, "a_u": 230, "a_i": 7, "b_u": 230, "b_i": 7},
    )
    assert series(parsed, "fusionsolar_meter_phase_active_power_watts") == {
        ("a",): 1500.0,
        ("b",): 1500.0,
    }


def test_power_sensor_phase_powers_are_watts_unless_configured() -> None:
    item_map = {"active_power_a": 1.2, "active_power_b": 1200, "active_power": 2.5}
    auto = device_readings(device(47), item_map)
    assert series(auto, "fusionsolar_meter_phase_active_power_watts") == {
        ("a",): 1.2,
        ("b",): 1200.0,
    }
    assert one(auto, "fusionsolar_meter_active_power_watts") == 2.5  # documented W
    kw = device_readings(device(47), item_map, options=ParseOptions(meter_power_unit="kW"))
    assert series(kw, "fusionsolar_meter_phase_active_power_watts")[("a",)] == 1200.0
    assert one(kw, "fusionsolar_meter_active_power_watts") == 2.5  # not affected


@pytest.mark.parametrize(
    ("type_id", "item_map", "options"),
    [
        (47, {"active_power": -66553500.0}, {}),
        (47, {"active_power_a": -66553500}, {}),
        (17, {"active_power": -66553.5}, {"meter_power_unit": "kW"}),
        (17, {"active_power": -66553500, "a_u": 230, "a_i": 3}, {}),
    ],
)
def test_meter_overflow_is_rejected(
    type_id: int, item_map: dict[str, object], options: dict[str, Any]
) -> None:
    parsed = device_readings(device(type_id), item_map, options=ParseOptions(**options))
    power = {"fusionsolar_meter_active_power_watts", "fusionsolar_meter_phase_active_power_watts"}
    assert not power & {r.metric.name for r in parsed.readings}
    assert parsed.rejected == {"implausible": 1}


# --- plant KPIs ---------------------------------------------------------------------------------


def test_station_capture() -> None:
    (item,) = load("getStationRealKpi__one_plant_numeric_values")["data"]
    kpi = StationKpi.from_api(item)
    parsed = station_readings(Plant(kpi.station_code), kpi.items, currency="EUR")
    assert one(parsed, core.PRODUCTION_ENERGY_TODAY.name) == joules(31.81)
    assert one(parsed, core.PRODUCTION_ENERGY_TOTAL.name) == joules(1007.27)
    assert one(parsed, "fusionsolar_plant_energy_this_month_joules") == joules(531.8)
    assert one(parsed, "fusionsolar_plant_revenue_today_currency", ("EUR",)) == 3.827
    assert one(parsed, "fusionsolar_plant_revenue_currency_total", ("EUR",)) == 535.794
    assert one(parsed, "fusionsolar_plant_health_state") == 3.0
    assert series(parsed, "fusionsolar_plant_health_state_info") == {("3", "Healthy"): 1.0}
    assert {(r.site, r.device) for r in parsed.readings} == {("NE=35436844", "")}


def test_station_revenue_with_unknown_currency() -> None:
    parsed = station_readings(Plant("NE=1"), {"day_income": "0.000"}, currency="")
    assert series(parsed, "fusionsolar_plant_revenue_today_currency") == {("",): 0.0}


def test_unknown_station_kpis_pass_through() -> None:
    parsed = station_readings(
        Plant("NE=1"), {"day_power": "N/A", "co2": "1.5", "note": "x"}, currency=""
    )
    assert [(r.metric.name, r.labels, r.value) for r in parsed.readings] == [
        ("fusionsolar_plant_data_item", ("co2",), 1.5)
    ]
    assert parsed.rejected == {"unparsable": 1}


# --- the reference's examples (acceptance) ----------------------------------------------------


def test_seed_station_example() -> None:
    body = seed.example("getStationRealKpi")
    kpis = {k.station_code: k for k in map(StationKpi.from_api, body["data"])}
    kpi = kpis["BA4372D08E014822AB065017416F254C"]
    parsed = station_readings(Plant(kpi.station_code), kpi.items, currency="")
    assert one(parsed, core.PRODUCTION_ENERGY_TODAY.name) == 3.6e10
    assert one(parsed, core.PRODUCTION_ENERGY_TOTAL.name) == 3.24e9
    assert {r.site for r in parsed.readings} == {"BA4372D08E014822AB065017416F254C"}


def test_seed_real_time_example_reads_every_string_inverter_item() -> None:
    body = seed.example("getDevRealKpi")
    table = seed.device_keys(seed.REAL_TIME)[1]
    items = catalog.DEVICE_TYPES[1].items
    for kpi in map(DeviceKpi.from_api, body["data"]):
        parsed = device_readings(device(1, kpi.dev_id), kpi.items)
        assert one(parsed, core.DEVICE_POWER.name) == 0.0
        read = {(r.metric.name, r.labels) for r in parsed.readings}
        missing = [k for k in table if (items[k].metric.name, items[k].labels) not in read]
        assert not missing
        assert parsed.rejected == {}
    assert [k.dev_id for k in map(DeviceKpi.from_api, body["data"])] == [
        "213472461631079",
        "214060404588862",
    ]


def test_seed_history_example() -> None:
    body = seed.example("getDevHistoryKpi")
    rows = [DeviceKpi.from_api(item) for item in body["data"]]
    assert [(r.dev_id, r.collect_time) for r in rows] == [
        ("213472461631079", 1501862400.0),
        ("213472461631079", 1501862700.0),
    ]
    for row in rows:
        parsed = device_readings(device(1, row.dev_id), row.items, time=row.collect_time)
        assert one(parsed, core.DEVICE_POWER.name) == 21050.0
        assert one(parsed, "fusionsolar_inverter_active_power_watts") == 21050.0
        assert {r.time for r in parsed.readings} == {row.collect_time}
        null_keys = [k for k, v in row.items.items() if v is None]
        assert "efficiency" in null_keys
        items = catalog.DEVICE_TYPES[1].items
        read = {(r.metric.name, r.labels) for r in parsed.readings}
        assert not [k for k in null_keys if (items[k].metric.name, items[k].labels) in read]
        assert parsed.rejected == {}
        assert one(parsed, "fusionsolar_inverter_pv_voltage_volts", ("1",)) == 575.3
        assert one(parsed, core.DEVICE_ENERGY_TOTAL.name) == joules(655.37)
