"""Pure functions from OpenAPI `data` to typed models: no I/O, no state.

Numbers come as strings or numbers; null, `"N/A"` and empty strings are missing; other text
where a number belongs is dropped and counted as `unparsable`. A `data` of another shape than
documented (a list, a string where an object belongs) holds no values. Minutely series carry
times as `HH:mm` of the queried day, local to the system.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from solar2prom.core.values import counted_number as number

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
METER_FLOWS = ("consumed", "exported", "imported", "produced")
METER_POWERS = ("consumed", "imported_exported", "produced")


def _descriptive(raw: object) -> float | None:
    """For descriptive fields (capacity, codes), where garbage just means unknown."""
    return number(raw, Counter())


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def _mapping(raw: object) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: object) -> Sequence[Any]:
    return raw if isinstance(raw, Sequence) and not isinstance(raw, str) else ()


def slot_time(raw: object, day: date, tz: tzinfo) -> float | None:
    """`HH:mm` of `day` in the system's zone as an instant; "24:00" is the next midnight."""
    match = _HHMM.match(str(raw)) if raw is not None else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    moment = datetime.combine(day, time(), tz) + timedelta(hours=hours, minutes=minutes)
    return moment.timestamp()


def ecu_id(raw: object) -> str:
    """A shared sub-user system lists `<main ECU>-<virtual ECU>`: queries take the virtual."""
    return _text(raw).rsplit("-", 1)[-1]


@dataclass(frozen=True, slots=True)
class SystemDetails:
    """`details/{sid}`."""

    sid: str
    timezone: str
    ecus: tuple[str, ...]
    capacity_kw: float | None = None
    light: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SystemDetails:
        light = _descriptive(data.get("light"))
        return cls(
            sid=_text(data.get("sid")),
            timezone=_text(data.get("timezone")),
            ecus=tuple(e for e in (ecu_id(x) for x in _list(data.get("ecu"))) if e),
            capacity_kw=_descriptive(data.get("capacity")),
            light=int(light) if light is not None and light.is_integer() else None,
        )


@dataclass(frozen=True, slots=True)
class Inverter:
    uid: str
    model: str


@dataclass(frozen=True, slots=True)
class Ecu:
    """An ECU of `inverters/{sid}`: `type` 0 plain, 1 with a meter, 2 with storage."""

    eid: str
    type: int | None
    inverters: tuple[Inverter, ...]

    @property
    def has_meter(self) -> bool:
        return self.type == 1

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Ecu:
        kind = _descriptive(data.get("type"))
        inverters = tuple(
            Inverter(_text(i.get("uid")), _text(i.get("type")))
            for i in _list(data.get("inverter"))
            if isinstance(i, Mapping) and _text(i.get("uid"))
        )
        return cls(
            eid=ecu_id(data.get("eid")),
            type=int(kind) if kind is not None and kind.is_integer() else None,
            inverters=inverters,
        )


@dataclass(frozen=True, slots=True)
class Energies:
    """`today`/`month`/`year`/`lifetime` kWh of `summary/{sid}` (and of an ECU's summary)."""

    today: float | None
    month: float | None
    year: float | None
    lifetime: float | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], rejected: Counter[str]) -> Energies:
        return cls(*(number(data.get(k), rejected) for k in ("today", "month", "year", "lifetime")))


@dataclass(frozen=True, slots=True)
class EcuDay:
    """`ecu/energy/{eid}?energy_level=minutely`: the newest slot, the day's totals, and every
    slot as (time, power W, energy kWh)."""

    time: float | None
    power_w: float | None
    slot_kwh: float | None
    peak_w: float | None
    today_kwh: float | None
    slots: tuple[tuple[float, float | None, float | None], ...] = ()

    @classmethod
    def from_api(cls, raw: object, day: date, tz: tzinfo, rejected: Counter[str]) -> EcuDay:
        data = _mapping(raw)
        times = [slot_time(t, day, tz) for t in _list(data.get("time"))]
        power = [number(p, rejected) for p in _list(data.get("power"))]
        energy = [number(e, rejected) for e in _list(data.get("energy"))]
        readable = [p for p in power if p is not None]
        slots = tuple(
            (t, p, e) for t, p, e in zip(times, power, energy, strict=False) if t is not None
        )
        return cls(
            time=times[-1] if times else None,
            power_w=power[-1] if power else None,
            slot_kwh=energy[-1] if energy else None,
            peak_w=max(readable) if readable else None,
            today_kwh=number(data.get("today"), rejected),
            slots=slots,
        )


@dataclass(frozen=True, slots=True)
class BatchPower:
    """`inverter/batch/energy/{eid}?energy_level=power`: each `<uid>-<channel>`'s newest W."""

    time: float | None
    channels: Mapping[tuple[str, str], float]

    @classmethod
    def from_api(cls, raw: object, day: date, tz: tzinfo, rejected: Counter[str]) -> BatchPower:
        data = _mapping(raw)
        times = _list(data.get("time"))
        channels: dict[tuple[str, str], float] = {}
        for key, values in _mapping(data.get("power")).items():
            uid, _, channel = str(key).rpartition("-")
            series = _list(values)
            if not uid or not channel or not series:
                continue
            value = number(series[-1], rejected)
            if value is not None:
                channels[(uid, channel)] = value
        return cls(slot_time(times[-1], day, tz) if times else None, channels)


@dataclass(frozen=True, slots=True)
class MeterDay:
    """`meter/period/{eid}?energy_level=minutely`: the newest powers (W) and today's kWh."""

    time: float | None
    power_w: Mapping[str, float]
    today_kwh: Mapping[str, float]

    @classmethod
    def from_api(cls, raw: object, day: date, tz: tzinfo, rejected: Counter[str]) -> MeterDay:
        data = _mapping(raw)
        times = _list(data.get("time"))
        power: dict[str, float] = {}
        for flow, values in _mapping(data.get("power")).items():
            series = _list(values)
            value = number(series[-1], rejected) if series else None
            if value is not None:
                power[str(flow)] = value
        return cls(
            time=slot_time(times[-1], day, tz) if times else None,
            power_w=power,
            today_kwh=flows(data.get("today"), rejected),
        )


def flows(raw: object, rejected: Counter[str]) -> dict[str, float]:
    """`{consumed, exported, imported, produced}` kWh, those that are there."""
    values = {flow: number(_mapping(raw).get(flow), rejected) for flow in METER_FLOWS}
    return {flow: value for flow, value in values.items() if value is not None}
