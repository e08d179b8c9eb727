"""Pure functions from the `data` of FusionSolar Northbound responses to models and readings.

No I/O and no state: the client hands in what the API said, these functions hand back typed
models (`Plant`, `DeviceInfo`, `StationKpi`, `DeviceKpi`) and `Reading`s in SI units, driven by
the tables of `catalog.py`.

Missing versus rejected: a value the vendor reports as JSON null, `"N/A"`, `""` or the string
`"null"` is simply not there (no series, never 0). A value that is there but is no number (other
text, a boolean, NaN) or is physically impossible (the meters' 16-bit overflow, a number too large
to convert to SI units) is dropped and counted in `ParsedReadings.rejected` under a reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from solar2prom.core.convert import to_si
from solar2prom.core.model import Device, DeviceKind, Metric, Reading, Site
from solar2prom.core.values import UNPARSABLE, Unparsable, parse_number, round_noise
from solar2prom.sources.fusionsolar.catalog import (
    DEVICE_TYPES,
    GENERIC_ITEM,
    GENERIC_PLANT_ITEM,
    KW,
    METER_PHASE_CURRENT,
    METER_PHASE_VOLTAGE,
    MS,
    PHASES,
    PLANT_ITEMS,
    DeviceType,
    Item,
    MeterPower,
    device_kind,
)

VENDOR = "fusionsolar"

IMPLAUSIBLE = "implausible"

_DEVICE_ID = re.compile(r"^-?\d+$")

# Meters occasionally report about -66,553,500 W (a 16-bit overflow upstream). Anything below
# this line is that signature, 10 MW of margin above it, and never a real reading.
OVERFLOW_WATTS = -66_553_500.0 + 10_000_000.0
# Auto-detection of a meter's W/kW: reading the value as kW is implausible when it exceeds the
# apparent power U·I the same sample reports by more than measurement skew explains ...
_VA_TOLERANCE = 1.25
_VA_SLACK_WATTS = 100.0
# ... or, when U·I is not reported, when it exceeds this multiple of the plant's capacity.
_CAPACITY_FACTOR = 2.0

MeterPowerUnit = Literal["auto", "W", "kW"]


def _optional_number(raw: object) -> float | None:
    """For descriptive fields (coordinates, capacity), where garbage just means unknown."""
    try:
        return parse_number(raw)
    except Unparsable:
        return None


def _text(raw: object) -> str:
    """Vendor text; JSON null and the string "null" both mean none."""
    if raw is None:
        return ""
    text = str(raw).strip()
    return "" if text.lower() == "null" else text


def _coordinate(raw: object, limit: float) -> float | None:
    value = _optional_number(raw)
    return value if value is not None and -limit <= value <= limit else None


def _integer(raw: object, what: str) -> int:
    value = _optional_number(raw)
    if value is None or not value.is_integer():
        raise ValueError(f"{what} {raw!r} is not an integer")
    return int(value)


def _device_id(raw: object) -> str:
    # Device IDs have up to 16 digits and can be negative: a float would lose digits.
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str) and _DEVICE_ID.match(raw.strip()):
        return raw.strip()
    raise ValueError(f"device id {raw!r} is neither an integer nor a string of digits")


def _item_map(raw: object) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"dataItemMap is a {type(raw).__name__}, not an object")
    return raw


def collect_time(raw: object) -> float | None:
    """A `collectTime` (ms) in epoch seconds; None when missing, unreadable or out of range."""
    ms = _optional_number(raw)
    return to_si(ms, MS)


def api_rows(data: object) -> list[Mapping[str, Any]]:
    """The objects of a `data` list; none when `data` is no list (an answer of another shape)."""
    return [row for row in data if isinstance(row, Mapping)] if isinstance(data, list) else []


# --- models -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plant:
    """A plant (station). `grid_connection_date` keeps the offset the vendor wrote, the only
    hint of the plant's time zone the API gives."""

    code: str
    name: str = ""
    address: str = ""
    capacity_kw: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    grid_connection_date: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Plant:
        """From an item of `stations` `data.list` (capacity in kWp), or of the legacy
        `getStationList` `data`, told apart by their key for the plant code."""
        if "plantCode" not in data and "stationCode" in data:
            return cls.from_legacy_api(data)
        connected = _text(data.get("gridConnectionDate"))
        try:
            date = datetime.fromisoformat(connected) if connected else None
        except ValueError:
            date = None
        return cls(
            code=_text(data.get("plantCode")),
            name=_text(data.get("plantName")),
            address=_text(data.get("plantAddress")),
            capacity_kw=_optional_number(data.get("capacity")),
            latitude=_coordinate(data.get("latitude"), 90.0),
            longitude=_coordinate(data.get("longitude"), 180.0),
            grid_connection_date=date,
        )

    @classmethod
    def from_legacy_api(cls, data: Mapping[str, Any]) -> Plant:
        """From an item of the legacy `getStationList` `data` (capacity in MW)."""
        capacity_mw = _optional_number(data.get("capacity"))
        return cls(
            code=_text(data.get("stationCode")),
            name=_text(data.get("stationName")),
            address=_text(data.get("stationAddr")),
            capacity_kw=round_noise(capacity_mw * 1000.0) if capacity_mw is not None else None,
        )

    @property
    def utc_offset(self) -> str | None:
        """The offset of `grid_connection_date` as "+HH:MM", if it had one."""
        offset = self.grid_connection_date.utcoffset() if self.grid_connection_date else None
        if offset is None:
            return None
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def to_site(self) -> Site:
        extra = (
            (("capacity_watts", f"{round_noise(self.capacity_kw * KW):.15g}"),)
            if self.capacity_kw is not None
            else ()
        )
        return Site(
            id=self.code,
            name=self.name,
            vendor=VENDOR,
            latitude=self.latitude,
            longitude=self.longitude,
            timezone=self.utc_offset,
            extra=extra,
        )


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device of `getDevList`. `id` is kept as the exact digits the vendor sent."""

    id: str
    type_id: int
    station_code: str
    name: str = ""
    esn: str = ""
    model: str = ""
    software_version: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DeviceInfo:
        return cls(
            id=_device_id(data.get("id")),
            type_id=_integer(data.get("devTypeId"), "devTypeId"),
            station_code=_text(data.get("stationCode")),
            name=_text(data.get("devName")),
            esn=_text(data.get("esnCode")),
            # Inverters carry their model in invType; newer servers add `model` for all types.
            model=_text(data.get("invType")) or _text(data.get("model")),
            software_version=_text(data.get("softwareVersion")),
        )

    @property
    def kind(self) -> DeviceKind:
        return device_kind(self.type_id)

    def to_device(self) -> Device:
        return Device(
            id=self.id,
            site=self.station_code,
            kind=self.kind,
            model=self.model,
            firmware=self.software_version,
            name=self.name,
            serial=self.esn,
        )


@dataclass(frozen=True, slots=True)
class StationKpi:
    """An item of `getStationRealKpi` `data`."""

    station_code: str
    items: Mapping[str, object]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StationKpi:
        return cls(_text(data.get("stationCode")), _item_map(data.get("dataItemMap")))


@dataclass(frozen=True, slots=True)
class DeviceKpi:
    """An item of `getDevRealKpi` or `getDevHistoryKpi` `data`; `collect_time` in epoch seconds
    (history only: real-time data carries no sample time)."""

    dev_id: str
    items: Mapping[str, object]
    sn: str = ""
    collect_time: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DeviceKpi:
        return cls(
            dev_id=_device_id(data.get("devId")),
            items=_item_map(data.get("dataItemMap")),
            sn=_text(data.get("sn")),
            collect_time=collect_time(data.get("collectTime")),
        )


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Per-plant knobs of `device_readings`.

    `meter_power_unit` is the unit of the meter power fields Huawei documents in kW (grid meter
    `active_power` and `active_power_a/b/c`, power sensor `active_power_a/b/c`), which some
    meters send in W. "auto" decides per value: see `_kw_implausible`.
    """

    meter_power_unit: MeterPowerUnit = "auto"
    plant_capacity_kw: float | None = None


