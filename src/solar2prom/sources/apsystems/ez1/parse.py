"""Typed models from the `data` of the EZ1's local API answers. No I/O, no state.

Numbers arrive as JSON numbers or as strings, depending on the field and the firmware; both
are accepted. A missing, null or empty value is simply not there (no reading); text where a
number belongs is dropped and counted as `unparsable`. Firmware renames are tolerated:
`getMaxPower` says `maxPower` on older firmware and `power` on newer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from solar2prom.core.values import UNPARSABLE
from solar2prom.core.values import counted_number as number

CHANNELS = ("1", "2")
# The allowed output range tells the variants apart (reference §d.2).
VARIANTS = {800.0: "EZ1-M", 960.0: "EZ1-H", 1800.0: "EZ1-D"}


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """`getDeviceInfo`. Network details (SSID, IP address) are not kept: nothing to export."""

    device_id: str
    version: str = ""  # e.g. "EZ1 1.0.0", "EZ1 2.0.1_b"; may be empty
    min_power_w: float | None = None
    max_power_w: float | None = None

    @property
    def model(self) -> str:
        variant = VARIANTS.get(self.max_power_w) if self.max_power_w is not None else None
        return variant or "EZ1"

    @property
    def firmware(self) -> str:
        return self.version.removeprefix("EZ1").strip()

    @classmethod
    def from_api(cls, data: Mapping[str, Any], rejected: Counter[str]) -> DeviceInfo:
        return cls(
            device_id=_text(data.get("deviceId")),
            version=_text(data.get("devVer")),
            min_power_w=number(data.get("minPower"), rejected),
            max_power_w=number(data.get("maxPower"), rejected),
        )


@dataclass(frozen=True, slots=True)
class OutputData:
    """`getOutputData`, per channel 1 and 2: power (W), energy since the inverter started
    (kWh; it restarts when its panels wake it, so this is not reset at midnight) and lifetime
    energy (kWh)."""

    power_w: tuple[float | None, ...]
    since_startup_kwh: tuple[float | None, ...]
    lifetime_kwh: tuple[float | None, ...]

    @classmethod
    def from_api(cls, data: Mapping[str, Any], rejected: Counter[str]) -> OutputData:
        def per_channel(prefix: str) -> tuple[float | None, ...]:
            return tuple(number(data.get(f"{prefix}{c}"), rejected) for c in CHANNELS)

        return cls(per_channel("p"), per_channel("e"), per_channel("te"))


def total(values: tuple[float | None, ...]) -> float | None:
    """The sum over the channels, or None unless every channel has a value."""
    if any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def power_limit(data: Mapping[str, Any], rejected: Counter[str]) -> float | None:
    """`getMaxPower`: `maxPower` on older firmware, `power` on newer."""
    raw = data.get("maxPower") if "maxPower" in data else data.get("power")
    return number(raw, rejected)


def alarms(data: Mapping[str, Any], rejected: Counter[str]) -> dict[str, float]:
    """`getAlarm`: every flag ("0" normal, "1" alarm) by its vendor key."""
    flags: dict[str, float] = {}
    for key, raw in data.items():
        value = number(raw, rejected)
        if value is not None:
            flags[str(key)] = value
    return flags


def output_state(data: Mapping[str, Any], rejected: Counter[str]) -> int | None:
    """`getOnOff`: "0" output on, "1" output off."""
    value = number(data.get("status"), rejected)
    if value is None:
        return None
    if not value.is_integer():
        rejected[UNPARSABLE] += 1
        return None
    return int(value)
