"""The ECU client over loopback TCP against a server answering with real frames or faults."""

from __future__ import annotations

import asyncio

import pytest

from solar2prom.core.errors import UpdateFailed
from solar2prom.sources.apsystems.ecu.client import RETRY_PAUSE, EcuClient
from solar2prom.sources.base import RequestStats
from tests.conftest import ManualClock
from tests.vendors.apsystems.ecu_support import (
    RESET,
    capture_ecu,
    frame_bytes,
    free_port,
    info_fields,
)

ECU_ID = "216000120830"


def client(port: int, clock: ManualClock, timeout: float = 2.0) -> tuple[EcuClient, RequestStats]:
    stats = RequestStats()
    return EcuClient("127.0.0.1", port, clock=clock, stats=stats, timeout=timeout), stats


async def test_one_connection_per_command_with_the_reference_requests(
    clock: ManualClock,
) -> None:
    async with capture_ecu() as ecu:
        ecu.script("0001", frame_bytes("info_ecu_r_2160_20231120.hex"))
        ecu.script("0002", frame_bytes("realtime_qt2_x6_20231120.hex"))
        ecu.script("0030", frame_bytes("signal_qt2_x6_20231120.hex"))
        ecu_client, stats = client(ecu.port, clock)
        info = await ecu_client.system_info()
        data = await ecu_client.realtime(info.ecu_id)
        levels = await ecu_client.signal(info.ecu_id)
    assert info.ecu_id == info_fields("info_ecu_r_2160_20231120.hex")["ECU ID"] == ECU_ID
    assert len(data.inverters) == len(levels.inverters) == 6
    assert ecu.requests == [
        b"APS1100160001END\n",
        f"APS1100280002{ECU_ID}END\n".encode(),
        f"APS1100280030{ECU_ID}END\n".encode(),
    ]
    assert stats.snapshot() == {
        ("system_info", "ok"): 1,
        ("realtime_data", "ok"): 1,
        ("signal_levels", "ok"): 1,
    }


async def test_a_reply_in_many_segments_is_read_whole(clock: ManualClock) -> None:
    async with capture_ecu() as ecu:
        ecu.chunk = 7
        ecu.script("0002", frame_bytes("realtime_qs1_x9_night_unreported.hex"))
        data = await client(ecu.port, clock)[0].realtime("216200069349")
    assert len(data.inverters) == 9


async def test_never_two_connections_at_once(clock: ManualClock) -> None:
    async with capture_ecu() as ecu:
        ecu.chunk = 3  # slow replies: overlapping connections would show
        ecu.script("0001", frame_bytes("info_ecu_b.hex"))
        ecu_client, _ = client(ecu.port, clock)
        await asyncio.gather(*(ecu_client.system_info() for _ in range(5)))
    assert len(ecu.requests) == 5
    assert ecu.max_open == 1


@pytest.mark.parametrize(
    ("reply", "result", "message"),
    [
        (frame_bytes("info_ecu_b.hex")[:40], "invalid_response", "closed the connection after"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "invalid_response", "APS header"),
        (frame_bytes("realtime_ds3_day.hex"), "invalid_response", "asked for command 0001"),
        (frame_bytes("info_ecu_b.hex")[:-4] + b"ENX\n", "invalid_response", "END"),
    ],
)
async def test_invalid_replies(clock: ManualClock, reply: bytes, result: str, message: str) -> None:
    async with capture_ecu() as ecu:
        ecu.script("0001", reply)
        ecu_client, stats = client(ecu.port, clock)
        with pytest.raises(UpdateFailed, match=message):
            await ecu_client.system_info()
    assert stats.snapshot() == {("system_info", result): 1}


async def test_a_silent_ecu_times_out_in_real_time(clock: ManualClock) -> None:
    async with capture_ecu() as ecu:
        ecu.script("0001", None)
        ecu_client, stats = client(ecu.port, clock, timeout=0.2)
        with pytest.raises(UpdateFailed, match=r"within 0\.2s"):
            await ecu_client.system_info()
    assert stats.snapshot() == {("system_info", "timeout"): 1}


async def test_a_refused_connection_is_retried_once_after_a_pause(clock: ManualClock) -> None:
    ecu_client, stats = client(free_port(), clock)
    start = clock.now()
    with pytest.raises(UpdateFailed, match="refused or reset") as failure:
        await ecu_client.system_info()
    assert clock.now() - start == RETRY_PAUSE
    assert stats.snapshot() == {("system_info", "connection_error"): 2}
    assert "8899" in str(failure.value)


async def test_a_reset_connection_is_retried_once(clock: ManualClock) -> None:
    async with capture_ecu() as ecu:
        ecu.script("0001", RESET, frame_bytes("info_ecu_b.hex"))
        ecu_client, stats = client(ecu.port, clock)
        info = await ecu_client.system_info()
    assert info.firmware == info_fields("info_ecu_b.hex")["firmware"]
    assert stats.snapshot() == {("system_info", "connection_error"): 1, ("system_info", "ok"): 1}
