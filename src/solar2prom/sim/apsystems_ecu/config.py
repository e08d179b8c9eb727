"""What the simulated ECU looks like: its id, firmware, inverters, place and starting counters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

# Record layouts the simulator can send (reference §c.5): two channels single-phase, four
# channels three-phase, four channels single-phase, and a registered inverter that never
# reported (9-byte record, nothing but its id).
TWO_CHANNEL, THREE_PHASE, QS1, SILENT = "01", "02", "03", "00"
CHANNELS = {TWO_CHANNEL: 2, THREE_PHASE: 4, QS1: 4, SILENT: 0}
# AC voltages per record: one with each channel, one per phase, the one phase, none.
VOLTAGES = {TWO_CHANNEL: 2, THREE_PHASE: 3, QS1: 1, SILENT: 0}
_DIGITS12 = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class InverterSpec:
    """One inverter: its 12-digit UID (the prefix names the model), type code, peak per channel
    in W, and its Zigbee signal level 0-255."""

    uid: str
    type_code: str
    channel_peak_w: float = 350.0
    signal: int = 200

    @property
    def channels(self) -> int:
        return CHANNELS[self.type_code]

    @property
    def voltages(self) -> int:
        return VOLTAGES[self.type_code]


def default_inverters() -> tuple[InverterSpec, ...]:
    """Two DS3 and one YC600 (2 channels), a QS1 (4, single-phase), a QT2 (4, three-phase)."""
    return (
        InverterSpec("703000000101", TWO_CHANNEL, 400.0, 214),
        InverterSpec("703000000102", TWO_CHANNEL, 400.0, 198),
        InverterSpec("408000000103", TWO_CHANNEL, 300.0, 171),
        InverterSpec("802000000104", QS1, 300.0, 226),
        InverterSpec("901000000105", THREE_PHASE, 350.0, 169),
    )


@dataclass
class EcuSimConfig:
    """One ECU and its inverters. `info_format` "02" sends the ECU-C / ECU-R-Pro layout of the
    system info; `reported_timezone` is what the ECU says (most say "Etc/GMT-8" whatever their
    real zone); `timezone` is the zone of its clock and of the place at `latitude`/`longitude`.
    """

    ecu_id: str = "216300000001"
    firmware: str = "ECU_B_1.2.33"
    info_format: str = "01"
    reported_timezone: str = "Etc/GMT-8"
    inverters: tuple[InverterSpec, ...] = field(default_factory=default_inverters)
    latitude: float = 52.37
    longitude: float = 4.9
    timezone: str = "Europe/Amsterdam"
    seed: int = 1
    lifetime_kwh: float = 2500.0  # when the simulator starts
    # The ECU hears from its inverters about every 5 minutes: values change at those instants.
    sample_period: float = 300.0
    # Locally administered addresses, not any real device's.
    ethernet_mac: bytes = bytes.fromhex("020000000001")
    wireless_mac: bytes = bytes(6)

    def __post_init__(self) -> None:
        if not _DIGITS12.match(self.ecu_id):
            raise ValueError("ecu_id must be 12 digits")
        if self.info_format not in ("01", "02"):
            raise ValueError("info_format must be '01' or '02'")
        for inverter in self.inverters:
            if not _DIGITS12.match(inverter.uid):
                raise ValueError(f"inverter uid {inverter.uid!r} must be 12 digits")
            if inverter.type_code not in CHANNELS:
                raise ValueError(f"type code {inverter.type_code!r} is not simulated")
            if not 0 <= inverter.signal <= 255:
                raise ValueError("signal must be 0..255")
        if len({i.uid for i in self.inverters}) != len(self.inverters):
            raise ValueError("inverter uids must be unique")
        if self.sample_period <= 0 or 3600 % self.sample_period:
            raise ValueError("sample_period must divide one hour")
        ZoneInfo(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
