"""The ECU simulator, checked against the reference's byte tables with raw TCP, not the client."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from solar2prom.sim.apsystems_ecu import EcuSimConfig, EcuSimulator, InverterSpec
from tests.conftest import ManualClock

ZONE = ZoneInfo("Europe/Amsterdam")
ECU_ID = EcuSimConfig().ecu_id


def local(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2025, 6, day, hour, minute, tzinfo=ZONE).timestamp()


@contextlib.asynccontextmanager
async def simulator(
    clock: ManualClock, config: EcuSimConfig | None = None
) -> AsyncIterator[EcuSimulator]:
    sim = EcuSimulator(config or EcuSimConfig(), clock)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def ask(sim: EcuSimulator, request: bytes, patience: float = 2.0) -> bytes:
    """Everything the simulator sends before closing the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(patience):
            return await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


INFO = b"APS1100160001END\n"
REALTIME = f"APS1100280002{ECU_ID}END\n".encode()
SIGNAL = f"APS1100280030{ECU_ID}END\n".encode()


def check_frame(reply: bytes, command: bytes) -> None:
    assert reply[:5] == b"APS11"
    assert int(reply[5:9]) == len(reply) - 1
    assert reply[9:13] == command
    assert reply.endswith(b"END\n")


def u16(data: bytes, offset: int) -> int:
    return int(struct.unpack_from(">H", data, offset)[0])


def u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from(">I", data, offset)[0])


