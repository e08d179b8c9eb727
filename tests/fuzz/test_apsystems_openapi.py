"""APsystems OpenAPI: every model of a `data` member, and the readings made from them.

The client checks only that the envelope is an object with an integer `code`; its `data` can be
any JSON, and the source hands what it got to the parsers. The seeds are the real captures and,
for the minutely series no one published, the shapes of the reference (as in the unit tests).
Nothing may raise; readings are finite; null and "N/A" are the same as absent.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from solar2prom.sources.apsystems.openapi.catalog import Latest, history_readings, readings
from solar2prom.sources.apsystems.openapi.parse import (
    BatchPower,
    Ecu,
    EcuDay,
    Energies,
    MeterDay,
    SystemDetails,
    flows,
    slot_time,
)
from tests.conftest import DATA
from tests.fuzz.support import bounded, check_readings, is_missing, json_values, mutated

CAPTURES = DATA / "apsystems" / "openapi"
DAY = date(2025, 6, 15)
SITE = "AZ12649A3DFF"


def _data(name: str) -> Any:
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))["data"]


DETAILS = _data("system_details")
INVERTERS = _data("inverters")
SUMMARY = _data("ecu_summary")
ECU_DAY = {
    "time": ["10:00", "10:05", "24:00"],
    "energy": ["0.12", "0.15", "0.01"],
    "power": ["150", 180, "N/A"],
    "today": "12.28",
}
BATCH = {
    "time": ["10:00", "10:05"],
    "power": {"701000001234-1": [45, 56], "701000001234-2": ["60", "N/A"], "bad": [1]},
}
METER_DAY = {
    "today": {"consumed": "5.9966", "exported": "0.07186", "imported": "3.71228", "produced": ""},
    "time": ["23:57"],
    "power": {"consumed": ["167.96"], "imported_exported": ["167.96"], "produced": ["0.00"]},
    "energy": {"consumed": ["0.015620"]},
}
METER_SUMMARY = {
    "lifetime": {"consumed": "100.5", "exported": "2", "imported": "50", "produced": 9}
}
zones = st.sampled_from(
    [
        UTC,
        ZoneInfo("Europe/Paris"),
        timezone(timedelta(hours=14)),
        ZoneInfo("Asia/Kolkata"),
    ]
)


def answers(seed: object) -> st.SearchStrategy[Any]:
    """What `data` may be: the seed mutated, or any JSON."""
    return mutated(seed) | json_values


@given(answers(DETAILS).filter(lambda d: isinstance(d, dict)))
def test_system_details(data: dict[str, Any]) -> None:
    details = bounded(SystemDetails.from_api, data)
    assert all(ecu and "-" not in ecu for ecu in details.ecus)
    check_readings(readings(SITE, Latest(details=details)))


@given(answers(INVERTERS))
def test_device_list(data: Any) -> None:
    # The source keeps the object items of a list answer, and fails on anything else.
    items = [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
    ecus = bounded(lambda: [Ecu.from_api(e) for e in items])
    assert all(inverter.uid for ecu in ecus for inverter in ecu.inverters)


@given(
    st.dictionaries(st.sampled_from(("e1", "e2")), answers(ECU_DAY), max_size=2),
    st.dictionaries(st.sampled_from(("e1", "e2")), answers(BATCH), max_size=2),
    st.dictionaries(st.sampled_from(("m1",)), answers(METER_DAY), max_size=1),
    answers(SUMMARY),
    answers(METER_SUMMARY),
    zones,
)
def test_one_poll(
    ecu_days: dict[str, Any],
    batches: dict[str, Any],
    meter_days: dict[str, Any],
    summary: Any,
    meter_summary: Any,
    tz: tzinfo,
) -> None:
    """Every answer of one poll, handed to the parsers as the source hands them over."""
    rejected: Counter[str] = Counter()
    latest = Latest()

    def parse() -> None:
        for eid, data in ecu_days.items():
            latest.ecus[eid] = EcuDay.from_api(data, DAY, tz, rejected) if data else None
        for eid, data in batches.items():
            latest.batches[eid] = BatchPower.from_api(data or {}, DAY, tz, rejected)
        for eid, data in meter_days.items():
            latest.meters[eid] = MeterDay.from_api(data, DAY, tz, rejected) if data else None
        if isinstance(summary, dict):
            latest.summary = Energies.from_api(summary, rejected)
        if isinstance(meter_summary, dict):
            latest.meter_totals["m1"] = flows(meter_summary.get("lifetime"), rejected)

    bounded(parse)
    check_readings(bounded(readings, SITE, latest))
    check_readings(bounded(history_readings, SITE, latest.ecus, {"e1": 1.75e9}))


@given(answers(SUMMARY).filter(lambda d: isinstance(d, dict)))
def test_energies_missing_is_absent(data: dict[str, Any]) -> None:
    energies = Energies.from_api(data, Counter())
    for key in ("today", "month", "year", "lifetime"):
        if is_missing(data.get(key)):
            assert getattr(energies, key) is None


@given(json_values | st.text(max_size=8), zones)
def test_slot_times(raw: Any, tz: tzinfo) -> None:
    moment = bounded(slot_time, raw, DAY, tz)
    assert moment is None or 1.74e9 < moment < 1.76e9
