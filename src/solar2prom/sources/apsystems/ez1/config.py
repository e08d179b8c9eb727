"""Config keys of an `apsystems_ez1` source (SPEC §4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from yarl import URL

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

PORT = 8050
DEFAULT_INTERVAL = 30.0


class Ez1Config(SourceConfig):
    type: Literal["apsystems_ez1"]
    # http://<the inverter's IP>, port 8050 unless another is given (a proxy, a simulator).
    url: str = Field(pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    timeout: Duration = 10.0
    # Power limit, alarms and on/off state change rarely: asked this often, not every poll.
    status_interval: Duration = 300.0
    # How long the inverter may stay unreachable and still count as "off for the night" (it is
    # powered by its panels) rather than as a failing source: the longest night at 60° N.
    offline_limit: Duration = 72000.0

    @property
    def base_url(self) -> URL:
        url = URL(self.url)
        if url.explicit_port is None:
            url = url.with_port(PORT)
        path = url.path if url.path.endswith("/") else url.path + "/"
        return url.with_path(path)

    @property
    def poll_interval(self) -> float:
        return self.interval or DEFAULT_INTERVAL