@dataclass(frozen=True, slots=True)
class ParsedReadings:
    readings: tuple[Reading, ...] = ()
    rejected: Counter[str] = field(default_factory=Counter)  # reason -> values dropped

    def value(self, metric: Metric, labels: tuple[str, ...] = ()) -> float | None:
        """The value of one series, if it was read."""
        for reading in self.readings:
            if reading.metric.name == metric.name and reading.labels == labels:
                return reading.value
        return None


# --- readings -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One dataItemMap being turned into readings."""

    site: str
    device: str = ""
    time: float | None = None
    readings: list[Reading] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)

    def add(self, metric: Metric, value: float, labels: tuple[str, ...] = ()) -> None:
        converted = to_si(value)
        if converted is None:
            self.rejected[IMPLAUSIBLE] += 1
            return
        self.readings.append(Reading(metric, converted, self.site, self.device, labels, self.time))

    def numbers(self, item_map: Mapping[str, object]) -> dict[str, float]:
        values: dict[str, float] = {}
        for key, raw in item_map.items():
            try:
                value = parse_number(raw)
            except Unparsable:
                self.rejected[UNPARSABLE] += 1
                continue
            if value is not None:
                values[key] = value
        return values

    def state_code(self, value: float) -> int | None:
        """Codes arrive as floats (512.0); a fractional one is no code."""
        if value.is_integer():
            return int(value)
        self.rejected[UNPARSABLE] += 1
        return None

    def item(self, item: Item, value: float, context: Mapping[str, str]) -> None:
        labels = item.labels + tuple(
            context[name] for name in item.metric.labels[len(item.labels) :]
        )
        if item.states is None:
            self.add(item.metric, value * item.scale, labels)
            return
        code = self.state_code(value)
        if code is not None:
            self.add(item.metric, float(code), labels)
            self.add(item.states.info, 1.0, labels + item.states.table.describe(code))

    def result(self) -> ParsedReadings:
        return ParsedReadings(tuple(self.readings), self.rejected)


