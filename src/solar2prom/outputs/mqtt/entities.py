"""How Home Assistant should see a metric: platform, device class, unit, state class, scale.

Derived only from the core model (`Metric.unit`, `Metric.type`, and the naming conventions of
SPEC §6), never from a vendor: a new vendor's metrics get the right entities by themselves.
Home Assistant wants kWh and percent where we keep joules and ratios, so values are converted
here, once, and the topic name says the published unit (`..._kwh_total`, `..._percent`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from solar2prom.core import metrics as core
from solar2prom.core.model import Metric, MetricType, Unit

SENSOR, BINARY_SENSOR = "sensor", "binary_sensor"
MEASUREMENT, TOTAL, TOTAL_INCREASING = "measurement", "total", "total_increasing"
KWH = 1 / 3.6e6  # joules -> kWh (and var·s -> kvarh)

# Totals that restart at a calendar boundary: Home Assistant's `total_increasing` reads the
# drop to 0 as a new cycle, which is exactly right for them (and wrong for rolling windows).
_CALENDAR_TOTAL = re.compile(r"_(today|this_month|this_year)(_|$)")
_TIMESTAMP = "_timestamp_seconds"


@dataclass(frozen=True, slots=True)
class Kind:
    platform: str = SENSOR
    device_class: str | None = None
    unit: str | None = None
    state_class: str | None = None
    scale: float = 1.0  # published value = SI value x scale
    topic_unit: str | None = None  # replaces the SI unit in the topic name when converted
    precision: int | None = None  # suggested_display_precision
    timestamp: bool = False  # published as an ISO 8601 date, the unit dropped from the topic

    def payload(self, value: float) -> str | None:
        """The state message for a value, or None when it must not be published at all."""
        if not math.isfinite(value):
            return None
        if self.timestamp:
            return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
        scaled = value * self.scale
        # A negative running total is an error in Home Assistant, and a transient low value
        # would be read as a meter reset that double-counts the lifetime energy.
        if self.state_class == TOTAL_INCREASING and scaled < 0:
            return None
        return format_number(scaled)


def format_number(value: float) -> str:
    rounded = round(value, 6)
    if rounded.is_integer() and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


CONNECTIVITY = Kind(BINARY_SENSOR, "connectivity")
TEXT = Kind()

_CORE = frozenset(v.name for v in vars(core).values() if isinstance(v, Metric))


def is_core(metric: Metric) -> bool:
    return metric.name in _CORE


def _accumulating(metric: Metric) -> str | None:
    """State class of an energy-like value: counters and calendar totals only."""
    if metric.type is MetricType.COUNTER or _CALENDAR_TOTAL.search(metric.name):
        return TOTAL_INCREASING
    return None  # a rolling or interval value: shown, but kept out of long-term statistics


def _counting(metric: Metric, gauge: str | None) -> str | None:
    return TOTAL_INCREASING if metric.type is MetricType.COUNTER else gauge


def describe(metric: Metric, currency: str | None = None) -> Kind:
    """The Home Assistant view of a numeric metric (not `_info` series)."""
    unit = metric.unit
    if metric.name == core.DEVICE_ONLINE.name:
        return CONNECTIVITY
    match unit:
        case Unit.WATTS:
            return Kind(SENSOR, "power", "W", MEASUREMENT, precision=0)
        case Unit.JOULES:
            state = _accumulating(metric)
            return Kind(SENSOR, "energy", "kWh", state, KWH, "kwh", precision=2)
        case Unit.VOLTS:
            return Kind(SENSOR, "voltage", "V", MEASUREMENT, precision=1)
        case Unit.AMPERES:
            return Kind(SENSOR, "current", "A", MEASUREMENT, precision=2)
        case Unit.HERTZ:
            return Kind(SENSOR, "frequency", "Hz", MEASUREMENT, precision=2)
        case Unit.CELSIUS:
            return Kind(SENSOR, "temperature", "°C", MEASUREMENT, precision=1)
        case Unit.RATIO:
            battery = "battery" if "state_of_charge" in metric.name else None
            return Kind(SENSOR, battery, "%", MEASUREMENT, 100.0, "percent", precision=1)
        case Unit.SECONDS if metric.name.endswith(_TIMESTAMP):
            return Kind(SENSOR, "timestamp", timestamp=True)
        case Unit.SECONDS:
            return Kind(SENSOR, "duration", "s", _counting(metric, MEASUREMENT), precision=1)
        case Unit.VOLT_AMPERES:
            return Kind(SENSOR, "apparent_power", "VA", MEASUREMENT, precision=0)
        case Unit.VARS:
            return Kind(SENSOR, "reactive_power", "var", MEASUREMENT, precision=0)
        case Unit.VAR_SECONDS:
            return Kind(SENSOR, None, "kvarh", _accumulating(metric), KWH, "kvarh", precision=2)
        case Unit.WATTS_PER_SQUARE_METER:
            return Kind(SENSOR, "irradiance", "W/m²", MEASUREMENT, precision=0)
        case Unit.JOULES_PER_SQUARE_METER:
            state = _accumulating(metric)
            return Kind(SENSOR, None, "kWh/m²", state, KWH, "kwh_per_square_meter", precision=3)
        case Unit.METERS_PER_SECOND:
            return Kind(SENSOR, "wind_speed", "m/s", MEASUREMENT, precision=1)
        case Unit.DEGREES:
            return Kind(SENSOR, None, "°")  # an angle: an average of 350° and 10° is not 180°
        case Unit.DBM:
            return Kind(SENSOR, "signal_strength", "dBm", MEASUREMENT, precision=0)
        case Unit.CURRENCY:
            # Home Assistant's monetary class takes `total` only; a daily revenue that drops
            # to 0 at midnight would be read as a loss, so calendar totals get no state class.
            state = TOTAL if metric.type is MetricType.COUNTER else None
            if currency:
                return Kind(SENSOR, "monetary", currency, state, precision=2)
            return Kind(SENSOR, None, None, state, precision=2)
        case Unit.COUNT:
            return Kind(SENSOR, None, None, _counting(metric, MEASUREMENT))
        case _:
            if "power_factor" in metric.name:
                return Kind(SENSOR, "power_factor", None, MEASUREMENT, precision=2)
            # Codes and flags: numbers, but averaging them means nothing.
            return Kind(SENSOR, None, None, _counting(metric, None))
