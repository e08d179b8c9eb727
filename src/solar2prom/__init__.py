"""solar2prom: solar PV data as Prometheus metrics, MQTT and history."""

__version__ = "0.1.0"
