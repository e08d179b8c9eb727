"""Every real ECU frame decodes to the values its publisher's notes (`frames.md`) list.

The expected values are read from the tables of `tests/data/apsystems/ecu_tcp/frames.md`, a
byte-for-byte copy of the fixtures' description, not from this decoder's output: each `## `
section names one `.hex` file and gives its fields in words.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from solar2prom.sources.apsystems.ecu.decode import RealtimeData, SignalLevels, SystemInfo
from solar2prom.sources.apsystems.ecu.frames import Command, Frame
from tests.vendors.apsystems.ecu_support import (
    FRAMES,
    HEX_FILES,
    frame_bytes,
    info_fields,
    numbers,
    rows,
    sections,
)


def test_every_frame_is_described() -> None:
    assert HEX_FILES
    assert sorted(sections()) == [p.name for p in HEX_FILES]


@pytest.mark.parametrize("path", HEX_FILES, ids=lambda p: p.stem)
def test_header(path: Path) -> None:
    """Version, length field and command as the section's header line gives them."""
    text = sections()[path.name]
    match = re.search(r"`APS(\d\d)`.{0,30}?(\d+) \((\d+) bytes", text)
    assert match is not None
    version, length, total = match.group(1), int(match.group(2)), int(match.group(3))
    code = re.search(r"`(00\d\d)`", text)
    assert code is not None
    command = Command(code.group(1))
    data = frame_bytes(path)
    frame = Frame.parse(data, command)
    assert (frame.version, len(data) - 1, len(data)) == (version, length, total)


INFO_FILES = [p for p in HEX_FILES if p.name.startswith("info_")]
REALTIME_FILES = [p for p in HEX_FILES if p.name.startswith("realtime_")]
SIGNAL_FILES = [p for p in HEX_FILES if p.name.startswith("signal_")]


@pytest.mark.parametrize("path", INFO_FILES, ids=lambda p: p.stem)
def test_system_info(path: Path) -> None:
    fields = info_fields(path.name)
    info = SystemInfo.from_frame(Frame.parse(frame_bytes(path), Command.SYSTEM_INFO))

    assert info.ecu_id == fields["ECU ID"]
    assert info.format == fields["model code"]
    (lifetime,) = numbers(fields["lifetime energy"])
    assert info.lifetime_wh == lifetime * 1000
    (power,) = numbers(fields["current power"])
    assert info.power_w == power
    (today,) = numbers(fields["today energy"])
    assert info.today_wh == today * 1000
    assert info.inverters == int(fields["inverters registered"])
    assert info.inverters_online == int(fields["inverters online"])
    assert info.firmware == fields["firmware"]
    assert info.timezone == fields["time zone"]
    date = re.search(r"BCD date-time (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", fields["bytes 39-45"])
    if date:
        assert info.ema_contact == datetime.fromisoformat(date.group(1))
    else:
        assert "filler" in fields["bytes 39-45"]
        assert info.ema_contact is None


def _expected_time(section: str) -> datetime:
    match = re.search(r"\*\*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\*\*", section)
    assert match is not None
    return datetime.fromisoformat(match.group(1))


@pytest.mark.parametrize("path", REALTIME_FILES, ids=lambda p: p.stem)
def test_realtime(path: Path) -> None:
    section = sections()[path.name]
    data = RealtimeData.from_frame(Frame.parse(frame_bytes(path), Command.REALTIME))
    table = rows(section)

    assert data.status == "00"
    assert data.time == _expected_time(section)
    count = re.search(r"inverter count (\d+)", section)
    assert count is not None
    assert data.declared == int(count.group(1)) == len(table) == len(data.inverters)
    assert data.unknown_type is None
    for record, (uid, online, type_code, freq, temp, power, voltage) in zip(
        data.inverters, table, strict=True
    ):
        assert (record.uid, record.online, record.type_code) == (uid, online == "1", type_code)
        if type_code == "00":  # a 9-byte record: nothing but who it is
            assert record.frequency_raw is None
            assert record.temperature_raw is None
            assert record.channel_power_w == record.ac_voltage_v == ()
            continue
        assert record.channel_power_w == tuple(numbers(power))
        assert record.ac_voltage_v == tuple(numbers(voltage))
        temp_raw = numbers(temp)[0]
        assert record.temperature_raw == temp_raw
        if "offline" in freq:
            assert record.frequency_raw == numbers(freq)[0]
            assert record.frequency_hz is None
            assert record.temperature_c is None
            assert record.power_w is None
        else:
            assert record.frequency_hz == float(numbers(freq)[0])
            assert record.temperature_c == numbers(temp)[1]
            assert record.power_w == sum(numbers(power))

    total = re.search(
        r"Sum of channel powers: \*\*(\d+) W\*\*; inverters online: (\d+) of", section
    )
    assert total is not None
    assert sum(sum(r.channel_power_w) for r in data.inverters) == int(total.group(1))
    assert sum(r.online for r in data.inverters) == int(total.group(2))


@pytest.mark.parametrize("path", SIGNAL_FILES, ids=lambda p: p.stem)
def test_signal(path: Path) -> None:
    table = rows(sections()[path.name])
    levels = SignalLevels.from_frame(Frame.parse(frame_bytes(path), Command.SIGNAL))

    assert levels.status == "00"
    assert [(s.uid, s.level) for s in levels.inverters] == [
        (uid, int(level)) for uid, level, _ in table
    ]
    for signal, (_, _, percent) in zip(levels.inverters, table, strict=True):
        assert int(signal.ratio * 100) == int(percent)


def test_info_and_realtime_read_together_agree() -> None:
    """frames.md: the ECU-B's power equals the DS3's channel sum, the ECU-R's the six QT2s'."""
    pairs = [
        ("info_ecu_b.hex", "realtime_ds3_day_2.hex"),
        ("info_ecu_r_2160_20231120.hex", "realtime_qt2_x6_20231120.hex"),
    ]
    for info_file, realtime_file in pairs:
        info = SystemInfo.from_frame(
            Frame.parse(frame_bytes(FRAMES / info_file), Command.SYSTEM_INFO)
        )
        data = RealtimeData.from_frame(
            Frame.parse(frame_bytes(FRAMES / realtime_file), Command.REALTIME)
        )
        assert info.power_w == sum(r.power_w or 0 for r in data.inverters)


def test_models_from_ids() -> None:
    ecu_b = SystemInfo.from_frame(
        Frame.parse(frame_bytes(FRAMES / "info_ecu_b.hex"), Command.SYSTEM_INFO)
    )
    pro = SystemInfo.from_frame(
        Frame.parse(frame_bytes(FRAMES / "info_ecu_r_pro_aps12.hex"), Command.SYSTEM_INFO)
    )
    assert (ecu_b.model, pro.model) == ("ECU-B", "ECU-R-Pro")
    expected = {
        "realtime_qt2_x6_20231120.hex": "QT2",  # type code 02, like a YC1000
        "realtime_yc600_x7.hex": "YC600",
        "realtime_ds3_day.hex": "DS3",
        "realtime_qs1_x9_night_unreported.hex": "QS1",
    }
    for name, model in expected.items():
        data = RealtimeData.from_frame(Frame.parse(frame_bytes(FRAMES / name), Command.REALTIME))
        assert {r.model for r in data.inverters} == {model}
