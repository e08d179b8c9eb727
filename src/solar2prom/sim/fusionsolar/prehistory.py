"""Energy of a plant from its grid connection up to the start of the simulation, by month and day.

Years of 5-minute physics would be too slow to run, so the time before the simulation start is
estimated a month at a time, from an average day of it: the plant's average yield shaped by the
season at its latitude and by the month's cloud cover (the same `sun.cloud_factor` the physics
uses), a steady consumption, a fixed share of direct self-use, batteries that store part of the
surplus and return it in the evening, and the grid taking or supplying the rest. A day gets its
month's flows in proportion to the clouds at its noon (production and what follows from it) or
to its load (consumption and grid import), so the days of a month add up to it exactly.

Everything derives from day numbers and the plant's seeds, so any month or day can be
recomputed; both are cached because the year interfaces ask for a plant's whole life. The
simulation takes its starting counters (lifetime, month to date, yesterday) from here, which is
what makes the KPI interfaces add up to the real-time lifetime counters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.energy import DeviceDay, Flows, daily_yield, load_scale
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec
from solar2prom.sim.fusionsolar.periods import (
    HOUR,
    day_date,
    day_start,
    local_day,
    month_days,
)
from solar2prom.sim.sun import cloud_factor

# Daily consumption as a share of 24 hours at peak load (the load curve's mean).
_LOAD_FACTOR = 0.55
# Part of the consumption that production covers directly: homes use most power in the
# evening, businesses while the sun shines.
_DIRECT_HOME = 0.35
_DIRECT_BUSINESS = 0.7
_ROUND_TRIP = 0.9
_USABLE_CAPACITY = 0.9
_PERFORMANCE = 0.86  # production per kWh/m² of irradiation and kWp
# The cloud factor's long-run mean: dividing by it keeps the yearly yield at the typical value.
_MEAN_CLOUDS = 0.89
# Hours at full power a battery charges or discharges at most per day.
_STORAGE_HOURS = 5.0
# Hours of a day's charge or discharge, per kWh and kW of rating (the power is rarely at max).
_HOURS_PER_ENERGY = 2.0


class Prehistory:
    def __init__(
        self, spec: PlantSpec, devices: Sequence[DeviceSpec], first_simulated: int
    ) -> None:
        self.spec = spec
        self.first_day = local_day(spec.grid_connected, spec.utc_offset_s)
        self.end_day = first_simulated  # exclusive
        self._daily = daily_yield(spec)
        self._load = load_scale(spec) * 24.0 * _LOAD_FACTOR
        self._direct = _DIRECT_BUSINESS if spec.commercial else _DIRECT_HOME
        inverters = [d for d in devices if d.type_id in c.INVERTER_TYPES]
        array = sum(d.dc_kwp for d in inverters)
        self._inverter_share = {d.dev_id: d.dc_kwp / array for d in inverters}
        storages = [d for d in devices if d.type_id in c.STORAGE_TYPES]
        self._storages = {d.dev_id: d for d in storages}
        self._store = sum(d.capacity_kwh for d in storages) * _USABLE_CAPACITY
        self._store_rate = sum(d.rated_kw for d in storages) * _STORAGE_HOURS
        self._months: dict[tuple[int, int], Flows] = {}
        self._day_shares: dict[tuple[int, int], tuple[list[float], list[float]]] = {}
        self._total: Flows | None = None

    def covers(self, day: int) -> bool:
        return self.first_day <= day < self.end_day

    def overlaps(self, days: range) -> bool:
        return days.start < self.end_day and self.first_day < days.stop

    def month(self, year: int, month: int) -> Flows:
        """The flows of the covered days of one calendar month."""
        key = (year, month)
        cached = self._months.get(key)
        if cached is None:
            cached = self._months[key] = self._estimate(self._covered(year, month))
        return cached

    def day(self, day: int) -> Flows:
        """One covered day's part of its month (all zero outside the covered range)."""
        if not self.covers(day):
            return Flows()
        moment = day_date(day)
        month = self.month(moment.year, moment.month)
        sunny, busy = self._shares(moment.year, moment.month)
        index = day - self._covered(moment.year, moment.month).start
        light, load = sunny[index], busy[index]
        return Flows(
            production=month.production * light,
            consumption=month.consumption * load,
            export=month.export * light,
            grid_import=month.grid_import * load,
            charge=month.charge * light,
            discharge=month.discharge * light,
            irradiation=month.irradiation * light,
        )

    def span(self, days: range) -> Flows:
        """The flows of the covered days among `days` (whole months straight from the cache)."""
        total = Flows()
        day, stop = max(days.start, self.first_day), min(days.stop, self.end_day)
        while day < stop:
            moment = day_date(day)
            covered = self._covered(moment.year, moment.month)
            if day == covered.start and covered.stop <= stop:
                total.add(self.month(moment.year, moment.month))
                day = covered.stop
            else:
                total.add(self.day(day))
                day += 1
        return total

    def total(self) -> Flows:
        if self._total is None:
            self._total = self.span(range(self.first_day, self.end_day))
        return self._total

    def device_share(self, dev: DeviceSpec, flows: Flows) -> DeviceDay:
        """One device's part of the plant's flows: inverters by array size, batteries evenly."""
        share = self._inverter_share.get(dev.dev_id)
        if share is not None:
            return DeviceDay(energy=flows.production * share)
        storage = self._storages.get(dev.dev_id)
        if storage is None:
            return DeviceDay()
        count = len(self._storages)
        hours = _HOURS_PER_ENERGY / storage.rated_kw
        return DeviceDay(
            charge=flows.charge / count,
            discharge=flows.discharge / count,
            charge_hours=flows.charge / count * hours,
            discharge_hours=flows.discharge / count * hours,
        )

    def _covered(self, year: int, month: int) -> range:
        days = month_days(year, month)
        return range(max(days.start, self.first_day), max(min(days.stop, self.end_day), 0))

    def _estimate(self, days: range) -> Flows:
        """A month from an average day: its season and the clouds at its start, middle, end."""
        if not days:
            return Flows()
        seed = self.spec.weather_seed
        samples = (days.start, (days.start + days.stop - 1) // 2, days.stop - 1)
        clouds = sum(cloud_factor(self._noon(day), seed) for day in samples) / len(samples)
        production = self._daily * self._season(samples[1]) * clouds / _MEAN_CLOUDS
        consumption = self._load * (1.0 + 0.05 * math.sin(samples[1] / 9.7 + seed % 1000))
        direct = min(production, consumption * self._direct)
        charge = min(production - direct, self._store, self._store_rate)
        discharge = min(charge * _ROUND_TRIP, consumption - direct)
        count = len(days)
        return Flows(
            production=production * count,
            consumption=consumption * count,
            export=(production - direct - charge) * count,
            grid_import=(consumption - direct - discharge) * count,
            charge=charge * count,
            discharge=discharge * count,
            irradiation=production / (self.spec.capacity_kwp * _PERFORMANCE) * count,
        )

    def _shares(self, year: int, month: int) -> tuple[list[float], list[float]]:
        """Each covered day's share of its month: by the clouds at noon, and by the load."""
        key = (year, month)
        cached = self._day_shares.get(key)
        if cached is None:
            days = self._covered(year, month)
            seed = self.spec.weather_seed
            light = [cloud_factor(self._noon(day), seed) for day in days]
            load = [1.0 + 0.08 * math.sin(day * 2.1 + seed % 1000) for day in days]
            cached = self._day_shares[key] = (_normalised(light), _normalised(load))
        return cached

    def _noon(self, day: int) -> float:
        return day_start(day, self.spec.utc_offset_s) + 12 * HOUR

    def _season(self, day: int) -> float:
        """1 on average over a year; summer above, winter below, more so far from the equator."""
        latitude = self.spec.latitude
        peak = 172 if latitude >= 0 else 355
        amplitude = min(0.7, abs(latitude) / 70.0)
        day_of_year = day_date(day).timetuple().tm_yday
        return 1.0 + amplitude * math.cos(2.0 * math.pi * (day_of_year - peak) / 365.25)


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    return [weight / total for weight in weights]
