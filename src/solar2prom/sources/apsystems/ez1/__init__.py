"""An APsystems EZ1 micro-inverter's local HTTP API (port 8050), read-only."""

from solar2prom.sources.apsystems.ez1.config import Ez1Config
from solar2prom.sources.apsystems.ez1.source import Ez1Source

__all__ = ["Ez1Config", "Ez1Source"]
