"""From what pyenphase read (`EnvoyData`) and `/inventory.json` to readings in SI units.

Pure functions, no I/O. Watt-hours become joules, percentages ratios, milli-units were already
converted by pyenphase (which also rounds power and energy to whole W and Wh). A figure the
gateway does not send produces no reading; so do the day totals some firmware leaves at 0: a
"last seven days" of 0 beside a lifetime that is not 0 is not a measurement (firmware 7 and 8
never fill the net-consumption day totals), and a "today" of 0 beside it neither. Such values
are dropped and counted as `not_reported`.

Which reading feeds each core power, in order of preference: the CT meter itself (the same
`/ivp/meters/readings` the fast `meters` feed reads, so both feeds agree), then the gateway's
production report. Production power is never negative (CTs read a few watts below zero at
night). Battery power and state of charge come from the batteries (IQ Battery / Encharge
`real_power_mw`, AC Battery `wNow`), positive while discharging, as the captures show (an AC
Battery reported as "discharging" has a positive `wNow`).

pyenphase passes most values on as the gateway's JSON had them, so each is read like any vendor
number: null, "N/A" or nothing gives no reading; other text, or a number too large to convert,
is dropped and counted (`unparsable`, `implausible`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pyenphase import EnvoyData
from pyenphase.models.meters import CtType, EnvoyMeterData

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import Device, DeviceKind, Metric, Reading
from solar2prom.core.values import UNPARSABLE, Unparsable, counted_number, parse_number
from solar2prom.sources.enphase import catalog as c
from solar2prom.sources.enphase.inventory import InventoryDevice

PHASES = {"L1": "a", "L2": "b", "L3": "c"}
NOT_REPORTED = "not_reported"
INVALID = "invalid"
IMPLAUSIBLE = "implausible"
_PRODUCTION_REPORTS = ("/production.json?details=1", "/production.json", "/production")
_CHARGING = {"charging": 1, "discharging": 2, "idle": 0}


class Totals(Protocol):
    """pyenphase's production and consumption figures (same attribute names)."""

    @property
    def watts_now(self) -> int: ...

    @property
    def watt_hours_today(self) -> int: ...

    @property
    def watt_hours_last_7_days(self) -> int: ...

    @property
    def watt_hours_lifetime(self) -> int: ...


@dataclass
class Collector:
    """Readings of one site; a later reading of the same series replaces an earlier one."""

    site: str
    time: float | None = None
    found: dict[tuple[str, str, str, tuple[str, ...]], Reading] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)

    def number(self, raw: object) -> float | None:
        """A value as the gateway sent it, as a number; None when missing or unreadable."""
        return counted_number(raw, self.rejected)

    def flag(self, raw: object) -> float | None:
        """A JSON boolean as 1 or 0."""
        if raw is None or isinstance(raw, bool):
            return None if raw is None else float(raw)
        self.rejected[UNPARSABLE] += 1
        return None

    def add(
        self,
        metric: Metric,
        value: object,
        device: str = "",
        labels: tuple[str, ...] = (),
        time: float | None = None,
        *,
        scale: float = 1.0,
    ) -> None:
        number = self.number(value)
        if number is None:
            return
        converted = to_si(number, scale)
        if converted is None:
            self.rejected[IMPLAUSIBLE] += 1
            return
        reading = Reading(metric, converted, self.site, device, labels, time or self.time)
        self.found[reading.key] = reading

    @property
    def readings(self) -> tuple[Reading, ...]:
        return tuple(self.found.values())


def _moment(raw: object) -> float | None:
    """A sample time (epoch s) the gateway gave, if usable. Not counted when it is not: a time
    is no reading of its own."""
    try:
        value = parse_number(raw)
    except Unparsable:
        return None
    return value if value is not None and 0 < value < float("inf") else None


def _text(raw: object) -> str:
    return "" if raw is None else str(raw)


def _state(code: int | None) -> tuple[str, str] | None:
    return None if code is None else (str(code), c.BATTERY_STATES[code])


def _power_state(watts: float) -> int:
    return 2 if watts > 0 else 1 if watts < 0 else 0


def _sum(values: list[float | None]) -> float | None:
    """The sum, or None when a value is missing: a partial sum would be a wrong one."""
    present = [v for v in values if v is not None]
    return sum(present) if values and len(present) == len(values) else None


# --- site ---------------------------------------------------------------------------------------


