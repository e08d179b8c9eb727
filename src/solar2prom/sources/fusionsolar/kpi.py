"""Plant and device KPIs (`getKpiStation*`, `getDevKpi*`): the vendor's own hour/day/month/year
figures — what real-time data lacks (self-consumption, grid import and export, battery charge
and discharge, performance ratio).

Every row becomes a past sample at its bucket's start (`collectTime`); the newest bucket of
each period is also exported live, so `fusionsolar_plant_day_feed_in_energy_joules` is today's
feed-in so far. Metric names follow `fusionsolar_<plant|inverter|battery|ess>_<period>_<item>`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import Metric, MetricType, Reading, Scope, Unit
from solar2prom.core.values import counted_number
from solar2prom.sources.fusionsolar.parse import IMPLAUSIBLE, api_rows, collect_time

PERIODS = ("hour", "day", "month", "year")
PLANT_APIS = {
    "hour": "getKpiStationHour",
    "day": "getKpiStationDay",
    "month": "getKpiStationMonth",
    "year": "getKpiStationYear",
}
DEVICE_APIS = {"day": "getDevKpiDay", "month": "getDevKpiMonth", "year": "getDevKpiYear"}

KWH = 3.6e6
TONNE = 1e6  # grams


@dataclass(frozen=True, slots=True)
class KpiItem:
    suffix: str
    help: str
    unit: Unit
    scale: float = 1.0
    labels: tuple[str, ...] = ()


# Reference §6.4: the hour keys, the day/month/year keys, and the camelCase keys of newer accounts.
PLANT_ITEMS: Mapping[str, KpiItem] = {
    "radiation_intensity": KpiItem(
        "irradiation_joules_per_square_meter",
        "Global irradiation",
        Unit.JOULES_PER_SQUARE_METER,
        KWH,
    ),
    "theory_power": KpiItem("theoretical_yield_joules", "Theoretical yield", Unit.JOULES, KWH),
    "inverter_power": KpiItem("inverter_yield_joules", "Inverter yield", Unit.JOULES, KWH),
    "inverterYield": KpiItem("inverter_yield_joules", "Inverter yield", Unit.JOULES, KWH),
    "PVYield": KpiItem("pv_yield_joules", "PV yield", Unit.JOULES, KWH),
    "ongrid_power": KpiItem("feed_in_energy_joules", "Energy fed into the grid", Unit.JOULES, KWH),
    "buyPower": KpiItem(
        "grid_import_energy_joules", "Energy bought from the grid", Unit.JOULES, KWH
    ),
    "use_power": KpiItem("consumption_energy_joules", "Consumption", Unit.JOULES, KWH),
    "selfUsePower": KpiItem(
        "self_consumption_energy_joules", "PV energy consumed on site", Unit.JOULES, KWH
    ),
    "selfProvide": KpiItem(
        "self_provided_energy_joules", "Consumption covered on site", Unit.JOULES, KWH
    ),
    "chargeCap": KpiItem("battery_charge_energy_joules", "Battery charge", Unit.JOULES, KWH),
    "dischargeCap": KpiItem(
        "battery_discharge_energy_joules", "Battery discharge", Unit.JOULES, KWH
    ),
    "power_profit": KpiItem(
        "revenue_currency", "Revenue in the plant's currency", Unit.CURRENCY, 1.0, ("currency",)
    ),
    "installed_capacity": KpiItem(
        "installed_capacity_watts", "Installed capacity", Unit.WATTS, 1e3
    ),
    # Documented with unit "kWh", but the values are percentages (reference §6.4).
    "performance_ratio": KpiItem("performance_ratio", "Performance ratio", Unit.RATIO, 0.01),
    # kWh per kWp: equivalent full-load hours.
    "perpower_ratio": KpiItem(
        "specific_yield_seconds", "Specific yield (full-load time)", Unit.SECONDS, 3600.0
    ),
    "reduction_total_co2": KpiItem("co2_avoided_grams", "CO2 avoided", Unit.NONE, TONNE),
    "reduction_total_coal": KpiItem("coal_saved_grams", "Standard coal saved", Unit.NONE, TONNE),
    "reduction_total_tree": KpiItem("trees_equivalent", "Equivalent trees planted", Unit.COUNT),
}

# Reference §6.8, by device type.
DEVICE_ITEMS: Mapping[int, tuple[str, Mapping[str, KpiItem]]] = {
    **{
        t: (
            "inverter",
            {
                "product_power": KpiItem("yield_joules", "Yield", Unit.JOULES, KWH),
                "perpower_ratio": KpiItem(
                    "specific_yield_seconds", "Specific yield (full-load time)", Unit.SECONDS, 3600
                ),
                "installed_capacity": KpiItem(
                    "installed_capacity_watts", "Installed capacity", Unit.WATTS, 1e3
                ),
            },
        )
        for t in (1, 38)
    },
    39: (
        "battery",
        {
            "charge_cap": KpiItem("charge_energy_joules", "Charged energy", Unit.JOULES, KWH),
            "discharge_cap": KpiItem(
                "discharge_energy_joules", "Discharged energy", Unit.JOULES, KWH
            ),
            "charge_time": KpiItem("charge_seconds", "Time spent charging", Unit.SECONDS, 3600),
            "discharge_time": KpiItem(
                "discharge_seconds", "Time spent discharging", Unit.SECONDS, 3600
            ),
        },
    ),
    41: (
        "ess",
        {
            "charge_cap": KpiItem("charge_energy_joules", "Charged energy", Unit.JOULES, KWH),
            "discharge_cap": KpiItem(
                "discharge_energy_joules", "Discharged energy", Unit.JOULES, KWH
            ),
        },
    ),
}


def _metric(prefix: str, period: str, item: KpiItem, scope: Scope) -> Metric:
    what = "hour" if period == "hour" else period
    return Metric(
        f"fusionsolar_{prefix}_{period}_{item.suffix}",
        f"{item.help} of the {what} (the vendor's KPI; the newest {what} is the one in progress).",
        MetricType.GAUGE,
        item.unit,
        scope,
        item.labels,
    )


_PLANT_METRICS: dict[tuple[str, str], Metric] = {
    (period, key): _metric("plant", period, item, Scope.SITE)
    for period in PERIODS
    for key, item in PLANT_ITEMS.items()
}
_DEVICE_METRICS: dict[tuple[int, str, str], Metric] = {
    (type_id, period, key): _metric(prefix, period, item, Scope.DEVICE)
    for type_id, (prefix, items) in DEVICE_ITEMS.items()
    for period in DEVICE_APIS
    for key, item in items.items()
}


def kpi_metrics() -> tuple[Metric, ...]:
    """Every metric this module can produce, once each (for the docs check)."""
    seen = {m.name: m for m in (*_PLANT_METRICS.values(), *_DEVICE_METRICS.values())}
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class KpiRows:
    """Parsed KPI rows: every bucket as a past sample, the newest bucket as live readings."""

    history: tuple[Reading, ...]
    latest: tuple[Reading, ...]
    rejected: Counter[str]


def _rows(data: Any) -> Iterable[Mapping[str, Any]]:
    return (row for row in api_rows(data) if isinstance(row.get("dataItemMap"), Mapping))


def _readings(
    rows: Iterable[tuple[float, str, str, Mapping[str, Any]]],
    metric_for: Callable[[str], tuple[Metric, float] | None],
    currency: str,
) -> KpiRows:
    """rows: (time, site, device, dataItemMap); `metric_for` maps a key to (metric, scale)."""
    # Keyed by series and time: old and new key spellings of one figure (`inverter_power`,
    # `inverterYield`) feed the same metric and must give one sample, not two.
    history: dict[tuple[str, str, str, tuple[str, ...], float], Reading] = {}
    newest: dict[tuple[str, str, str], Reading] = {}
    rejected: Counter[str] = Counter()
    for time, site, device, items in rows:
        for key, raw in items.items():
            found = metric_for(key)
            if found is None:
                continue
            metric, scale = found
            value = counted_number(raw, rejected)
            if value is None:
                continue
            converted = to_si(value, scale)
            if converted is None:
                rejected[IMPLAUSIBLE] += 1
                continue
            labels = (currency,) if metric.labels else ()
            reading = Reading(metric, converted, site, device, labels, time)
            history[(*reading.key, time)] = reading
            key_ = (metric.name, site, device)
            if key_ not in newest or (newest[key_].time or 0) <= time:
                newest[key_] = reading
    return KpiRows(tuple(history.values()), tuple(newest.values()), rejected)


def plant_kpis(period: str, data: Any, currency: str) -> KpiRows:
    """Rows of `getKpiStation<Period>`; the day's newest consumption also feeds the core."""

    def metric_for(key: str) -> tuple[Metric, float] | None:
        item = PLANT_ITEMS.get(key)
        return (_PLANT_METRICS[(period, key)], item.scale) if item else None

    rows = [
        (t, str(row.get("stationCode") or ""), "", row["dataItemMap"])
        for row in _rows(data)
        if (t := collect_time(row.get("collectTime"))) is not None
    ]
    parsed = _readings(rows, metric_for, currency)
    if period != "day":
        return parsed
    consumption = _PLANT_METRICS[("day", "use_power")].name
    core_today = tuple(
        Reading(core.CONSUMPTION_ENERGY_TODAY, r.value, r.site, time=r.time)
        for r in parsed.latest
        if r.metric.name == consumption
    )
    return KpiRows(parsed.history, parsed.latest + core_today, parsed.rejected)


def device_kpis(period: str, type_id: int, data: Any, sites: Mapping[str, str]) -> KpiRows:
    """Rows of `getDevKpi<Period>` for one device type; `sites` maps device ID -> plant code."""
    _, items = DEVICE_ITEMS[type_id]

    def metric_for(key: str) -> tuple[Metric, float] | None:
        item = items.get(key)
        return (_DEVICE_METRICS[(type_id, period, key)], item.scale) if item else None

    rows: list[tuple[float, str, str, Mapping[str, Any]]] = []
    for row in _rows(data):
        device = str(row.get("devId") or "")
        time = collect_time(row.get("collectTime"))
        if time is not None and device in sites:
            rows.append((time, sites[device], device, row["dataItemMap"]))
    return _readings(rows, metric_for, "")
