"""The Northbound API's call limits per account (reference §5), as budget windows.

P plants, k = ⌈P/100⌉, n_t devices of type t. Each 5-minute window is widened by a few
seconds and each day by a minute, so that clock skew and latency between us and the vendor
can never turn an exact fit into a 407.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from solar2prom.core.budget import Governor, Window

FIVE_MIN = 300.0 + 10.0
DAY = 86400.0 + 60.0
ONE_PER_MINUTE = 61.0

# Device types getDevRealKpi accepts (reference §6.6).
REALTIME_TYPES = frozenset(
    {1, 10, 17, 38, 39, 41, 47, 60001, 60003, 60043, 60044, 60092, 60014, 60010, 23070}
)


def realtime_batches(devices_by_type: Mapping[int, int]) -> int:
    return sum(math.ceil(n / 100) for t, n in devices_by_type.items() if t in REALTIME_TYPES)


def configure(
    governor: Governor, plants: int, devices_by_type: Mapping[int, int], now: float
) -> None:
    k = max(1, math.ceil(plants / 100))
    # Our own login guard is stricter than the vendor's 5 per 10 minutes (reference §4.6):
    # it leaves room for a person testing the account by hand.
    governor.configure("login", [Window(3, 600.0), Window(1, 150.0)], now)
    governor.configure("logout", [Window(5, 600.0)], now)
    governor.configure("stations", [Window(10 * k + 25, DAY)], now)
    governor.configure("getStationList", [Window(24, DAY)], now, ONE_PER_MINUTE)
    governor.configure("getDevList", [Window(k + 24, DAY)], now, ONE_PER_MINUTE)
    governor.configure("getStationRealKpi", [Window(k, FIVE_MIN)], now, ONE_PER_MINUTE)
    batches = max(1, realtime_batches(devices_by_type))
    governor.configure("getDevRealKpi", [Window(batches, FIVE_MIN)], now)
