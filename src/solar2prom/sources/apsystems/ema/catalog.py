"""The `apsystems_ema_` details and the readings of one EMA poll, core metrics included.

A value that is no finite number once in SI units (a vendor number near the float limit) gives
no reading.
"""

from __future__ import annotations

from collections.abc import Mapping

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import Metric, MetricType, Reading, Scope, Unit
from solar2prom.sources.apsystems.ema.parse import DaySeries

KWH = 3.6e6  # kWh -> J

PANEL_POWER = Metric(
    "apsystems_ema_panel_power_watts",
    "Power of one panel in EMA's module view, latest 5-minute slot.",
    MetricType.GAUGE,
    Unit.WATTS,
    Scope.SITE,
    ("panel",),
)
SLOT_ENERGY = Metric(
    "apsystems_ema_slot_energy_joules",
    "Energy EMA reports for the latest 5-minute slot of the day.",
    MetricType.GAUGE,
    Unit.JOULES,
    Scope.SITE,
)
PEAK_POWER_TODAY = Metric(
    "apsystems_ema_peak_power_today_watts",
    "Highest production power EMA recorded today.",
    MetricType.GAUGE,
    Unit.WATTS,
    Scope.SITE,
)


def vendor_metrics() -> tuple[Metric, ...]:
    return (PANEL_POWER, SLOT_ENERGY, PEAK_POWER_TODAY)


def day_readings(site: str, day: DaySeries | None) -> list[Reading]:
    """Production now, today and the slot details; a day without data has produced 0 J.

    Every value of a sample carries its time; the day totals carry the latest sample's.
    """
    if day is None:
        return [Reading(core.PRODUCTION_ENERGY_TODAY, 0.0, site)]
    sample = day.latest()
    when = sample.time if sample is not None else None
    readings: list[Reading] = []

    def add(metric: Metric, value: float | None, scale: float = 1.0) -> None:
        if (converted := to_si(value, scale)) is not None:
            readings.append(Reading(metric, converted, site, time=when))

    if sample is not None:
        add(core.DATA_TIMESTAMP, sample.time)
        add(core.PRODUCTION_POWER, sample.power_w)
        add(SLOT_ENERGY, sample.energy_kwh, KWH)
    add(core.PRODUCTION_ENERGY_TODAY, day.total_kwh, KWH)
    add(PEAK_POWER_TODAY, day.peak_w)
    return readings


def history_readings(site: str, day: DaySeries, after: float | None) -> list[Reading]:
    """The day's slots newer than `after`, each at its own time, for the history store."""
    readings: list[Reading] = []
    for time, power, energy in zip(day.times, day.power_w, day.energy_kwh, strict=False):
        if time is None or (after is not None and time <= after):
            continue
        if (watts := to_si(power)) is not None:
            readings.append(Reading(core.PRODUCTION_POWER, watts, site, time=time))
        if (joules := to_si(energy, KWH)) is not None:
            readings.append(Reading(SLOT_ENERGY, joules, site, time=time))
    return readings


def lifetime_readings(site: str, lifetime_kwh: float | None) -> list[Reading]:
    joules = to_si(lifetime_kwh, KWH)
    return [] if joules is None else [Reading(core.PRODUCTION_ENERGY_TOTAL, joules, site)]


def panel_readings(site: str, panels: Mapping[str, float], when: float | None) -> list[Reading]:
    return [
        Reading(PANEL_POWER, watts, site, labels=(panel,), time=when)
        for panel, value in sorted(panels.items())
        if (watts := to_si(value)) is not None
    ]
