"""OpenAPI `data` to models, from the real captures where there are any."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solar2prom.sources.apsystems.openapi.parse import (
    BatchPower,
    Ecu,
    EcuDay,
    Energies,
    MeterDay,
    SystemDetails,
    ecu_id,
    flows,
    slot_time,
)
from tests.conftest import DATA

CAPTURES = DATA / "apsystems" / "openapi"
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2025, 6, 15)


def capture(name: str) -> Any:
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_system_details_capture() -> None:
    raw = capture("system_details")
    assert raw["code"] == 0
    details = SystemDetails.from_api(raw["data"])
    assert details.sid == raw["data"]["sid"]
    assert details.timezone == raw["data"]["timezone"] == "Europe/Paris"
    assert details.capacity_kw == float(raw["data"]["capacity"])
    assert details.light == raw["data"]["light"]
    assert details.ecus == tuple(raw["data"]["ecu"])


def test_inverters_capture() -> None:
    raw = capture("inverters")["data"]
    (ecu,) = (Ecu.from_api(e) for e in raw)
    assert ecu.eid == raw[0]["eid"]
    assert ecu.type == raw[0]["type"] == 0
    assert not ecu.has_meter
    assert [(i.uid, i.model) for i in ecu.inverters] == [
        (i["uid"], i["type"]) for i in raw[0]["inverter"]
    ]


def test_summary_capture_without_today() -> None:
    raw = capture("ecu_summary")["data"]
    rejected: Counter[str] = Counter()
    energies = Energies.from_api(raw, rejected)
    assert energies.today is None  # the key is absent in the real answer
    assert (energies.month, energies.year, energies.lifetime) == (
        float(raw["month"]),
        float(raw["year"]),
        float(raw["lifetime"]),
    )
    assert not rejected


def test_shared_sub_user_ecus_use_the_virtual_id() -> None:
    assert ecu_id("2030000001236-002405253708") == "002405253708"
    assert ecu_id(" 216300000002 ") == "216300000002"
    details = SystemDetails.from_api({"ecu": ["2030000001236-002405253708"], "light": "x"})
    assert details.ecus == ("002405253708",)
    assert details.light is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:05", datetime(2025, 6, 15, 10, 5, tzinfo=PARIS).timestamp()),
        ("0:00", datetime(2025, 6, 15, tzinfo=PARIS).timestamp()),
        ("24:00", datetime(2025, 6, 16, tzinfo=PARIS).timestamp()),
        ("24:05", None),
        ("10:60", None),
        ("ten", None),
        (None, None),
    ],
)
def test_slot_times_are_local_to_the_system(text: str | None, expected: float | None) -> None:
    assert slot_time(text, DAY, PARIS) == expected


def test_ecu_minutely_day() -> None:
    data = {
        "time": ["10:00", "10:05"],
        "energy": ["0.12", "0.15"],
        "power": ["150", 180],
        "today": "12.28",
    }
    day = EcuDay.from_api(data, DAY, PARIS, Counter())
    first, second = (datetime(2025, 6, 15, 10, m, tzinfo=PARIS).timestamp() for m in (0, 5))
    assert day == EcuDay(
        time=second,
        power_w=180.0,
        slot_kwh=0.15,
        peak_w=180.0,
        today_kwh=12.28,
        slots=((first, 150.0, 0.12), (second, 180.0, 0.15)),
    )


def test_batch_power_keys_are_uid_and_channel() -> None:
    data = {
        "time": ["10:00", "10:05"],
        "power": {"701000001234-1": [45, 56], "701000001234-2": ["60", "N/A"], "bad": [1]},
    }
    batch = BatchPower.from_api(data, DAY, PARIS, Counter())
    assert batch.channels == {("701000001234", "1"): 56.0}
    assert batch.time == datetime(2025, 6, 15, 10, 5, tzinfo=PARIS).timestamp()


def test_meter_minutely_day() -> None:
    data = {
        "today": {
            "consumed": "5.9966",
            "exported": "0.07186",
            "imported": "3.71228",
            "produced": "",
        },
        "time": ["23:57"],
        "power": {"consumed": ["167.96"], "imported_exported": ["167.96"], "produced": ["0.00"]},
        "energy": {"consumed": ["0.015620"]},
    }
    rejected: Counter[str] = Counter()
    meter = MeterDay.from_api(data, DAY, PARIS, rejected)
    assert meter.power_w == {"consumed": 167.96, "imported_exported": 167.96, "produced": 0.0}
    assert meter.today_kwh == {"consumed": 5.9966, "exported": 0.07186, "imported": 3.71228}
    assert flows({"consumed": "x"}, rejected) == {}
    assert rejected == Counter({"unparsable": 1})
