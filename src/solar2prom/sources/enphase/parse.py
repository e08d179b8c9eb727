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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pyenphase import EnvoyData
from pyenphase.models.meters import CtType, EnvoyMeterData

from solar2prom.core import metrics as core
from solar2prom.core.model import Device, DeviceKind, Metric, Reading
from solar2prom.sources.enphase import catalog as c
from solar2prom.sources.enphase.inventory import InventoryDevice

PHASES = {"L1": "a", "L2": "b", "L3": "c"}
NOT_REPORTED = "not_reported"
INVALID = "invalid"
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

    def add(
        self,
        metric: Metric,
        value: float | None,
        device: str = "",
        labels: tuple[str, ...] = (),
        time: float | None = None,
    ) -> None:
        if value is None:
            return
        reading = Reading(metric, float(value) + 0.0, self.site, device, labels, time or self.time)
        self.found[reading.key] = reading

    @property
    def readings(self) -> tuple[Reading, ...]:
        return tuple(self.found.values())


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


def _state(code: int | None) -> tuple[str, str] | None:
    return None if code is None else (str(code), c.BATTERY_STATES[code])


def _power_state(watts: float) -> int:
    return 2 if watts > 0 else 1 if watts < 0 else 0


# --- site ---------------------------------------------------------------------------------------


def sample_time(data: EnvoyData) -> float | None:
    """The newest sample time the gateway gave: CT timestamps, production `readingTime`s."""
    times = [float(m.timestamp) for m in data.ctmeters.values() if m is not None]
    for endpoint in _PRODUCTION_REPORTS:
        report = data.raw.get(endpoint)
        if not isinstance(report, dict):
            continue
        for section in ("production", "consumption", "storage"):
            for entry in report.get(section) or []:
                moment = entry.get("readingTime") if isinstance(entry, dict) else None
                if isinstance(moment, int | float) and moment > 0:
                    times.append(float(moment))
    return max(times, default=None)


def _day_figures(out: Collector, totals: Totals) -> tuple[float | None, float | None]:
    """Today and last-seven-days energy (Wh), None where the firmware does not fill them."""
    today: float | None = totals.watt_hours_today
    week: float | None = totals.watt_hours_last_7_days
    if totals.watt_hours_lifetime and not week:
        week = None
        out.rejected[NOT_REPORTED] += 1
        if not today:
            today = None
            out.rejected[NOT_REPORTED] += 1
    return today, week


def _wh(value: float | None) -> float | None:
    return None if value is None else value * c.WH


def measurement_readings(
    out: Collector,
    measurement: c.Measurement,
    totals: Totals | None,
    phases: Mapping[str, Totals | None] | None,
) -> None:
    """Energies of one measurement, and everything per phase (the powers: `core_powers`)."""
    if totals is not None:
        today, week = _day_figures(out, totals)
        out.add(measurement.today, _wh(today))
        out.add(measurement.last_7_days, _wh(week))
        out.add(measurement.lifetime, _wh(totals.watt_hours_lifetime))
    for name, phase in (phases or {}).items():
        if phase is None or name not in PHASES:
            continue
        label = (PHASES[name],)
        today, week = _day_figures(out, phase)
        out.add(measurement.phase_power, phase.watts_now, labels=label)
        out.add(measurement.phase_today, _wh(today), labels=label)
        out.add(measurement.phase_last_7_days, _wh(week), labels=label)
        out.add(measurement.phase_lifetime, _wh(phase.watt_hours_lifetime), labels=label)


def core_powers(
    out: Collector, data: EnvoyData, ctmeters: Mapping[str, EnvoyMeterData | None]
) -> None:
    """Production, consumption and grid power now: from the CTs where there are some."""
    production_ct = ctmeters.get(CtType.PRODUCTION)
    net_ct = ctmeters.get(CtType.NET_CONSUMPTION)
    total_ct = ctmeters.get(CtType.TOTAL_CONSUMPTION)
    production: float | None = None
    if production_ct is not None:
        production = production_ct.active_power
    elif data.system_production is not None:
        production = data.system_production.watts_now
    grid: float | None = None
    if net_ct is not None:
        grid = net_ct.active_power
    elif data.system_net_consumption is not None:
        grid = data.system_net_consumption.watts_now
    consumption: float | None = None
    if total_ct is not None:
        consumption = total_ct.active_power
    elif production_ct is not None and net_ct is not None:
        consumption = production_ct.active_power + net_ct.active_power
    elif data.system_consumption is not None:
        consumption = data.system_consumption.watts_now
    out.add(core.PRODUCTION_POWER, None if production is None else max(0.0, production))
    out.add(core.GRID_POWER, grid)
    out.add(core.CONSUMPTION_POWER, consumption)


