"""JSON shapes of plants and devices (real time and 5-minute history), as the real API has them.

Measurement noise comes from a generator seeded with the device and the sample time, so the
same sample always renders the same numbers however often it is fetched.
"""

from __future__ import annotations

import math
import random
from typing import Any

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec
from solar2prom.sim.fusionsolar.plant import InverterState, PlantState

Items = dict[str, Any]
_SQRT3 = math.sqrt(3.0)
_RUNNING = 512.0
_NO_IRRADIATION = 40960.0  # "Standby: no irradiation"
_MODULE_VOLTAGE = 36.5


def _single_phase_lines(a_u: float) -> dict[str, float]:
    return {"ab_u": a_u, "bc_u": 0.0, "ca_u": 0.0}


def _line_voltages(a_u: float, b_u: float, c_u: float) -> dict[str, float]:
    """Line-to-line voltages of a three-phase system from its phase voltages."""
    return {
        "ab_u": round((a_u + b_u) / 2 * _SQRT3, 1),
        "bc_u": round((b_u + c_u) / 2 * _SQRT3, 1),
        "ca_u": round((c_u + a_u) / 2 * _SQRT3, 1),
    }


def _noise(dev: DeviceSpec, plant: PlantState) -> random.Random:
    return random.Random(dev.seed * 1_000_003 + int(plant.t))


def _ms(t: float | None) -> int | str:
    return "N/A" if t is None else int(t * 1000)


def device_items(plant: PlantState, dev: DeviceSpec) -> Items:
    """The `dataItemMap` of one device at the plant's current sample time."""
    if dev.type_id in c.INVERTER_TYPES:
        return _inverter(plant, plant.inverters[dev.dev_id])
    if dev.type_id == c.BATTERY:
        return _battery(plant, dev)
    if dev.type_id == c.ESS:
        return _ess(plant, dev)
    if dev.type_id == c.POWER_SENSOR:
        return _power_sensor(plant, dev)
    if dev.type_id == c.GRID_METER:
        return _grid_meter(plant, dev)
    if dev.type_id == c.EMI:
        return _emi(plant, dev)
    return {}


def history_items(plant: PlantState, dev: DeviceSpec) -> Items:
    """A 5-minute history map: the real-time map of that sample without the keys the historical
    data list lacks, and null where real time says "N/A" (the documented example has null
    start-up and shutdown times where real-time captures show "N/A")."""
    missing = {*c.HISTORY_MISSING_KEYS, *c.HISTORY_MISSING_BY_TYPE.get(dev.type_id, ())}
    return {
        key: None if value == "N/A" else value
        for key, value in device_items(plant, dev).items()
        if key not in missing
    }


def _phases(rng: random.Random, voltage: float, three_phase: bool) -> tuple[float, float, float]:
    a = round(voltage + rng.uniform(-4.0, 4.0), 1)
    if not three_phase:
        return a, 0.0, 0.0
    return a, round(voltage + rng.uniform(-4.0, 4.0), 1), round(voltage + rng.uniform(-4.0, 4.0), 1)


def _inverter(plant: PlantState, inv: InverterState) -> Items:
    spec = inv.spec
    region = plant.spec.region
    rng = _noise(spec, plant)
    producing = inv.ac_kw > 0.0
    a_u, b_u, c_u = _phases(rng, region.voltage, spec.three_phase)
    phase_count = 3 if spec.three_phase else 1
    current = inv.ac_kw * 1000.0 / (region.voltage * phase_count)
    items: Items = {
        "inverter_state": _RUNNING if producing else _NO_IRRADIATION,
        "run_state": 1,
        "a_u": a_u,
        "b_u": b_u,
        "c_u": c_u,
        # A single-phase inverter reports its phase voltage as the first line voltage.
        **(_line_voltages(a_u, b_u, c_u) if spec.three_phase else _single_phase_lines(a_u)),
        "a_i": round(current * rng.uniform(0.98, 1.02), 3),
        "b_i": round(current * rng.uniform(0.98, 1.02), 3) if spec.three_phase else 0.0,
        "c_i": round(current * rng.uniform(0.98, 1.02), 3) if spec.three_phase else 0.0,
        "active_power": round(inv.ac_kw, 3),
        "reactive_power": 0.0,
        "power_factor": 1.0,
        "elec_freq": round(region.frequency + rng.uniform(-0.03, 0.03), 2),
        "efficiency": round(inv.ac_kw / inv.dc_kw * 100.0, 2) if producing else 0.0,
        "temperature": round(plant.ambient + 4.0 + 18.0 * inv.ac_kw / spec.rated_kw, 1),
        "mppt_power": round(inv.dc_kw, 3),
        "day_cap": round(inv.day_cap, 2),
        "total_cap": round(inv.total_cap, 2),
        "open_time": _ms(inv.open_time),
        "close_time": _ms(inv.close_time),
    }
    weights = spec.string_weights
    cell = plant.ambient + 30.0 * plant.fraction
    string_voltage = (
        spec.modules_per_string
        * _MODULE_VOLTAGE
        * (0.93 + 0.07 * min(1.0, plant.fraction * 3.0))
        * (1.0 - 0.0035 * (cell - 25.0))
    )
    total_weight = sum(weights)
    for n in range(1, c.STRING_COUNT[spec.type_id] + 1):
        if producing and n <= len(weights):
            volts = string_voltage * rng.uniform(0.99, 1.01)
            amps = inv.dc_kw * 1000.0 * weights[n - 1] / total_weight / volts
            items[f"pv{n}_u"] = round(volts, 1)
            items[f"pv{n}_i"] = round(amps, 2)
        else:
            items[f"pv{n}_u"] = 0.0
            items[f"pv{n}_i"] = 0.0
    for n in range(1, c.MPPT_COUNT[spec.type_id] + 1):
        items[f"mppt_{n}_cap"] = round(inv.mppt_caps[n - 1], 2) if n <= spec.mppts else 0.0
    if spec.type_id == c.STRING_INVERTER:
        items["mppt_total_cap"] = round(sum(inv.mppt_caps), 2)
    return items


