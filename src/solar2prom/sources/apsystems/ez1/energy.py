"""Today's energy of an EZ1, from its "energy since start-up".

The EZ1 counts energy since it last started, not since midnight. Powered by its panels, it
starts every morning, so that count is usually today's energy; but it also restarts during the
day (a grid fault), and far north in summer it may run through midnight. `DayEnergy` follows
the count: a drop within a day is a restart (what was counted before it is kept), and on the
first reading of a new local day a count that did not drop continues yesterday's (its value
at the end of yesterday becomes the base). State lives in memory: after a restart of
solar2prom the count is assumed to have started today.
"""

from __future__ import annotations

from datetime import date


class DayEnergy:
    def __init__(self) -> None:
        self._day: date | None = None
        self._last: float | None = None  # the inverter's count at the latest reading
        self._base = 0.0  # the count at the start of the day, if it ran through midnight
        self._before = 0.0  # energy counted today before the latest restart

    def update(self, since_startup: float, day: date) -> float:
        """Today's energy, given the count since start-up read on local day `day`."""
        last = self._last
        if day != self._day:
            continued = self._day is not None and last is not None and since_startup >= last
            self._base = last if continued and last is not None else 0.0
            self._before = 0.0
            self._day = day
        elif last is not None and since_startup < last:
            self._before += last - self._base
            self._base = 0.0
        self._last = since_startup
        return self._before + since_startup - self._base

    def today(self, day: date) -> float | None:
        """Today's energy without a new reading: 0 once the local day has changed."""
        if self._last is None:
            return None
        if day != self._day:
            return 0.0
        return self._before + self._last - self._base
