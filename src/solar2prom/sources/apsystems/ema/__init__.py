"""APsystems EMA website through its visitor access, the way apsystems2prom reads it."""

from solar2prom.sources.apsystems.ema.config import EmaConfig
from solar2prom.sources.apsystems.ema.source import EmaSource

__all__ = ["EmaConfig", "EmaSource"]
