"""`dataItemMap`s of the plant and device KPI interfaces (reference §6.4, §6.8).

Energies in kWh, rounded to Wh. A plant reports only what its equipment measures: without an
EMI there is no irradiation, hence no theoretical yield and no performance ratio (null); without
a meter, consumption and grid import are unknown (null) and all production counts as fed in;
without batteries the charge keys are null. Device maps carry the undocumented float noise of
the captured daily series in `perpower_ratio` (a ratio of two rounded numbers, unrounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.energy import DeviceDay, Flows
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec

Items = dict[str, Any]
# Avoided emissions per kWh, and what one tree absorbs in a year.
_CO2_KG = 0.475
_COAL_KG = 0.4
_TREE_KG = 18.3


@dataclass(frozen=True)
class Equipment:
    emi: bool
    meter: bool
    storage: bool

    @classmethod
    def of(cls, devices: list[DeviceSpec]) -> Equipment:
        types = {d.type_id for d in devices}
        return cls(c.EMI in types, bool(types & c.METER_TYPES), bool(types & c.STORAGE_TYPES))


def _kwh(value: float) -> float:
    return round(value, 3)


def _measured(present: bool, value: float) -> float | None:
    return _kwh(value) if present else None


def station_items(
    flows: Flows, plant: PlantSpec, equipment: Equipment, hourly: bool, camel_case: bool
) -> Items:
    production = flows.production
    capacity = plant.capacity_kwp
    theory = flows.irradiation * capacity
    fed_in = flows.export if equipment.meter else production
    items: Items = {
        "radiation_intensity": _measured(equipment.emi, flows.irradiation),
        "theory_power": _measured(equipment.emi, theory),
        "inverter_power": _kwh(production),
        "ongrid_power": _kwh(fed_in),
        "power_profit": _kwh(production * plant.region.price),
    }
    if not hourly:
        ratio = round(production / theory * 100.0, 2) if equipment.emi and theory > 0 else None
        items.update(
            installed_capacity=capacity,
            performance_ratio=ratio,
            use_power=_measured(equipment.meter, flows.consumption),
            perpower_ratio=_kwh(production / capacity),
            reduction_total_co2=_kwh(production * _CO2_KG / 1000.0),
            reduction_total_coal=_kwh(production * _COAL_KG / 1000.0),
            reduction_total_tree=round(production * _CO2_KG / _TREE_KG),
        )
    if camel_case:
        items.update(
            PVYield=_kwh(production),
            inverterYield=_kwh(production),
            selfUsePower=_measured(equipment.meter, production - flows.export),
            selfProvide=_measured(equipment.meter, flows.consumption - flows.grid_import),
            buyPower=_measured(equipment.meter, flows.grid_import),
            chargeCap=_measured(equipment.storage, flows.charge),
            dischargeCap=_measured(equipment.storage, flows.discharge),
        )
    return items


def device_items(dev: DeviceSpec, totals: DeviceDay) -> Items:
    if dev.type_id in c.INVERTER_TYPES:
        product = round(totals.energy, 2)
        return {
            "product_power": product,
            "perpower_ratio": product / dev.dc_kwp,
            "installed_capacity": dev.dc_kwp,
        }
    items: Items = {
        "charge_cap": round(totals.charge, 2),
        "discharge_cap": round(totals.discharge, 2),
    }
    if dev.type_id == c.BATTERY:
        items["charge_time"] = round(totals.charge_hours, 2)
        items["discharge_time"] = round(totals.discharge_hours, 2)
    return items
