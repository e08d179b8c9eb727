"""The soak's virtual clock: sleepers wake in time order, and time stands still while anything
else is going on (a request on loopback, a busy task, a thread job, a hold)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import pytest
from aiohttp import web

from tests.soak import virtual_time
from tests.soak.virtual_time import VirtualClock, VirtualTimeLoop

T = TypeVar("T")
START = 1_000_000.0


def run(main: Callable[[VirtualClock], Awaitable[T]]) -> T:
    async def driven() -> T:
        clock = VirtualClock(START)
        driver = asyncio.create_task(clock.run())
        try:
            return await main(clock)
        finally:
            driver.cancel()
            await asyncio.gather(driver, return_exceptions=True)

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(driven())


def test_sleepers_wake_in_time_order_at_their_time() -> None:
    async def main(clock: VirtualClock) -> list[tuple[str, float]]:
        woke: list[tuple[str, float]] = []

        async def sleeper(name: str, seconds: float) -> None:
            await clock.sleep(seconds)
            woke.append((name, clock.now() - START))

        await asyncio.gather(sleeper("a", 30), sleeper("b", 10), sleeper("c", 20))
        return woke

    assert run(main) == [("b", 10.0), ("c", 20.0), ("a", 30.0)]


def test_a_day_passes_in_an_instant() -> None:
    async def main(clock: VirtualClock) -> float:
        started = time.monotonic()
        for _ in range(24):
            await clock.sleep(3600)
        assert clock.now() == START + 86400
        return time.monotonic() - started

    assert run(main) < 5


def test_time_stands_still_while_a_request_is_answered() -> None:
    """A server that takes real time to answer (with a hold while it does) sees the request at
    the instant the client sent it, though another task would wake a simulated hour later."""

    async def main(clock: VirtualClock) -> tuple[float, float]:
        answering: list[object] = []
        seen: list[float] = []

        async def slow(request: web.Request) -> web.Response:
            answering.append(request)
            try:
                await asyncio.sleep(0.05)
                seen.append(clock.now())
                return web.Response(text="ok")
            finally:
                answering.remove(request)

        clock.holds.append(lambda: bool(answering))
        app = web.Application()
        app.router.add_get("/", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        other = asyncio.create_task(clock.sleep(3600))
        try:
            sent = clock.now()
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/") as response,
            ):
                await response.read()
            return sent, seen[0]
        finally:
            await other
            await runner.cleanup()

    sent, seen = run(main)
    assert seen == sent == START


def test_a_busy_task_holds_time_until_it_sleeps_on_the_clock() -> None:
    async def main(clock: VirtualClock) -> list[tuple[str, float]]:
        events: list[tuple[str, float]] = []

        async def worker() -> None:
            with clock.busy():
                await asyncio.sleep(0.05)  # real work: simulated time must not move
                events.append(("worked", clock.now() - START))
                await clock.sleep(5)  # sleeping on the clock lets it move
                events.append(("slept", clock.now() - START))

        async def other() -> None:
            await clock.sleep(1)
            events.append(("other", clock.now() - START))

        await asyncio.gather(worker(), other())
        return events

    assert run(main) == [("worked", 0.0), ("other", 1.0), ("slept", 5.0)]


def test_thread_jobs_hold_time() -> None:
    async def main(clock: VirtualClock) -> list[str]:
        done: list[str] = []

        def job() -> None:
            time.sleep(0.05)
            done.append("job")

        async def sleeper() -> None:
            await clock.sleep(1)
            done.append("sleeper")

        loop = asyncio.get_running_loop()
        await asyncio.gather(loop.run_in_executor(None, job), sleeper())
        return done

    assert run(main) == ["job", "sleeper"]


def test_a_cancelled_sleeper_is_skipped() -> None:
    async def main(clock: VirtualClock) -> float:
        early = asyncio.create_task(clock.sleep(10))
        await asyncio.sleep(0)
        early.cancel()
        await asyncio.gather(early, return_exceptions=True)
        await clock.sleep(20)
        return clock.now() - START

    assert run(main) == 20


def test_a_hold_that_never_ends_is_a_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(virtual_time, "STALL_LIMIT", 0.05)

    async def main(clock: VirtualClock) -> int:
        clock.holds.append(lambda: True)
        await clock.sleep(1)
        return clock.stalls

    assert run(main) == 1


def test_the_clock_needs_its_loop() -> None:
    async def main() -> None:
        await VirtualClock(START).run()

    with pytest.raises(RuntimeError, match="VirtualTimeLoop"):
        asyncio.run(main())
