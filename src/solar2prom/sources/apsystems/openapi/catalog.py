"""The `apsystems_openapi_` details, and the readings of what the OpenAPI last said.

Site metrics are sums over the system's ECUs (production) and meters (consumption, grid), of
those that reported; the meter's `imported_exported` power is positive while importing (in the
manual's example, 167.96 W consumed at night with nothing produced is 167.96 imported), the
sign the core grid power uses. A value that is no finite number once in SI units (a vendor
number near the float limit) gives no reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import Metric, MetricType, Reading, Scope, Unit
from solar2prom.sources.apsystems.openapi.parse import (
    BatchPower,
    EcuDay,
    Energies,
    MeterDay,
    SystemDetails,
)

G, C = MetricType.GAUGE, MetricType.COUNTER
KWH = 3.6e6

ECU_POWER = Metric(
    "apsystems_openapi_ecu_power_watts",
    "Production of the ECU's inverters in the newest 5-minute slot.",
    G,
    Unit.WATTS,
)
ECU_SLOT_ENERGY = Metric(
    "apsystems_openapi_ecu_slot_energy_joules",
    "Energy of the ECU's inverters in the newest 5-minute slot.",
    G,
    Unit.JOULES,
)
ECU_ENERGY_TODAY = Metric(
    "apsystems_openapi_ecu_energy_today_joules",
    "Energy of the ECU's inverters today.",
    G,
    Unit.JOULES,
)
ECU_PEAK_TODAY = Metric(
    "apsystems_openapi_ecu_peak_power_today_watts",
    "Highest 5-minute production of the ECU's inverters today.",
    G,
    Unit.WATTS,
)
CHANNEL_POWER = Metric(
    "apsystems_openapi_inverter_channel_power_watts",
    "Power of one input (panel) of a micro-inverter in the newest 5-minute slot.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
    ("channel",),
)
ENERGY_MONTH = Metric(
    "apsystems_openapi_system_energy_this_month_joules",
    "Production of the system this month.",
    G,
    Unit.JOULES,
    Scope.SITE,
)
ENERGY_YEAR = Metric(
    "apsystems_openapi_system_energy_this_year_joules",
    "Production of the system this year.",
    G,
    Unit.JOULES,
    Scope.SITE,
)
STATUS = Metric(
    "apsystems_openapi_system_status",
    "The system's status light: 1 green, 2 yellow, 3 red, 4 grey.",
    G,
    Unit.NONE,
    Scope.SITE,
)
STATUS_INFO = Metric(
    "apsystems_openapi_system_status_info",
    "The system's status light in words; value 1.",
    G,
    Unit.NONE,
    Scope.SITE,
    ("code", "state"),
)
METER_POWER = Metric(
    "apsystems_openapi_meter_power_watts",
    "Meter power in the newest slot: consumed, produced, and imported (positive) or exported "
    "(negative).",
    G,
    Unit.WATTS,
    Scope.DEVICE,
    ("flow",),
)
METER_ENERGY_TODAY = Metric(
    "apsystems_openapi_meter_energy_today_joules",
    "Meter energy today: consumed, exported, imported, produced.",
    G,
    Unit.JOULES,
    Scope.DEVICE,
    ("flow",),
)
METER_ENERGY_TOTAL = Metric(
    "apsystems_openapi_meter_energy_joules_total",
    "Meter energy over its lifetime: consumed, exported, imported, produced.",
    C,
    Unit.JOULES,
    Scope.DEVICE,
    ("flow",),
)
LIGHTS = {1: "normal", 2: "inverter_alarm", 3: "ecu_network_issue", 4: "no_data_yet"}


def vendor_metrics() -> tuple[Metric, ...]:
    return (
        ECU_POWER,
        ECU_SLOT_ENERGY,
        ECU_ENERGY_TODAY,
        ECU_PEAK_TODAY,
        CHANNEL_POWER,
        ENERGY_MONTH,
        ENERGY_YEAR,
        STATUS,
        STATUS_INFO,
        METER_POWER,
        METER_ENERGY_TODAY,
        METER_ENERGY_TOTAL,
    )


@dataclass
class Latest:
    """What each call last said; a poll replaces the parts it asked for."""

    details: SystemDetails | None = None
    summary: Energies | None = None
    ecus: dict[str, EcuDay | None] = field(default_factory=dict)  # None: no data today yet
    batches: dict[str, BatchPower] = field(default_factory=dict)
    meters: dict[str, MeterDay | None] = field(default_factory=dict)
    meter_totals: dict[str, Mapping[str, float]] = field(default_factory=dict)


class _Readings:
    def __init__(self, site: str) -> None:
        self.site = site
        self.items: list[Reading] = []

    def add(
        self,
        metric: Metric,
        value: float | None,
        *,
        scale: float = 1.0,
        device: str = "",
        labels: tuple[str, ...] = (),
        time: float | None = None,
    ) -> None:
        if (converted := to_si(value, scale)) is not None:
            self.items.append(Reading(metric, converted, self.site, device, labels, time))


def _total(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def readings(site: str, latest: Latest) -> list[Reading]:
    out = _Readings(site)
    days = {eid: day for eid, day in latest.ecus.items() if day is not None}
    times = [d.time for d in days.values() if d.time is not None]
    newest = max(times, default=None)
    out.add(core.DATA_TIMESTAMP, newest)
    out.add(core.PRODUCTION_POWER, _total(d.power_w for d in days.values()), time=newest)
    if latest.ecus:
        # An ECU without data today has produced nothing today.
        today = [0.0 if d is None else d.today_kwh for d in latest.ecus.values()]
        out.add(core.PRODUCTION_ENERGY_TODAY, _total(today), scale=KWH, time=newest)
    for eid, day in sorted(days.items()):
        out.add(ECU_POWER, day.power_w, device=eid, time=day.time)
        out.add(ECU_SLOT_ENERGY, day.slot_kwh, scale=KWH, device=eid, time=day.time)
        out.add(ECU_ENERGY_TODAY, day.today_kwh, scale=KWH, device=eid, time=day.time)
        out.add(ECU_PEAK_TODAY, day.peak_w, device=eid, time=day.time)
    for batch in latest.batches.values():
        per_inverter: dict[str, float] = {}
        for (uid, channel), watts in sorted(batch.channels.items()):
            out.add(CHANNEL_POWER, watts, device=uid, labels=(channel,), time=batch.time)
            per_inverter[uid] = per_inverter.get(uid, 0.0) + watts
        for uid, watts in per_inverter.items():
            out.add(core.DEVICE_POWER, watts, device=uid, time=batch.time)
    if latest.summary is not None:
        out.add(core.PRODUCTION_ENERGY_TOTAL, latest.summary.lifetime, scale=KWH)
        out.add(ENERGY_MONTH, latest.summary.month, scale=KWH)
        out.add(ENERGY_YEAR, latest.summary.year, scale=KWH)
    if latest.details is not None and latest.details.light is not None:
        light = latest.details.light
        out.add(STATUS, float(light))
        out.add(STATUS_INFO, 1.0, labels=(str(light), LIGHTS.get(light, "unknown")))
    _meters(out, latest)
    return out.items


def history_readings(
    site: str, ecus: Mapping[str, EcuDay | None], after: Mapping[str, float]
) -> list[Reading]:
    """Each ECU's slots newer than `after[eid]`, each at its own time, for the history store;
    the site's production where every ECU with data has that slot."""
    out = _Readings(site)
    by_time: dict[float, list[float]] = {}
    days = {eid: day for eid, day in ecus.items() if day is not None}
    for eid, day in sorted(days.items()):
        for time, watts, kwh in day.slots:
            if time <= after.get(eid, float("-inf")):
                continue
            out.add(ECU_POWER, watts, device=eid, time=time)
            out.add(ECU_SLOT_ENERGY, kwh, scale=KWH, device=eid, time=time)
            if watts is not None:
                by_time.setdefault(time, []).append(watts)
    for time, values in sorted(by_time.items()):
        if len(values) == len(days):
            out.add(core.PRODUCTION_POWER, sum(values), time=time)
    return out.items


