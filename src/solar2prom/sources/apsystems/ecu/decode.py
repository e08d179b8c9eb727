"""Typed models from validated ECU frames: system info, real-time inverter data, signal levels.

Offsets are those of the reference tables (from the start of the frame); integers are
big-endian, dates BCD in the ECU's local wall-clock time, identifiers BCD or ASCII digits.
Values keep the vendor's scale where it is exact (watt-hours for energies, raw codes for
offline fields), so nothing is rounded here; `readings.py` converts to SI units.

What the frame says is kept as it is said: an offline inverter's zeros stay in the model and
its `frequency_hz` / `temperature_c` properties are None, since those zeros are no measurement.
A record of a type code the tables do not know has no known length: decoding stops there and
counts the inverters it could not read, rather than misreading every record after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from solar2prom.sources.apsystems.ecu.frames import Frame, FrameError

ECU_MODELS: Mapping[str, str] = {
    "2160": "ECU-R",
    "2162": "ECU-R-Pro",
    "2163": "ECU-B",
    "2150": "ECU-C",
}
INVERTER_MODELS: Mapping[str, str] = {
    "10": "YC500",
    "40": "YC600",
    "50": "YC1000",
    "70": "DS3",
    "80": "QS1",
    "90": "QT2",
}
_TEMPERATURE_OFFSET = 100  # the ECU sends °C + 100
STATUS_OK = "00"
_RECORD_HEAD = 9  # UID (6 BCD bytes), online flag, two ASCII type characters
_UID_SIZE = 6
_SIGNAL_RECORD = _UID_SIZE + 1


class VoltageKind(StrEnum):
    CHANNEL = "channel"  # one AC voltage reported with each input channel
    PHASE = "phase"  # one AC voltage per grid phase


@dataclass(frozen=True, slots=True)
class Layout:
    """What follows frequency and temperature in a record of one type code.

    `fields` spells the u16 values in order: `p` a channel's power (W), `v` an AC voltage (V).
    """

    name: str
    fields: str
    voltage_kind: VoltageKind

    @property
    def size(self) -> int:
        if not self.fields:
            return _RECORD_HEAD
        return _RECORD_HEAD + 4 + 2 * len(self.fields)


_TWO_CHANNEL = Layout("2 channels, single-phase (YC600, DS3)", "pvpv", VoltageKind.CHANNEL)
_THREE_PHASE = Layout("4 channels, three-phase (YC1000, QT2)", "pvpvpvp", VoltageKind.PHASE)
LAYOUTS: Mapping[str, Layout] = {
    "01": _TWO_CHANNEL,
    "04": _TWO_CHANNEL,  # DS3-L / DS3-H
    "02": _THREE_PHASE,
    "05": _THREE_PHASE,
    "03": Layout("4 channels, single-phase (QS1)", "pvppp", VoltageKind.PHASE),
    # A registered inverter that has not reported yet: UID, flag and type only.
    "00": Layout("registered, never reported", "", VoltageKind.CHANNEL),
}


def _u16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 2], "big")


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 4], "big")


def _ascii(frame: Frame, offset: int, size: int) -> str:
    if offset + size > frame.end:
        raise FrameError(f"a field at byte {offset} runs past the end of the frame")
    try:
        return frame.data[offset : offset + size].decode("ascii")
    except UnicodeDecodeError:
        raise FrameError(f"bytes {offset}-{offset + size - 1} are not ASCII") from None


def _digits(frame: Frame, offset: int, size: int) -> int:
    text = _ascii(frame, offset, size)
    if not text.isdigit():
        raise FrameError(f"bytes {offset}-{offset + size - 1} are not digits")
    return int(text)


def bcd(raw: bytes) -> str | None:
    """The digits of packed BCD, or None if a nibble is no digit (the ECU's `d0` filler)."""
    text = raw.hex()
    return text if text.isdigit() else None


def bcd_time(raw: bytes) -> datetime | None:
    """A 7-byte BCD `YYYYMMDDhhmmss`, naive (the ECU's local time), or None if invalid."""
    digits = bcd(raw)
    if digits is None or len(digits) != 14:
        return None
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _uid(frame: Frame, offset: int) -> str:
    uid = bcd(frame.data[offset : offset + _UID_SIZE])
    if uid is None:
        raise FrameError(f"the inverter id at byte {offset} is not BCD")
    return uid


def _status(frame: Frame) -> str:
    return _ascii(frame, 13, 2)


def ecu_model(ecu_id: str) -> str:
    return ECU_MODELS.get(ecu_id[:4], "ECU")


def inverter_model(uid: str, layout: Layout | None = None) -> str:
    """The model by UID prefix (type codes are shared: a QT2 reports `02` like a YC1000)."""
    model = INVERTER_MODELS.get(uid[:2])
    if model is None and layout is not None and layout.fields:
        return layout.name
    return model or ""


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """Reply to `0001`. Energies in Wh: the frame's 0.1 kWh and 0.01 kWh scaled exactly."""

    ecu_id: str
    format: str  # "01" (ECU-B, ECU-R, ECU-R-Pro) or "02" (ECU-C, some ECU-R-Pro)
    lifetime_wh: int
    power_w: int
    today_wh: int
    inverters: int
    inverters_online: int
    firmware: str
    timezone: str = ""  # what the ECU says; "Etc/GMT-8" on most, whatever the real zone
    ema_contact: datetime | None = None  # BCD at 39-45 in format 01 where not filler

    @property
    def model(self) -> str:
        return ecu_model(self.ecu_id)

    @classmethod
    def from_frame(cls, frame: Frame) -> SystemInfo:
        data = frame.data
        ecu_id = _ascii(frame, 13, 12)
        if not ecu_id.isdigit():
            raise FrameError("the ECU id is not 12 digits")
        fmt = _ascii(frame, 25, 2)
        if frame.end < 39:
            raise FrameError("the system info is too short for its energy fields")
        lifetime_wh, power_w, today_wh = _u32(data, 27) * 100, _u32(data, 31), _u32(data, 35) * 10
        if fmt == "02":
            if frame.end < 52:
                raise FrameError("the system info is too short for its inverter counts")
            length = _digits(frame, 49, 3)
            return cls(
                ecu_id,
                fmt,
                lifetime_wh,
                power_w,
                today_wh,
                inverters=_u16(data, 39),
                inverters_online=_u16(data, 41),
                firmware=_ascii(frame, 52, length),
            )
        if frame.end < 55:
            raise FrameError("the system info is too short for its inverter counts")
        length = _digits(frame, 52, 3)
        zone_length = _digits(frame, 55 + length, 3)
        return cls(
            ecu_id,
            fmt,
            lifetime_wh,
            power_w,
            today_wh,
            inverters=_u16(data, 46),
            inverters_online=_u16(data, 48),
            firmware=_ascii(frame, 55, length),
            timezone=_ascii(frame, 58 + length, zone_length),
            ema_contact=bcd_time(data[39:46]),
        )


@dataclass(frozen=True, slots=True)
class InverterRecord:
    """One inverter of a `0002` reply, as the ECU last heard it over Zigbee."""

    uid: str
    online: bool
    type_code: str
    frequency_raw: int | None = None  # 0.1 Hz; None in a never-reported (`00`) record
    temperature_raw: int | None = None  # °C + 100
    channel_power_w: tuple[int, ...] = ()
    ac_voltage_v: tuple[int, ...] = ()

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.type_code]

    @property
    def model(self) -> str:
        return inverter_model(self.uid, self.layout)

    @property
    def frequency_hz(self) -> float | None:
        if not self.online or self.frequency_raw is None:
            return None
        return self.frequency_raw / 10

    @property
    def temperature_c(self) -> int | None:
        if not self.online or self.temperature_raw is None:
            return None
        return self.temperature_raw - _TEMPERATURE_OFFSET

    @property
    def power_w(self) -> int | None:
        """AC output, the sum of the channels; None where the ECU has no measurement."""
        if not self.online or not self.channel_power_w:
            return None
        return sum(self.channel_power_w)

    @classmethod
    def from_record(cls, frame: Frame, offset: int, layout: Layout) -> InverterRecord:
        data = frame.data
        uid = _uid(frame, offset)
        type_code = _ascii(frame, offset + 7, 2)
        online = data[offset + 6] != 0
        if not layout.fields:
            return cls(uid, online, type_code)
        values = [(kind, _u16(data, offset + 13 + 2 * i)) for i, kind in enumerate(layout.fields)]
        return cls(
            uid,
            online,
            type_code,
            frequency_raw=_u16(data, offset + 9),
            temperature_raw=_u16(data, offset + 11),
            channel_power_w=tuple(v for kind, v in values if kind == "p"),
            ac_voltage_v=tuple(v for kind, v in values if kind == "v"),
        )


