"""What the MQTT output would publish for a snapshot, checked without a broker.

The integration test (tests/integration/test_mqtt.py) sends the same messages through a
real mosquitto; here every rule is checked directly on the planned messages.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import DeviceKind, MetricType, Reading, Snapshot, Unit
from solar2prom.outputs.mqtt.naming import object_id, topic_level
from solar2prom.outputs.mqtt.output import Message, MqttOutput
from solar2prom.outputs.mqtt_config import MqttConfig
from tests.outputs import synthetic
from tests.outputs.ha_rules import check_device_config, check_state
from tests.outputs.topics import expected_topic

CONFIG = MqttConfig(url="mqtt://127.0.0.1:1883")


def plan(*snapshots: Snapshot, config: MqttConfig = CONFIG) -> list[list[Message]]:
    """The messages of each snapshot, in turn, as one output instance would send them."""
    output = MqttOutput(config, Hub())
    return [output.messages(snap) for snap in snapshots]


def configs(messages: list[Message]) -> dict[str, dict[str, Any]]:
    prefix = f"{CONFIG.discovery_prefix}/"
    return {msg.topic: json.loads(msg.payload) for msg in messages if msg.topic.startswith(prefix)}


def components(messages: list[Message]) -> dict[str, dict[str, Any]]:
    """state topic -> component config, over every device."""
    return {
        c["state_topic"]: c
        for payload in configs(messages).values()
        for c in payload["components"].values()
    }


def states(messages: list[Message]) -> dict[str, str]:
    return {
        msg.topic: msg.payload
        for msg in messages
        if not msg.topic.startswith(f"{CONFIG.discovery_prefix}/")
        and not msg.topic.endswith("/availability")
    }


def inverter_reading(metric_name: str) -> Reading:
    inverter = synthetic.device_id(DeviceKind.INVERTER)
    return next(
        r
        for r in synthetic.snapshot().readings
        if r.metric.name == metric_name and r.device == inverter
    )


def test_every_payload_meets_home_assistant_rules() -> None:
    (messages,) = plan(synthetic.snapshot())
    found = configs(messages)
    assert found
    errors = [e for t, p in found.items() for e in check_device_config(t, p, "homeassistant")]
    assert errors == []
    comps = components(messages)
    errors = [e for t, value in states(messages).items() for e in check_state(comps[t], value)]
    assert errors == []
    assert all(msg.retain for msg in messages if msg.topic in found)


def test_one_device_per_source_site_and_vendor_device_of_every_kind() -> None:
    (messages,) = plan(synthetic.snapshot())
    by_name = {p["device"]["name"]: p["device"] for p in configs(messages).values()}
    assert {"solar2prom synth", "Acme Roof", "Acme Barn"} <= set(by_name)
    assert {f"Acme {kind.value}" for kind in DeviceKind} <= set(by_name)
    inverter = by_name["Acme inverter"]
    assert inverter["model"] == "Acme Inverter 3000"
    assert inverter["sw_version"] == "V1.2.3"
    assert inverter["serial_number"] == "SN-0000"
    assert inverter["via_device"] == by_name["Acme Roof"]["identifiers"][0]
    assert by_name["Acme Roof"]["via_device"] == by_name["solar2prom synth"]["identifiers"][0]
    assert all(p["origin"]["name"] == "solar2prom" for p in configs(messages).values())


def test_every_reading_is_published_where_the_docs_say() -> None:
    snap = synthetic.snapshot()
    (messages,) = plan(snap)
    values = states(messages)
    skipped = {synthetic.ALARM.name, synthetic.COMPAT.name, "acme_firmware_info", "acme_state_info"}
    for reading in snap.readings:
        if reading.metric.name not in skipped:
            assert expected_topic(reading, "synth") in values, reading.metric.name


def test_ids_with_slashes_hashes_or_spaces_stay_one_topic_level() -> None:
    for raw in (synthetic.SITE, synthetic.device_id(DeviceKind.METER), "a/b", "a b", "a+b"):
        level = topic_level(raw)
        assert level and not set(level) & set("/+# "), raw
        assert topic_level(raw) == level  # the same on every run
    assert topic_level("NE=42") == "NE=42"  # nothing to escape: kept as the vendor writes it
    assert topic_level("a/b") != topic_level("a_b")
    assert object_id("solar2prom", "NE=42") != object_id("solar2prom", "NE_42")
    assert set(object_id("x", synthetic.SITE)) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    )


@pytest.mark.parametrize(
    ("metric_name", "device_class", "ha_unit", "factor"),
    [
        ("acme_ac_power_watts", "power", "W", 1.0),
        ("acme_energy_joules_total", "energy", "kWh", 1 / 3.6e6),
        ("acme_string_voltage_volts", "voltage", "V", 1.0),
        ("acme_phase_current_amperes", "current", "A", 1.0),
        ("acme_grid_frequency_hertz", "frequency", "Hz", 1.0),
        ("acme_heatsink_temperature_celsius", "temperature", "°C", 1.0),
        ("acme_state_of_charge_ratio", "battery", "%", 100.0),
        ("acme_efficiency_ratio", None, "%", 100.0),
        ("acme_uptime_seconds", "duration", "s", 1.0),
        ("acme_apparent_power_volt_amperes", "apparent_power", "VA", 1.0),
        ("acme_reactive_power_vars", "reactive_power", "var", 1.0),
        ("acme_reactive_energy_var_seconds_total", None, "kvarh", 1 / 3.6e6),
        ("acme_irradiance_watts_per_square_meter", "irradiance", "W/m²", 1.0),
        ("acme_irradiation_today_joules_per_square_meter", None, "kWh/m²", 1 / 3.6e6),
        ("acme_wind_speed_meters_per_second", "wind_speed", "m/s", 1.0),
        ("acme_wind_direction_degrees", None, "°", 1.0),
        ("acme_signal_dbm", "signal_strength", "dBm", 1.0),
        ("acme_restarts", None, None, 1.0),
        ("acme_power_factor", "power_factor", None, 1.0),
    ],
)
def test_units_become_home_assistant_units_with_converted_values(
    metric_name: str, device_class: str | None, ha_unit: str | None, factor: float
) -> None:
    (messages,) = plan(synthetic.snapshot())
    reading = inverter_reading(metric_name)
    topic = expected_topic(reading, "synth")
    component = components(messages)[topic]
    assert component.get("device_class") == device_class
    assert component.get("unit_of_measurement") == ha_unit
    assert float(states(messages)[topic]) == pytest.approx(reading.value * factor, rel=1e-9)


def test_every_unit_of_the_core_model_is_covered() -> None:
    units = {r.metric.unit for r in synthetic.snapshot().readings}
    assert units == set(Unit)


def test_energy_is_kwh_and_total_increasing_where_home_assistant_can_sum_it() -> None:
    snap = synthetic.snapshot()
    (messages,) = plan(snap)
    comps, values = components(messages), states(messages)
    energy = [r for r in snap.readings if r.metric.unit is Unit.JOULES]
    assert len(energy) > 10
    for reading in energy:
        topic = expected_topic(reading, "synth")
        component = comps[topic]
        assert (component["device_class"], component["unit_of_measurement"]) == ("energy", "kWh")
        assert float(values[topic]) == pytest.approx(reading.value / 3.6e6)
        if reading.metric.type is MetricType.COUNTER or "_today_" in reading.metric.name:
            assert component["state_class"] == "total_increasing", reading.metric.name
        else:  # a rolling value would fool Home Assistant's meter-reset detection
            assert "state_class" not in component, reading.metric.name


def test_timestamps_are_iso_dates_and_online_is_a_connectivity_sensor() -> None:
    snap = synthetic.snapshot()
    (messages,) = plan(snap)
    values, comps = states(messages), components(messages)
    stamp = next(r for r in snap.readings if r.metric is m.DATA_TIMESTAMP)
    topic = expected_topic(stamp, "synth")
    assert comps[topic]["device_class"] == "timestamp"
    assert datetime.fromisoformat(values[topic]).timestamp() == stamp.value
    online = expected_topic(inverter_reading(m.DEVICE_ONLINE.name), "synth")
    assert (comps[online]["platform"], comps[online]["device_class"]) == (
        "binary_sensor",
        "connectivity",
    )
    assert values[online] == "1"


def test_money_uses_the_currency_label_as_unit() -> None:
    (messages,) = plan(synthetic.snapshot())
    comps = components(messages)
    lifetime = comps[expected_topic(inverter_reading("acme_revenue_currency_total"), "synth")]
    assert (lifetime["device_class"], lifetime["unit_of_measurement"]) == ("monetary", "EUR")
    assert lifetime["state_class"] == "total"
    today = comps[expected_topic(inverter_reading("acme_revenue_today_currency"), "synth")]
    assert "device_class" not in today  # the currency is unknown
    assert "state_class" not in today  # a daily total dropping at midnight is no loss


def test_state_codes_get_their_text_and_alarm_and_compat_series_are_no_entities() -> None:
    (messages,) = plan(synthetic.snapshot())
    values, comps = states(messages), components(messages)
    code = inverter_reading("acme_state")
    text_topic = expected_topic(code, "synth") + "_info"
    assert values[text_topic] == "Grid-connected"
    assert comps[text_topic]["name"] == "State text"
    assert values[expected_topic(code, "synth")] == "512"
    assert not [t for t in values if "alarm" in t or "firmware" in t or t.endswith("/ap_power")]


def test_core_entities_are_enabled_and_vendor_details_are_not() -> None:
    (messages,) = plan(synthetic.snapshot())
    for topic, component in components(messages).items():
        key = topic.rsplit("/", 1)[1]
        if key.startswith("solar_"):
            assert "enabled_by_default" not in component, topic
        elif key.startswith("acme_"):
            assert component["enabled_by_default"] is False, topic


def test_entity_names_read_as_words() -> None:
    (messages,) = plan(synthetic.snapshot())
    names = {c["name"] for c in components(messages).values()}
    assert {
        "Production power",
        "Production energy today",
        "Production energy",
        "Power",
        "Energy",
        "Online",
        "Temperature",
        "Battery state of charge",
        "AC power",
        "String voltage string 1",
        "Phase current phase a",
        "Calls left realtime per 5m",
        "State",
        "Last error",
    } <= names


def test_health_of_the_source_is_diagnostic() -> None:
    (messages,) = plan(synthetic.snapshot())
    values, comps = states(messages), components(messages)
    assert values["solar2prom/synth/state"] == "up"
    assert values["solar2prom/synth/up"] == "1"
    assert values["solar2prom/synth/last_error"] == "none"
    assert values["solar2prom/synth/budget-realtime-5m"] == "2"
    assert values["solar2prom/synth/poll_duration"] == "1.25"
    next_poll = datetime.fromisoformat(values["solar2prom/synth/next_poll"])
    assert next_poll.timestamp() == synthetic.NOW + 55
    health = [comps[f"solar2prom/synth/{key}"] for key in ("state", "up", "last_success")]
    assert all(c["entity_category"] == "diagnostic" for c in health)


def test_unique_ids_are_stable_and_unique_whatever_the_order() -> None:
    snap = synthetic.snapshot()
    shuffled = list(snap.readings)
    random.Random(7).shuffle(shuffled)
    (first,) = plan(snap)
    (second,) = plan(replace(snap, readings=tuple(shuffled), taken_at=snap.taken_at + 300))
    ids = [c["unique_id"] for c in components(first).values()]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(c["unique_id"] for c in components(second).values())
    assert set(configs(first)) == set(configs(second))


def test_a_missing_energy_value_is_not_published_and_its_entity_stays() -> None:
    first, second = plan(synthetic.snapshot(), synthetic.snapshot(with_energy=False))
    energy = {t for t, c in components(first).items() if c.get("device_class") == "energy"}
    assert energy
    assert not energy & set(states(second))
    # Nothing changed in the configs: the energy entities stay, with their last state.
    assert configs(second) == {}
    assert all(float(v) > 0 for t, v in states(first).items() if t in energy)


def test_values_home_assistant_would_misread_are_not_published() -> None:
    snap = synthetic.snapshot()
    power, lifetime = m.PRODUCTION_POWER, m.DEVICE_ENERGY_TOTAL
    bad = [replace(r, value=float("nan")) if r.metric is power else r for r in snap.readings]
    bad = [replace(r, value=-1.0) if r.metric is lifetime else r for r in bad]
    (messages,) = plan(replace(snap, readings=tuple(bad)))
    values = states(messages)
    assert not [
        r for r in bad if r.metric in (power, lifetime) and expected_topic(r, "synth") in values
    ]
    assert all(v not in ("nan", "-1") for v in values.values())


def test_configs_are_sent_again_only_when_they_change() -> None:
    snap = synthetic.snapshot()
    output = MqttOutput(CONFIG, Hub())
    first = output.messages(snap)
    again = output.messages(replace(snap, taken_at=snap.taken_at + 60))
    assert configs(first) and not configs(again)
    assert states(again) == states(first)  # but every state after every poll
    grown = [*snap.readings, Reading(m.CONSUMPTION_POWER, 42.0, site=synthetic.OTHER_SITE)]
    changed = configs(output.messages(replace(snap, readings=tuple(grown))))
    assert [p["device"]["name"] for p in changed.values()] == ["Acme Barn"]


def test_withdrawn_values_make_their_device_unavailable() -> None:
    snap = synthetic.snapshot()
    inverter = synthetic.device_id(DeviceKind.INVERTER)
    without = replace(
        snap,
        readings=tuple(r for r in snap.readings if r.device != inverter),
        devices=tuple(d for d in snap.devices if d.id != inverter),
    )
    output = MqttOutput(CONFIG, Hub())
    first, second, third = (output.messages(s) for s in (snap, without, snap))

    def availability(messages: list[Message]) -> dict[str, str]:
        return {msg.topic: msg.payload for msg in messages if msg.topic.endswith("/availability")}

    assert set(availability(first).values()) == {"online"}
    assert list(availability(second).values()) == ["offline"]
    assert list(availability(third).values()) == ["online"]
    assert list(availability(second)) == list(availability(third))
    assert topic_level(inverter) in next(iter(availability(second)))


def test_discovery_off_publishes_plain_topics_only() -> None:
    config = MqttConfig(url="mqtt://127.0.0.1", discovery=False, base_topic="home/solar")
    (messages,) = plan(synthetic.snapshot(), config=config)
    assert messages
    assert all(msg.topic.startswith("home/solar/") for msg in messages)


def test_entity_names_never_repeat_the_device_name() -> None:
    snap = synthetic.snapshot()
    inverter = synthetic.device_id(DeviceKind.INVERTER)
    renamed = tuple(replace(d, name="AC") if d.id == inverter else d for d in snap.devices)
    (messages,) = plan(replace(snap, devices=renamed))
    comps = components(messages)
    component = comps[expected_topic(inverter_reading("acme_ac_power_watts"), "synth")]
    assert component["name"] == "Power"  # not "AC power" on the device "AC"


def test_readings_of_undescribed_sites_and_devices_still_get_a_device() -> None:
    snap = synthetic.snapshot()
    (messages,) = plan(replace(snap, sites=(), devices=()))
    names = {p["device"]["name"] for p in configs(messages).values()}
    assert synthetic.SITE in names
    assert f"other {synthetic.device_id(DeviceKind.INVERTER)}" in names
