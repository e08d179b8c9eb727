"""MQTT output: Home Assistant device discovery and plain state topics (docs/home-assistant.md)."""

from solar2prom.outputs.mqtt.output import MqttOutput
from solar2prom.outputs.mqtt_config import MqttConfig

__all__ = ["MqttConfig", "MqttOutput"]
