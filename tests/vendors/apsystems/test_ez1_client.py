"""The EZ1 client over loopback HTTP: the manual's example bodies, failures, read-only."""

from __future__ import annotations

import pytest
from yarl import URL

from solar2prom.core.errors import UpdateFailed
from solar2prom.sources.apsystems.ez1.client import (
    RETRY_PAUSE,
    EndpointMissing,
    Ez1Client,
    Failed,
    Unreachable,
)
from solar2prom.sources.apsystems.ez1.config import Ez1Config
from solar2prom.sources.base import RequestStats
from tests.conftest import ManualClock
from tests.vendors.apsystems.ecu_support import free_port
from tests.vendors.apsystems.ez1_support import (
    Answer,
    body,
    capture_ez1,
    drop,
    example,
    example_bytes,
)


def client_for(url: str, clock: ManualClock) -> tuple[Ez1Client, RequestStats]:
    stats = RequestStats()
    return Ez1Client(URL(url + "/"), clock=clock, stats=stats, timeout=2.0), stats


async def test_the_manual_examples(clock: ManualClock) -> None:
    async with capture_ez1() as ez1:
        ez1.examples()
        client, stats = client_for(ez1.url, clock)
        try:
            answer = await client.get("getOutputData")
            info = await client.get("getDeviceInfo")
        finally:
            await client.close()
    expected = example("getOutputData")
    assert answer.data == expected["data"]
    assert answer.device_id == expected["deviceId"]
    assert info.data["devVer"] == example("getDeviceInfo")["data"]["devVer"]
    assert stats.snapshot() == {("getOutputData", "ok"): 1, ("getDeviceInfo", "ok"): 1}


async def test_setters_are_refused_before_anything_is_sent(clock: ManualClock) -> None:
    async with capture_ez1() as ez1:
        client, stats = client_for(ez1.url, clock)
        try:
            for name in ("setMaxPower", "setOnOff", "setMaxPower?p=600", "getFoo"):
                with pytest.raises(ValueError, match="read-only"):
                    await client.get(name)
        finally:
            await client.close()
    assert ez1.seen == []
    assert stats.snapshot() == {}


async def test_failed_is_retried_once(clock: ManualClock) -> None:
    failed = example("getOutputData") | {"message": "FAILED"}
    async with capture_ez1() as ez1:
        ez1.script("getOutputData", body(failed), body(example_bytes("getOutputData")))
        ez1.script("getAlarm", body(failed))
        client, stats = client_for(ez1.url, clock)
        try:
            await client.get("getOutputData")
            start = clock.now()
            with pytest.raises(Failed, match="FAILED"):
                await client.get("getAlarm")
        finally:
            await client.close()
    assert clock.now() - start == RETRY_PAUSE
    assert stats.snapshot() == {
        ("getOutputData", "failed"): 1,
        ("getOutputData", "ok"): 1,
        ("getAlarm", "failed"): 2,
    }


async def test_a_missing_endpoint_is_not_retried(clock: ManualClock) -> None:
    async with capture_ez1() as ez1:
        client, stats = client_for(ez1.url, clock)
        try:
            with pytest.raises(EndpointMissing, match="404"):
                await client.get("getOnOff")
        finally:
            await client.close()
    assert ez1.seen == ["getOnOff"]
    assert stats.snapshot() == {("getOnOff", "http_404"): 1}


@pytest.mark.parametrize(
    ("answer", "result", "message"),
    [
        (body(b"Internal Server Error", 500), "http_500", "HTTP 500"),
        (body(b'{"data": {"p1": 1'), "invalid_response", "not JSON"),
        (body([1, 2]), "invalid_response", "not a JSON object"),
        (body({"message": "SUCCESS", "deviceId": "E07000000001"}), "invalid_response", "no data"),
    ],
)
async def test_unusable_answers(
    clock: ManualClock, answer: Answer, result: str, message: str
) -> None:
    async with capture_ez1() as ez1:
        ez1.script("getOutputData", answer)
        client, stats = client_for(ez1.url, clock)
        try:
            with pytest.raises(UpdateFailed, match=message):
                await client.get("getOutputData")
        finally:
            await client.close()
    assert stats.snapshot() == {("getOutputData", result): 1}


async def test_a_dropped_connection_is_retried_then_unreachable(clock: ManualClock) -> None:
    async with capture_ez1() as ez1:
        ez1.script("getOutputData", drop, body(example_bytes("getOutputData")), drop)
        client, stats = client_for(ez1.url, clock)
        try:
            await client.get("getOutputData")
            with pytest.raises(Unreachable):
                await client.get("getOutputData")
        finally:
            await client.close()
    # aiohttp itself resends an idempotent request once on a reused keep-alive connection
    # that the server dropped; what matters is that the client gives up after its retry.
    counts = stats.snapshot()
    assert counts[("getOutputData", "ok")] == 1
    assert counts[("getOutputData", "connection_error")] >= 2


async def test_nobody_listening_is_unreachable(clock: ManualClock) -> None:
    client, stats = client_for(f"http://127.0.0.1:{free_port()}", clock)
    try:
        with pytest.raises(Unreachable, match="off at night"):
            await client.get("getOutputData")
    finally:
        await client.close()
    assert stats.snapshot() == {("getOutputData", "connection_error"): 2}


def test_the_url_gets_port_8050_unless_it_has_one() -> None:
    def base(url: str) -> str:
        return str(Ez1Config(name="b", type="apsystems_ez1", url=url).base_url)

    assert base("http://192.0.2.70") == "http://192.0.2.70:8050/"
    assert base("http://127.0.0.1:18050") == "http://127.0.0.1:18050/"
    assert base("http://proxy.lan/ez1") == "http://proxy.lan:8050/ez1/"
