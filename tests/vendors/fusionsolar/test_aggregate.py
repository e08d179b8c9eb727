"""Site aggregates (SPEC §6.1) from the parsed readings of a plant's devices."""

from __future__ import annotations

import pytest

from solar2prom.core import metrics as core
from solar2prom.sources.fusionsolar.aggregate import DeviceValues, site_readings
from solar2prom.sources.fusionsolar.parse import DeviceInfo, DeviceKpi, Plant, device_readings
from tests.vendors.fusionsolar.conftest import load

PLANT = Plant("NE=35436844", capacity_kw=10.0)


def parsed(type_id: int, item_map: dict[str, object], dev_id: str = "1") -> DeviceValues:
    info = DeviceInfo(id=dev_id, type_id=type_id, station_code=PLANT.code)
    return info, device_readings(info, item_map)


def captured(fixture: str, type_id: int) -> DeviceValues:
    (item,) = load(fixture)["data"]
    kpi = DeviceKpi.from_api(item)
    return parsed(type_id, dict(kpi.items), f"{type_id}-{kpi.dev_id}")


def site(*devices: DeviceValues) -> dict[str, float]:
    readings = site_readings(PLANT, devices)
    assert {(r.site, r.device, r.labels) for r in readings} <= {(PLANT.code, "", ())}
    return {r.metric.name: r.value for r in readings}


def test_captured_plant_with_inverter_battery_and_power_sensor() -> None:
    values = site(
        captured("getDevRealKpi__type1_string_inverter_close_time_na", 1),
        captured("getDevRealKpi__type39_residential_battery", 39),
        captured("getDevRealKpi__type47_power_sensor_na_and_nulls", 47),
    )
    assert values == {
        core.PRODUCTION_POWER.name: 180.0,
        core.GRID_POWER.name: 0.0,
        core.GRID_IMPORT_ENERGY_TOTAL.name: pytest.approx(296.8 * 3.6e6, rel=1e-12),
        core.GRID_EXPORT_ENERGY_TOTAL.name: pytest.approx(650.65 * 3.6e6, rel=1e-12),
        core.BATTERY_POWER.name: 89.0,
        core.BATTERY_SOC.name: 0.86,
        core.CONSUMPTION_POWER.name: 269.0,  # 180 produced + 0 imported + 89 discharged
    }


def test_grid_sign_is_import_positive() -> None:
    values = site(parsed(1, {"active_power": 3.0}), parsed(47, {"active_power": 1200}, "m"))
    assert values[core.GRID_POWER.name] == -1200.0  # Huawei +1200 W = exporting
    assert values[core.CONSUMPTION_POWER.name] == 1800.0


def test_production_sums_the_inverters_that_reported() -> None:
    values = site(
        parsed(1, {"active_power": 2.0}, "a"),
        parsed(38, {"active_power": 0.5}, "b"),
        parsed(38, {"active_power": None}, "c"),
    )
    assert values == {core.PRODUCTION_POWER.name: 2500.0}  # no meter: no grid, no consumption
    assert site(parsed(1, {"active_power": None})) == {}


def test_battery_values_sum_and_average() -> None:
    values = site(
        parsed(39, {"ch_discharge_power": 500, "battery_soc": 40}, "a"),
        parsed(41, {"ch_discharge_power": -200, "battery_soc": 60}, "b"),
    )
    assert values[core.BATTERY_POWER.name] == -300.0  # net charging
    assert values[core.BATTERY_SOC.name] == 0.5


def test_consumption_needs_every_input() -> None:
    inverter = parsed(1, {"active_power": 1.0})
    meter = parsed(17, {"active_power": -0.5}, "m")
    silent_battery = parsed(39, {"battery_soc": 50}, "b")
    assert site(inverter, meter)[core.CONSUMPTION_POWER.name] == 1500.0  # no battery at all
    assert core.CONSUMPTION_POWER.name not in site(inverter, meter, silent_battery)
    assert core.CONSUMPTION_POWER.name not in site(meter)


def test_meter_counters_need_every_meter() -> None:
    full = parsed(47, {"active_cap": 10, "reverse_active_cap": 20}, "m1")
    partial = parsed(47, {"active_cap": 5, "active_power": 100}, "m2")
    values = site(full, partial)
    assert values[core.GRID_EXPORT_ENERGY_TOTAL.name] == 15 * 3.6e6
    assert core.GRID_IMPORT_ENERGY_TOTAL.name not in values
    assert core.GRID_POWER.name not in values  # m1 reported no power


def test_devices_of_other_plants_and_unknown_types_are_ignored() -> None:
    other = DeviceInfo(id="x", type_id=1, station_code="NE=other")
    values = site(
        (other, device_readings(other, {"active_power": 9.0})),
        parsed(23070, {"active_power": 4.0}, "emma"),
        parsed(1, {"active_power": 1.0}),
    )
    assert values == {core.PRODUCTION_POWER.name: 1000.0}
