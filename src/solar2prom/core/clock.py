"""Clocks: wall time and sleeping go through one object so that simulated days run in seconds.

The daemon, the pollers and the simulators all take a `Clock`. `SystemClock` is real time;
`ScaledClock` runs `speed` times faster than real time from a chosen start, which is what
`solar2prom demo --speed N`, the benchmarks and the soak test use. Network timeouts stay in
real time: they protect against a peer that hangs, whatever the simulated hour.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in epoch seconds and a sleep measured in the same time."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


def utcnow(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ScaledClock:
    """Simulated time from `start` (epoch s), advancing `speed` times faster than real time."""

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = time.monotonic()
        self._start = time.time() if start is None else start

    def now(self) -> float:
        return self._start + (time.monotonic() - self._origin) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)
