"""Every `enphase_` metric, and which core metric each gateway figure feeds.

The gateway reports three measurements with the same four figures — power now, energy today,
energy over the last seven days, lifetime energy — in total and per phase: `production`,
`consumption` (total, the house) and `net_consumption` (the grid, + import / − export). They
are one `Measurement` each. Where SPEC §6.1 has a core metric (production and consumption
power, today and lifetime; grid power) the core metric is used, not an `enphase_` copy. Net
lifetime energy is import minus export, so it can fall: a gauge, never a counter.

CT meters are devices (the CT's `eid`) with one metric per figure, and a `_phase_` twin with a
`phase` label ("a", "b", "c"); an aggregate and its phases are never one metric. Energies are
lifetime counters: delivered (for the net CT: imported from the grid) and received (exported).
"""

from __future__ import annotations

from dataclasses import dataclass

from solar2prom.core import metrics as core
from solar2prom.core.model import Metric, MetricType, Scope, Unit

G, C = MetricType.GAUGE, MetricType.COUNTER
WH = 3600.0  # Wh -> J
PERCENT = 0.01
PHASE = ("phase",)
BATTERY_STATES = {0: "idle", 1: "charging", 2: "discharging"}


def _metric(
    name: str,
    help_text: str,
    unit: Unit = Unit.NONE,
    mtype: MetricType = G,
    scope: Scope = Scope.SITE,
    labels: tuple[str, ...] = (),
) -> Metric:
    return Metric(f"enphase_{name}", help_text, mtype, unit, scope, labels)


def _device(name: str, help_text: str, unit: Unit = Unit.NONE, mtype: MetricType = G) -> Metric:
    return _metric(name, help_text, unit, mtype, Scope.DEVICE)


# --- site: production, consumption, net consumption --------------------------------------------


@dataclass(frozen=True, slots=True)
class Measurement:
    """The metrics of one measurement: site totals and per phase."""

    key: str  # the gateway's name for it
    power: Metric
    today: Metric
    last_7_days: Metric
    lifetime: Metric
    phase_power: Metric
    phase_today: Metric
    phase_last_7_days: Metric
    phase_lifetime: Metric


def _measurement(
    key: str, name: str, words: str, power: Metric, today: Metric | None, lifetime: Metric | None
) -> Measurement:
    balanced = lifetime is None  # net energy: import minus export, may decrease

    def phase(suffix: str, help_text: str, unit: Unit, mtype: MetricType = G) -> Metric:
        return _metric(f"{name}_phase_{suffix}", help_text, unit, mtype, labels=PHASE)

    return Measurement(
        key=key,
        power=power,
        today=today
        or _metric(f"{name}_energy_today_joules", f"{words} since local midnight.", Unit.JOULES),
        last_7_days=_metric(
            f"{name}_energy_last_7_days_joules",
            f"{words} over the last seven days, as the gateway counts them.",
            Unit.JOULES,
        ),
        lifetime=lifetime
        or _metric(
            f"{name}_energy_lifetime_joules",
            f"Lifetime {words.lower()}: import minus export, so it can decrease.",
            Unit.JOULES,
        ),
        phase_power=phase("power_watts", f"{words} now, per phase.", Unit.WATTS),
        phase_today=phase(
            "energy_today_joules", f"{words} since local midnight, per phase.", Unit.JOULES
        ),
        phase_last_7_days=phase(
            "energy_last_7_days_joules",
            f"{words} over the last seven days, per phase.",
            Unit.JOULES,
        ),
        phase_lifetime=phase(
            "energy_lifetime_joules" if balanced else "energy_joules_total",
            f"Lifetime {words.lower()} per phase"
            + (": import minus export, so it can decrease." if balanced else "."),
            Unit.JOULES,
            G if balanced else C,
        ),
    )


