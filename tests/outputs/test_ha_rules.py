"""The Home Assistant rule checks catch what they should, so a passing MQTT test means something."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.outputs.ha_rules import check_device_config, check_state

TOPIC = "homeassistant/device/solar2prom_roof/config"
GOOD: dict[str, Any] = {
    "device": {"identifiers": ["solar2prom_roof"], "name": "Roof"},
    "origin": {"name": "solar2prom"},
    "availability": [{"topic": "solar2prom/status"}],
    "components": {
        "power": {
            "platform": "sensor",
            "unique_id": "solar2prom_roof_power",
            "name": "Production power",
            "state_topic": "solar2prom/roof/power",
            "device_class": "power",
            "unit_of_measurement": "W",
            "state_class": "measurement",
        }
    },
}


def with_change(path: tuple[str, ...], value: object) -> dict[str, Any]:
    payload = copy.deepcopy(GOOD)
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


def test_a_good_payload_passes() -> None:
    assert check_device_config(TOPIC, GOOD, "homeassistant") == []


@pytest.mark.parametrize(
    ("topic", "path", "value"),
    [
        ("homeassistant/sensor/solar2prom_roof/config", ("origin",), {"name": "solar2prom"}),
        ("homeassistant/device/roof=1/config", ("origin",), {"name": "solar2prom"}),
        (TOPIC, ("origin",), None),
        (TOPIC, ("device", "identifiers"), []),
        (TOPIC, ("availability",), None),
        (TOPIC, ("components",), {}),
        (TOPIC, ("components", "power", "unique_id"), None),
        (TOPIC, ("components", "power", "name"), "Roof power"),
        (TOPIC, ("components", "power", "unit_of_measurement"), "kWh"),
        (TOPIC, ("components", "power", "state_class"), "total_increasing"),
        (TOPIC, ("components", "power", "device_class"), "energy"),
        (TOPIC, ("components", "power", "state_topic"), "solar2prom/+/power"),
        (TOPIC, ("components", "power", "platform"), "light"),
    ],
)
def test_each_broken_rule_is_reported(topic: str, path: tuple[str, ...], value: object) -> None:
    assert check_device_config(topic, with_change(path, value), "homeassistant") != []


def test_energy_must_be_kwh_and_never_a_measurement() -> None:
    energy = {"platform": "sensor", "device_class": "energy", "unit_of_measurement": "kWh"}
    payload = with_change(("components", "power"), {**GOOD["components"]["power"], **energy})
    payload["components"]["power"]["state_class"] = "measurement"
    assert check_device_config(TOPIC, payload, "homeassistant") != []
    payload["components"]["power"]["state_class"] = "total_increasing"
    assert check_device_config(TOPIC, payload, "homeassistant") == []


def test_states_are_read_like_home_assistant_reads_them() -> None:
    power = GOOD["components"]["power"]
    assert check_state(power, "12.5") == []
    assert check_state(power, "unknown") != []
    assert check_state(power, "nan") != []
    total = {**power, "state_class": "total_increasing"}
    assert check_state(total, "-1") != []
    stamp = {"platform": "sensor", "device_class": "timestamp"}
    assert check_state(stamp, "2025-06-15T10:00:00+00:00") == []
    assert check_state(stamp, "2025-06-15T10:00:00") != []
    binary = {"platform": "binary_sensor", "payload_on": "1", "payload_off": "0"}
    assert check_state(binary, "1") == []
    assert check_state(binary, "ON") != []