def _battery(plant: PlantState, dev: DeviceSpec) -> Items:
    storage = plant.storages[dev.dev_id]
    rng = _noise(dev, plant)
    return {
        "battery_status": 2.0 if storage.power_kw else 1.0,
        "max_charge_power": dev.rated_kw * 1000.0,
        "max_discharge_power": dev.rated_kw * 1000.0,
        "ch_discharge_power": round(storage.power_kw * 1000.0, 1),
        "busbar_u": round(430.0 + 0.4 * storage.soc + rng.uniform(-1.0, 1.0), 1),
        "battery_soc": float(round(storage.soc)),
        "battery_soh": 0.0,  # LUNA2000 batteries report 0 (the key is for LG batteries)
        "ch_discharge_model": 4.0,
        "charge_cap": round(storage.charge_today, 2),
        "discharge_cap": round(storage.discharge_today, 2),
        "run_state": 1,
    }


def _ess(plant: PlantState, dev: DeviceSpec) -> Items:
    storage = plant.storages[dev.dev_id]
    return {
        "ch_discharge_power": round(storage.power_kw * 1000.0, 1),
        "battery_soc": round(storage.soc, 1),
        "battery_soh": 98.0,
        "charge_cap": round(storage.charge_today, 2),
        "discharge_cap": round(storage.discharge_today, 2),
        "run_state": 1,
    }


def _power_factor(active: float, reactive: float) -> float:
    apparent = math.hypot(active, reactive)
    return round(abs(active) / apparent, 3) if apparent else 1.0


def _meter_common(plant: PlantState, dev: DeviceSpec) -> Items:
    meter = plant.meters[dev.dev_id]
    return {
        "active_cap": round(meter.export_total, 2),
        "reverse_active_cap": round(meter.import_total, 2),
        "power_factor": _power_factor(plant.grid_kw, plant.reactive_kvar),
    }


def _power_sensor(plant: PlantState, dev: DeviceSpec) -> Items:
    """Type 47: powers in W, including the per-phase ones (what real sensors send)."""
    rng = _noise(dev, plant)
    region = plant.spec.region
    items = _meter_common(plant, dev)
    grid_w = plant.grid_kw * 1000.0
    a_u, b_u, c_u = _phases(rng, region.voltage, dev.three_phase)
    phases = 3 if dev.three_phase else 1
    current = abs(grid_w) / (region.voltage * phases)
    items.update(
        meter_status=1.0,
        run_state=1,
        meter_u=a_u,
        meter_i=round(current, 2),
        active_power=round(grid_w, 1),
        reactive_power=round(plant.reactive_kvar * 1000.0, 1),
        grid_frequency=round(region.frequency + rng.uniform(-0.03, 0.03), 2),
    )
    if not dev.three_phase:
        items.update(dict.fromkeys(c.SINGLE_PHASE_NA_KEYS, "N/A"))
        items.update(dict.fromkeys(c.NULL_KEYS[c.POWER_SENSOR]))
        return items
    items.update(
        b_u=b_u,
        c_u=c_u,
        **_line_voltages(a_u, b_u, c_u),
        b_i=round(current * rng.uniform(0.9, 1.1), 2),
        c_i=round(current * rng.uniform(0.9, 1.1), 2),
        active_power_a=round(grid_w * 0.34, 1),
        active_power_b=round(grid_w * 0.33, 1),
        active_power_c=round(grid_w * 0.33, 1),
    )
    items.update(dict.fromkeys(c.NULL_KEYS[c.POWER_SENSOR]))
    return items


