"""The `mqtt:` config keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from solar2prom.outputs.mqtt import MqttConfig


def test_defaults_for_a_plain_broker() -> None:
    config = MqttConfig(url="mqtt://broker.lan")
    assert (config.host, config.port, config.tls) == ("broker.lan", 1883, False)
    assert config.discovery_prefix == "homeassistant"
    assert config.status_topic == "solar2prom/status"
    assert config.home_assistant_status_topic == "homeassistant/status"
    assert config.qos == 1 and config.retain
    assert config.client_id.startswith("solar2prom-")


def test_tls_port_and_files() -> None:
    config = MqttConfig(
        url="mqtts://broker.lan:8884",
        username="solar",
        password="secret",  # type: ignore[arg-type]
        ca_file=Path("ca.crt"),
        cert_file=Path("client.crt"),
        key_file=Path("client.key"),
    )
    assert (config.port, config.tls) == (8884, True)
    assert "secret" not in repr(config)
    assert MqttConfig(url="mqtts://broker.lan").port == 8883


@pytest.mark.parametrize(
    "keys",
    [
        {"url": "http://broker.lan"},
        {"url": "mqtt://broker.lan:99999"},
        {"url": "mqtt://broker.lan/some/path"},
        {"url": "mqtt://broker.lan", "password": "x"},
        {"url": "mqtt://broker.lan", "ca_file": "ca.crt"},
        {"url": "mqtts://broker.lan", "cert_file": "client.crt"},
        {"url": "mqtt://broker.lan", "base_topic": "solar/#"},
        {"url": "mqtt://broker.lan", "discovery_prefix": "/homeassistant"},
        {"url": "mqtt://broker.lan", "qos": 3},
        {"url": "mqtt://broker.lan", "user": "solar"},
    ],
)
def test_invalid_keys_are_refused(keys: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MqttConfig.model_validate(keys)


def test_every_key_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "home-assistant.md").read_text(encoding="utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| `")]
    for key in MqttConfig.model_fields:
        assert any(f"`{key}`" in row.split("|")[1] for row in rows), key
