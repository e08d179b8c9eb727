"""What a simulated gateway is to the HTTP side: its identity, and an answer per request path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from solar2prom.core.timezones import resolve_timezone

# Firmware 7.0 brought HTTPS with JWT tokens; older firmware speaks HTTP with Digest.
TOKEN_FIRMWARE = (7, 0)
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON


class Gateway(Protocol):
    serial: str
    firmware: str  # "7.6.175": /info's <software> without its leading letter
    timezone: str  # the IANA zone the gateway is set to (its /home `timezone`)

    def answer(self, path_qs: str, now: float) -> Answer | None:
        """The answer to a GET of `path_qs` at simulated time `now`; None = no such endpoint."""
        ...


def firmware_tuple(firmware: str) -> tuple[int, ...]:
    parts = []
    for part in firmware.split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def uses_tokens(gateway: Gateway) -> bool:
    return firmware_tuple(gateway.firmware) >= TOKEN_FIRMWARE


def local_hour_minute(gateway: Gateway, now: float) -> tuple[int, int]:
    moment = datetime.fromtimestamp(now, resolve_timezone(gateway.timezone))
    return moment.hour, moment.minute
