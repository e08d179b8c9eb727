"""Legacy mode (SPEC §3): apsystems2prom's environment variables as a one-source config.

A user swaps apsystems2prom's image for solar2prom's and keeps the environment of their
docker-compose file: `USERNAME` (the visitor Authorized ID), `SYSTEM_ID`, `ECU_ID`, optional
`VID`, `PORT` (default 8080), `TICK` (a Go duration, default 15m), `SLEEP_NIGHT`,
`SUNUP_HOUR` (default 6), `SUNDOWN_HOUR` (default 21). Each also reads as `APSYSTEMS_<name>`,
which wins. `EMA_URL` replaces the EMA address; `TZ` (or `APSYSTEMS_TIMEZONE`) is the system's
time zone. Values apsystems2prom replaced by its defaults (an unreadable `TICK` or hour, a
`SLEEP_NIGHT` that is no boolean) are replaced by the same defaults here, with a log line.

Night: with `SLEEP_NIGHT` true, EMA is polled from `SUNUP_HOUR` through the whole
`SUNDOWN_HOUR` hour, local time, as apsystems2prom did; with it false, around the clock
(apsystems2prom skipped the hours before `SUNUP_HOUR` even then, and counted hours in UTC).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from pydantic import SecretStr, ValidationError

from solar2prom.config import AppConfig, NightHours, NightOff
from solar2prom.core.errors import ConfigError
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sources.apsystems.ema.config import DEFAULT_URL, EmaConfig

log = logging.getLogger(__name__)

PREFIX = "APSYSTEMS_"
SOURCE_NAME = "ema"
DEFAULT_PORT = "8080"
DEFAULT_TICK = 900.0
DEFAULT_SUNUP = 6
DEFAULT_SUNDOWN = 21
# Any of these switches legacy mode on. USERNAME alone does not: many desktops set it.
_TRIGGERS = ("SYSTEM_ID", "ECU_ID", f"{PREFIX}SYSTEM_ID", f"{PREFIX}ECU_ID", f"{PREFIX}USERNAME")
_REQUIRED = ("USERNAME", "SYSTEM_ID", "ECU_ID")
_FIELD_VARIABLES = {
    "url": "EMA_URL",
    "authorized_id": "USERNAME",
    "system_id": "SYSTEM_ID",
    "ecu_id": "ECU_ID",
    "vid": "VID",
    "interval": "TICK",
    "night": "SUNUP_HOUR / SUNDOWN_HOUR",
    "timezone": "TZ",
}
_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _get(env: Mapping[str, str], name: str) -> str:
    """`APSYSTEMS_<name>` if set, else `<name>`, else ""."""
    return (env.get(PREFIX + name) or env.get(name) or "").strip()


def go_duration(text: str) -> float | None:
    """Seconds in a Go duration ("15m", "1h30m", "90s", "1.5h"); None if it is not one."""
    text = text.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    total, position = 0.0, 0
    while position < len(body):
        match = _GO_PART.match(body, position)
        if match is None:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    return sign * total if body else None


def _tick(env: Mapping[str, str]) -> float:
    seconds = go_duration(_get(env, "TICK"))
    if seconds is None or seconds <= 0:
        log.info("legacy mode: using the default TICK value (15m)")
        return DEFAULT_TICK
    return seconds


def _sleep_night(env: Mapping[str, str]) -> bool:
    text = _get(env, "SLEEP_NIGHT")
    if text in _GO_TRUE:
        return True
    if text not in _GO_FALSE:
        log.info("legacy mode: using the default SLEEP_NIGHT value (false)")
    return False


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    text = _get(env, name)
    try:
        return int(text)
    except ValueError:
        log.info("legacy mode: using the default %s value (%d)", name, default)
        return default


def _port(env: Mapping[str, str]) -> str:
    port = _get(env, "PORT") or DEFAULT_PORT
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError("legacy mode: PORT must be a port number (0-65535)")
    return port


def _night(env: Mapping[str, str]) -> NightHours | NightOff:
    if not _sleep_night(env):
        return NightOff(mode="off")
    sunup = _hour(env, "SUNUP_HOUR", DEFAULT_SUNUP)
    sundown = _hour(env, "SUNDOWN_HOUR", DEFAULT_SUNDOWN)
    if not 0 <= sunup <= 23 or not 0 <= sundown <= 23 or sunup > sundown:
        raise ConfigError(
            "legacy mode: SUNUP_HOUR and SUNDOWN_HOUR must be hours 0-23 with SUNUP_HOUR "
            "not after SUNDOWN_HOUR"
        )
    # apsystems2prom still polled during the SUNDOWN_HOUR hour itself.
    return NightHours(mode="hours", sunup=sunup, sundown=sundown + 1)


def _timezone(env: Mapping[str, str]) -> str | None:
    name = (env.get(f"{PREFIX}TIMEZONE") or env.get("TZ") or "").strip().lstrip(":")
    if not name:
        return None
    try:
        resolve_timezone(name)
    except ValueError:
        log.warning("legacy mode: time zone %r is unknown; using the host's", name)
        return None
    return name


def legacy_config(env: Mapping[str, str]) -> AppConfig | None:
    """The config apsystems2prom's variables describe; None when they are not set.

    Raises `ConfigError` naming the variables when they are set but incomplete or invalid.
    """
    if not any((env.get(name) or "").strip() for name in _TRIGGERS):
        return None
    missing = [name for name in _REQUIRED if not _get(env, name)]
    if missing:
        raise ConfigError(f"legacy mode: {', '.join(missing)} must be set")
    port = _port(env)
    try:
        source = EmaConfig(
            name=SOURCE_NAME,
            type="apsystems_ema",
            url=_get(env, "EMA_URL") or DEFAULT_URL,
            authorized_id=SecretStr(_get(env, "USERNAME")),
            system_id=_get(env, "SYSTEM_ID"),
            ecu_id=_get(env, "ECU_ID"),
            vid=_get(env, "VID"),
            interval=_tick(env),
            night=_night(env),
            timezone=_timezone(env),
        )
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        names = ", ".join(_FIELD_VARIABLES.get(f, f) for f in fields)
        raise ConfigError(f"legacy mode: invalid value of {names}") from None
    return AppConfig(listen=f":{port}", sources=(source,))
