"""The `apsystems_ecu_` detail metrics of an ECU and its inverters (SPEC §6.3).

Everything else an ECU reports feeds the core metrics of SPEC §6.1 (see `readings.py`).
"""

from __future__ import annotations

from solar2prom.core.model import Metric, MetricType, Scope, Unit

G = MetricType.GAUGE

INVERTERS_REGISTERED = Metric(
    "apsystems_ecu_inverters_registered",
    "Inverters registered with the ECU.",
    G,
    Unit.NONE,
    Scope.SITE,
)
INVERTERS_ONLINE = Metric(
    "apsystems_ecu_inverters_online",
    "Inverters the ECU heard from in its last Zigbee round.",
    G,
    Unit.NONE,
    Scope.SITE,
)
EMA_CONTACT = Metric(
    "apsystems_ecu_ema_contact_timestamp_seconds",
    "When the ECU last talked to the EMA cloud, where its system info says (ECU-R-Pro).",
    G,
    Unit.SECONDS,
    Scope.SITE,
)
CHANNEL_POWER = Metric(
    "apsystems_ecu_inverter_channel_power_watts",
    "AC power of one input channel (panel) of an inverter.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
    ("channel",),
)
CHANNEL_VOLTAGE = Metric(
    "apsystems_ecu_inverter_channel_ac_voltage_volts",
    "AC voltage a two-channel inverter (YC600, DS3) reports with each channel.",
    G,
    Unit.VOLTS,
    Scope.DEVICE,
    ("channel",),
)
PHASE_VOLTAGE = Metric(
    "apsystems_ecu_inverter_ac_voltage_volts",
    "AC voltage of a grid phase as the inverter reports it (QS1: one, QT2 / YC1000: three).",
    G,
    Unit.VOLTS,
    Scope.DEVICE,
    ("phase",),
)
FREQUENCY = Metric(
    "apsystems_ecu_inverter_grid_frequency_hertz",
    "Grid frequency measured by the inverter.",
    G,
    Unit.HERTZ,
    Scope.DEVICE,
)
SIGNAL = Metric(
    "apsystems_ecu_inverter_signal_strength_ratio",
    "Zigbee signal level between the ECU and the inverter, 0 to 1 (the ECU's 0-255 / 255).",
    G,
    Unit.RATIO,
    Scope.DEVICE,
)

PHASES = ("a", "b", "c")


def vendor_metrics() -> tuple[Metric, ...]:
    return (
        INVERTERS_REGISTERED,
        INVERTERS_ONLINE,
        EMA_CONTACT,
        CHANNEL_POWER,
        CHANNEL_VOLTAGE,
        PHASE_VOLTAGE,
        FREQUENCY,
        SIGNAL,
    )