def realtime_records(reply: bytes) -> list[dict[str, object]]:
    """Records by the reference's table (§c.5): sizes 21 / 27 / 23 / 9 by type code."""
    sizes = {b"01": 21, b"02": 27, b"03": 23, b"00": 9}
    records, offset = [], 26
    for _ in range(u16(reply, 17)):
        type_code = reply[offset + 7 : offset + 9]
        size = sizes[type_code]
        fields = [u16(reply, offset + 9 + 2 * i) for i in range((size - 9) // 2)]
        records.append(
            {"uid": reply[offset : offset + 6].hex(), "online": reply[offset + 6], "fields": fields}
        )
        offset += size
    assert offset == len(reply) - 4
    return records


async def test_info_and_realtime_agree_by_the_reference_offsets() -> None:
    clock = ManualClock(local(15, 12, 3))
    async with simulator(clock) as sim:
        info = await ask(sim, INFO)
        realtime = await ask(sim, REALTIME)
        signal = await ask(sim, SIGNAL)
    check_frame(info, b"0001")
    check_frame(realtime, b"0002")
    check_frame(signal, b"0030")
    assert info[13:25] == ECU_ID.encode()
    assert info[25:27] == b"01"
    assert info[39:46] == b"\xd0" * 7
    assert (u16(info, 46), u16(info, 48)) == (5, 5)
    firmware_length = int(info[52:55])
    assert info[55 : 55 + firmware_length] == b"ECU_B_1.2.33"
    zone_length = int(info[55 + firmware_length : 58 + firmware_length])
    assert info[58 + firmware_length : 58 + firmware_length + zone_length] == b"Etc/GMT-8"

    assert realtime[13:17] == b"0001"
    assert realtime[19:26].hex() == "20250615120000"  # the 5-minute sample, ECU local time
    records = realtime_records(realtime)
    assert [r["uid"] for r in records] == [i.uid for i in sim.config.inverters]
    powers = {"01": (2, 4), "02": (2, 4, 6, 8), "03": (2, 4, 5, 6)}  # p positions in fields
    total = 0
    for record, spec in zip(records, sim.config.inverters, strict=True):
        fields = record["fields"]
        assert isinstance(fields, list)
        assert record["online"] == 1
        assert 495 <= fields[0] <= 505  # 0.1 Hz
        assert 100 < fields[1] < 200  # °C + 100
        total += sum(fields[i] for i in powers[spec.type_code])
    assert u32(info, 31) == total > 0

    assert signal[13:15] == b"00"
    levels = [(signal[i : i + 6].hex(), signal[i + 6]) for i in range(15, len(signal) - 4, 7)]
    assert levels == [(i.uid, i.signal) for i in sim.config.inverters]


async def test_counters_through_two_days() -> None:
    clock = ManualClock(local(15, 0, 1))
    async with simulator(clock) as sim:
        sim.faults.maintenance = False
        lifetimes, todays = [], []
        for _ in range(2 * 288):
            info = await ask(sim, INFO)
            lifetimes.append(u32(info, 27))
            todays.append((clock.now(), u32(info, 35), u16(info, 48)))
            clock.advance(300)
    assert lifetimes == sorted(lifetimes)
    assert lifetimes[-1] > lifetimes[0] == 25000  # 2500.0 kWh in 0.1 kWh
    night = [t for when, t, online in todays if online == 0 and local(16, 0) <= when < local(16, 4)]
    assert night and set(night) == {0}  # after midnight, before sunrise
    assert max(t for _, t, _ in todays) > 0


async def test_night_records_are_offline_zeros() -> None:
    clock = ManualClock(local(15, 23, 30))
    config = EcuSimConfig(inverters=(*EcuSimConfig().inverters, InverterSpec("704000000106", "00")))
    async with simulator(clock, config) as sim:
        records = realtime_records(await ask(sim, REALTIME))
    for record in records[:-1]:
        fields = record["fields"]
        assert isinstance(fields, list)
        assert record["online"] == 0
        assert fields[0] == 0 and fields[1] == 100 and not any(fields[2:])
    assert records[-1] == {"uid": "704000000106", "online": 0, "fields": []}


async def test_another_ecu_id_gets_no_data() -> None:
    async with simulator(ManualClock(local(15, 12))) as sim:
        reply = await ask(sim, b"APS1100280002216000000000END\n")
    check_frame(reply, b"0002")
    assert reply[13:15] == b"01"


@pytest.mark.parametrize(
    "request_bytes",
    [b"APS1100170001END\n", b"APS1100280002123END\n", b"hello END\n", b"APS1100169999END\n"],
)
async def test_malformed_requests_get_no_answer(request_bytes: bytes) -> None:
    async with simulator(ManualClock(local(15, 12))) as sim:
        assert await ask(sim, request_bytes) == b""
        assert sim.stats.bad_requests == 1


async def test_faults() -> None:
    clock = ManualClock(local(15, 12))
    async with simulator(clock) as sim:
        sim.faults.truncate_next = 1
        assert len(await ask(sim, INFO)) < 50
        sim.faults.garbage_next = 1
        assert not (await ask(sim, INFO)).startswith(b"APS")
        sim.faults.bad_length_next = 1
        bad = await ask(sim, INFO)
        assert int(bad[5:9]) == len(bad) - 2
        sim.faults.reset_next = 1
        with pytest.raises(ConnectionResetError):
            await ask(sim, INFO)
        sim.faults.silent_next = 1
        with pytest.raises(TimeoutError):
            await ask(sim, INFO, patience=0.1)
        sim.faults.lifetime_zero_next = 1
        assert u32(await ask(sim, INFO), 27) == 0
        assert u32(await ask(sim, INFO), 27) > 0
        clock.t = local(16, 3)
        with pytest.raises(ConnectionResetError):
            await ask(sim, INFO)
        assert sim.stats.faults["maintenance"] == 1
        assert sim.stats.max_open == 1


async def test_the_ecu_c_layout() -> None:
    config = EcuSimConfig(ecu_id="215000000001", firmware="ECU_C_1.2.5", info_format="02")
    async with simulator(ManualClock(local(15, 12)), config) as sim:
        info = await ask(sim, INFO)
    check_frame(info, b"0001")
    assert info[25:27] == b"02"
    assert (u16(info, 39), u16(info, 41)) == (5, 5)
    assert info[49:52] == b"011"
    assert info[52:63] == b"ECU_C_1.2.5"


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        EcuSimConfig(ecu_id="2163")
    with pytest.raises(ValueError, match="not simulated"):
        EcuSimConfig(inverters=(InverterSpec("703000000001", "07"),))
    with pytest.raises(ValueError, match="unique"):
        EcuSimConfig(inverters=(InverterSpec("703000000001", "01"),) * 2)
