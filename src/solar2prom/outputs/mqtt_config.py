"""Config keys of the MQTT output (`mqtt:` in the config file, SPEC §4)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

# A topic level we build on: no wildcards, no empty levels, no leading or trailing slash.
_TOPIC = re.compile(r"^[^#+/\s]+(/[^#+/\s]+)*$")
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


class MqttConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^mqtts?://[^/\s]+/?$")
    username: str | None = None
    password: SecretStr | None = None
    discovery: bool = True  # Home Assistant discovery configs; off for plain MQTT users
    discovery_prefix: str = "homeassistant"
    base_topic: str = "solar2prom"
    client_id: str = Field(
        default_factory=lambda: f"solar2prom-{socket.gethostname()}"[:64], min_length=1
    )
    ca_file: Path | None = None  # trust these CAs instead of the system's (mqtts://)
    cert_file: Path | None = None  # client certificate (mqtts://)
    key_file: Path | None = None
    qos: Literal[0, 1, 2] = 1
    retain: bool = True  # state messages; discovery configs and availability are always retained

    @field_validator("url")
    @classmethod
    def _port(cls, value: str) -> str:
        try:
            urlsplit(value).port  # noqa: B018 - raises on a port out of range
        except ValueError as exc:
            raise ValueError("invalid port") from exc
        return value

    @field_validator("discovery_prefix", "base_topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not _TOPIC.match(value):
            raise ValueError("expected topic levels separated by /, without + # or spaces")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MqttConfig:
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        if not self.tls and (self.ca_file or self.cert_file):
            raise ValueError("TLS files need an mqtts:// url")
        return self

    def relative_to(self, folder: Path) -> MqttConfig:
        """The TLS file paths of a config file are relative to the file's folder."""
        files = {"ca_file": self.ca_file, "cert_file": self.cert_file, "key_file": self.key_file}
        return self.model_copy(
            update={key: folder / path for key, path in files.items() if path is not None}
        )

    @property
    def tls(self) -> bool:
        return self.url.startswith("mqtts://")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or DEFAULT_PORTS[parts.scheme]

    @property
    def status_topic(self) -> str:
        """Where solar2prom says `online`, and the broker says `offline` for it (last will)."""
        return f"{self.base_topic}/status"

    @property
    def home_assistant_status_topic(self) -> str:
        return f"{self.discovery_prefix}/status"
