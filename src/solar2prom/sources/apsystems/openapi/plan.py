"""When to spend calls: the day's allowance spread evenly over the system's daylight.

The feed ticks every few minutes; at each tick `decide` says whether a poll is due. With `P`
polls still affordable today, the next one comes `(end − last) / P` after the last, so the
polls fall evenly between the first, at the start of daylight, and the last, at its end: a
final poll after production has stopped completes the day's totals. A poll also asks for the
lifetime totals (the "summary" calls) when it is the day's first or last, or when
`summary_interval` has passed since they were last asked for; the calls those will need are
set aside before the regular polls are counted.

Daylight is sunrise to sunset at the configured coordinates, or the configured night hours,
or 06:00 to 21:00 local time when neither is known; it ends one tick early where the poller
would already be asleep at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from functools import lru_cache

from astral import Observer
from astral.sun import sunrise, sunset

DEFAULT_HOURS = (6, 21)


@dataclass(frozen=True, slots=True)
class Daylight:
    """How to find a local day's polling window."""

    latitude: float | None = None
    longitude: float | None = None
    hours: tuple[int, int] | None = None  # the poller sleeps outside these
    tick: float = 300.0

    def window(self, now: float, tz: tzinfo) -> tuple[float, float]:
        day = datetime.fromtimestamp(now, tz).date()
        if self.hours is None and self.latitude is not None and self.longitude is not None:
            sun = _sun(day, self.latitude, self.longitude, tz)
            if sun is not None:
                return sun
        start, end = self.hours or DEFAULT_HOURS
        early = self.tick if self.hours is not None else 0.0
        return _at(day, start, tz), _at(day, end, tz) - early


def _at(day: date, hour: int, tz: tzinfo) -> float:
    if hour >= 24:
        return datetime.combine(day, time(23, 59), tz).timestamp() + 60
    return datetime.combine(day, time(hour), tz).timestamp()


@lru_cache(maxsize=8)
def _sun(day: date, latitude: float, longitude: float, tz: tzinfo) -> tuple[float, float] | None:
    observer = Observer(latitude=latitude, longitude=longitude)
    try:
        rise = sunrise(observer, day, tzinfo=tz)
        fall = sunset(observer, day, tzinfo=tz)
    except ValueError:
        return None  # polar day or night: the fixed hours
    return rise.timestamp(), fall.timestamp()


@dataclass(frozen=True, slots=True)
class Due:
    summary: bool


def decide(
    now: float,
    window: tuple[float, float],
    *,
    last_poll: float | None,
    last_summary: float | None,
    calls_left: int,
    poll_cost: int,
    summary_cost: int,
    summary_interval: float,
) -> Due | None:
    """A poll now (and whether with the summary calls), or None."""
    start, end = window
    if now < start:
        return None
    first = last_poll is None or last_poll < start
    if not first and last_poll is not None and last_poll >= end:
        return None  # the day's last poll is done
    final = now >= end
    summary = first or final or last_summary is None or now - last_summary >= summary_interval
    if calls_left < poll_cost + (summary_cost if summary else 0):
        return None
    if first or final:
        return Due(summary)
    # Summaries still to come, the day's last poll's included, are set aside first.
    since = last_summary if last_summary is not None else now
    summaries = 1 + int(max(0.0, end - since) // summary_interval)
    polls = (calls_left - summaries * summary_cost) // poll_cost
    if polls < 1 or last_poll is None:
        return None
    return Due(summary) if now >= last_poll + (end - last_poll) / polls else None
