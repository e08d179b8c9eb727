"""The site-level core metrics of SPEC §6.1, from the parsed readings of a plant's devices.

FusionSolar reports production, grid and battery per device; the site values are sums over
the plant's devices, taken from readings `parse.device_readings` already converted (so the
meters' W/kW question is settled once, there). Sign rules: the core grid power is positive
when importing, while Huawei's meter counts export as positive; the core battery power is
positive when discharging, which the per-device core readings already are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solar2prom.core import metrics as core
from solar2prom.core.convert import to_si
from solar2prom.core.model import DeviceKind, Metric, Reading
from solar2prom.sources.fusionsolar.catalog import (
    BATTERY_SOC,
    DEVICE_TYPES,
    ESS_SOC,
    METER_ACTIVE_ENERGY,
    METER_ACTIVE_POWER,
)
from solar2prom.sources.fusionsolar.parse import DeviceInfo, ParsedReadings, Plant

DeviceValues = tuple[DeviceInfo, ParsedReadings]


@dataclass(frozen=True, slots=True)
class _Aggregate:
    """A site metric as the sum (or mean) of one series of the plant's devices.

    Only devices of `kind` (any kind when None) whose type can report one of `sources` take
    part. With `complete`, every such device must have reported: a partial sum of lifetime
    counters would look like the counter going backwards, and a partial grid power like a
    change in consumption.
    """

    target: Metric
    sources: tuple[Metric, ...]
    kind: DeviceKind | None = None
    labels: tuple[str, ...] = ()
    sign: float = 1.0
    mean: bool = False
    complete: bool = False


_BATTERY = _Aggregate(core.BATTERY_POWER, (core.DEVICE_POWER,), DeviceKind.BATTERY)

_AGGREGATES = (
    _Aggregate(core.PRODUCTION_POWER, (core.DEVICE_POWER,), DeviceKind.INVERTER),
    _Aggregate(core.GRID_POWER, (METER_ACTIVE_POWER,), sign=-1.0, complete=True),
    # "negative" active energy is import by Huawei's convention, "positive" export.
    _Aggregate(
        core.GRID_IMPORT_ENERGY_TOTAL, (METER_ACTIVE_ENERGY,), labels=("negative",), complete=True
    ),
    _Aggregate(
        core.GRID_EXPORT_ENERGY_TOTAL, (METER_ACTIVE_ENERGY,), labels=("positive",), complete=True
    ),
    _BATTERY,
    _Aggregate(core.BATTERY_SOC, (BATTERY_SOC, ESS_SOC), mean=True),
)


def _sources(aggregate: _Aggregate, device: DeviceInfo) -> list[Metric]:
    """The sources of `aggregate` the device's type can report; empty if it takes no part."""
    device_type = DEVICE_TYPES.get(device.type_id)
    if device_type is None or aggregate.kind not in (None, device_type.kind):
        return []
    return [m for m in aggregate.sources if device_type.feeds(m, aggregate.labels)]


def _contributions(aggregate: _Aggregate, devices: Sequence[DeviceValues]) -> tuple[float, ...]:
    """The values of the devices taking part; empty if `complete` and one of them is silent."""
    found: list[float] = []
    for device, parsed in devices:
        sources = _sources(aggregate, device)
        values = [v for m in sources if (v := parsed.value(m, aggregate.labels)) is not None]
        if values:
            found.append(values[0])
        elif sources and aggregate.complete:
            return ()
    return tuple(found)


def site_readings(plant: Plant, devices: Iterable[DeviceValues]) -> tuple[Reading, ...]:
    """The site aggregates of one plant from its devices' parsed readings.

    Devices of other plants in `devices` are ignored. Each aggregate is exported only when at
    least one device reported its input (all of them for `complete` ones). Consumption is
    production + grid + battery power, exported only where the plant has a meter and every
    input is present; it is not clamped at 0, so skew between the devices' samples shows.
    """
    own = [(d, p) for d, p in devices if d.station_code == plant.code]
    values: dict[Metric, float] = {}
    for aggregate in _AGGREGATES:
        found = _contributions(aggregate, own)
        if found:
            total = sum(found) / len(found) if aggregate.mean else sum(found)
            values[aggregate.target] = total * aggregate.sign
    production = values.get(core.PRODUCTION_POWER)
    grid = values.get(core.GRID_POWER)
    battery = values.get(core.BATTERY_POWER)
    if battery is None and not any(_sources(_BATTERY, d) for d, _ in own):
        battery = 0.0
    if production is not None and grid is not None and battery is not None:
        values[core.CONSUMPTION_POWER] = production + grid + battery
    # A sum that overflows (devices reporting near the float limit) is no measurement.
    return tuple(
        Reading(metric, converted, site=plant.code)
        for metric, value in values.items()
        if (converted := to_si(value)) is not None
    )