def _meters(out: _Readings, latest: Latest) -> None:
    meters = {eid: day for eid, day in latest.meters.items() if day is not None}
    for eid, day in sorted(meters.items()):
        for flow, watts in sorted(day.power_w.items()):
            out.add(METER_POWER, watts, device=eid, labels=(flow,), time=day.time)
        for flow, kwh in sorted(day.today_kwh.items()):
            out.add(METER_ENERGY_TODAY, kwh, scale=KWH, device=eid, labels=(flow,), time=day.time)
    newest = max((d.time for d in meters.values() if d.time is not None), default=None)
    for target, flow in (
        (core.CONSUMPTION_POWER, "consumed"),
        (core.GRID_POWER, "imported_exported"),
    ):
        out.add(target, _total(d.power_w.get(flow) for d in meters.values()), time=newest)
    consumed_today = _total(d.today_kwh.get("consumed") for d in meters.values())
    out.add(core.CONSUMPTION_ENERGY_TODAY, consumed_today, scale=KWH, time=newest)
    for eid, lifetime in sorted(latest.meter_totals.items()):
        for flow, kwh in sorted(lifetime.items()):
            out.add(METER_ENERGY_TOTAL, kwh, scale=KWH, device=eid, labels=(flow,))
    if latest.meter_totals:
        totals = list(latest.meter_totals.values())
        for target, flow in (
            (core.CONSUMPTION_ENERGY_TOTAL, "consumed"),
            (core.GRID_IMPORT_ENERGY_TOTAL, "imported"),
            (core.GRID_EXPORT_ENERGY_TOTAL, "exported"),
        ):
            # A partial sum of lifetime counters would look like a counter going backwards.
            values = [t.get(flow) for t in totals]
            if all(v is not None for v in values):
                out.add(target, _total(values), scale=KWH)
