"""APsystems EMA: the day series, dashboard and panel-view parsers, and the readings and
apsystems2prom series made from them.

No capture of EMA's answers was ever published; the seeds have the shapes of the reference
(§a.2), as the simulator renders them. The client passes on only JSON objects. Nothing may
raise; readings are finite; null and "N/A" are the same as absent.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from solar2prom.sources.apsystems.ema.catalog import (
    day_readings,
    history_readings,
    lifetime_readings,
    panel_readings,
)
from solar2prom.sources.apsystems.ema.compat import CompatState
from solar2prom.sources.apsystems.ema.parse import DaySeries, lifetime_kwh, panel_powers
from tests.fuzz.support import bounded, check_readings, is_missing, json_values, mutated

SITE = "AZ12649A3DFF"
# Local 10:00 and 10:05 on 2025-06-15, as EMA encodes them (wall clock read as UTC+8).
DAY = {
    "time": [1_749_952_800_000, 1_749_953_100_000],
    "power": ["583", "600"],
    "energy": ["0.0476", "0.0500"],
    "total": "3.21",
    "max": "1200",
}
DASHBOARD = {"lifetime": "5559.20", "today": "3.21", "lastPower": "583", "co2": "2779.60"}
VIEW = {
    "time": "1749952800000,1749953100000",
    "power": "583,600",
    "detail": "701000001234-1/120,130&701000001234-2/110,N/A&/5&bad",
}
ZONES: list[tzinfo] = [
    UTC,
    ZoneInfo("Europe/Paris"),
    ZoneInfo("Australia/Lord_Howe"),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
]
zones = st.sampled_from(ZONES)


def objects(seed: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        mutated(seed).filter(lambda d: isinstance(d, dict)),
        st.dictionaries(st.sampled_from(sorted(seed)) | st.text(max_size=8), json_values),
    )


@given(objects(DAY), zones, st.none() | st.floats(allow_nan=False))
def test_day_series(data: dict[str, Any], tz: tzinfo, after: float | None) -> None:
    rejected: Counter[str] = Counter()
    series = bounded(DaySeries.from_api, data, tz, rejected)
    check_readings(day_readings(SITE, series))
    if series is None:
        return
    check_readings(history_readings(SITE, series, after))
    sample = series.latest()
    assert sample is None or sample.time == series.times[-1]
    for key in ("total", "max"):
        if is_missing(data.get(key)):
            assert getattr(series, "total_kwh" if key == "total" else "peak_w") is None


@given(objects(DASHBOARD))
def test_dashboard(data: dict[str, Any]) -> None:
    lifetime = bounded(lifetime_kwh, data, Counter())
    check_readings(lifetime_readings(SITE, lifetime))
    if is_missing(data.get("lifetime")):
        assert lifetime is None


@given(objects(VIEW), st.none() | st.floats(allow_nan=False, allow_infinity=False))
def test_panel_view(data: dict[str, Any], when: float | None) -> None:
    powers = bounded(panel_powers, data, Counter())
    check_readings(panel_readings(SITE, powers, when))
    assert all(panel and panel == panel.strip() for panel in powers)


@given(st.lists(st.tuples(objects(DAY), objects(DASHBOARD), objects(VIEW)), max_size=4), zones)
def test_compat_series(polls: list[tuple[dict[str, Any], ...]], tz: tzinfo) -> None:
    state, today = CompatState(), date(2025, 6, 15)
    for day, dashboard, view in polls:
        rejected: Counter[str] = Counter()
        series = DaySeries.from_api(day, tz, rejected)
        lifetime, panels = lifetime_kwh(dashboard, rejected), panel_powers(view, rejected)
        bounded(state.observe, series, lifetime, panels, today, tz)
        check_readings(state.readings(today))
