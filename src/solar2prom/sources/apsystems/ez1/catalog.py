"""The `apsystems_ez1_` detail metrics of an EZ1 micro-inverter (SPEC §6.3).

Power and energies also feed the core metrics of SPEC §6.1 (see `readings.py`).
"""

from __future__ import annotations

from solar2prom.core.model import Metric, MetricType, Scope, Unit

G, C = MetricType.GAUGE, MetricType.COUNTER

CHANNEL_POWER = Metric(
    "apsystems_ez1_channel_power_watts",
    "Power of one input channel (panel) of the EZ1.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
    ("channel",),
)
CHANNEL_ENERGY_SINCE_STARTUP = Metric(
    "apsystems_ez1_channel_energy_since_startup_joules",
    "Energy of one input channel since the inverter last started (it starts every morning).",
    G,
    Unit.JOULES,
    Scope.DEVICE,
    ("channel",),
)
CHANNEL_ENERGY_TOTAL = Metric(
    "apsystems_ez1_channel_energy_joules_total",
    "Lifetime energy of one input channel.",
    C,
    Unit.JOULES,
    Scope.DEVICE,
    ("channel",),
)
POWER_LIMIT = Metric(
    "apsystems_ez1_power_limit_watts",
    "The output power limit set on the inverter.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
)
POWER_LIMIT_MIN = Metric(
    "apsystems_ez1_power_limit_min_watts",
    "The lowest output power limit the inverter accepts.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
)
POWER_LIMIT_MAX = Metric(
    "apsystems_ez1_power_limit_max_watts",
    "The highest output power limit the inverter accepts (its rating).",
    G,
    Unit.WATTS,
    Scope.DEVICE,
)
ALARM = Metric(
    "apsystems_ez1_alarm",
    "1 while the alarm is raised, else 0.",
    G,
    Unit.NONE,
    Scope.DEVICE,
    ("alarm",),
)
OUTPUT_STATE = Metric(
    "apsystems_ez1_output_state",
    "The inverter's on/off code: 0 output on, 1 output off.",
    G,
    Unit.NONE,
    Scope.DEVICE,
)
OUTPUT_STATE_INFO = Metric(
    "apsystems_ez1_output_state_info",
    "The on/off code with its meaning; value 1.",
    G,
    Unit.NONE,
    Scope.DEVICE,
    ("code", "state"),
)

# `getAlarm` keys and what they mean (EZ1 Local API manual).
ALARMS = {
    "og": "off_grid",
    "isce1": "dc1_short_circuit",
    "isce2": "dc2_short_circuit",
    "oe": "output_fault",
}
OUTPUT_STATES = {0: "on", 1: "off"}


def vendor_metrics() -> tuple[Metric, ...]:
    return (
        CHANNEL_POWER,
        CHANNEL_ENERGY_SINCE_STARTUP,
        CHANNEL_ENERGY_TOTAL,
        POWER_LIMIT,
        POWER_LIMIT_MIN,
        POWER_LIMIT_MAX,
        ALARM,
        OUTPUT_STATE,
        OUTPUT_STATE_INFO,
    )
