"""APsystems EZ1: the parsers of the local API's `data` objects, and the day-energy tracker.

The client hands the parsers only a JSON object (anything else is an `UpdateFailed` there), so
these are fed objects: mutated documented examples, and random ones. Nothing may raise; the
readings are finite SI values; null and "N/A" are the same as absent.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from solar2prom.sources.apsystems.ez1 import parse
from solar2prom.sources.apsystems.ez1.energy import DayEnergy
from solar2prom.sources.apsystems.ez1.readings import (
    alarm_readings,
    device,
    info_readings,
    output_readings,
    output_state_readings,
    power_limit_readings,
    site,
)
from tests.conftest import DATA
from tests.fuzz.support import (
    bounded,
    check_entities,
    check_readings,
    json_values,
    mutated,
    present,
)

EXAMPLES = DATA / "apsystems" / "ez1"
DEVICE = "E07000000001"


def _data(name: str) -> dict[str, Any]:
    body = json.loads((EXAMPLES / f"{name}__doc_example.json").read_text(encoding="utf-8"))
    data: dict[str, Any] = body["data"]
    return data


def objects(example: str) -> st.SearchStrategy[dict[str, Any]]:
    """The example mutated, or any object: what the client can pass on."""
    return st.one_of(
        mutated(_data(example)).filter(lambda d: isinstance(d, dict)),
        st.dictionaries(st.text(max_size=8), json_values, max_size=6),
    )


@given(objects("getOutputData"), st.none() | st.floats(allow_nan=False), st.booleans())
def test_output_data(data: dict[str, Any], today: float | None, online: bool) -> None:
    rejected: Counter[str] = Counter()
    output = bounded(parse.OutputData.from_api, data, rejected)
    readings = output_readings(DEVICE, output, today, online)
    check_readings(readings)
    again: Counter[str] = Counter()
    assert parse.OutputData.from_api(present(data), again) == output
    assert again == rejected


@given(objects("getDeviceInfo"))
def test_device_info(data: dict[str, Any]) -> None:
    info = bounded(parse.DeviceInfo.from_api, data, Counter())
    check_readings(info_readings(DEVICE, info))
    check_entities([device(DEVICE, info), site(DEVICE, "EZ1", None)])


@given(objects("getMaxPower"))
def test_power_limit(data: dict[str, Any]) -> None:
    watts = bounded(parse.power_limit, data, Counter())
    check_readings(power_limit_readings(DEVICE, watts))


@given(objects("getAlarm"))
def test_alarms(data: dict[str, Any]) -> None:
    flags = bounded(parse.alarms, data, Counter())
    check_readings(alarm_readings(DEVICE, flags))
    assert flags == parse.alarms(present(data), Counter())


@given(objects("getOnOff"))
def test_output_state(data: dict[str, Any]) -> None:
    code = bounded(parse.output_state, data, Counter())
    check_readings(output_state_readings(DEVICE, code))


counts = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(st.lists(st.tuples(counts, st.integers(0, 2)), max_size=30))
def test_today_from_counts_since_start_up(steps: list[tuple[float, int]]) -> None:
    """Whatever the counts since start-up do, today's energy is never negative."""
    energy, day = DayEnergy(), date(2025, 6, 15)
    for since, days_later in steps:
        day += timedelta(days=days_later)
        today = bounded(energy.update, since, day)
        assert today >= 0, (since, day)
        assert energy.today(day) == today
