"""Local calendar days, months and years of a plant with a fixed UTC offset.

A day is numbered like the Unix epoch day, but in the plant's local time: day d starts at
`d * 86400 - offset` UTC. Every plant keeps one offset all year (no daylight saving), as the
service's daily buckets were seen to do.
"""

from __future__ import annotations

import calendar
from datetime import date
from enum import Enum

DAY = 86400.0
HOUR = 3600.0
_EPOCH = date(1970, 1, 1).toordinal()


class Grain(Enum):
    """The bucket size of a KPI interface, as its name ends (`getKpiStationDay`)."""

    HOUR = "Hour"
    DAY = "Day"
    MONTH = "Month"
    YEAR = "Year"

    @property
    def station_api(self) -> str:
        return f"getKpiStation{self.value}"

    @property
    def device_api(self) -> str:
        return f"getDevKpi{self.value}"


# The device KPI interfaces have no hourly variant.
DEVICE_GRAINS = (Grain.DAY, Grain.MONTH, Grain.YEAR)


def local_day(t: float, offset: float) -> int:
    return int((t + offset) // DAY)


def day_start(day: int, offset: float) -> float:
    """UTC epoch seconds of the local midnight that starts `day`."""
    return day * DAY - offset


def day_date(day: int) -> date:
    return date.fromordinal(_EPOCH + day)


def day_number(when: date) -> int:
    return when.toordinal() - _EPOCH


def month_days(year: int, month: int) -> range:
    first = day_number(date(year, month, 1))
    return range(first, first + calendar.monthrange(year, month)[1])


def year_days(year: int) -> range:
    return range(day_number(date(year, 1, 1)), day_number(date(year + 1, 1, 1)))
