"""core.http.fetch: one request, transport failures counted and raised without the URL."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from solar2prom.core.errors import UpdateFailed
from solar2prom.core.http import Sessions, Unreachable, fetch
from solar2prom.sources.base import RequestStats

LIMIT = aiohttp.ClientTimeout(total=0.2)


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    async def fine(request: web.Request) -> web.Response:
        return web.Response(status=201, text=f"got {request.query['x']}")

    app = web.Application()
    app.router.add_get("/slow", slow)
    app.router.add_get("/fine", fine)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def test_status_and_body(server: str) -> None:
    stats = RequestStats()
    async with aiohttp.ClientSession() as http:
        answer = await fetch(
            http, "GET", f"{server}/fine", endpoint="e", stats=stats, time_limit=LIMIT,
            params={"x": "1"},
        )  # fmt: skip
    assert answer == (201, b"got 1")
    assert stats.snapshot() == {}  # what the answer means is the caller's to record


async def test_a_timeout_is_counted_and_named(server: str) -> None:
    stats = RequestStats()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(UpdateFailed) as failed:
            await fetch(
                http, "GET", f"{server}/slow?token=secret", endpoint="e", stats=stats,
                time_limit=LIMIT,
            )  # fmt: skip
    assert not isinstance(failed.value, Unreachable)  # it may have arrived
    assert str(failed.value) == "e: no answer within 0.2s"
    assert stats.snapshot() == {("e", "timeout"): 1}


async def test_a_refused_connection_never_reached_the_vendor() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stats = RequestStats()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(Unreachable) as failed:
            await fetch(
                http, "GET", f"http://127.0.0.1:{port}/x?id=secret", endpoint="e", stats=stats,
                time_limit=LIMIT,
            )  # fmt: skip
    assert str(failed.value) == "e: connection failed (ClientConnectorError)"
    assert "secret" not in str(failed.value)
    assert stats.snapshot() == {("e", "connection_error"): 1}


async def test_own_sessions_are_made_on_use_and_closed() -> None:
    sessions = Sessions()
    first = sessions.get()
    assert sessions.get() is first
    await first.close()
    second = sessions.get()  # a closed session is replaced
    assert second is not first
    await sessions.close()
    assert second.closed


async def test_a_callers_session_is_left_open() -> None:
    async with aiohttp.ClientSession() as mine:
        sessions = Sessions(mine)
        assert sessions.get() is mine
        await sessions.close()
        assert not mine.closed
