"""apsystems2prom's `ap_*` series (SPEC §6.4): its names, units and update rule, its bugs fixed.

The values are apsystems2prom's, in its units (W and kWh, not SI): the newest 5-minute slot's
power and energy, the day's total and peak, the lifetime, and each panel's latest power. They
change only when EMA returns a sample newer than the last one taken, so a repeated answer never
moves them. Fixed on purpose (docs/vendors/apsystems-ema.md lists every deviation):

- `ap_total` and `ap_max` read 0 from the system's local midnight until the new day's first
  sample, instead of keeping yesterday's values until then;
- a day without data yet (EMA's HTTP 204 or empty lists) is "nothing produced today", not a
  crash: a fresh start then shows 0 for the day's values rather than no series;
- a sample older than the last one taken does not roll the values back (apsystems2prom
  compared for inequality only);
- the panel set is that of the newest sample: a panel that disappeared from EMA loses its
  series instead of keeping its last value forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo

from solar2prom.core.model import Metric, MetricType, Reading, Scope, Unit
from solar2prom.core.timezones import local_date
from solar2prom.sources.apsystems.ema.parse import DaySeries


def _compat(name: str, help_text: str, labels: tuple[str, ...] = ()) -> Metric:
    return Metric(name, help_text, MetricType.GAUGE, Unit.NONE, Scope.GLOBAL, labels)


AP_POWER = _compat("ap_power", "Production power of the latest 5-minute slot, in W.")
AP_ENERGY = _compat("ap_energy", "Energy of the latest 5-minute slot, in kWh.")
AP_TOTAL = _compat("ap_total", "Energy produced today, in kWh.")
AP_MAX = _compat("ap_max", "Peak production power of today, in W.")
AP_LIFETIME = _compat("ap_lifetime", "Lifetime production, in kWh.")
AP_PANELS = _compat("ap_panels", "Power of each panel in the latest slot, in W.", ("panel_id",))


def compat_metrics() -> tuple[Metric, ...]:
    return (AP_POWER, AP_ENERGY, AP_TOTAL, AP_MAX, AP_LIFETIME, AP_PANELS)


@dataclass
class CompatState:
    """The values apsystems2prom would show, and the sample and local day they belong to."""

    sample_time: float | None = None
    day: date | None = None
    power: float | None = None
    energy: float | None = None
    total: float | None = None
    peak: float | None = None
    lifetime: float | None = None
    panels: dict[str, float] = field(default_factory=dict)

    def observe(
        self,
        series: DaySeries | None,
        lifetime: float | None,
        panels: Mapping[str, float],
        today: date,
        tz: tzinfo,
    ) -> None:
        """Take one poll's answers; `series` None means EMA has no data for `today` yet."""
        if series is None:
            if self.day != today:
                self.day, self.total, self.peak = today, 0.0, 0.0
                self.power = 0.0 if self.power is None else self.power
                self.energy = 0.0 if self.energy is None else self.energy
            return
        sample = series.latest()
        if sample is None or (self.sample_time is not None and sample.time <= self.sample_time):
            return
        self.sample_time = sample.time
        self.day = local_date(sample.time, tz)
        for name, value in (
            ("power", sample.power_w),
            ("energy", sample.energy_kwh),
            ("total", series.total_kwh),
            ("peak", series.peak_w),
            ("lifetime", lifetime),
        ):
            if value is not None:
                setattr(self, name, value)
        self.panels = dict(panels)

    def readings(self, today: date) -> list[Reading]:
        """The series to export on `today` (the system's local date)."""
        new_day = self.day is not None and self.day < today
        values = (
            (AP_POWER, self.power),
            (AP_ENERGY, self.energy),
            (AP_TOTAL, 0.0 if new_day else self.total),
            (AP_MAX, 0.0 if new_day else self.peak),
            (AP_LIFETIME, self.lifetime),
        )
        readings = [Reading(metric, value) for metric, value in values if value is not None]
        readings += [
            Reading(AP_PANELS, value, labels=(panel,))
            for panel, value in sorted(self.panels.items())
        ]
        return readings
