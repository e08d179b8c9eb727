"""Per-interface call budgets of one northbound account, enforced with sliding windows.

Every limit is a `Window(calls, seconds)`: at most `calls` accepted calls whose time lies in
the half-open interval (now - seconds, now]. That is the strictest reading of the reference:
"k per 5 minutes" holds for every 5-minute span, not just aligned ones, and a daily budget is a
rolling 24 hours (a calendar-day reset would allow twice the budget around midnight). "One
request per minute" is `Window(1, 60)`: the next call is accepted exactly 60 s later.

A refused call is not recorded: the reference tells clients to wait for the next window after
a 407 ("skip until the next window"), which only works if refusals do not extend the window.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from solar2prom.sim.fusionsolar.catalog import HISTORY_TYPES, KPI_DEVICE_TYPES, REALTIME_TYPES
from solar2prom.sim.fusionsolar.periods import DEVICE_GRAINS, Grain

_MINUTE = 60.0
_DAY = 86400.0


@dataclass(frozen=True)
class Window:
    calls: int
    seconds: float


def northbound_windows(
    plants: int, devices_per_type: Mapping[int, int]
) -> dict[str, tuple[Window, ...]]:
    """The budgets of reference §5 for P plants and n_t devices of each type t."""
    k = max(1, math.ceil(plants / 100))

    def batches(types: frozenset[int], size: int) -> int:
        return sum(math.ceil(n / size) for t, n in devices_per_type.items() if t in types)

    device_batches = batches(REALTIME_TYPES, 100)
    per_minute = Window(1, _MINUTE)
    session = (Window(5, 10 * _MINUTE),)
    station_kpi = (Window(k + 24, _DAY), per_minute)
    device_kpi = (Window(batches(KPI_DEVICE_TYPES, 100) + 24, _DAY), per_minute)
    return {
        "login": session,
        "logout": session,
        "stations": (Window(k * 10 + 25, _DAY),),
        "getStationList": (Window(24, _DAY), per_minute),
        "getDevList": (Window(k + 24, _DAY), per_minute),
        "getStationRealKpi": (Window(k, 5 * _MINUTE), per_minute),
        # All device types share one budget Σ⌈n_t/100⌉ per 5 minutes.
        "getDevRealKpi": (Window(max(1, device_batches), 5 * _MINUTE),),
        # Each KPI interface has a daily budget of its own.
        **{grain.station_api: station_kpi for grain in Grain},
        "getDevHistoryKpi": (Window(batches(HISTORY_TYPES, 10) + 24, _DAY), per_minute),
        **{grain.device_api: device_kpi for grain in DEVICE_GRAINS},
        "getAlarmList": (Window(k, 30 * _MINUTE),),
    }


class RateLimiter:
    """Accepts or refuses calls per interface; interfaces without windows are unlimited."""

    def __init__(self, windows: Mapping[str, tuple[Window, ...]]) -> None:
        self.windows = dict(windows)
        self._accepted: dict[str, deque[float]] = {api: deque() for api in self.windows}

    def acquire(self, api: str, now: float) -> bool:
        """Record a call at `now` and return True, or return False if a window is full."""
        windows = self.windows.get(api)
        if not windows:
            return True
        accepted = self._accepted[api]
        horizon = max(w.seconds for w in windows)
        while accepted and accepted[0] <= now - horizon:
            accepted.popleft()
        for window in windows:
            cutoff = now - window.seconds
            if sum(1 for t in accepted if t > cutoff) >= window.calls:
                return False
        accepted.append(now)
        return True

    def reset(self) -> None:
        for accepted in self._accepted.values():
            accepted.clear()

    def to_json(self) -> dict[str, list[dict[str, float]]]:
        return {
            api: [{"calls": w.calls, "seconds": w.seconds} for w in windows]
            for api, windows in self.windows.items()
        }
