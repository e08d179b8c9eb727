"""EMA answers to models: the UTC+8 time code, the day series, lifetime, panel detail."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from solar2prom.sources.apsystems.ema.parse import (
    DaySeries,
    decode_time,
    lifetime_kwh,
    panel_powers,
)

HOUR = 3600.0


def encoded(year: int, month: int, day: int, hour: int, minute: int) -> float:
    """What EMA sends for a local wall-clock time: those digits read as UTC+8, in ms."""
    china = timezone(timedelta(hours=8))
    return datetime(year, month, day, hour, minute, tzinfo=china).timestamp() * 1000


@pytest.mark.parametrize(
    ("zone", "when", "offset_hours"),
    [
        ("Europe/Paris", (2025, 6, 15, 13, 5), 2.0),  # summer time
        ("Europe/Paris", (2025, 1, 15, 13, 5), 1.0),
        ("America/New_York", (2025, 7, 1, 9, 0), -4.0),
        ("Australia/Sydney", (2025, 1, 10, 6, 30), 11.0),
        ("Asia/Shanghai", (2025, 3, 3, 12, 0), 8.0),
        ("+05:30", (2025, 3, 3, 12, 0), 5.5),
    ],
)
def test_times_are_local_wall_clock_read_as_china_time(
    zone: str, when: tuple[int, int, int, int, int], offset_hours: float
) -> None:
    t = encoded(*when)
    tz = ZoneInfo(zone) if "/" in zone else timezone(timedelta(hours=offset_hours))
    # The reference's rule: utc = t + 8 h - offset(system zone).
    assert decode_time(t, tz) == t / 1000 + (8 - offset_hours) * HOUR
    local = datetime.fromtimestamp(decode_time(t, tz), tz)
    assert (local.year, local.month, local.day, local.hour, local.minute) == when


def test_a_day_series_keeps_every_slot_and_the_totals() -> None:
    tz = ZoneInfo("Europe/Paris")
    data = {
        "time": [encoded(2025, 6, 15, 10, 0), str(int(encoded(2025, 6, 15, 10, 5)))],
        "power": ["583", 600],
        "energy": ["0.0476", "0.05"],
        "total": "3.21",
        "max": "1200",
    }
    rejected: Counter[str] = Counter()
    day = DaySeries.from_api(data, tz, rejected)
    assert day is not None
    assert day.power_w == (583.0, 600.0)
    assert day.total_kwh == 3.21
    assert day.peak_w == 1200.0
    sample = day.latest()
    assert sample is not None
    assert sample.time == datetime(2025, 6, 15, 10, 5, tzinfo=tz).timestamp()
    assert (sample.power_w, sample.energy_kwh) == (600.0, 0.05)
    assert not rejected


def test_decimal_power_is_read_where_apsystems2prom_failed() -> None:
    data = {"time": [encoded(2025, 6, 15, 10, 0)], "power": ["583.5"], "energy": ["0.1"]}
    day = DaySeries.from_api(data, UTC, Counter())
    assert day is not None
    assert day.power_w == (583.5,)


@pytest.mark.parametrize(
    "data",
    [
        {"time": [], "power": [], "energy": [], "total": "0", "max": "0"},
        {"time": [1], "power": [], "energy": ["1"]},
        {},
        {"time": None, "power": "12", "energy": None},
    ],
)
def test_empty_lists_mean_no_data_yet(data: dict[str, object]) -> None:
    assert DaySeries.from_api(data, UTC, Counter()) is None


def test_missing_and_garbage_values_are_not_numbers() -> None:
    rejected: Counter[str] = Counter()
    data = {
        "time": [encoded(2025, 6, 15, 10, 0), "later"],
        "power": ["N/A", "x"],
        "energy": [None, ""],
        "total": "",
        "max": "n/a",
    }
    day = DaySeries.from_api(data, UTC, rejected)
    assert day is not None
    assert day.latest() is None  # the newest slot has no readable time
    assert day.power_w == (None, None)
    assert (day.total_kwh, day.peak_w) == (None, None)
    assert rejected == Counter({"unparsable": 2})


def test_lifetime() -> None:
    assert lifetime_kwh({"lifetime": "4358.50", "today": "1"}, Counter()) == 4358.5
    assert lifetime_kwh({"co2": "1"}, Counter()) is None


def test_panel_detail_takes_the_last_value_of_each_panel() -> None:
    rejected: Counter[str] = Counter()
    detail = "703000000001-1/10,20,30&703000000001-2/11,21,&bad&/5&703000000002-1/1,x&a/b/c"
    assert panel_powers({"detail": detail}, rejected) == {"703000000001-1": 30.0}
    assert rejected == Counter({"unparsable": 1})
    assert panel_powers({"detail": ""}, Counter()) == {}
    assert panel_powers({}, Counter()) == {}