def _grid_meter(plant: PlantState, dev: DeviceSpec) -> Items:
    """Type 17: powers in kW as documented."""
    rng = _noise(dev, plant)
    region = plant.spec.region
    meter = plant.meters[dev.dev_id]
    items = _meter_common(plant, dev)
    grid = plant.grid_kw
    a_u, b_u, c_u = _phases(rng, region.voltage, True)
    current = abs(grid) * 1000.0 / (region.voltage * 3)
    items.update(
        a_u=a_u,
        b_u=b_u,
        c_u=c_u,
        **_line_voltages(a_u, b_u, c_u),
        a_i=round(current * rng.uniform(0.9, 1.1), 2),
        b_i=round(current * rng.uniform(0.9, 1.1), 2),
        c_i=round(current * rng.uniform(0.9, 1.1), 2),
        active_power=round(grid, 3),
        active_power_a=round(grid * 0.34, 3),
        active_power_b=round(grid * 0.33, 3),
        active_power_c=round(grid * 0.33, 3),
        reactive_power=round(plant.reactive_kvar, 3),
        total_apparent_power=round(math.hypot(grid, plant.reactive_kvar), 3),
        forward_reactive_cap=round(meter.forward_reactive, 2),
        reverse_reactive_cap=round(meter.reverse_reactive, 2),
    )
    items.update(dict.fromkeys(c.NULL_KEYS[c.GRID_METER]))
    return items


def _emi(plant: PlantState, dev: DeviceSpec) -> Items:
    rng = _noise(dev, plant)
    irradiance = plant.fraction * 1000.0
    hours = plant.t / 3600.0
    return {
        "temperature": round(plant.ambient, 1),
        "pv_temperature": round(plant.ambient + 0.03 * irradiance, 1),
        "wind_speed": round(
            max(0.0, 3.0 + 2.0 * math.sin(hours / 5.3) + rng.uniform(-0.5, 0.5)), 1
        ),
        "wind_direction": round((200.0 + 120.0 * math.sin(hours / 17.0)) % 360.0, 1),
        "radiant_total": round(plant.emis[dev.dev_id].radiant_total, 3),
        "radiant_line": round(irradiance, 1),
        "horiz_radiant_line": None,
        "horiz_radiant_total": None,
        "run_state": 1,
    }


def plant_items(plant: PlantState, as_strings: bool) -> Items:
    """Plant real-time KPIs: numbers as in the real capture, or strings as in the docs."""
    price = plant.spec.region.price
    values = {
        "day_power": plant.day_power,
        "month_power": plant.month_power,
        "total_power": plant.total_power,
        "day_income": plant.day_power * price,
        "total_income": plant.total_power * price,
    }
    if as_strings:
        items: Items = {key: f"{value:.3f}" for key, value in values.items()}
        items["real_health_state"] = "3"
        return items
    items = {key: round(value, 3) for key, value in values.items()}
    items["real_health_state"] = 3
    return items


def _coordinate(spec: PlantSpec, value: float) -> float | str:
    return value if spec.coordinates_known else ""


def _capacity(kwp: float) -> int | float:
    return int(kwp) if kwp.is_integer() else kwp


def station_entry(spec: PlantSpec) -> Items:
    """One row of `stations` (capacity in kWp)."""
    return {
        "plantCode": spec.code,
        "plantName": spec.name,
        "plantAddress": spec.address,
        "longitude": _coordinate(spec, spec.longitude),
        "latitude": _coordinate(spec, spec.latitude),
        "capacity": _capacity(spec.capacity_kwp),
        "contactPerson": spec.contact_person,
        "contactMethod": spec.contact_method,
        "gridConnectionDate": spec.grid_connection_date(),
    }


def legacy_station_entry(spec: PlantSpec) -> Items:
    """One row of the legacy `getStationList` (capacity in MW, enums as strings)."""
    return {
        "stationCode": spec.code,
        "stationName": spec.name,
        "stationAddr": spec.address,
        "capacity": round(spec.capacity_kwp / 1000.0, 6),
        "buildState": "2",
        "combineType": "2" if spec.commercial else "3",
        "aidType": 1,
        "stationLinkman": spec.contact_person,
        "linkmanPho": spec.contact_method,
    }


def device_entry(dev: DeviceSpec, plant: PlantSpec) -> Items:
    """One row of `getDevList`."""
    located = plant.coordinates_known
    inverter = dev.type_id in c.INVERTER_TYPES
    return {
        "id": dev.dev_id,
        "devDn": dev.dn,
        "devName": dev.name,
        "stationCode": plant.code,
        "esnCode": dev.esn,
        "devTypeId": dev.type_id,
        "softwareVersion": dev.software,
        "invType": dev.model if inverter else None,
        "longitude": plant.longitude if located else None,
        "latitude": plant.latitude if located else None,
        "optimizerNumber": 0 if inverter else None,
    }