PRODUCTION = _measurement(
    "production",
    "production",
    "PV production",
    core.PRODUCTION_POWER,
    core.PRODUCTION_ENERGY_TODAY,
    core.PRODUCTION_ENERGY_TOTAL,
)
CONSUMPTION = _measurement(
    "total-consumption",
    "consumption",
    "Consumption",
    core.CONSUMPTION_POWER,
    core.CONSUMPTION_ENERGY_TODAY,
    core.CONSUMPTION_ENERGY_TOTAL,
)
NET_CONSUMPTION = _measurement(
    "net-consumption", "net_consumption", "Net consumption", core.GRID_POWER, None, None
)
MEASUREMENTS = (PRODUCTION, CONSUMPTION, NET_CONSUMPTION)

# --- site: devices and batteries ----------------------------------------------------------------

MICROINVERTERS = _metric("microinverters", "Micro-inverters the gateway reports data for.")
BATTERIES = _metric(
    "batteries", "Batteries the gateway reports: IQ Batteries (Encharge) and AC Batteries."
)
BATTERY_STATE = _metric(
    "battery_state",
    "The batteries together: 0 idle, 1 charging, 2 discharging (words on "
    "enphase_battery_state_info).",
)
BATTERY_STATE_INFO = _metric(
    "battery_state_info",
    "The batteries' state: its code and word; value 1.",
    labels=("code", "state"),
)
BATTERY_AVAILABLE_ENERGY = _metric(
    "battery_available_energy_joules", "Energy stored in the batteries now.", Unit.JOULES
)
BATTERY_CAPACITY = _metric(
    "battery_capacity_joules", "Energy the batteries hold when full.", Unit.JOULES
)
BATTERY_BACKUP_RESERVE = _metric(
    "battery_backup_reserve_ratio",
    "State of charge kept back for outages (IQ Batteries), 0 to 1.",
    Unit.RATIO,
)
TOKEN_EXPIRY = _metric(
    "token_expiry_timestamp_seconds",
    "When the token the gateway accepts expires (firmware 7 and later).",
    Unit.SECONDS,
)

# --- devices: micro-inverters, batteries, everything in /inventory.json ------------------------

PROVISIONED = _device("device_provisioned", "1 if the gateway has provisioned the device, else 0.")
COMMUNICATING = _device(
    "device_communicating", "1 if the device communicates with the gateway, else 0."
)
PRODUCING = _device("device_producing", "1 if the device is producing, else 0.")
OPERATING = _device("device_operating", "1 if the device is operating, else 0.")
MAX_POWER = _device(
    "device_max_power_watts",
    "Highest power the device reported (the gateway's maxReportWatts).",
    Unit.WATTS,
)
LAST_REPORT = _device(
    "device_last_report_timestamp_seconds",
    "When the device last reported to the gateway.",
    Unit.SECONDS,
)
INVERTER_DC_VOLTAGE = _device("inverter_dc_voltage_volts", "DC (panel) voltage.", Unit.VOLTS)
INVERTER_DC_CURRENT = _device("inverter_dc_current_amperes", "DC (panel) current.", Unit.AMPERES)
INVERTER_AC_VOLTAGE = _device("inverter_ac_voltage_volts", "AC voltage.", Unit.VOLTS)
INVERTER_AC_CURRENT = _device("inverter_ac_current_amperes", "AC current.", Unit.AMPERES)
INVERTER_AC_FREQUENCY = _device("inverter_ac_frequency_hertz", "AC frequency.", Unit.HERTZ)
INVERTER_ENERGY_TODAY = _device(
    "inverter_energy_today_joules", "Energy the micro-inverter produced today.", Unit.JOULES
)
BATTERY_SOC = _device(
    "battery_state_of_charge_ratio", "State of charge of one battery, 0 to 1.", Unit.RATIO
)
BATTERY_MAX_CELL_TEMPERATURE = _device(
    "battery_max_cell_temperature_celsius",
    "Temperature of the battery's warmest cell.",
    Unit.CELSIUS,
)
BATTERY_DEVICE_STATE = _device(
    "battery_device_state",
    "One battery: 0 idle, 1 charging, 2 discharging (words on enphase_battery_device_state_info).",
)
BATTERY_DEVICE_STATE_INFO = _metric(
    "battery_device_state_info",
    "One battery's state: its code and word; value 1.",
    scope=Scope.DEVICE,
    labels=("code", "state"),
)

