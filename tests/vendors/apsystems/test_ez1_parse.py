"""EZ1 answers to models, from the manual's examples; today's energy from "since start-up"."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from solar2prom.sources.apsystems.ez1 import parse
from solar2prom.sources.apsystems.ez1.energy import DayEnergy
from tests.vendors.apsystems.ez1_support import example


def test_device_info_example() -> None:
    data = example("getDeviceInfo")["data"]
    rejected: Counter[str] = Counter()
    info = parse.DeviceInfo.from_api(data, rejected)
    assert info.device_id == data["deviceId"]
    assert info.min_power_w == float(data["minPower"])
    assert info.max_power_w == float(data["maxPower"])
    assert (info.model, info.firmware) == ("EZ1-M", "1.0.0")  # 30-800 W is the EZ1-M
    assert not rejected


@pytest.mark.parametrize(
    ("version", "high", "model", "firmware"),
    [
        (" EZ1 1.0.0", "800", "EZ1-M", "1.0.0"),  # the manual prints a leading space
        ("EZ1 2.0.1_b", "960", "EZ1-H", "2.0.1_b"),
        ("", "1800", "EZ1-D", ""),
        ("EZ1 1.1.2_b", "", "EZ1", "1.1.2_b"),
    ],
)
def test_models_and_firmware(version: str, high: str, model: str, firmware: str) -> None:
    info = parse.DeviceInfo.from_api(
        {"deviceId": "E07000000001", "devVer": version, "maxPower": high}, Counter()
    )
    assert (info.model, info.firmware) == (model, firmware)


def test_output_data_example_and_strings() -> None:
    data = example("getOutputData")["data"]
    output = parse.OutputData.from_api(data, Counter())
    assert output.power_w == (float(data["p1"]), float(data["p2"]))
    assert output.since_startup_kwh == (float(data["e1"]), float(data["e2"]))
    assert output.lifetime_kwh == (float(data["te1"]), float(data["te2"]))

    rejected: Counter[str] = Counter()
    odd = parse.OutputData.from_api({"p1": "123.5", "p2": None, "e1": "x", "te1": 1}, rejected)
    assert odd.power_w == (123.5, None)
    assert odd.since_startup_kwh == (None, None)
    assert parse.total(odd.power_w) is None
    assert rejected == {"unparsable": 1}


def test_max_power_in_both_spellings() -> None:
    assert parse.power_limit(example("getMaxPower")["data"], Counter()) == 600.0
    assert parse.power_limit({"power": "450"}, Counter()) == 450.0
    assert parse.power_limit({}, Counter()) is None


def test_alarms_and_on_off_examples() -> None:
    assert parse.alarms(example("getAlarm")["data"], Counter()) == {
        "og": 0.0,
        "isce1": 0.0,
        "isce2": 0.0,
        "oe": 0.0,
    }
    assert parse.output_state(example("getOnOff")["data"], Counter()) == 0
    rejected: Counter[str] = Counter()
    assert parse.output_state({"status": "0.5"}, rejected) is None
    assert rejected == {"unparsable": 1}


DAY1, DAY2 = date(2025, 6, 15), date(2025, 6, 16)


def test_today_follows_restarts_and_midnight() -> None:
    energy = DayEnergy()
    assert energy.today(DAY1) is None
    assert energy.update(0.0, DAY1) == 0.0
    assert energy.update(1.5, DAY1) == 1.5
    assert energy.update(0.2, DAY1) == pytest.approx(1.7)  # restarted at noon
    assert energy.update(0.5, DAY1) == pytest.approx(2.0)
    assert energy.today(DAY1) == pytest.approx(2.0)  # unreachable in the evening
    assert energy.today(DAY2) == 0.0  # after midnight, before it answers again
    assert energy.update(0.01, DAY2) == pytest.approx(0.01)  # a fresh start in the morning


def test_a_count_running_through_midnight_is_based_on_yesterday() -> None:
    energy = DayEnergy()
    energy.update(4.0, DAY1)
    assert energy.update(4.1, DAY2) == pytest.approx(0.1)
    assert energy.update(4.6, DAY2) == pytest.approx(0.6)
