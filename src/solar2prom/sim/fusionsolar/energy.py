"""Energy that flowed through a plant in some period, and the plant's long-run averages.

`Flows` holds the plant's energies (kWh) over an hour, day, month or year: what the PV
inverters produced, what the site consumed, what crossed the grid meter each way and what the
batteries took and gave back, plus the irradiation on the array (kWh/m²). `DeviceDay` holds one
device's share of a day. Both are summed from 5-minute steps (the ledger) or estimated for the
days before the simulation began (the prehistory); the KPI interfaces add them up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

from solar2prom.sim.fusionsolar.inventory import PlantSpec

YEAR_DAYS = 365.25


def annual_yield(latitude: float) -> float:
    """Typical specific yield in kWh per kWp and year, lower far from the equator."""
    return 1700.0 - 12.0 * abs(latitude)


def daily_yield(spec: PlantSpec) -> float:
    """The plant's average daily production in kWh."""
    return spec.capacity_kwp * annual_yield(spec.latitude) / YEAR_DAYS


def load_scale(spec: PlantSpec) -> float:
    """Peak consumption in kW: a business draws in proportion to its array, a home less so."""
    if spec.commercial:
        return spec.capacity_kwp * 0.4
    return min(4.0, max(0.4, spec.capacity_kwp * 0.12))


class _Sum:
    """A dataclass of energies that adds another of its kind field by field."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def add(self, other: Self) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass(slots=True)
class Flows(_Sum):
    production: float = 0.0
    consumption: float = 0.0
    export: float = 0.0
    grid_import: float = 0.0
    charge: float = 0.0
    discharge: float = 0.0
    irradiation: float = 0.0


@dataclass(slots=True)
class DeviceDay(_Sum):
    """An inverter's yield, or a battery's charge and discharge (kWh and hours), in one day."""

    energy: float = 0.0
    charge: float = 0.0
    discharge: float = 0.0
    charge_hours: float = 0.0
    discharge_hours: float = 0.0
