"""Home Assistant's rules for MQTT device discovery payloads and sensor states, as checks.

Written from Home Assistant's documentation and its sensor constants (device class -> units
and state classes it accepts), independently of the output under test. Each check returns the
list of what is wrong, so one assertion shows every problem at once.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

ID = re.compile(r"^[a-zA-Z0-9_-]+$")
MEASUREMENT, TOTAL, TOTAL_INCREASING = "measurement", "total", "total_increasing"

# device class -> (units accepted, state classes accepted); None stands for "no unit".
SENSOR_CLASSES: dict[str | None, tuple[set[str | None] | None, set[str | None]]] = {
    None: (None, {None, MEASUREMENT, TOTAL, TOTAL_INCREASING}),
    "power": ({"W", "kW", "MW", "GW", "TW"}, {None, MEASUREMENT}),
    "energy": ({"Wh", "kWh", "MWh", "GWh", "TWh", "J", "kJ", "MJ", "GJ"},
               {None, TOTAL, TOTAL_INCREASING}),
    "energy_storage": ({"Wh", "kWh", "MWh", "J", "kJ", "MJ", "GJ"}, {None, MEASUREMENT}),
    "voltage": ({"V", "mV", "µV", "kV", "MV"}, {None, MEASUREMENT}),
    "current": ({"A", "mA"}, {None, MEASUREMENT}),
    "frequency": ({"Hz", "kHz", "MHz", "GHz"}, {None, MEASUREMENT}),
    "temperature": ({"°C", "°F", "K"}, {None, MEASUREMENT}),
    "battery": ({"%"}, {None, MEASUREMENT}),
    "power_factor": ({"%", None}, {None, MEASUREMENT}),
    "apparent_power": ({"VA"}, {None, MEASUREMENT}),
    "reactive_power": ({"var"}, {None, MEASUREMENT}),
    "irradiance": ({"W/m²", "BTU/(h⋅ft²)"}, {None, MEASUREMENT}),
    "wind_speed": ({"m/s", "km/h", "mph", "kn", "ft/s", "Beaufort"}, {None, MEASUREMENT}),
    "signal_strength": ({"dB", "dBm"}, {None, MEASUREMENT}),
    "duration": ({"d", "h", "min", "s", "ms"}, {None, MEASUREMENT, TOTAL, TOTAL_INCREASING}),
    "monetary": (None, {None, TOTAL}),  # any ISO 4217 code
    "timestamp": ({None}, {None}),
    "enum": ({None}, {None}),
}  # fmt: skip
BINARY_CLASSES = {None, "connectivity", "problem", "running", "power", "battery_charging"}
# What the issue asks of each kind of value, stricter than what Home Assistant accepts.
OURS: dict[str, tuple[str, set[str | None]]] = {
    "power": ("W", {MEASUREMENT}),
    "energy": ("kWh", {TOTAL_INCREASING, None}),
    "battery": ("%", {MEASUREMENT}),
    "voltage": ("V", {MEASUREMENT}),
    "current": ("A", {MEASUREMENT}),
    "frequency": ("Hz", {MEASUREMENT}),
    "temperature": ("°C", {MEASUREMENT}),
}


def _topic_ok(topic: object) -> bool:
    return isinstance(topic, str) and bool(topic) and not set(topic) & {"+", "#"}


def check_device_config(topic: str, payload: dict[str, Any], prefix: str) -> list[str]:
    errors: list[str] = []
    parts = topic.split("/")
    if parts[:-3] != prefix.split("/") or parts[-3:-2] != ["device"] or parts[-1] != "config":
        errors.append(f"{topic}: not <prefix>/device/<id>/config (device-based discovery)")
    if not ID.match(parts[-2]):
        errors.append(f"{topic}: the device id is not [a-zA-Z0-9_-]+")
    device = payload.get("device") or payload.get("dev")
    if not isinstance(device, dict) or not device.get("identifiers"):
        errors.append(f"{topic}: device.identifiers missing")
        device = {}
    origin = payload.get("origin") or payload.get("o")
    if not isinstance(origin, dict) or not origin.get("name"):
        errors.append(f"{topic}: origin.name missing")
    availability = payload.get("availability", [])
    if not availability or not all(_topic_ok(a.get("topic")) for a in availability):
        errors.append(f"{topic}: availability topics missing")
    components = payload.get("components") or payload.get("cmps")
    if not isinstance(components, dict) or not components:
        return [*errors, f"{topic}: no components"]
    device_name = str(device.get("name", "")).lower()
    for key, component in components.items():
        where = f"{topic} component {key}"
        if not ID.match(key):
            errors.append(f"{where}: component id is not [a-zA-Z0-9_-]+")
        if not component.get("unique_id"):
            errors.append(f"{where}: unique_id missing")
        if not _topic_ok(component.get("state_topic")):
            errors.append(f"{where}: state_topic missing or has a wildcard")
        name = component.get("name")
        if not isinstance(name, str) or not name or name.lower().startswith(device_name):
            errors.append(f"{where}: name {name!r} empty or starting with the device name")
        errors += [f"{where}: {e}" for e in check_component(component)]
    return errors


def check_component(component: dict[str, Any]) -> list[str]:
    platform = component.get("platform") or component.get("p")
    device_class = component.get("device_class")
    unit = component.get("unit_of_measurement")
    state_class = component.get("state_class")
    if platform == "binary_sensor":
        if device_class not in BINARY_CLASSES:
            return [f"binary device_class {device_class!r}"]
        if unit is not None or state_class is not None:
            return ["a binary sensor has no unit or state class"]
        return []
    if platform != "sensor":
        return [f"platform {platform!r}"]
    if device_class not in SENSOR_CLASSES:
        return [f"device_class {device_class!r} unknown"]
    units, state_classes = SENSOR_CLASSES[device_class]
    errors = []
    if units is not None and unit not in units:
        errors.append(f"unit {unit!r} not accepted for {device_class}")
    if device_class == "monetary" and not (isinstance(unit, str) and len(unit) == 3):
        errors.append("monetary needs an ISO 4217 currency as unit")
    if state_class not in state_classes:
        errors.append(f"state_class {state_class!r} not accepted for {device_class}")
    if device_class in OURS:
        want_unit, want_states = OURS[device_class]
        if unit != want_unit or state_class not in want_states:
            errors.append(f"{device_class} should be {want_unit} {want_states}")
    if device_class == "enum" and not component.get("options"):
        errors.append("enum without options")
    return errors


def check_state(component: dict[str, Any], payload: str) -> list[str]:
    """A state message as Home Assistant would read it for that component."""
    if component.get("platform") == "binary_sensor":
        ok = payload in (component.get("payload_on", "ON"), component.get("payload_off", "OFF"))
        return [] if ok else [f"binary payload {payload!r}"]
    device_class = component.get("device_class")
    if device_class == "timestamp":
        try:
            parsed = datetime.fromisoformat(payload)
        except ValueError:
            return [f"timestamp {payload!r} is not ISO 8601"]
        return [] if parsed.tzinfo else [f"timestamp {payload!r} has no time zone"]
    if device_class == "enum":
        return [] if payload in component["options"] else [f"{payload!r} not an option"]
    numeric = component.get("unit_of_measurement") or component.get("state_class")
    if not (numeric or device_class):
        return [] if len(payload) <= 255 else ["text longer than 255 characters"]
    try:
        value = float(payload)
    except ValueError:
        return [f"{payload!r} is not a number"]
    if not math.isfinite(value):
        return [f"{payload!r} is not finite"]
    if component.get("state_class") == TOTAL_INCREASING and value < 0:
        return [f"total_increasing value {value} is negative"]
    return []