@dataclass(frozen=True, slots=True)
class RealtimeData:
    """Reply to `0002`. `status` other than "00" means the ECU has no data for this id."""

    status: str
    time: datetime | None = None  # the ECU's local wall-clock time of the data
    inverters: tuple[InverterRecord, ...] = ()
    declared: int = 0  # records the header announces
    unknown_type: str | None = None  # the type code where decoding had to stop

    @property
    def unread(self) -> int:
        return self.declared - len(self.inverters)

    @classmethod
    def from_frame(cls, frame: Frame) -> RealtimeData:
        status = _status(frame)
        if status != STATUS_OK:
            return cls(status)
        if frame.end < 26:
            raise FrameError("the real-time reply is too short for its header")
        data = frame.data
        declared = _u16(data, 17)
        time = bcd_time(data[19:26])
        records: list[InverterRecord] = []
        offset = 26
        for _ in range(declared):
            if offset + _RECORD_HEAD > frame.end:
                raise FrameError(f"the reply announces {declared} inverters but holds fewer")
            type_code = _ascii(frame, offset + 7, 2)
            layout = LAYOUTS.get(type_code)
            if layout is None:
                return cls(status, time, tuple(records), declared, type_code)
            if offset + layout.size > frame.end:
                raise FrameError(f"the record at byte {offset} runs past the end of the frame")
            records.append(InverterRecord.from_record(frame, offset, layout))
            offset += layout.size
        if offset != frame.end:
            raise FrameError(f"{frame.end - offset} bytes follow the last inverter record")
        return cls(status, time, tuple(records), declared)


@dataclass(frozen=True, slots=True)
class InverterSignal:
    uid: str
    level: int  # 0-255 as the ECU reports it

    @property
    def ratio(self) -> float:
        return self.level / 255


@dataclass(frozen=True, slots=True)
class SignalLevels:
    """Reply to `0030`: the Zigbee signal level of every inverter."""

    status: str
    inverters: tuple[InverterSignal, ...] = ()

    @classmethod
    def from_frame(cls, frame: Frame) -> SignalLevels:
        status = _status(frame)
        if status != STATUS_OK:
            return cls(status)
        start = 15
        if (frame.end - start) % _SIGNAL_RECORD:
            raise FrameError("the signal reply does not hold whole inverter records")
        return cls(
            status,
            tuple(
                InverterSignal(_uid(frame, offset), frame.data[offset + _UID_SIZE])
                for offset in range(start, frame.end, _SIGNAL_RECORD)
            ),
        )
