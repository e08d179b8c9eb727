"""The physics of the built-in installation: micro-inverters, a household, an IQ Battery, CTs.

State is advanced on demand in steps of at most a minute: a request at time `now` integrates
energy up to `now`, then reads the state, so requests at increasing times see monotonic
lifetime counters and values that agree with each other. Energy flow per step: PV power
(sun.py for the site, each micro-inverter with its own small loss factor, clipped at its AC
rating) → household load → the battery takes the surplus or covers the deficit within its
power and reserve limits → the rest crosses the grid CT (positive = import, Enphase's sign).

Day totals reset at the gateway's local midnight, and the last seven complete days are kept
for the "last seven days" figures, as the gateway does.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

from solar2prom.core.timezones import resolve_timezone
from solar2prom.sim.sun import ambient_temperature, production_fraction

_STEP = 60.0
_MAX_CATCH_UP = 3 * 86400.0  # a longer gap (clock jump) restarts integration close to `now`
_YEAR_HOURS = 8766.0


@dataclass(frozen=True, slots=True)
class SystemConfig:
    """The built-in installation. Identifiers carry a 9999 marker: they are not real."""

    serial: str = "202499990001"
    firmware: str = "8.2.4345"
    part_number: str = "800-00654-r08"
    latitude: float = 52.09
    longitude: float = 5.12
    timezone: str = "Europe/Amsterdam"
    inverters: int = 16
    inverter_watts: float = 325.0  # AC rating of one micro-inverter
    battery_wh: float = 5000.0
    battery_watts: float = 3840.0
    battery_reserve: float = 0.10
    base_load_watts: float = 260.0
    voltage: float = 231.0
    frequency: float = 50.0
    age_years: float = 2.0
    seed: int = 7

    def inverter_serial(self, index: int) -> str:
        return f"48222999{index + 1:04d}"

    @property
    def battery_serial(self) -> str:
        return "202499990101"


@dataclass
class DayTotals:
    production: float = 0.0
    consumption: float = 0.0
    imported: float = 0.0
    exported: float = 0.0
    inverter_max: list[float] = field(default_factory=list)


class SystemState:
    """The installation at time `t`: powers (W) of the last step and counters (Wh)."""

    def __init__(self, config: SystemConfig, start: float) -> None:
        self.config = config
        self.tz = resolve_timezone(config.timezone)
        # Each micro-inverter loses a little more or less (shading, wiring): 92 % to 99 %.
        self.factors = [
            0.92 + 0.07 * (0.5 + 0.5 * math.sin(config.seed * 7.3 + i * 2.1))
            for i in range(config.inverters)
        ]
        peak = config.inverters * config.inverter_watts
        hours = config.age_years * _YEAR_HOURS
        self.t = start - _STEP
        self.production_wh = peak * hours * 0.11
        self.consumption_wh = config.base_load_watts * hours * 1.6
        self.imported_wh = self.consumption_wh * 0.55
        self.exported_wh = self.production_wh * 0.45
        self.inverter_wh = [self.production_wh * f / sum(self.factors) for f in self.factors]
        self.soc_wh = config.battery_wh * 0.5
        self.charged_wh = config.battery_wh * 300
        self.discharged_wh = self.charged_wh * 0.93
        self.inverter_w = [0.0] * config.inverters
        self.load_w = config.base_load_watts
        self.battery_w = 0.0  # positive while discharging
        self.day = self.local_date(self.t)
        self.today = DayTotals(inverter_max=[0.0] * config.inverters)
        self.history: deque[DayTotals] = deque(maxlen=7)

    def local_date(self, when: float) -> date:
        return datetime.fromtimestamp(when, self.tz).date()

    @property
    def production_w(self) -> float:
        return sum(self.inverter_w)

    @property
    def grid_w(self) -> float:
        return self.load_w - self.production_w - self.battery_w

    @property
    def soc(self) -> float:
        return self.soc_wh / self.config.battery_wh

    def last_seven_days(self, name: str) -> float:
        return float(sum(getattr(day, name) for day in self.history))

    def advance(self, now: float) -> None:
        if now - self.t > _MAX_CATCH_UP:
            self.t = now - _MAX_CATCH_UP
        while self.t < now:
            step = min(_STEP, now - self.t)
            self._step(self.t + step, step)
            self.t += step

    def _step(self, when: float, seconds: float) -> None:
        day = self.local_date(when)
        if day != self.day:
            self.history.append(self.today)
            self.today = DayTotals(inverter_max=[0.0] * self.config.inverters)
            self.day = day
        config = self.config
        fraction = production_fraction(config.latitude, config.longitude, when, config.seed)
        self.inverter_w = [
            min(config.inverter_watts, config.inverter_watts * 1.05 * fraction * f)
            for f in self.factors
        ]
        self.load_w = self._load(when)
        self.battery_w = self._battery(self.load_w - self.production_w, seconds)
        hours = seconds / 3600.0
        produced = self.production_w * hours
        grid = self.grid_w * hours
        self.production_wh += produced
        self.consumption_wh += self.load_w * hours
        self.imported_wh += max(grid, 0.0)
        self.exported_wh += max(-grid, 0.0)
        for i, watts in enumerate(self.inverter_w):
            self.inverter_wh[i] += watts * hours
            self.today.inverter_max[i] = max(self.today.inverter_max[i], watts)
        self.today.production += produced
        self.today.consumption += self.load_w * hours
        self.today.imported += max(grid, 0.0)
        self.today.exported += max(-grid, 0.0)

    def _load(self, when: float) -> float:
        """A household: a base load, breakfast and evening peaks, appliances switching."""
        local = datetime.fromtimestamp(when, self.tz)
        hour = local.hour + local.minute / 60.0
        morning = 900.0 * math.exp(-(((hour - 7.5) / 0.8) ** 2))
        evening = 1400.0 * math.exp(-(((hour - 19.0) / 1.6) ** 2))
        appliances = 350.0 * max(0.0, math.sin(when / 1700.0 + self.config.seed)) ** 3
        return self.config.base_load_watts + morning + evening + appliances

    def _battery(self, deficit: float, seconds: float) -> float:
        """Power the battery gives (+) or takes (-) this step, and its new charge."""
        config = self.config
        hours = seconds / 3600.0
        reserve = config.battery_reserve * config.battery_wh
        if deficit > 0:
            available = max(0.0, self.soc_wh - reserve) / hours
            watts = min(deficit, config.battery_watts, available)
            self.soc_wh -= watts * hours
            self.discharged_wh += watts * hours
            return watts
        room = max(0.0, config.battery_wh - self.soc_wh) / hours
        watts = min(-deficit, config.battery_watts, room)
        self.soc_wh += watts * hours
        self.charged_wh += watts * hours
        return -watts

    def inverter_temperature(self, index: int, when: float) -> float:
        config = self.config
        ambient = ambient_temperature(config.latitude, config.longitude, when)
        return ambient + 25.0 * self.inverter_w[index] / config.inverter_watts
