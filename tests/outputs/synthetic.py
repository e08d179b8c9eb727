"""A made-up vendor's snapshot with every device kind and every unit of the core model.

The MQTT output must handle whatever a future vendor sends, so this vendor ("acme") has one
device of each `DeviceKind`, one metric of each `Unit` (counters and gauges where both make
sense), labelled families, `_info` state series, alarm-like series with many labels, a
compatibility series without standard labels, and IDs that are awkward as MQTT topics.
"""

from __future__ import annotations

from solar2prom.core import metrics as m
from solar2prom.core.model import (
    BudgetStatus,
    Device,
    DeviceKind,
    Metric,
    MetricType,
    Reading,
    Scope,
    Site,
    Snapshot,
    SourceHealth,
    SourceState,
    Unit,
)

G, C = MetricType.GAUGE, MetricType.COUNTER
NOW = 1_750_000_000.0
SITE = "plant/1 #a"  # a slash, a space and a hash: none may become topic structure
OTHER_SITE = "NE=42"


def _m(name: str, unit: Unit, mtype: MetricType = G, labels: tuple[str, ...] = ()) -> Metric:
    return Metric(f"acme_{name}", f"acme {name}", mtype, unit, Scope.DEVICE, labels)


# One vendor metric per unit; the value each device reports for it.
VENDOR: list[tuple[Metric, float, tuple[str, ...]]] = [
    (_m("ac_power_watts", Unit.WATTS), 1234.5, ()),
    (_m("energy_today_joules", Unit.JOULES), 7.2e6, ()),
    (_m("energy_joules_total", Unit.JOULES, C), 3.6e10, ()),
    (_m("rolling_energy_joules", Unit.JOULES), 1.8e6, ()),
    (_m("string_voltage_volts", Unit.VOLTS, labels=("string",)), 351.2, ("1",)),
    (_m("string_voltage_volts", Unit.VOLTS, labels=("string",)), 349.8, ("2",)),
    (_m("phase_current_amperes", Unit.AMPERES, labels=("phase",)), 4.25, ("a",)),
    (_m("grid_frequency_hertz", Unit.HERTZ), 50.01, ()),
    (_m("heatsink_temperature_celsius", Unit.CELSIUS), 41.5, ()),
    (_m("state_of_charge_ratio", Unit.RATIO), 0.875, ()),
    (_m("efficiency_ratio", Unit.RATIO), 0.981, ()),
    (_m("startup_timestamp_seconds", Unit.SECONDS), NOW - 3600, ()),
    (_m("uptime_seconds", Unit.SECONDS), 3600.0, ()),
    (_m("apparent_power_volt_amperes", Unit.VOLT_AMPERES), 1300.0, ()),
    (_m("reactive_power_vars", Unit.VARS), -120.0, ()),
    (_m("reactive_energy_var_seconds_total", Unit.VAR_SECONDS, C), 7.2e8, ()),
    (_m("irradiance_watts_per_square_meter", Unit.WATTS_PER_SQUARE_METER), 812.0, ()),
    (_m("irradiation_today_joules_per_square_meter", Unit.JOULES_PER_SQUARE_METER), 1.8e7, ()),
    (_m("wind_speed_meters_per_second", Unit.METERS_PER_SECOND), 3.4, ()),
    (_m("wind_direction_degrees", Unit.DEGREES), 270.0, ()),
    (_m("signal_dbm", Unit.DBM), -67.0, ()),
    (_m("revenue_currency_total", Unit.CURRENCY, C, ("currency",)), 1234.56, ("EUR",)),
    (_m("revenue_today_currency", Unit.CURRENCY, labels=("currency",)), 3.21, ("",)),
    (_m("restarts", Unit.COUNT), 2.0, ()),
    (_m("resets_total", Unit.NONE, C), 5.0, ()),
    (_m("power_factor", Unit.NONE), 0.99, ()),
    (_m("state", Unit.NONE), 512.0, ()),
    (_m("state_info", Unit.NONE, labels=("code", "state")), 1.0, ("512", "Grid-connected")),
    (_m("firmware_info", Unit.NONE, labels=("version",)), 1.0, ("1.2.3",)),
]
# Series that are deliberately not entities.
ALARM = Metric(
    "acme_alarm_raised_timestamp_seconds",
    "alarm",
    G,
    Unit.SECONDS,
    Scope.SITE,
    ("device", "alarm_id", "name"),
)
COMPAT = Metric("ap_power", "compat", G, Unit.WATTS, Scope.GLOBAL)
QUOTA = Metric("acme_quota_used", "calls used", G, Unit.COUNT, Scope.SOURCE)

