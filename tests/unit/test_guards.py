import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.guards import REASON_COUNTER_DECREASE, CounterGuard, DayTotalGuard
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


def lifetime(value: float, device: str = "d") -> Reading:
    return Reading(m.DEVICE_ENERGY_TOTAL, value, site="s", device=device)


def run(guard: CounterGuard, values: list[float], step: float = 300.0) -> tuple[list[float], int]:
    """What is exported for readings `step` seconds apart, and how many were rejected."""
    rejected: Counter[str] = Counter()
    kept = [
        guard.filter([lifetime(v)], rejected, T0 + i * step)[0].value for i, v in enumerate(values)
    ]
    return kept, rejected[REASON_COUNTER_DECREASE]


T0 = at(10)


def test_counter_guard_keeps_the_last_good_value_and_counts() -> None:
    guard = CounterGuard()
    rejected: Counter[str] = Counter()
    readings = [Reading(m.PRODUCTION_ENERGY_TOTAL, v, site="s") for v in (5.0, 0.0, 4.0, 6.0)]
    kept = [guard.filter([r], rejected, T0)[0].value for r in readings]
    assert kept == [5.0, 5.0, 5.0, 6.0]
    assert rejected == Counter(counter_decrease=2)
    gauges = guard.filter([Reading(m.PRODUCTION_POWER, -1.0, site="s")], rejected, T0)
    assert gauges[0].value == -1.0  # gauges may go anywhere


def test_a_counter_stuck_at_0_is_never_taken_for_a_reset() -> None:
    guard = CounterGuard()
    kept, rejected = run(guard, [9e9] + [0.0] * 48)  # four hours of 0
    assert kept == [9e9] * 49
    assert rejected == 48
    assert guard.notes(T0 + 48 * 300) == ()


def test_a_sum_missing_one_device_for_hours_is_never_taken_for_a_reset() -> None:
    # Two inverters of 9e9 J each; one is offline for four hours while the other produces.
    values = [18e9] + [9e9 + 1e6 * i for i in range(48)] + [18e9 + 5e7]
    kept, rejected = run(CounterGuard(), values)
    assert kept == [18e9] * 49 + [18e9 + 5e7]
    assert rejected == 48


def test_a_counter_that_starts_again_is_held_and_named_after_an_hour(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    guard = CounterGuard(tmp_path / "counters.json")
    values = [9e9, 0.0, 0.0] + [1e5 * i for i in range(1, 14)]  # every 5 minutes
    kept, rejected = run(guard, values)
    assert kept == [9e9] * 16  # never backwards (SPEC §5)
    assert rejected == 15
    (note,) = guard.notes(T0 + 15 * 300)
    assert note.startswith(
        "solar_device_energy_joules_total of device d has read 1.3e+06 for over an hour, far "
        "below 9e+09, and counts up: if a device or meter was replaced or reset, stop "
        f"solar2prom, delete {tmp_path / 'counters.json'} and start it again"
    )
    assert caplog.text.count("for over an hour, far below") == 1  # logged once
    assert guard.notes(T0 + 13 * 300 - 1) == ()  # not before the hour
    run(guard, [9e9 + 1])  # back up: a glitch after all
    assert guard.notes(T0 + 16 * 300) == ()


def test_a_glitch_that_comes_back_up_starts_the_hour_again() -> None:
    guard = CounterGuard()
    values = [9e9, 0.0, 1e5, 9e9 + 1, 0.0] + [1e5 * i for i in range(1, 12)]
    kept, _ = run(guard, values)
    assert kept == [9e9, 9e9, 9e9, 9e9 + 1] + [9e9 + 1] * 12
    assert guard.notes(T0 + 15 * 300) == ()  # the second drop is 55 minutes old


def test_the_last_values_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "roof" / "counters.json"
    before = CounterGuard(path)
    run(before, [7e9])
    before.save(T0)
    assert path.stat().st_mode & 0o777 == 0o600
    kept, rejected = run(CounterGuard(path), [0.0, 7e9 + 10])
    assert (kept, rejected) == ([7e9, 7e9 + 10], 1)


def test_saving_is_spaced_and_forgets_series_gone_for_a_month(tmp_path: Path) -> None:
    path = tmp_path / "counters.json"
    guard = CounterGuard(path)
    rejected: Counter[str] = Counter()
    guard.filter([lifetime(1.0, "old")], rejected, T0)
    guard.save_if_due(T0)
    guard.filter([lifetime(2.0, "new")], rejected, T0 + 60)
    guard.save_if_due(T0 + 60)  # too soon: not written
    assert {row[2] for row in json.loads(path.read_text())} == {"old"}
    guard.filter([lifetime(3.0, "new")], rejected, T0 + 31 * 86400)
    guard.save_if_due(T0 + 31 * 86400)
    assert {row[2] for row in json.loads(path.read_text())} == {"new"}


def test_an_unreadable_counter_file_is_named_and_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "counters.json"
    for junk in ("{not json", '{"a": 1}', "[[1, 2]]", '[["m", "s", "d", [], "x", 0]]'):
        path.write_text(junk)
        kept, _ = run(CounterGuard(path), [5.0])
        assert kept == [5.0]
        assert f"ignoring unreadable counter file {path}" in caplog.text
        caplog.clear()
