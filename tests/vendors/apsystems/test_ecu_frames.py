"""Requests as the reference spells them; replies rejected unless every framing check holds."""

from __future__ import annotations

import pytest

from solar2prom.sources.apsystems.ecu.decode import RealtimeData, SignalLevels, SystemInfo, bcd
from solar2prom.sources.apsystems.ecu.frames import Command, Frame, FrameError, request
from tests.vendors.apsystems.ecu_support import frame_bytes

ECU_ID = "216000120830"


def with_length(data: bytes) -> bytes:
    """`data` with its length field set to its real length (after an edit in a test)."""
    return data[:5] + f"{len(data) - 1:04d}".encode() + data[9:]


def test_requests_are_those_of_the_reference() -> None:
    assert request(Command.SYSTEM_INFO) == b"APS1100160001END\n"
    assert request(Command.REALTIME, ECU_ID) == f"APS1100280002{ECU_ID}END\n".encode()
    assert request(Command.SIGNAL, ECU_ID) == f"APS1100280030{ECU_ID}END\n".encode()
    with pytest.raises(ValueError, match="12 digits"):
        request(Command.REALTIME, "2160")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: b"XPS" + d[3:], "APS header"),
        (lambda d: d[:5] + b"0x94" + d[9:], "APS header"),
        (lambda d: d[:5] + f"{len(d):04d}".encode() + d[9:], "length field"),
        (lambda d: d[:-1], "length field"),
        (lambda d: with_length(d[:-4] + b"EDN\n"), "END"),
        (lambda d: d[:9] + b"0002" + d[13:], "0002"),
        (lambda d: d[:12], "too short"),
        (lambda d: d[:5] + b"0003" + d[9:], "shorter than any frame"),
    ],
)
def test_a_broken_frame_is_rejected(edit: object, message: str) -> None:
    data = frame_bytes("info_ecu_b.hex")
    assert callable(edit)
    with pytest.raises(FrameError, match=message):
        Frame.parse(edit(data), Command.SYSTEM_INFO)


def test_bcd_filler_is_no_value() -> None:
    assert bcd(bytes.fromhex("702000016318")) == "702000016318"
    assert bcd(bytes.fromhex("d0d0d0")) is None


def realtime(data: bytes) -> RealtimeData:
    return RealtimeData.from_frame(Frame.parse(data, Command.REALTIME))


def test_a_record_past_the_end_is_rejected() -> None:
    data = frame_bytes("realtime_yc600_x7.hex")
    cut = with_length(data[:-14] + b"END\n")  # the last record loses 10 bytes
    with pytest.raises(FrameError, match="runs past the end"):
        realtime(cut)


def test_more_records_announced_than_held_is_rejected() -> None:
    data = bytearray(frame_bytes("realtime_ds3_day.hex"))
    data[17:19] = (2).to_bytes(2, "big")
    with pytest.raises(FrameError, match="announces 2 inverters"):
        realtime(bytes(data))


def test_bytes_after_the_last_record_are_rejected() -> None:
    data = frame_bytes("realtime_ds3_day.hex")
    with pytest.raises(FrameError, match="follow the last inverter record"):
        realtime(with_length(data[:-4] + b"\x00\x00END\n"))


def test_an_unknown_type_code_stops_decoding_and_counts_the_rest() -> None:
    data = bytearray(frame_bytes("realtime_qs1_x9_night_unreported.hex"))
    offset = 26 + 5 * 23  # the first of the four 9-byte `00` records
    assert data[offset + 7 : offset + 9] == b"00"
    data[offset + 7 : offset + 9] = b"09"
    decoded = realtime(bytes(data))
    assert decoded.unknown_type == "09"
    assert len(decoded.inverters) == 5
    assert decoded.unread == 4


def test_no_data_status_has_no_records() -> None:
    data = with_length(frame_bytes("realtime_ds3_day.hex")[:13] + b"0101END\n")
    decoded = realtime(data)
    assert (decoded.status, decoded.inverters, decoded.time) == ("01", (), None)


def test_a_signal_reply_with_a_partial_record_is_rejected() -> None:
    data = frame_bytes("signal_ds3_x8.hex")
    broken = with_length(data[:-5] + b"END\n")
    with pytest.raises(FrameError, match="whole inverter records"):
        SignalLevels.from_frame(Frame.parse(broken, Command.SIGNAL))


def test_a_firmware_length_past_the_end_is_rejected() -> None:
    data = bytearray(frame_bytes("info_ecu_b.hex"))
    data[52:55] = b"099"
    with pytest.raises(FrameError, match="runs past the end"):
        SystemInfo.from_frame(Frame.parse(bytes(data), Command.SYSTEM_INFO))


def test_the_ecu_c_layout_of_the_reference() -> None:
    """Format `02` (no real frame published): counts at 39 and 41, firmware length at 49."""
    body = b"215000000001" + b"02" + bytes.fromhex("000030390000012c000003e8")
    body += bytes.fromhex("00040003") + bytes(6) + b"011ECU_C_1.2.3"
    data = with_length(b"APS110000" + b"0001" + body + b"END\n")
    info = SystemInfo.from_frame(Frame.parse(data, Command.SYSTEM_INFO))
    assert (info.ecu_id, info.model, info.format) == ("215000000001", "ECU-C", "02")
    assert (info.lifetime_wh, info.power_w, info.today_wh) == (
        1_234_500,
        300,
        10_000,
    )  # 1234.5 kWh, 300 W, 10 kWh
    assert (info.inverters, info.inverters_online, info.firmware) == (4, 3, "ECU_C_1.2.3")
    assert info.timezone == ""
