"""Config keys of an `apsystems_ecu` source (SPEC §4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

# The ECU hears from its inverters over Zigbee about every 5 minutes: polling faster reads the
# same values again and only adds load to a device known to stop answering when stressed.
DEFAULT_INTERVAL = 300.0
MIN_INTERVAL = 60.0
PORT = 8899


class EcuConfig(SourceConfig):
    type: Literal["apsystems_ecu"]
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(PORT, ge=1, le=65535)
    # Replies take well under a second; a silent ECU is a hung ECU, not a slow one.
    timeout: Duration = 5.0
    signal_interval: Duration = 1800.0

    @field_validator("host")
    @classmethod
    def _plain_host(cls, value: str) -> str:
        value = value.strip().removeprefix("[").removesuffix("]")
        if not value or "/" in value or any(c.isspace() for c in value):
            raise ValueError("expected a host name or IP address (no scheme, no path)")
        return value

    @field_validator("interval")
    @classmethod
    def _not_too_fast(cls, value: float | None) -> float | None:
        if value is not None and value < MIN_INTERVAL:
            raise ValueError(
                "the ECU refreshes its data about every 5 minutes; use 60s or more (300s "
                "recommended)"
            )
        return value

    @property
    def poll_interval(self) -> float:
        return self.interval or DEFAULT_INTERVAL
