"""When a source sleeps: between sunset and sunrise at the site, or between fixed hours.

Sleeping saves vendor budget (and an Envoy's nightly maintenance) when there is nothing to
see; the last values stay exported. The sun mode keeps a margin around sunrise and sunset
because day totals are still settling just after sunset.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

from astral import Observer
from astral.sun import sunrise, sunset

from solar2prom.core.timezones import resolve_timezone

log = logging.getLogger(__name__)

SUN_MARGIN = timedelta(minutes=30)


class NightPolicy(Protocol):
    def asleep(self, now: float) -> bool: ...

    def wakes_at(self, now: float) -> float:
        """When the current night ends (only meaningful while asleep)."""
        ...


class NeverSleep:
    def asleep(self, now: float) -> bool:
        return False

    def wakes_at(self, now: float) -> float:
        return now


class FixedHours:
    """Awake from `sunup` to `sundown` (whole hours, local time of `tz`)."""

    def __init__(self, sunup: int, sundown: int, tz: tzinfo) -> None:
        if not 0 <= sunup < sundown <= 24:
            raise ValueError("need 0 <= sunup < sundown <= 24")
        self.sunup, self.sundown, self.tz = sunup, sundown, tz

    def asleep(self, now: float) -> bool:
        hour = datetime.fromtimestamp(now, self.tz).hour
        return not self.sunup <= hour < self.sundown

    def wakes_at(self, now: float) -> float:
        local = datetime.fromtimestamp(now, self.tz)
        wake = local.replace(hour=self.sunup, minute=0, second=0, microsecond=0)
        if wake <= local:
            wake += timedelta(days=1)
        return wake.timestamp()


class SunWindow:
    """Awake from sunrise − margin to sunset + margin at the given place."""

    def __init__(self, latitude: float, longitude: float) -> None:
        self.observer = Observer(latitude=latitude, longitude=longitude)

    def _day(self, day: date) -> tuple[datetime, datetime] | None:
        try:
            rise = sunrise(self.observer, day, tzinfo=UTC) - SUN_MARGIN
            fall = sunset(self.observer, day, tzinfo=UTC) + SUN_MARGIN
        except ValueError:
            return None  # polar day or night: no sunrise; stay awake rather than go blind
        if fall <= rise:
            fall += timedelta(days=1)
        return rise, fall

    def _windows(self, now: float) -> list[tuple[datetime, datetime]]:
        today = datetime.fromtimestamp(now, UTC).date()
        days = (today - timedelta(days=1), today, today + timedelta(days=1))
        return [w for w in (self._day(d) for d in days) if w is not None]

    def asleep(self, now: float) -> bool:
        windows = self._windows(now)
        if len(windows) < 3:
            return False
        moment = datetime.fromtimestamp(now, UTC)
        return not any(rise <= moment < fall for rise, fall in windows)

    def wakes_at(self, now: float) -> float:
        moment = datetime.fromtimestamp(now, UTC)
        upcoming = [rise for rise, _ in self._windows(now) if rise > moment]
        return min(upcoming).timestamp() if upcoming else now + 3600


class LateBoundSun:
    """Sun mode for a source whose location is only known after it answered (FusionSolar plants)."""

    def __init__(self, locate: LocationGetter) -> None:
        self._locate = locate
        self._window: SunWindow | None = None

    def _current(self) -> NightPolicy:
        if self._window is None:
            where = self._locate()
            if where is None:
                return NeverSleep()
            self._window = SunWindow(*where)
        return self._window

    def asleep(self, now: float) -> bool:
        return self._current().asleep(now)

    def wakes_at(self, now: float) -> float:
        return self._current().wakes_at(now)


class LocationGetter(Protocol):
    def __call__(self) -> tuple[float, float] | None: ...


def fixed_hours(sunup: int, sundown: int, timezone: str | None) -> FixedHours:
    return FixedHours(sunup, sundown, resolve_timezone(timezone))
