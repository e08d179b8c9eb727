"""From decoded ECU replies to sites, devices and readings in SI units.

Pure functions. The ECU is the site (its id is the `site` label) and a `gateway` device; every
inverter is a `microinverter` device. Offline inverters get `solar_device_online 0` and
nothing else: the zeros an ECU sends for them are no measurement (a −100 °C or 0 Hz reading
would be a lie), and a never-reported (`00`) record holds no values at all.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, tzinfo

from solar2prom.core import metrics as core
from solar2prom.core.model import Device, DeviceKind, Metric, Reading, Site
from solar2prom.sources.apsystems.ecu import catalog
from solar2prom.sources.apsystems.ecu.decode import (
    InverterRecord,
    RealtimeData,
    SignalLevels,
    SystemInfo,
    VoltageKind,
)

VENDOR = "apsystems"
WH = 3600.0  # Wh -> J
IMPLAUSIBLE = "implausible"


def local_epoch(moment: datetime, tz: tzinfo) -> float:
    """Epoch seconds of a naive wall-clock time of the ECU's zone."""
    return moment.replace(tzinfo=tz).timestamp()


def site(info: SystemInfo, timezone: str | None) -> Site:
    return Site(
        id=info.ecu_id,
        name=f"{info.model} {info.ecu_id}",
        vendor=VENDOR,
        timezone=timezone,
    )


def devices(info: SystemInfo, realtime: RealtimeData | None) -> tuple[Device, ...]:
    gateway = Device(
        id=info.ecu_id,
        site=info.ecu_id,
        kind=DeviceKind.GATEWAY,
        model=info.model,
        firmware=info.firmware,
        name=info.model,
    )
    inverters = tuple(
        Device(id=r.uid, site=info.ecu_id, kind=DeviceKind.MICROINVERTER, model=r.model)
        for r in (realtime.inverters if realtime else ())
    )
    return (gateway, *inverters)


def today_is_plausible(info: SystemInfo) -> bool:
    """ECU firmware sometimes reads "today" as 0 while producing; 0 is real only at night."""
    return info.today_wh > 0 or info.inverters_online == 0


def system_readings(info: SystemInfo, tz: tzinfo, rejected: Counter[str]) -> list[Reading]:
    """The site's readings. ECU firmware now and then reads lifetime energy as 0 for one
    reply: dropped as implausible (a reading below the last accepted one is the counter
    guard's to hold)."""
    ecu = info.ecu_id
    readings = [
        Reading(core.PRODUCTION_POWER, float(info.power_w), ecu),
        Reading(catalog.INVERTERS_REGISTERED, float(info.inverters), ecu),
        Reading(catalog.INVERTERS_ONLINE, float(info.inverters_online), ecu),
    ]
    if today_is_plausible(info):
        readings.append(Reading(core.PRODUCTION_ENERGY_TODAY, info.today_wh * WH, ecu))
    else:
        rejected[IMPLAUSIBLE] += 1
    if info.lifetime_wh > 0:
        readings.append(Reading(core.PRODUCTION_ENERGY_TOTAL, info.lifetime_wh * WH, ecu))
    else:
        rejected[IMPLAUSIBLE] += 1
    if info.ema_contact is not None:
        readings.append(Reading(catalog.EMA_CONTACT, local_epoch(info.ema_contact, tz), ecu))
    return readings


def realtime_readings(ecu_id: str, realtime: RealtimeData, tz: tzinfo) -> list[Reading]:
    when = local_epoch(realtime.time, tz) if realtime.time is not None else None
    readings: list[Reading] = []
    if when is not None:
        readings.append(Reading(core.DATA_TIMESTAMP, when, ecu_id, time=when))
    for record in realtime.inverters:
        readings.extend(inverter_readings(ecu_id, record, when))
    return readings


def inverter_readings(ecu_id: str, record: InverterRecord, when: float | None) -> list[Reading]:
    def reading(metric: Metric, value: float, *labels: str) -> Reading:
        return Reading(metric, value, ecu_id, record.uid, labels, when)

    readings = [reading(core.DEVICE_ONLINE, 1.0 if record.online else 0.0)]
    power = record.power_w
    if power is None:
        return readings
    readings.append(reading(core.DEVICE_POWER, float(power)))
    for index, watts in enumerate(record.channel_power_w, start=1):
        readings.append(reading(catalog.CHANNEL_POWER, float(watts), str(index)))
    if record.layout.voltage_kind is VoltageKind.CHANNEL:
        for index, volts in enumerate(record.ac_voltage_v, start=1):
            readings.append(reading(catalog.CHANNEL_VOLTAGE, float(volts), str(index)))
    else:
        for phase, volts in zip(catalog.PHASES, record.ac_voltage_v, strict=False):
            readings.append(reading(catalog.PHASE_VOLTAGE, float(volts), phase))
    if record.frequency_hz is not None:
        readings.append(reading(catalog.FREQUENCY, record.frequency_hz))
    if record.temperature_c is not None:
        readings.append(reading(core.DEVICE_TEMPERATURE, float(record.temperature_c)))
    return readings


def signal_readings(ecu_id: str, signals: SignalLevels) -> list[Reading]:
    return [Reading(catalog.SIGNAL, s.ratio, ecu_id, s.uid) for s in signals.inverters]