# --- devices: CT meters -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterFigure:
    """One figure of a CT reading (pyenphase `EnvoyMeterData` attribute), in total and per
    phase. `aggregate` is False where the total is meaningless: pyenphase adds up the phase
    voltages."""

    attribute: str
    total: Metric
    phase: Metric
    scale: float = 1.0
    aggregate_multiphase: bool = True


def _meter(
    attribute: str,
    name: str,
    help_text: str,
    unit: Unit,
    mtype: MetricType = G,
    scale: float = 1.0,
    aggregate_multiphase: bool = True,
) -> MeterFigure:
    return MeterFigure(
        attribute,
        _metric(f"meter_{name}", f"{help_text}", unit, mtype, Scope.DEVICE),
        _metric(f"meter_phase_{name}", f"{help_text} Per phase.", unit, mtype, Scope.DEVICE, PHASE),
        scale,
        aggregate_multiphase,
    )


METER_FIGURES = (
    _meter(
        "active_power",
        "power_watts",
        "Active power through the CT; positive flows in the "
        "CT's direction (production: produced; net: imported).",
        Unit.WATTS,
    ),
    _meter(
        "voltage",
        "voltage_volts",
        "RMS voltage (no total on multiphase CTs).",
        Unit.VOLTS,
        aggregate_multiphase=False,
    ),
    _meter("current", "current_amperes", "RMS current.", Unit.AMPERES),
    _meter("power_factor", "power_factor", "Power factor.", Unit.NONE),
    _meter("frequency", "frequency_hertz", "Frequency.", Unit.HERTZ),
    _meter(
        "energy_delivered",
        "energy_delivered_joules_total",
        "Lifetime energy delivered (net CT: imported from the grid).",
        Unit.JOULES,
        C,
        WH,
    ),
    _meter(
        "energy_received",
        "energy_received_joules_total",
        "Lifetime energy received (net CT: exported to the grid).",
        Unit.JOULES,
        C,
        WH,
    ),
)


def vendor_metrics() -> list[Metric]:
    """Every `enphase_` metric this source can export."""
    found: list[Metric] = []
    for measurement in MEASUREMENTS:
        found += [
            measurement.today,
            measurement.last_7_days,
            measurement.lifetime,
            measurement.phase_power,
            measurement.phase_today,
            measurement.phase_last_7_days,
            measurement.phase_lifetime,
        ]
    for figure in METER_FIGURES:
        found += [figure.total, figure.phase]
    found += [
        MICROINVERTERS,
        BATTERIES,
        BATTERY_STATE,
        BATTERY_STATE_INFO,
        BATTERY_AVAILABLE_ENERGY,
        BATTERY_CAPACITY,
        BATTERY_BACKUP_RESERVE,
        TOKEN_EXPIRY,
        PROVISIONED,
        COMMUNICATING,
        PRODUCING,
        OPERATING,
        MAX_POWER,
        LAST_REPORT,
        INVERTER_DC_VOLTAGE,
        INVERTER_DC_CURRENT,
        INVERTER_AC_VOLTAGE,
        INVERTER_AC_CURRENT,
        INVERTER_AC_FREQUENCY,
        INVERTER_ENERGY_TODAY,
        BATTERY_SOC,
        BATTERY_MAX_CELL_TEMPERATURE,
        BATTERY_DEVICE_STATE,
        BATTERY_DEVICE_STATE_INFO,
    ]
    return [m for m in found if m.name.startswith("enphase_")]
