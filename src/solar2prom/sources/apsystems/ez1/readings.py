"""From parsed EZ1 answers to the site, the device and readings in SI units.

An EZ1 is a site of its own and its only device (a `microinverter`), both with its device id.
It gives no sample time, so there is no `solar_data_timestamp_seconds`.
"""

from __future__ import annotations

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import Device, DeviceKind, Metric, Reading, Site
from solar2prom.sources.apsystems.ez1 import catalog
from solar2prom.sources.apsystems.ez1.parse import CHANNELS, DeviceInfo, OutputData, total

VENDOR = "apsystems"
KWH = 3.6e6  # kWh -> J


def _reading(
    metric: Metric,
    value: float | None,
    site: str,
    device: str = "",
    labels: tuple[str, ...] = (),
    scale: float = 1.0,
) -> list[Reading]:
    """The reading of `value` in SI units; none without a value, or when it is no finite number
    once converted (a vendor number near the float limit)."""
    converted = to_si(value, scale)
    return [] if converted is None else [Reading(metric, converted, site, device, labels)]


def site(device_id: str, name: str, timezone: str | None) -> Site:
    return Site(id=device_id, name=name, vendor=VENDOR, timezone=timezone)


def device(device_id: str, info: DeviceInfo | None) -> Device:
    return Device(
        id=device_id,
        site=device_id,
        kind=DeviceKind.MICROINVERTER,
        model=info.model if info else "EZ1",
        firmware=info.firmware if info else "",
        name=info.model if info else "EZ1",
    )


def output_readings(
    device_id: str, output: OutputData, today_kwh: float | None, online: bool
) -> list[Reading]:
    """Power, energies and online state; `today_kwh` comes from the source's day tracking."""
    d = device_id
    readings = [Reading(core.DEVICE_ONLINE, 1.0 if online else 0.0, d, d)]
    power = total(output.power_w)
    readings += _reading(core.PRODUCTION_POWER, power, d)
    readings += _reading(core.DEVICE_POWER, power, d, d)
    lifetime = total(output.lifetime_kwh)
    readings += _reading(core.PRODUCTION_ENERGY_TOTAL, lifetime, d, scale=KWH)
    readings += _reading(core.DEVICE_ENERGY_TOTAL, lifetime, d, d, scale=KWH)
    readings += _reading(core.PRODUCTION_ENERGY_TODAY, today_kwh, d, scale=KWH)
    per_channel = (
        (catalog.CHANNEL_POWER, output.power_w, 1.0),
        (catalog.CHANNEL_ENERGY_SINCE_STARTUP, output.since_startup_kwh, KWH),
        (catalog.CHANNEL_ENERGY_TOTAL, output.lifetime_kwh, KWH),
    )
    for metric, values, scale in per_channel:
        for channel, value in zip(CHANNELS, values, strict=True):
            readings += _reading(metric, value, d, d, (channel,), scale)
    return readings


def info_readings(device_id: str, info: DeviceInfo) -> list[Reading]:
    return [
        *_reading(catalog.POWER_LIMIT_MIN, info.min_power_w, device_id, device_id),
        *_reading(catalog.POWER_LIMIT_MAX, info.max_power_w, device_id, device_id),
    ]


def power_limit_readings(device_id: str, watts: float | None) -> list[Reading]:
    return _reading(catalog.POWER_LIMIT, watts, device_id, device_id)


def alarm_readings(device_id: str, flags: dict[str, float]) -> list[Reading]:
    return [
        reading
        for key, value in flags.items()
        for reading in _reading(
            catalog.ALARM, value, device_id, device_id, (catalog.ALARMS.get(key, key),)
        )
    ]


def output_state_readings(device_id: str, code: int | None) -> list[Reading]:
    if code is None:
        return []
    state = catalog.OUTPUT_STATES.get(code, "unknown")
    return [
        Reading(catalog.OUTPUT_STATE, float(code), device_id, device_id),
        Reading(catalog.OUTPUT_STATE_INFO, 1.0, device_id, device_id, (str(code), state)),
    ]
