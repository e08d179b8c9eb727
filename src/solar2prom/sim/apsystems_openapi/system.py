"""The simulated system behind the account: each ECU's panels, and a household on the meter.

Production per ECU comes from `apsystems_ema.plant` (the same sun model as the EMA
simulator). A meter ECU also sees the household: a base load with morning and evening peaks,
so that the meter's `imported_exported` power (positive while importing) crosses zero through
the day. Everything is a pure function of time, like the plant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from solar2prom.sim.apsystems_ema.plant import SLOT, PvSystem, Slot, ds3_panels
from solar2prom.sim.apsystems_openapi.config import EcuSpec, OpenApiSimConfig

_HOUR = 3600.0
METER_FLOWS = ("consumed", "exported", "imported", "produced")
# Lifetime meter counters at the start day, relative to the production lifetime.
_LIFETIME_SHARES = {"consumed": 1.6, "imported": 1.1, "exported": 0.5}


@dataclass(frozen=True, slots=True)
class MeterSlot:
    end: float
    produced_w: float
    consumed_w: float

    @property
    def grid_w(self) -> float:
        """Positive while importing."""
        return self.consumed_w - self.produced_w

    def energy_kwh(self, flow: str) -> float:
        watts = {
            "produced": self.produced_w,
            "consumed": self.consumed_w,
            "imported": max(0.0, self.grid_w),
            "exported": max(0.0, -self.grid_w),
        }[flow]
        return watts * SLOT / _HOUR / 1000.0


class SimulatedSystem:
    def __init__(self, config: OpenApiSimConfig, tz: tzinfo, start_day: date) -> None:
        self.config = config
        self.tz = tz
        self.start_day = start_day
        share = config.lifetime_base_kwh / len(config.ecus)
        self.pv: dict[str, PvSystem] = {
            ecu.eid: PvSystem(
                ds3_panels(ecu.inverters, config.panel_peak_w, ecu.first_inverter_uid),
                config.latitude,
                config.longitude,
                tz,
                start_day,
                share,
                config.seed + n,
            )
            for n, ecu in enumerate(config.ecus)
        }
        self._meter_days: dict[tuple[str, date], dict[str, float]] = {}

    def ecu(self, eid: str) -> EcuSpec | None:
        return next((e for e in self.config.ecus if e.eid == eid), None)

    def load_w(self, when: float) -> float:
        local = datetime.fromtimestamp(when, self.tz)
        hour = local.hour + local.minute / 60.0
        morning = 600.0 * math.exp(-(((hour - 7.5) / 1.0) ** 2))
        evening = 1200.0 * math.exp(-(((hour - 19.5) / 1.5) ** 2))
        ripple = 0.15 * math.sin(when / 1700.0 + self.config.seed)
        return round(self.config.base_load_w * (1.0 + ripple) + morning + evening, 2)

    def meter_slots(self, eid: str, day: date, until: float) -> list[MeterSlot]:
        """Every 5-minute slot of the day that ended by `until`, night included."""
        produced = {s.end: s.power_w for s in self.pv[eid].slots(day, until)}
        start = datetime.combine(day, datetime.min.time(), self.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz).timestamp()
        slots = []
        t = start + SLOT
        while t <= min(end, until):
            slots.append(MeterSlot(t, float(produced.get(t, 0)), self.load_w(t - SLOT / 2)))
            t += SLOT
        return slots

    def meter_day(self, eid: str, day: date, until: float) -> dict[str, float]:
        """The day's kWh per flow up to `until` (whole past days are cached)."""
        whole = (
            until
            >= datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz).timestamp()
        )
        if whole and (eid, day) in self._meter_days:
            return self._meter_days[(eid, day)]
        slots = self.meter_slots(eid, day, until)
        totals = {f: sum(s.energy_kwh(f) for s in slots) for f in METER_FLOWS}
        if whole:
            self._meter_days[(eid, day)] = totals
        return totals

    def meter_lifetime(self, eid: str, until: float) -> dict[str, float]:
        pv = self.pv[eid]
        totals = {
            "produced": pv.lifetime_base_kwh,
            **{f: pv.lifetime_base_kwh * share for f, share in _LIFETIME_SHARES.items()},
        }
        today = pv.local_day(until)
        day = self.start_day
        while day <= today:
            for flow, kwh in self.meter_day(eid, day, until).items():
                totals[flow] += kwh
            day += timedelta(days=1)
        return totals

    def slots(self, eid: str, day: date, until: float) -> tuple[Slot, ...]:
        return self.pv[eid].slots(day, until)