def ct_time(ctmeters: Mapping[str, EnvoyMeterData | None]) -> float | None:
    """The newest timestamp of the CT readings."""
    times = [_moment(m.timestamp) for m in ctmeters.values() if m is not None]
    return max((t for t in times if t is not None), default=None)


def sample_time(data: EnvoyData) -> float | None:
    """The newest sample time the gateway gave: CT timestamps, production `readingTime`s."""
    times = [ct_time(data.ctmeters)]
    for endpoint in _PRODUCTION_REPORTS:
        report = data.raw.get(endpoint)
        if not isinstance(report, dict):
            continue
        for section in ("production", "consumption", "storage"):
            entries = report.get(section)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    times.append(_moment(entry.get("readingTime")))
    return max((t for t in times if t is not None), default=None)


def _energies(out: Collector, totals: Totals) -> tuple[float | None, float | None, float | None]:
    """Today, last seven days and lifetime energy (Wh), None where the firmware does not fill
    them."""
    today = out.number(totals.watt_hours_today)
    week = out.number(totals.watt_hours_last_7_days)
    lifetime = out.number(totals.watt_hours_lifetime)
    if lifetime and not week:
        week = None
        out.rejected[NOT_REPORTED] += 1
        if not today:
            today = None
            out.rejected[NOT_REPORTED] += 1
    return today, week, lifetime


def measurement_readings(
    out: Collector,
    measurement: c.Measurement,
    totals: Totals | None,
    phases: Mapping[str, Totals | None] | None,
) -> None:
    """Energies of one measurement, and everything per phase (the powers: `core_powers`)."""
    if totals is not None:
        today, week, lifetime = _energies(out, totals)
        out.add(measurement.today, today, scale=c.WH)
        out.add(measurement.last_7_days, week, scale=c.WH)
        out.add(measurement.lifetime, lifetime, scale=c.WH)
    for name, phase in (phases or {}).items():
        if phase is None or name not in PHASES:
            continue
        label = (PHASES[name],)
        today, week, lifetime = _energies(out, phase)
        out.add(measurement.phase_power, phase.watts_now, labels=label)
        out.add(measurement.phase_today, today, labels=label, scale=c.WH)
        out.add(measurement.phase_last_7_days, week, labels=label, scale=c.WH)
        out.add(measurement.phase_lifetime, lifetime, labels=label, scale=c.WH)


def core_powers(
    out: Collector, data: EnvoyData, ctmeters: Mapping[str, EnvoyMeterData | None]
) -> None:
    """Production, consumption and grid power now: from the CTs where there are some."""
    production_ct = ctmeters.get(CtType.PRODUCTION)
    net_ct = ctmeters.get(CtType.NET_CONSUMPTION)
    total_ct = ctmeters.get(CtType.TOTAL_CONSUMPTION)
    production: float | None = None
    if production_ct is not None:
        production = out.number(production_ct.active_power)
    elif data.system_production is not None:
        production = out.number(data.system_production.watts_now)
    grid: float | None = None
    if net_ct is not None:
        grid = out.number(net_ct.active_power)
    elif data.system_net_consumption is not None:
        grid = out.number(data.system_net_consumption.watts_now)
    consumption: float | None = None
    if total_ct is not None:
        consumption = out.number(total_ct.active_power)
    elif production_ct is not None and net_ct is not None:
        consumption = _sum([production, grid])
    elif data.system_consumption is not None:
        consumption = out.number(data.system_consumption.watts_now)
    out.add(core.PRODUCTION_POWER, None if production is None else max(0.0, production))
    out.add(core.GRID_POWER, grid)
    out.add(core.CONSUMPTION_POWER, consumption)