def battery_readings(out: Collector, data: EnvoyData) -> None:
    """The batteries together: how many, power, state of charge, state, energy."""
    encharge = data.encharge_inventory or {}
    acb = data.acb_power
    count = len(encharge) + (acb.batteries if acb is not None else 0)
    out.add(c.BATTERIES, count)
    if not count:
        return
    parts: list[float] = []
    if encharge and data.encharge_power:
        parts.append(sum(p.real_power_mw for p in data.encharge_power.values()) / 1000.0)
    if acb is not None:
        parts.append(acb.power)
    watts = sum(parts) if parts else None
    out.add(core.BATTERY_POWER, watts)
    aggregate, enc = data.battery_aggregate, data.encharge_aggregate if encharge else None
    soc: float | None = None
    if aggregate is not None:
        soc = aggregate.state_of_charge
    elif enc is not None:
        soc = enc.state_of_charge
    elif acb is not None:
        soc = acb.state_of_charge
    out.add(core.BATTERY_SOC, None if soc is None else soc * c.PERCENT)
    code = _power_state(watts) if encharge and watts is not None else None
    if code is None and acb is not None:
        code = _CHARGING.get(acb.state.lower())
    out.add(c.BATTERY_STATE, code)
    if (state := _state(code)) is not None:
        out.add(c.BATTERY_STATE_INFO, 1.0, labels=state)
    available: float | None = None
    capacity: float | None = None
    if aggregate is not None:
        available, capacity = aggregate.available_energy, aggregate.max_available_capacity
    elif enc is not None:
        available, capacity = enc.available_energy, enc.max_available_capacity
    elif acb is not None:
        available = acb.charge_wh
    out.add(c.BATTERY_AVAILABLE_ENERGY, _wh(available))
    out.add(c.BATTERY_CAPACITY, _wh(capacity))
    if enc is not None:
        out.add(c.BATTERY_BACKUP_RESERVE, enc.reserve_state_of_charge * c.PERCENT)


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
        device, time = str(meter.eid), float(meter.timestamp)
        devices.append(Device(device, out.site, DeviceKind.METER, f"{kind} CT", name=str(kind)))
        for figure in c.METER_FIGURES:
            if multiphase and not figure.aggregate_multiphase:
                continue
            value = getattr(meter, figure.attribute)
            out.add(figure.total, value * figure.scale, device, time=time)
        for name, phase in phases.get(kind, {}).items():
            if phase is None or name not in PHASES:
                continue
            for figure in c.METER_FIGURES:
                value = getattr(phase, figure.attribute)
                out.add(figure.phase, value * figure.scale, device, (PHASES[name],), time)
        if kind == CtType.NET_CONSUMPTION:
            out.add(core.GRID_IMPORT_ENERGY_TOTAL, meter.energy_delivered * c.WH, time=time)
            out.add(core.GRID_EXPORT_ENERGY_TOTAL, meter.energy_received * c.WH, time=time)
    return devices


# --- devices ------------------------------------------------------------------------------------


def device_readings(
    out: Collector, data: EnvoyData, inventory: Iterable[InventoryDevice]
) -> list[Device]:
    """Micro-inverters, batteries and every other inventoried device, with their flags."""
    listed = {d.serial: d for d in inventory}
    devices: dict[str, Device] = {}
    for serial, inverter in data.inverters.items():
        t = float(inverter.last_report_date)
        out.add(core.DEVICE_POWER, inverter.last_report_watts, serial, time=t)
        out.add(c.MAX_POWER, inverter.max_report_watts, serial, time=t)
        out.add(c.LAST_REPORT, inverter.last_report_date, serial)
        out.add(c.INVERTER_DC_VOLTAGE, inverter.dc_voltage, serial, time=t)
        out.add(c.INVERTER_DC_CURRENT, inverter.dc_current, serial, time=t)
        out.add(c.INVERTER_AC_VOLTAGE, inverter.ac_voltage, serial, time=t)
        out.add(c.INVERTER_AC_CURRENT, inverter.ac_current, serial, time=t)
        out.add(c.INVERTER_AC_FREQUENCY, inverter.ac_frequency, serial, time=t)
        out.add(core.DEVICE_TEMPERATURE, inverter.temperature, serial, time=t)
        out.add(core.DEVICE_ENERGY_TOTAL, _wh(inverter.lifetime_energy), serial, time=t)
        out.add(c.INVERTER_ENERGY_TODAY, _wh(inverter.energy_today), serial, time=t)
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
    for serial, battery in (data.encharge_inventory or {}).items():
        real = power[serial].real_power_mw / 1000.0 if serial in power else None
        _battery(out, serial, real, battery.percent_full, battery.max_cell_temp)
        out.add(core.DEVICE_TEMPERATURE, battery.temperature, serial)
        out.add(c.COMMUNICATING, _flag(battery.communicating), serial)
        out.add(c.OPERATING, _flag(battery.operating), serial)
        out.add(core.DEVICE_ONLINE, _flag(battery.communicating), serial)
        out.add(c.LAST_REPORT, battery.last_report_date, serial)
        devices[serial] = Device(
            serial,
            out.site,
            DeviceKind.BATTERY,
            battery.part_number,
            battery.firmware_version,
            "IQ Battery",
            serial,
        )
    for serial, acb in (data.acb_inventory or {}).items():
        state = _CHARGING.get(acb.charge_status.value)
        watts: float | None = acb.last_report_watts
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
            out.add(metric, _flag(flag), serial)
        devices[serial] = Device(
            serial, out.site, DeviceKind.BATTERY, acb.part_num, name="AC Battery", serial=serial
        )
    for entry in listed.values():
        for name, metric in (
            ("provisioned", c.PROVISIONED),
            ("communicating", c.COMMUNICATING),
            ("producing", c.PRODUCING),
            ("operating", c.OPERATING),
        ):
            out.add(metric, _flag(entry.flags.get(name)), entry.serial)
        out.add(core.DEVICE_ONLINE, _flag(entry.flags.get("communicating")), entry.serial)
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
    percent: float | None,
    max_cell: float | None,
    state: int | None = None,
) -> None:
    out.add(core.DEVICE_POWER, watts, serial)
    out.add(c.BATTERY_SOC, None if percent is None else percent * c.PERCENT, serial)
    out.add(c.BATTERY_MAX_CELL_TEMPERATURE, max_cell, serial)
    if state is None and watts is not None:
        state = _power_state(watts)
    out.add(c.BATTERY_DEVICE_STATE, state, serial)
    if (words := _state(state)) is not None:
        out.add(c.BATTERY_DEVICE_STATE_INFO, 1.0, serial, words)
