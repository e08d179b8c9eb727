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


# Device types getDevHistoryKpi accepts (reference §7).
HISTORY_TYPES = REALTIME_TYPES - {60044, 60092, 23070}
# Device types getDevKpiDay/Month/Year accept (reference §6.8).
DEVICE_KPI_TYPES = frozenset({1, 38, 39, 41})
THIRTY_MIN = 1800.0 + 10.0


def batch_count(devices_by_type: Mapping[int, int], types: frozenset[int], size: int) -> int:
    """Σ_t ⌈n_t/size⌉ over the device types an interface accepts."""
    return sum(math.ceil(n / size) for t, n in devices_by_type.items() if t in types)


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
    realtime = max(1, batch_count(devices_by_type, REALTIME_TYPES, 100))
    governor.configure("getDevRealKpi", [Window(realtime, FIVE_MIN)], now)
    for api in ("getKpiStationHour", "getKpiStationDay", "getKpiStationMonth", "getKpiStationYear"):
        governor.configure(api, [Window(k + 24, DAY)], now, ONE_PER_MINUTE)
    kpi_batches = batch_count(devices_by_type, DEVICE_KPI_TYPES, 100)
    for api in ("getDevKpiDay", "getDevKpiMonth", "getDevKpiYear"):
        governor.configure(api, [Window(kpi_batches + 24, DAY)], now, ONE_PER_MINUTE)
    history = batch_count(devices_by_type, HISTORY_TYPES, 10)
    governor.configure("getDevHistoryKpi", [Window(history + 24, DAY)], now, ONE_PER_MINUTE)
    governor.configure("getAlarmList", [Window(k, THIRTY_MIN)], now)
