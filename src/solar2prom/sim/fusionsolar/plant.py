"""The physics of one simulated plant, stepped forward in fixed 5-minute steps.

State lives on a grid of sample instants (multiples of `sample_period`, 5 minutes like the real
device uploads). Each `step` integrates energy over one period and samples the sun, the load
and the batteries at its end; the timeline (`timeline`) decides when to step, records what
flowed and keeps copies (`clone`) to replay the past. Stepping is deterministic: a copy stepped
to an instant holds exactly what the original held there, so history equals real time.

Energy flow per step: PV power (sun.py for the plant's place, shared by its inverters in
proportion to their arrays, clipped at their AC rating) → household or commercial load →
batteries absorb the surplus or cover the deficit → the rest crosses the grid meter
(positive = export, Huawei's sign).

The simulation starts at a local midnight with the counters the prehistory (`prehistory`)
accumulated up to then, "today" counters still holding yesterday's yield: like the real
service, day totals keep yesterday's value overnight and reset only when the device produces
again. Battery day counters reset at local midnight. A step belongs to the day its interval
starts in, so the one ending at midnight still counts to the day before.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Sequence

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.energy import load_scale
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec
from solar2prom.sim.fusionsolar.periods import DAY, HOUR, day_date, local_day
from solar2prom.sim.fusionsolar.prehistory import Prehistory
from solar2prom.sim.sun import ambient_temperature, production_fraction

INVERTER_EFFICIENCY = 0.978
_MIN_SOC = 5.0
_CHARGE_EFFICIENCY = 0.95
# EMI irradiation totals are in MJ/m², the prehistory counts kWh/m².
_MJ_PER_KWH = 3.6


def _month_of(day: int) -> tuple[int, int]:
    moment = day_date(day)
    return moment.year, moment.month


class InverterState:
    __slots__ = (
        "ac_kw",
        "close_time",
        "day",
        "day_cap",
        "dc_kw",
        "mppt_caps",
        "mppt_shares",
        "open_time",
        "producing",
        "spec",
        "total_cap",
    )

    def __init__(self, spec: DeviceSpec, total: float, yesterday: float, day: int) -> None:
        self.spec = spec
        weights = spec.string_weights
        self.mppt_shares = [0.0] * spec.mppts
        for index, weight in enumerate(weights):
            self.mppt_shares[index % spec.mppts] += weight / sum(weights)
        dc_total = total / INVERTER_EFFICIENCY
        self.mppt_caps = [dc_total * share for share in self.mppt_shares]
        self.total_cap = total
        self.day_cap = yesterday
        self.day = day - 1
        self.dc_kw = 0.0
        self.ac_kw = 0.0
        self.producing = False
        self.open_time: float | None = None
        self.close_time: float | None = None

    def clone(self) -> InverterState:
        twin = copy.copy(self)
        twin.mppt_caps = list(self.mppt_caps)
        return twin

    def step(self, fraction: float, t: float, day: int, hours: float) -> float:
        spec = self.spec
        ac = min(spec.dc_kwp * fraction * INVERTER_EFFICIENCY, spec.rated_kw)
        dc = ac / INVERTER_EFFICIENCY
        if ac > 0.0:
            if day != self.day:
                self.day = day
                self.day_cap = 0.0
            if not self.producing:
                self.producing = True
                self.open_time = t
                self.close_time = None
            self.day_cap += ac * hours
            self.total_cap += ac * hours
            for mppt, share in enumerate(self.mppt_shares):
                self.mppt_caps[mppt] += dc * hours * share
        elif self.producing:
            self.producing = False
            self.close_time = t
        self.dc_kw = dc
        self.ac_kw = ac
        return ac


class StorageState:
    __slots__ = ("charge_today", "day", "discharge_today", "power_kw", "soc", "spec")

    def __init__(self, spec: DeviceSpec, soc: float, day: int) -> None:
        self.spec = spec
        self.soc = soc
        self.day = day
        self.power_kw = 0.0  # positive = charging
        self.charge_today = 0.0
        self.discharge_today = 0.0

    def step(self, surplus_kw: float, day: int, hours: float) -> float:
        spec = self.spec
        if day != self.day:
            self.day = day
            self.charge_today = 0.0
            self.discharge_today = 0.0
        if surplus_kw > 0.0:
            room = (100.0 - self.soc) / 100.0 * spec.capacity_kwh
            power = min(surplus_kw, spec.rated_kw, room / _CHARGE_EFFICIENCY / hours)
            self.soc += power * hours * _CHARGE_EFFICIENCY / spec.capacity_kwh * 100.0
            self.charge_today += power * hours
        else:
            stored = max(0.0, (self.soc - _MIN_SOC) / 100.0 * spec.capacity_kwh)
            power = -min(-surplus_kw, spec.rated_kw, stored * _CHARGE_EFFICIENCY / hours)
            self.soc += power * hours / _CHARGE_EFFICIENCY / spec.capacity_kwh * 100.0
            self.discharge_today -= power * hours
        self.soc = min(100.0, max(0.0, self.soc))
        self.power_kw = power if abs(power) > 1e-6 else 0.0
        return self.power_kw


class MeterState:
    __slots__ = ("export_total", "forward_reactive", "import_total", "reverse_reactive", "spec")

    def __init__(self, spec: DeviceSpec, export_total: float, import_total: float) -> None:
        self.spec = spec
        self.export_total = export_total
        self.import_total = import_total
        self.forward_reactive = import_total * 0.2
        self.reverse_reactive = export_total * 0.01

    def step(self, grid_kw: float, reactive_kvar: float, hours: float) -> None:
        if grid_kw > 0.0:
            self.export_total += grid_kw * hours
        else:
            self.import_total -= grid_kw * hours
        self.forward_reactive += reactive_kvar * hours


class EmiState:
    __slots__ = ("day", "radiant_total", "spec")

    def __init__(self, spec: DeviceSpec, yesterday: float, day: int) -> None:
        self.spec = spec
        self.radiant_total = yesterday  # MJ/m²
        self.day = day - 1

    def step(self, irradiance: float, day: int, seconds: float) -> None:
        if irradiance > 0.0:
            if day != self.day:
                self.day = day
                self.radiant_total = 0.0
            self.radiant_total += irradiance * seconds / 1e6


class PlantState:
    """One plant's devices and energy counters at sample time `t`."""

    def __init__(
        self,
        spec: PlantSpec,
        devices: Sequence[DeviceSpec],
        start: float,
        period: float,
        prehistory: Prehistory,
    ) -> None:
        self.spec = spec
        self.period = period
        self.t = start
        day = local_day(start, spec.utc_offset_s)
        yesterday = prehistory.day(day - 1)
        before = prehistory.total()
        self.total_power = before.production
        self.month = _month_of(day - 1)
        self.month_power = prehistory.month(*self.month).production
        self.day_power = yesterday.production
        self.day = day - 1
        self.load_scale = load_scale(spec)
        self.fraction = 0.0
        self.ambient = ambient_temperature(spec.latitude, spec.longitude, self.t)
        self.production_kw = 0.0
        self.consumption_kw = 0.0
        self.grid_kw = 0.0
        self.reactive_kvar = 0.0
        self.inverters: dict[int, InverterState] = {}
        self.storages: dict[int, StorageState] = {}
        self.meters: dict[int, MeterState] = {}
        self.emis: dict[int, EmiState] = {}
        rng = random.Random(spec.weather_seed)
        array = sum(d.dc_kwp for d in devices if d.type_id in c.INVERTER_TYPES)
        for dev in devices:
            if dev.type_id in c.INVERTER_TYPES:
                share = dev.dc_kwp / array
                self.inverters[dev.dev_id] = InverterState(
                    dev, before.production * share, yesterday.production * share, day
                )
            elif dev.type_id in c.STORAGE_TYPES:
                self.storages[dev.dev_id] = StorageState(dev, rng.uniform(30.0, 60.0), day)
            elif dev.type_id in c.METER_TYPES:
                self.meters[dev.dev_id] = MeterState(dev, before.export, before.grid_import)
            elif dev.type_id == c.EMI:
                radiant = yesterday.irradiation * _MJ_PER_KWH
                self.emis[dev.dev_id] = EmiState(dev, radiant, day)

    def clone(self) -> PlantState:
        """An independent copy that steps on without touching this state."""
        twin = copy.copy(self)
        twin.inverters = {key: inv.clone() for key, inv in self.inverters.items()}
        twin.storages = {key: copy.copy(s) for key, s in self.storages.items()}
        twin.meters = {key: copy.copy(m) for key, m in self.meters.items()}
        twin.emis = {key: copy.copy(e) for key, e in self.emis.items()}
        return twin

    def step(self) -> None:
        """Integrate one sample period and move to its end."""
        spec = self.spec
        dt = self.period
        t = self.t + dt
        hours = dt / HOUR
        fraction = production_fraction(spec.latitude, spec.longitude, t, spec.weather_seed)
        ambient = ambient_temperature(spec.latitude, spec.longitude, t)
        cell = ambient + 30.0 * fraction
        derated = fraction * (1.0 - 0.004 * max(0.0, cell - 25.0))
        day = local_day(self.t, spec.utc_offset_s)
        if self.inverters:
            production = sum(inv.step(derated, t, day, hours) for inv in self.inverters.values())
        else:
            production = spec.capacity_kwp * derated * INVERTER_EFFICIENCY
        if production > 0.0:
            self._count_production(production * hours, day)
        consumption = self._load(t)
        storage = 0.0
        if self.storages:
            share = (production - consumption) / len(self.storages)
            storage = sum(s.step(share, day, hours) for s in self.storages.values())
        grid = production - consumption - storage
        reactive = 0.15 * consumption
        for meter in self.meters.values():
            meter.step(grid, reactive, hours)
        for emi in self.emis.values():
            emi.step(fraction * 1000.0, day, dt)
        self.t = t
        self.fraction = fraction
        self.ambient = ambient
        self.production_kw = production
        self.consumption_kw = consumption
        self.grid_kw = grid
        self.reactive_kvar = reactive

    def _count_production(self, energy: float, day: int) -> None:
        if day != self.day:
            self.day = day
            self.day_power = 0.0
            month = _month_of(day)
            if month != self.month:
                self.month = month
                self.month_power = 0.0
        self.day_power += energy
        self.month_power += energy
        self.total_power += energy

    def _load(self, t: float) -> float:
        """Consumption in kW: a household's morning and evening peaks, or business hours."""
        hour = ((t + self.spec.utc_offset_s) % DAY) / HOUR
        if self.spec.commercial:
            shape = 0.25 + 1.0 / (1.0 + math.exp(-3.0 * (hour - 7.5))) / (
                1.0 + math.exp(3.0 * (hour - 18.5))
            )
        else:
            shape = (
                0.25
                + 0.6 * _bump(hour, 7.5, 1.0)
                + 1.0 * _bump(hour, 19.5, 1.8)
                + 0.3 * _bump(hour, 13.0, 2.5)
            )
        seed = self.spec.weather_seed % 1000
        jitter = 1.0 + 0.05 * math.sin(t / 1931.0 + seed) + 0.05 * math.sin(t / 613.0 + 2 * seed)
        return self.load_scale * shape * jitter


def _bump(hour: float, centre: float, width: float) -> float:
    distance = abs(hour - centre)
    distance = min(distance, 24.0 - distance)
    return math.exp(-0.5 * (distance / width) ** 2)