def device_readings(
    device: DeviceInfo,
    item_map: Mapping[str, object],
    *,
    options: ParseOptions | None = None,
    time: float | None = None,
) -> ParsedReadings:
    """The `fusionsolar_` details and the core per-device metrics of one dataItemMap.

    `time` is the sample time (history rows); it is set on every reading.
    """
    options = options or ParseOptions()
    row = _Row(device.station_code, device.id, time)
    values = row.numbers(item_map)
    device_type = DEVICE_TYPES.get(device.type_id)
    items = device_type.items if device_type is not None else {}
    for key, value in values.items():
        item = items.get(key)
        if item is None:
            row.add(GENERIC_ITEM, value, (str(device.type_id), key))
        elif item.meter_power is not None:
            watts = _meter_watts(item, item.meter_power, value, values, items, options)
            if watts is None:
                row.rejected[IMPLAUSIBLE] += 1
            else:
                row.add(item.metric, watts, item.labels)
        else:
            row.item(item, value, {})
    if device_type is not None:
        _core(row, device_type, values)
    return row.result()


def _core(row: _Row, device_type: DeviceType, values: Mapping[str, float]) -> None:
    done: set[str] = set()
    for feed in device_type.core:
        value = values.get(feed.key)
        if feed.metric.name in done or value is None:
            continue
        if feed.online:
            if value.is_integer():
                row.add(feed.metric, 0.0 if value == 0 else 1.0)
                done.add(feed.metric.name)
        else:
            row.add(feed.metric, value * feed.scale)
            done.add(feed.metric.name)


def _meter_watts(
    item: Item,
    meter_power: MeterPower,
    value: float,
    values: Mapping[str, float],
    items: Mapping[str, Item],
    options: ParseOptions,
) -> float | None:
    """A meter power value in W, or None when it is the overflow signature."""
    if meter_power.fallback is None:
        watts = value
    else:
        unit = options.meter_power_unit
        if unit == "auto":
            apparent = _apparent_power(values, items, item.labels or PHASES)
            unit = "W" if _kw_implausible(value, apparent, options) else meter_power.fallback
        watts = value * KW if unit == "kW" else value
    return None if watts < OVERFLOW_WATTS else watts


def _kw_implausible(value: float, apparent_va: float | None, options: ParseOptions) -> bool:
    """The auto rule: is it implausible that this value, documented in kW, is in kW?

    Yes when, read as kW, it exceeds the U·I of the same sample by more than 25 % + 100 W; or,
    when the sample reports no U·I, when its absolute value exceeds twice the plant capacity in
    kW. An implausible kW reading is taken as W; otherwise the field's fallback unit holds.
    """
    if apparent_va is not None:
        return abs(value) * KW > apparent_va * _VA_TOLERANCE + _VA_SLACK_WATTS
    if options.plant_capacity_kw:
        return abs(value) > _CAPACITY_FACTOR * options.plant_capacity_kw
    return False


def _apparent_power(
    values: Mapping[str, float], items: Mapping[str, Item], phases: Iterable[str]
) -> float | None:
    """Σ U·I over the given phases that report both, in VA; None when none does."""
    volts: dict[str, float] = {}
    amps: dict[str, float] = {}
    for key, value in values.items():
        item = items.get(key)
        if item is not None and item.metric is METER_PHASE_VOLTAGE:
            volts[item.labels[0]] = value
        elif item is not None and item.metric is METER_PHASE_CURRENT:
            amps[item.labels[0]] = value
    products = [abs(volts[p] * amps[p]) for p in phases if p in volts and p in amps]
    return sum(products) if products else None


def station_readings(
    plant: Plant, kpi_map: Mapping[str, object], *, currency: str
) -> ParsedReadings:
    """Core production energy and `fusionsolar_plant_` details of one plant's real-time KPIs.

    `currency` is the plant's currency code, "" when unknown; it labels the revenue metrics.
    """
    row = _Row(plant.code)
    context = {"currency": currency}
    for key, value in row.numbers(kpi_map).items():
        item = PLANT_ITEMS.get(key)
        if item is None:
            row.add(GENERIC_PLANT_ITEM, value, (key,))
        else:
            row.item(item, value, context)
    return row.result()
