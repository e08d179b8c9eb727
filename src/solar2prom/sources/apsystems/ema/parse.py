"""Pure functions from EMA's answers to typed models: no I/O, no state.

EMA's `time` values are not epoch instants: they are the system's local wall-clock time
written as if it were China time (UTC+8), in milliseconds. `decode_time` turns them into
real instants with the system's own time zone, daylight saving included.

Missing versus rejected follows the rest of solar2prom: null, `"N/A"` and empty strings are
missing (no reading); other text where a number belongs is dropped and counted as
`unparsable`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from solar2prom.core.values import UNPARSABLE
from solar2prom.core.values import counted_number as number

CHINA = timezone(timedelta(hours=8))


def decode_time(ms: float, tz: tzinfo) -> float:
    """The instant (epoch s) of an EMA time value, for a system in time zone `tz`."""
    wall = datetime.fromtimestamp(ms / 1000.0, CHINA).replace(tzinfo=tz)
    return wall.timestamp()


def _instant(ms: float | None, tz: tzinfo, rejected: Counter[str]) -> float | None:
    if ms is None:
        return None
    try:
        return decode_time(ms, tz)
    except (OverflowError, OSError, ValueError):
        rejected[UNPARSABLE] += 1  # a number, but no moment a date can hold
        return None


def _numbers(raw: object, rejected: Counter[str]) -> tuple[float | None, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return ()
    return tuple(number(item, rejected) for item in raw)


@dataclass(frozen=True, slots=True)
class Sample:
    """The newest 5-minute slot of the day: when, its power (W) and its energy (kWh)."""

    time: float
    power_w: float | None
    energy_kwh: float | None


@dataclass(frozen=True, slots=True)
class DaySeries:
    """`getPowerOnCurrentDayAjax`: one entry per 5-minute slot, plus the day's totals.

    `times` are decoded instants; an entry that could not be read is None and has no sample.
    """

    times: tuple[float | None, ...]
    power_w: tuple[float | None, ...]
    energy_kwh: tuple[float | None, ...]
    total_kwh: float | None
    peak_w: float | None

    @classmethod
    def from_api(
        cls, data: Mapping[str, Any], tz: tzinfo, rejected: Counter[str]
    ) -> DaySeries | None:
        """None when EMA has no data for the day yet: any of the three lists is empty."""
        raw_times = _numbers(data.get("time"), rejected)
        power = _numbers(data.get("power"), rejected)
        energy = _numbers(data.get("energy"), rejected)
        if not raw_times or not power or not energy:
            return None
        times = tuple(_instant(t, tz, rejected) for t in raw_times)
        return cls(
            times=times,
            power_w=power,
            energy_kwh=energy,
            total_kwh=number(data.get("total"), rejected),
            peak_w=number(data.get("max"), rejected),
        )

    def latest(self) -> Sample | None:
        """The last entry of each list, as EMA's own chart reads them; None without a time."""
        time = self.times[-1]
        if time is None:
            return None
        return Sample(time, self.power_w[-1], self.energy_kwh[-1])


def lifetime_kwh(data: Mapping[str, Any], rejected: Counter[str]) -> float | None:
    """`lifetime` of `getDashboardProductionInfoAjax` (kWh)."""
    return number(data.get("lifetime"), rejected)


def panel_powers(data: Mapping[str, Any], rejected: Counter[str]) -> dict[str, float]:
    """Panel id -> latest power (W) from `getViewPowerByViewAjax`'s `detail`:
    `<id>/<w1>,<w2>,…&<id>/…`. Entries without exactly one `/` are not panels; a panel whose
    latest value is missing has no power now."""
    detail = data.get("detail")
    if not isinstance(detail, str):
        return {}
    powers: dict[str, float] = {}
    for entry in detail.split("&"):
        parts = entry.split("/")
        if len(parts) != 2 or not parts[0].strip():
            continue
        value = number(parts[1].split(",")[-1], rejected)
        if value is not None:
            powers[parts[0].strip()] = value
    return powers
