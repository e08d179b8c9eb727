"""APsystems ECU: framing and decoding of port-8899 replies, and the readings made from them.

Fed random bytes, the real frames cut short, and the real frames with bytes changed — both
as they are (most then fail the framing checks) and with the length field rewritten to match,
so that the changed bytes reach the decoders. Contract: `FrameError` is the only error; what
decodes gives finite readings.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from solar2prom.sources.apsystems.ecu.decode import RealtimeData, SignalLevels, SystemInfo
from solar2prom.sources.apsystems.ecu.frames import (
    HEADER_SIZE,
    MIN_FRAME,
    Command,
    Frame,
    FrameError,
    frame_size,
)
from solar2prom.sources.apsystems.ecu.readings import (
    devices,
    realtime_readings,
    signal_readings,
    site,
    system_readings,
)
from tests.conftest import DATA
from tests.fuzz.support import bounded, check_entities, check_readings

FRAMES_DIR = DATA / "apsystems" / "ecu_tcp"
COMMANDS = {"info": Command.SYSTEM_INFO, "realtime": Command.REALTIME, "signal": Command.SIGNAL}
FRAMES = [
    (COMMANDS[path.name.split("_")[0]], bytes.fromhex(path.read_text().strip()))
    for path in sorted(FRAMES_DIR.glob("*.hex"))
]
INFO = SystemInfo.from_frame(
    Frame.parse(bytes.fromhex((FRAMES_DIR / "info_ecu_b.hex").read_text()), Command.SYSTEM_INFO)
)
ZONES: list[tzinfo] = [UTC, ZoneInfo("Europe/Paris"), timezone(timedelta(hours=-12))]

real_frames = st.sampled_from(FRAMES)
commands = st.sampled_from(list(Command))


def _with_length(frame: bytes) -> bytes:
    """`frame` with its length field saying its real length (when that fits in 4 digits)."""
    length = len(frame) - 1
    if len(frame) < HEADER_SIZE or length > 9999:
        return frame
    return frame[:5] + f"{length:04d}".encode() + frame[HEADER_SIZE:]


@st.composite
def changed(draw: st.DrawFn, frame: bytes) -> bytes:
    """`frame` with bytes overwritten, inserted or removed after the command echo."""
    data = bytearray(frame)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(HEADER_SIZE + 4, max(HEADER_SIZE + 4, len(data) - 1)))
        action = draw(st.sampled_from(("set", "set", "digits", "insert", "delete")))
        if action == "set" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "digits":  # fields of ASCII digits: formats, lengths, type codes
            data[at : at + 3] = draw(st.from_regex(rb"\A[0-9]{3}\Z"))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif at < len(data):
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


def decode_and_read(command: Command, data: bytes, tz: tzinfo) -> None:
    """What the client and the source do with a reply; only `FrameError` may come out."""
    try:
        frame = Frame.parse(data, command)
        if command is Command.SYSTEM_INFO:
            info = SystemInfo.from_frame(frame)
            readings = system_readings(info, tz, Counter())
            check_entities([site(info, None), *devices(info, None)])
        elif command is Command.REALTIME:
            realtime = RealtimeData.from_frame(frame)
            readings = realtime_readings(INFO.ecu_id, realtime, tz)
            assert realtime.unread >= 0
            check_entities(devices(INFO, realtime))
        else:
            readings = signal_readings(INFO.ecu_id, SignalLevels.from_frame(frame))
    except FrameError:
        return
    check_readings(readings)


@given(commands, st.binary(max_size=200), st.sampled_from(ZONES))
def test_random_bytes(command: Command, data: bytes, tz: tzinfo) -> None:
    bounded(decode_and_read, command, data, tz)


@given(commands, st.binary(max_size=180), st.sampled_from(ZONES))
def test_random_bodies_in_a_valid_frame(command: Command, body: bytes, tz: tzinfo) -> None:
    frame = _with_length(b"APS11" + b"0000" + command.value.encode() + body + b"END\n")
    bounded(decode_and_read, command, frame, tz)


@given(
    real_frames.flatmap(lambda f: st.tuples(st.just(f), st.integers(0, len(f[1])))),
    st.booleans(),
)
def test_real_frames_cut_short(case: tuple[tuple[Command, bytes], int], fix_length: bool) -> None:
    (command, frame), size = case
    # Cut at the end of the payload, the trailer kept, the length field made to match: the
    # framing holds and the decoders meet records that stop short.
    cut = frame[:size] + frame[-4:] if fix_length else frame[:size]
    bounded(decode_and_read, command, _with_length(cut) if fix_length else cut, UTC)


@given(
    real_frames.flatmap(lambda f: st.tuples(st.just(f[0]), changed(f[1]))),
    st.booleans(),
    st.sampled_from(ZONES),
)
def test_real_frames_changed(case: tuple[Command, bytes], fix_length: bool, tz: tzinfo) -> None:
    command, frame = case
    data = _with_length(frame) if fix_length else frame
    bounded(decode_and_read, command, data, tz)


@given(st.binary(min_size=HEADER_SIZE, max_size=HEADER_SIZE))
def test_headers(header: bytes) -> None:
    try:
        size = bounded(frame_size, header)
    except FrameError:
        return
    assert MIN_FRAME <= size <= 10_000
