from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from solar2prom.core import metrics as m
from solar2prom.core.guards import CounterGuard, DayTotalGuard
from solar2prom.core.model import Reading

BERLIN_SUMMER = timezone(timedelta(hours=2))


def at(hour: int, day: int = 1) -> float:
    return datetime(2026, 6, day, hour, tzinfo=BERLIN_SUMMER).timestamp()


def today(value: float) -> Reading:
    return Reading(m.PRODUCTION_ENERGY_TODAY, value, site="s")


def test_yesterdays_total_reads_0_after_local_midnight_until_it_moves() -> None:
    guard = DayTotalGuard()
    assert guard.adjust(today(36e6), at(20), BERLIN_SUMMER).value == 36e6
    assert guard.adjust(today(36e6), at(23), BERLIN_SUMMER).value == 36e6  # same day
    assert guard.adjust(today(36e6), at(1, day=2), BERLIN_SUMMER).value == 0
    assert guard.adjust(today(36e6), at(6, day=2), BERLIN_SUMMER).value == 0
    assert guard.adjust(today(0.5e6), at(7, day=2), BERLIN_SUMMER).value == 0.5e6


def test_midnight_is_the_sites_not_utcs() -> None:
    guard = DayTotalGuard()
    guard.adjust(today(10.0), at(21), BERLIN_SUMMER)
    # 00:30 in Berlin is still the previous day in UTC: the local day has changed.
    early = datetime(2026, 6, 2, 0, 30, tzinfo=BERLIN_SUMMER).timestamp()
    assert datetime.fromtimestamp(early, UTC).day == 1
    assert guard.adjust(today(10.0), early, BERLIN_SUMMER).value == 0
    in_utc = DayTotalGuard()
    in_utc.adjust(today(10.0), at(21), UTC)
    assert in_utc.adjust(today(10.0), early, UTC).value == 10.0  # a UTC site: same day


def test_counter_guard_keeps_the_last_good_value_and_counts() -> None:
    guard = CounterGuard()
    rejected: Counter[str] = Counter()
    readings = [Reading(m.PRODUCTION_ENERGY_TOTAL, v, site="s") for v in (5.0, 0.0, 4.0, 6.0)]
    kept = [guard.filter([r], rejected)[0].value for r in readings]
    assert kept == [5.0, 5.0, 5.0, 6.0]
    assert rejected == Counter(counter_decrease=2)
    gauges = guard.filter([Reading(m.PRODUCTION_POWER, -1.0, site="s")], rejected)
    assert gauges[0].value == -1.0  # gauges may go anywhere