SITE_VALUES: dict[Metric, float] = {
    m.PRODUCTION_POWER: 5120.0,
    m.PRODUCTION_ENERGY_TODAY: 4.32e7,
    m.PRODUCTION_ENERGY_TOTAL: 1.08e11,
    m.CONSUMPTION_POWER: 830.0,
    m.CONSUMPTION_ENERGY_TODAY: 2.16e7,
    m.CONSUMPTION_ENERGY_TOTAL: 5.4e10,
    m.GRID_POWER: -2890.0,
    m.GRID_IMPORT_ENERGY_TOTAL: 3.6e10,
    m.GRID_EXPORT_ENERGY_TOTAL: 7.2e10,
    m.BATTERY_POWER: -1400.0,
    m.BATTERY_SOC: 0.64,
    m.DATA_TIMESTAMP: NOW - 120,
}
DEVICE_VALUES: dict[Metric, float] = {
    m.DEVICE_POWER: 1234.5,
    m.DEVICE_ENERGY_TOTAL: 3.6e10,
    m.DEVICE_ONLINE: 1.0,
    m.DEVICE_TEMPERATURE: 38.5,
}
ENERGY_UNITS = {Unit.JOULES, Unit.VAR_SECONDS, Unit.JOULES_PER_SQUARE_METER}


def device_id(kind: DeviceKind) -> str:
    return f"{kind.value}+SN/{list(DeviceKind).index(kind):02d}"


def devices() -> tuple[Device, ...]:
    return tuple(
        Device(
            device_id(kind),
            SITE,
            kind,
            model=f"Acme {kind.value.title()} 3000",
            firmware="V1.2.3",
            name=f"Acme {kind.value}",
            serial=f"SN-{i:04d}",
        )
        for i, kind in enumerate(DeviceKind)
    )


def readings(with_energy: bool = True) -> tuple[Reading, ...]:
    out: list[Reading] = [Reading(k, v, site=SITE) for k, v in SITE_VALUES.items()]
    out += [Reading(m.PRODUCTION_POWER, 0.0, site=OTHER_SITE)]
    for device in devices():
        out += [Reading(k, v, SITE, device.id) for k, v in DEVICE_VALUES.items()]
        out += [Reading(k, v, SITE, device.id, labels) for k, v, labels in VENDOR]
    out += [
        Reading(ALARM, NOW - 60, SITE, labels=(device_id(DeviceKind.INVERTER), "2064", "fan")),
        Reading(COMPAT, 5120.0),
        Reading(QUOTA, 17.0),
    ]
    if not with_energy:
        out = [r for r in out if r.metric.unit not in ENERGY_UNITS]
    return tuple(out)


def snapshot(with_energy: bool = True, taken_at: float = NOW) -> Snapshot:
    return Snapshot(
        source="synth",
        vendor="acme",
        taken_at=taken_at,
        health=SourceHealth(
            state=SourceState.UP,
            up=True,
            last_success=taken_at - 5,
            poll_duration=1.25,
            next_poll=taken_at + 55,
            budgets=(BudgetStatus("realtime", "5m", 6, 2), BudgetStatus("openapi", "day", 30, 29)),
            notes=("no rights to batteries",),
        ),
        sites=(
            Site(SITE, "Acme Roof", "acme", timezone="Europe/Berlin"),
            Site(OTHER_SITE, "Acme Barn", "acme"),
        ),
        devices=devices(),
        readings=readings(with_energy),
    )
