"""apsystems2prom's update rule for `ap_*`, and the fixes: midnight, no data, older samples."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from solar2prom.sources.apsystems.ema.compat import CompatState, compat_metrics
from solar2prom.sources.apsystems.ema.parse import DaySeries

TZ = ZoneInfo("Europe/Paris")
DAY = date(2025, 6, 15)


def series(*slots: tuple[int, int, str], total: str = "5.5", peak: str = "900") -> DaySeries:
    """Slots as (hour, minute, power W) of DAY; each slot's energy is power × 5 min."""
    china = timezone(timedelta(hours=8))
    data = {
        "time": [datetime(2025, 6, 15, h, m, tzinfo=china).timestamp() * 1000 for h, m, _ in slots],
        "power": [p for _, _, p in slots],
        "energy": [f"{float(p) / 12000:.4f}" if p.isdigit() else p for _, _, p in slots],
        "total": total,
        "max": peak,
    }
    day = DaySeries.from_api(data, TZ, Counter())
    assert day is not None
    return day


def shown(state: CompatState, today: date = DAY) -> dict[str, float]:
    return {
        r.metric.name + (f"[{r.labels[0]}]" if r.labels else ""): r.value
        for r in state.readings(today)
    }


def test_the_six_names_and_no_standard_labels() -> None:
    names = [(m.name, m.label_names) for m in compat_metrics()]
    assert names == [
        ("ap_power", ()),
        ("ap_energy", ()),
        ("ap_total", ()),
        ("ap_max", ()),
        ("ap_lifetime", ()),
        ("ap_panels", ("panel_id",)),
    ]
    assert all(m.type.value == "gauge" for m in compat_metrics())


def test_values_move_only_with_a_newer_sample() -> None:
    state = CompatState()
    state.observe(series((10, 0, "583")), 4000.0, {"p1": 290.0}, DAY, TZ)
    first = shown(state)
    assert first == {
        "ap_power": 583.0,
        "ap_energy": 0.0486,
        "ap_total": 5.5,
        "ap_max": 900.0,
        "ap_lifetime": 4000.0,
        "ap_panels[p1]": 290.0,
    }
    # Same newest sample, other totals and lifetime: nothing changes.
    state.observe(series((10, 0, "583"), total="9", peak="1"), 4100.0, {"p1": 1.0}, DAY, TZ)
    assert shown(state) == first
    # An older newest sample (apsystems2prom took it, being only "different"): kept.
    state.observe(series((9, 55, "100")), 3900.0, {}, DAY, TZ)
    assert shown(state) == first
    state.observe(series((10, 0, "583"), (10, 5, "600")), 4001.0, {"p2": 300.0}, DAY, TZ)
    assert shown(state) == {
        "ap_power": 600.0,
        "ap_energy": 0.05,
        "ap_total": 5.5,
        "ap_max": 900.0,
        "ap_lifetime": 4001.0,
        "ap_panels[p2]": 300.0,  # the panel set of the newest sample
    }


def test_total_and_peak_fall_to_zero_at_local_midnight() -> None:
    state = CompatState()
    state.observe(series((19, 55, "12")), 4000.0, {"p1": 6.0}, DAY, TZ)
    tomorrow = DAY + timedelta(days=1)
    assert shown(state, tomorrow) == {
        "ap_power": 12.0,
        "ap_energy": 0.001,
        "ap_total": 0.0,
        "ap_max": 0.0,
        "ap_lifetime": 4000.0,
        "ap_panels[p1]": 6.0,
    }
    # EMA has nothing for the new day yet: still 0, nothing else moves.
    state.observe(None, 4000.0, {}, tomorrow, TZ)
    assert shown(state, tomorrow)["ap_total"] == 0.0
    assert shown(state, tomorrow)["ap_power"] == 12.0


def test_no_data_on_a_fresh_start_is_nothing_produced_yet() -> None:
    state = CompatState()
    assert shown(state) == {}
    state.observe(None, 4000.0, {}, DAY, TZ)
    # The lifetime waits for a sample: it changes only with one, like every ap_* value.
    assert shown(state) == {"ap_power": 0.0, "ap_energy": 0.0, "ap_total": 0.0, "ap_max": 0.0}


def test_missing_values_keep_the_previous_ones() -> None:
    state = CompatState()
    state.observe(series((10, 0, "583")), 4000.0, {}, DAY, TZ)
    state.observe(series((10, 0, "583"), (10, 5, "N/A"), total=""), None, {}, DAY, TZ)
    assert shown(state)["ap_power"] == 583.0
    assert shown(state)["ap_total"] == 5.5
    assert shown(state)["ap_lifetime"] == 4000.0
    assert shown(state)["ap_energy"] == 0.0486
