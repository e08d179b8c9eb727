"""Config keys of an `enphase` source (SPEC §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from solar2prom.config import SourceConfig
from solar2prom.durations import Duration

URL = r"^https?://[^/\s?#]+/?$"
ENLIGHTEN_URL = "https://enlighten.enphaseenergy.com"
ENTREZ_URL = "https://entrez.enphaseenergy.com"
# Peers poll the full data every 60 s; faster full updates have made gateways stop answering.
DEFAULT_INTERVAL = 60.0
MIN_INTERVAL = 30.0


class EnphaseConfig(SourceConfig):
    type: Literal["enphase"]
    # The gateway: http:// below firmware 7, https:// from 7; a port only for a proxy or a
    # simulator. No path: the gateway's endpoints live at the root.
    url: str = Field(pattern=URL)
    # Firmware >= 7: a token pasted from the vendor's site, and/or the Enlighten account to
    # fetch and renew tokens with. Firmware < 7: the local user (envoy or installer) and its
    # password, both optional.
    token: SecretStr | None = None
    # Read again whenever the token in use runs out or is refused: a token pasted into the
    # file (or a rotated container secret) is taken without a restart.
    token_file: Path | None = None
    username: str | None = Field(None, min_length=1)
    password: SecretStr | None = None
    serial: str | None = Field(None, pattern=r"^[0-9A-Za-z]{6,20}$")
    enlighten_url: str = Field(ENLIGHTEN_URL, pattern=URL)
    entrez_url: str = Field(ENTREZ_URL, pattern=URL)
    timeout: Duration = 20.0
    meters_interval: Duration = Field(10.0, ge=5.0)
    devices_interval: Duration = Field(300.0, ge=60.0)

    @field_validator("interval")
    @classmethod
    def _not_too_fast(cls, value: float | None) -> float | None:
        if value is not None and value < MIN_INTERVAL:
            raise ValueError(
                "a full update every 30s or more: faster ones overload the gateway; "
                "meters_interval polls the CT meters more often"
            )
        return value

    @model_validator(mode="after")
    def _password_needs_user(self) -> EnphaseConfig:
        if self.password is not None and not self.username:
            raise ValueError("password goes with username")
        if self.token is not None and self.token_file is not None:
            raise ValueError("give either token or token_file, not both")
        return self

    @property
    def poll_interval(self) -> float:
        return self.interval or DEFAULT_INTERVAL

    @property
    def host(self) -> str:
        """host[:port], the form pyenphase takes."""
        return urlsplit(self.url).netloc

    @property
    def secure(self) -> bool:
        return urlsplit(self.url).scheme == "https"
