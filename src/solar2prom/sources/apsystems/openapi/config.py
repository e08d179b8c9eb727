"""Config keys of an `apsystems_openapi` source."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

DEFAULT_URL = "https://api.apsystemsema.com:9282"
# How often the quota planner looks whether a call is due; the calls themselves are spread
# over the day by the quota (about one poll an hour on the free tier).
DEFAULT_TICK = 300.0
DEFAULT_QUOTA = 1000
DAY = 86400.0


class OpenApiConfig(SourceConfig):
    type: Literal["apsystems_openapi"]
    url: str = Field(DEFAULT_URL, pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    app_id: str = Field(min_length=1)
    app_secret: SecretStr = Field(min_length=1)
    system_id: str = Field(min_length=1)
    ecu_ids: tuple[str, ...] = ()  # all ECUs of the system when empty
    signature_method: Literal["HmacSHA256", "HmacSHA1"] = "HmacSHA256"
    monthly_quota: int = Field(DEFAULT_QUOTA, ge=40)
    inverters: bool = True  # per-inverter power: one more call per ECU and poll
    summary_interval: Duration = 4 * 3600.0  # lifetime totals: a few calls a day
    inventory_refresh: Duration = 7 * DAY

    @property
    def tick(self) -> float:
        return self.interval or DEFAULT_TICK