def battery_readings(out: Collector, data: EnvoyData) -> None:
    """The batteries together: how many, power, state of charge, state, energy."""
    encharge = data.encharge_inventory or {}
    acb = data.acb_power
    count = len(encharge) + ((out.number(acb.batteries) or 0.0) if acb is not None else 0.0)
    out.add(c.BATTERIES, count)
    if not count:
        return
    parts: list[float | None] = []
    if encharge and data.encharge_power:
        milliwatts = _sum([out.number(p.real_power_mw) for p in data.encharge_power.values()])
        parts.append(None if milliwatts is None else milliwatts / 1000.0)
    if acb is not None:
        parts.append(out.number(acb.power))
    watts = _sum(parts)
    out.add(core.BATTERY_POWER, watts)
    aggregate, enc = data.battery_aggregate, data.encharge_aggregate if encharge else None
    soc: object = None
    if aggregate is not None:
        soc = aggregate.state_of_charge
    elif enc is not None:
        soc = enc.state_of_charge
    elif acb is not None:
        soc = acb.state_of_charge
    out.add(core.BATTERY_SOC, soc, scale=c.PERCENT)
    code = _power_state(watts) if encharge and watts is not None else None
    if code is None and acb is not None and isinstance(acb.state, str):
        code = _CHARGING.get(acb.state.lower())
    out.add(c.BATTERY_STATE, code)
    if (state := _state(code)) is not None:
        out.add(c.BATTERY_STATE_INFO, 1.0, labels=state)
    available: object = None
    capacity: object = None
    if aggregate is not None:
        available, capacity = aggregate.available_energy, aggregate.max_available_capacity
    elif enc is not None:
        available, capacity = enc.available_energy, enc.max_available_capacity
    elif acb is not None:
        available = acb.charge_wh
    out.add(c.BATTERY_AVAILABLE_ENERGY, available, scale=c.WH)
    out.add(c.BATTERY_CAPACITY, capacity, scale=c.WH)
    if enc is not None:
        out.add(c.BATTERY_BACKUP_RESERVE, enc.reserve_state_of_charge, scale=c.PERCENT)


def site_readings(out: Collector, data: EnvoyData) -> None:
    """Everything site-level the full update holds (CT meters: `meter_readings`)."""
    for measurement, totals, phases in (
        (c.PRODUCTION, data.system_production, data.system_production_phases),
        (c.CONSUMPTION, data.system_consumption, data.system_consumption_phases),
        (c.NET_CONSUMPTION, data.system_net_consumption, data.system_net_consumption_phases),
    ):
        measurement_readings(out, measurement, totals, phases)
    core_powers(out, data, data.ctmeters)
    battery_readings(out, data)
    if data.inverters:
        out.add(c.MICROINVERTERS, len(data.inverters))
    out.add(core.DATA_TIMESTAMP, sample_time(data))


# --- CT meters ----------------------------------------------------------------------------------


def meter_readings(
    out: Collector,
    ctmeters: Mapping[str, EnvoyMeterData | None],
    phases: Mapping[str, Mapping[str, EnvoyMeterData | None]],
    multiphase: bool,
) -> list[Device]:
    """Every enabled CT as a device, and the grid's lifetime import and export."""
    devices: list[Device] = []
    for kind, meter in ctmeters.items():
        if meter is None:
            out.rejected[INVALID] += 1  # pyenphase judged this reading wrong (reference §9)
            continue
        device, time = _text(meter.eid), _moment(meter.timestamp)
        devices.append(Device(device, out.site, DeviceKind.METER, f"{kind} CT", name=str(kind)))
        for figure in c.METER_FIGURES:
            if multiphase and not figure.aggregate_multiphase:
                continue
            value = getattr(meter, figure.attribute)
            out.add(figure.total, value, device, time=time, scale=figure.scale)
        for name, phase in phases.get(kind, {}).items():
            if phase is None or name not in PHASES:
                continue
            for figure in c.METER_FIGURES:
                value = getattr(phase, figure.attribute)
                out.add(figure.phase, value, device, (PHASES[name],), time, scale=figure.scale)
        if kind == CtType.NET_CONSUMPTION:
            out.add(core.GRID_IMPORT_ENERGY_TOTAL, meter.energy_delivered, time=time, scale=c.WH)
            out.add(core.GRID_EXPORT_ENERGY_TOTAL, meter.energy_received, time=time, scale=c.WH)
    return devices


# --- devices ------------------------------------------------------------------------------------


