"""Config keys of a `fusionsolar` source (SPEC §4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

# The vendor allows one real-time refresh per 5 minutes; 330 s leaves room for clock skew.
DEFAULT_INTERVAL = 330.0
MIN_INTERVAL = 300.0


class FusionSolarConfig(SourceConfig):
    type: Literal["fusionsolar"]
    url: str = Field(pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    username: str = Field(min_length=1)
    system_code: SecretStr
    plants: tuple[str, ...] = ()  # only these plant codes; all bound plants when empty
    meter_power_unit: Literal["auto", "W", "kW"] = "auto"
    currency: str = ""  # the plant's revenue currency; the API does not say which it is
    inventory_refresh: Duration = 86400.0

    @field_validator("interval")
    @classmethod
    def _not_faster_than_vendor(cls, value: float | None) -> float | None:
        if value is not None and value < MIN_INTERVAL:
            raise ValueError(
                "FusionSolar refreshes real-time data once per 5 minutes; use 300s or more"
            )
        return value

    @property
    def poll_interval(self) -> float:
        return self.interval or DEFAULT_INTERVAL
