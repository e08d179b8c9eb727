"""Config keys of an `apsystems_ema` source (SPEC §4, §6.4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

DEFAULT_URL = "https://www.apsystemsema.com"
# EMA stores one sample per 5 minutes; polling faster only repeats the same answer.
DEFAULT_INTERVAL = 300.0
# The timeout of the exporter this source replaces; the site answers in well under that.
DEFAULT_TIMEOUT = 10.0


class EmaConfig(SourceConfig):
    type: Literal["apsystems_ema"]
    url: str = Field(DEFAULT_URL, pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    authorized_id: SecretStr = Field(min_length=1)  # the visitor "Authorized ID"
    system_id: str = Field(min_length=1)
    ecu_id: str = Field(min_length=1)
    vid: str = ""  # the module view id: per-panel power when set
    compat_metrics: bool = True  # apsystems2prom's unprefixed ap_* series
    timeout: Duration = DEFAULT_TIMEOUT

    @property
    def poll_interval(self) -> float:
        return self.interval or DEFAULT_INTERVAL

    def exclusive_series(self) -> str | None:
        return "the apsystems2prom ap_* metrics" if self.compat_metrics else None