def device_readings(
    out: Collector, data: EnvoyData, inventory: Iterable[InventoryDevice]
) -> list[Device]:
    """Micro-inverters, batteries and every other inventoried device, with their flags."""
    listed = {d.serial: d for d in inventory}
    devices: dict[str, Device] = {}
    for key, inverter in data.inverters.items():
        serial, t = _text(key), _moment(inverter.last_report_date)
        out.add(core.DEVICE_POWER, inverter.last_report_watts, serial, time=t)
        out.add(c.MAX_POWER, inverter.max_report_watts, serial, time=t)
        out.add(c.LAST_REPORT, inverter.last_report_date, serial)
        out.add(c.INVERTER_DC_VOLTAGE, inverter.dc_voltage, serial, time=t)
        out.add(c.INVERTER_DC_CURRENT, inverter.dc_current, serial, time=t)
        out.add(c.INVERTER_AC_VOLTAGE, inverter.ac_voltage, serial, time=t)
        out.add(c.INVERTER_AC_CURRENT, inverter.ac_current, serial, time=t)
        out.add(c.INVERTER_AC_FREQUENCY, inverter.ac_frequency, serial, time=t)
        out.add(core.DEVICE_TEMPERATURE, inverter.temperature, serial, time=t)
        out.add(core.DEVICE_ENERGY_TOTAL, inverter.lifetime_energy, serial, time=t, scale=c.WH)
        out.add(c.INVERTER_ENERGY_TODAY, inverter.energy_today, serial, time=t, scale=c.WH)
        entry = listed.get(serial)
        devices[serial] = Device(
            serial,
            out.site,
            DeviceKind.MICROINVERTER,
            entry.part_number if entry else "",
            entry.firmware if entry else "",
            serial=serial,
        )
    power = data.encharge_power or {}
    for key, battery in (data.encharge_inventory or {}).items():
        serial = _text(key)
        milliwatts = out.number(power[key].real_power_mw) if key in power else None
        watts = None if milliwatts is None else milliwatts / 1000.0
        _battery(out, serial, watts, battery.percent_full, battery.max_cell_temp)
        out.add(core.DEVICE_TEMPERATURE, battery.temperature, serial)
        out.add(c.COMMUNICATING, out.flag(battery.communicating), serial)
        out.add(c.OPERATING, out.flag(battery.operating), serial)
        out.add(core.DEVICE_ONLINE, out.flag(battery.communicating), serial)
        out.add(c.LAST_REPORT, battery.last_report_date, serial)
        devices[serial] = Device(
            serial,
            out.site,
            DeviceKind.BATTERY,
            _text(battery.part_number),
            _text(battery.firmware_version),
            "IQ Battery",
            serial,
        )
    for key, acb in (data.acb_inventory or {}).items():
        serial = _text(key)
        state = _CHARGING.get(acb.charge_status.value)
        watts = out.number(acb.last_report_watts)
        if watts is not None and state == _CHARGING["charging"]:
            watts = -abs(watts)
        _battery(out, serial, watts, acb.percent_full, acb.max_cell_temp, state)
        out.add(c.MAX_POWER, acb.max_report_watts, serial)
        out.add(c.LAST_REPORT, acb.last_report_date, serial)
        for metric, flag in (
            (c.COMMUNICATING, acb.communicating),
            (c.OPERATING, acb.operating),
            (c.PRODUCING, acb.producing),
            (core.DEVICE_ONLINE, acb.communicating),
        ):
            out.add(metric, out.flag(flag), serial)
        devices[serial] = Device(
            serial,
            out.site,
            DeviceKind.BATTERY,
            _text(acb.part_num),
            name="AC Battery",
            serial=serial,
        )
    for entry in listed.values():
        for name, metric in (
            ("provisioned", c.PROVISIONED),
            ("communicating", c.COMMUNICATING),
            ("producing", c.PRODUCING),
            ("operating", c.OPERATING),
        ):
            out.add(metric, out.flag(entry.flags.get(name)), entry.serial)
        out.add(core.DEVICE_ONLINE, out.flag(entry.flags.get("communicating")), entry.serial)
        if entry.serial not in devices:
            out.add(c.LAST_REPORT, entry.last_report, entry.serial)
            devices[entry.serial] = Device(
                entry.serial,
                out.site,
                entry.kind,
                entry.part_number,
                entry.firmware,
                "" if entry.kind is DeviceKind.MICROINVERTER else entry.name,
                entry.serial,
            )
    return list(devices.values())


def _battery(
    out: Collector,
    serial: str,
    watts: float | None,
    percent: object,
    max_cell: object,
    state: int | None = None,
) -> None:
    out.add(core.DEVICE_POWER, watts, serial)
    out.add(c.BATTERY_SOC, percent, serial, scale=c.PERCENT)
    out.add(c.BATTERY_MAX_CELL_TEMPERATURE, max_cell, serial)
    if state is None and watts is not None:
        state = _power_state(watts)
    out.add(c.BATTERY_DEVICE_STATE, state, serial)
    if (words := _state(state)) is not None:
        out.add(c.BATTERY_DEVICE_STATE_INFO, 1.0, serial, words)
