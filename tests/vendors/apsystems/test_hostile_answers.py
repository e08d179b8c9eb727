"""EMA, OpenAPI and EZ1 answers of a shape or size nobody documented, found by the fuzz tests
(tests/fuzz): they give no value, or a counted rejection, instead of an internal error."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from solar2prom.sources.apsystems.ema import catalog as ema_catalog
from solar2prom.sources.apsystems.ema.compat import CompatState
from solar2prom.sources.apsystems.ema.parse import DaySeries, lifetime_kwh
from solar2prom.sources.apsystems.ez1 import parse as ez1
from solar2prom.sources.apsystems.ez1.readings import alarm_readings, output_readings
from solar2prom.sources.apsystems.openapi.catalog import Latest, readings
from solar2prom.sources.apsystems.openapi.parse import BatchPower, EcuDay, Energies, MeterDay

LARGEST = sys.float_info.max
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2025, 6, 15)


@pytest.mark.parametrize("ms", [1e20, -1e20, 1e300])
def test_ema_times_no_date_can_hold_are_unparsable(ms: float) -> None:
    rejected: Counter[str] = Counter()
    data = {"time": [1_749_952_800_000, ms], "power": ["583", "600"], "energy": ["0.05", "0.06"]}
    series = DaySeries.from_api(data, PARIS, rejected)
    assert series is not None
    assert series.times[0] is not None and series.times[1] is None
    assert series.latest() is None
    assert rejected == {"unparsable": 1}
    assert len(ema_catalog.history_readings("S", series, None)) == 2  # the first slot only


def test_ema_numbers_at_the_float_limit() -> None:
    rejected: Counter[str] = Counter()
    assert lifetime_kwh({"lifetime": LARGEST}, rejected) is None  # infinite once rounded
    assert rejected == {"unparsable": 1}
    assert ema_catalog.lifetime_readings("S", 1e305) == []  # no number of joules
    series = DaySeries.from_api(
        {"time": [1_749_952_800_000], "power": [1e300], "energy": [1e305], "total": 1e305},
        PARIS,
        Counter(),
    )
    assert series is not None
    names = {r.metric.name for r in ema_catalog.day_readings("S", series)}
    assert names == {"solar_data_timestamp_seconds", "solar_production_power_watts"}
    state = CompatState()
    state.observe(series, None, {}, DAY, PARIS)
    assert {r.metric.name for r in state.readings(DAY)} >= {"ap_energy", "ap_power"}


@pytest.mark.parametrize("data", [[1, 2], "no data", 7, True])
def test_openapi_data_that_is_no_object_holds_no_values(data: object) -> None:
    rejected: Counter[str] = Counter()
    day = EcuDay.from_api(data, DAY, PARIS, rejected)
    assert (day.time, day.power_w, day.today_kwh, day.slots) == (None, None, None, ())
    assert BatchPower.from_api(data, DAY, PARIS, rejected).channels == {}
    meter = MeterDay.from_api(data, DAY, PARIS, rejected)
    assert (meter.power_w, meter.today_kwh) == ({}, {})
    assert rejected == {}


def test_openapi_values_too_large_for_si_units_give_no_reading() -> None:
    latest = Latest(summary=Energies(today=None, month=1e305, year=2.0, lifetime=1e305))
    names = {r.metric.name for r in readings("S", latest)}
    assert names == {"apsystems_openapi_system_energy_this_year_joules"}


def test_ez1_values_too_large_for_si_units_give_no_reading() -> None:
    rejected: Counter[str] = Counter()
    data = {"p1": 1e308, "p2": 1e308, "e1": 1, "e2": 1, "te1": 1e305, "te2": 1}
    output = ez1.OutputData.from_api(data, rejected)
    found = {(r.metric.name, r.labels) for r in output_readings("E", output, 1e305, True)}
    assert ("solar_production_power_watts", ()) not in found  # 2e308 W overflows
    assert ("apsystems_ez1_channel_power_watts", ("1",)) in found
    assert ("apsystems_ez1_channel_energy_joules_total", ("1",)) not in found
    assert ("solar_production_energy_today_joules", ()) not in found
    assert ez1.alarms({"og": LARGEST}, rejected) == {}
    assert rejected == {"unparsable": 1}
    assert alarm_readings("E", {"og": 1e308}) != []
