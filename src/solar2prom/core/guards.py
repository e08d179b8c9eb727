"""Guards between what a vendor says and what is exported.

`CounterGuard`: a lifetime counter that goes backwards (a cloud's transient 0, a partial
value) would read as a reset to `rate()` and to Home Assistant's statistics, and count the
whole lifetime again. Such a reading is dropped and counted, never exported; the series keeps
its last accepted value.

`DayTotalGuard`: some vendors keep yesterday's "today" total until the devices report again
in the morning; after the site's midnight an unchanged carry-over is yesterday's energy, so
it is reported as 0 until the vendor's value moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, tzinfo

from solar2prom.core.model import MetricType, Reading
from solar2prom.core.timezones import local_date

REASON_COUNTER_DECREASE = "counter_decrease"

SeriesKey = tuple[str, str, str, tuple[str, ...]]


class CounterGuard:
    def __init__(self) -> None:
        self._last: dict[SeriesKey, float] = {}

    def filter(self, readings: Iterable[Reading], rejected: Counter[str]) -> list[Reading]:
        kept: list[Reading] = []
        for reading in readings:
            if reading.metric.type is MetricType.COUNTER:
                last = self._last.get(reading.key)
                if last is not None and reading.value < last:
                    rejected[REASON_COUNTER_DECREASE] += 1
                    # The series keeps its last good value instead of vanishing for a poll.
                    kept.append(replace(reading, value=last))
                    continue
                self._last[reading.key] = reading.value
            kept.append(reading)
        return kept


class DayTotalGuard:
    """Turns a "today" total carried over from the previous local day into 0."""

    def __init__(self) -> None:
        # series -> (local day the value was first seen, value)
        self._seen: dict[SeriesKey, tuple[date, float]] = {}

    def adjust(self, reading: Reading, now: float, tz: tzinfo) -> Reading:
        today = local_date(now, tz)
        seen = self._seen.get(reading.key)
        if seen is not None and seen[1] == reading.value:
            if seen[0] < today and reading.value != 0:
                return replace(reading, value=0.0)
            return reading
        self._seen[reading.key] = (today, reading.value)
        return reading
