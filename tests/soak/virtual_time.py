"""Virtual time: a clock that jumps to the next sleeper whenever the event loop is idle.

Simulated days then cost only the real time the program needs to do its work, and time never
moves while a request is on its way: a vendor's simulator sees a call at exactly the instant
the client counted it against its budget, however loaded the machine is.

"Idle" needs an event loop that reports what it does, so the soak runs on `VirtualTimeLoop`:
it counts the callbacks it is asked to schedule, the I/O events its selector returns, and the
jobs it hands to executor threads. The clock's driver (`VirtualClock.run`) yields one loop
iteration at a time and moves time only after an iteration in which nothing happened but its
own turn, no thread job was pending and no hold was on. A hold is either a task marked `busy`
(the pollers' polls: a request that waits for a real network timeout must not see simulated
hours pass) unless that task is itself sleeping on the clock, or any `holds` probe saying
so (a simulator still answering a request the client gave up on).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import selectors
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")

# How long (real seconds) the driver waits between looks while threads or holds keep it busy.
BUSY_PAUSE = 0.0002
# A hold this long (real seconds) is a hang: time moves on, and the stall is counted.
STALL_LIMIT = 30.0


class _CountingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """The platform's selector, counting the I/O events it returns."""

    def __init__(self) -> None:
        super().__init__()
        self.events = 0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(timeout)
        self.events += len(ready)
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop that counts scheduled callbacks, I/O events and thread jobs."""

    def __init__(self) -> None:
        self._counting = _CountingSelector()
        super().__init__(self._counting)
        self.scheduled = 0
        self.jobs = 0

    @property
    def io_events(self) -> int:
        return self._counting.events

    def call_soon(
        self, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        self.scheduled += 1
        return super().call_soon(callback, *args, context=context)

    def call_soon_threadsafe(
        self, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        self.scheduled += 1
        return super().call_soon_threadsafe(callback, *args, context=context)

    def run_in_executor(
        self, executor: Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.jobs += 1
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _: asyncio.Future[Any]) -> None:
        self.jobs -= 1


class VirtualClock:
    """A `Clock` whose time moves only when the loop is idle, to the earliest sleeper's time.

    `run()` must be running (as a task on a `VirtualTimeLoop`) for sleepers to wake.
    """

    def __init__(self, start: float) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy: dict[asyncio.Task[Any], int] = {}
        self._sleeping: set[asyncio.Task[Any]] = set()
        self.holds: list[Callable[[], bool]] = []
        self.advances = 0
        self.stalls = 0

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        task = asyncio.current_task()
        if task is not None:
            self._sleeping.add(task)
        try:
            await future
        finally:
            if task is not None:
                self._sleeping.discard(task)
            future.cancel()  # no-op once woken; drops a cancelled sleeper from the heap's view

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """While the current task is inside, time stands still (unless it sleeps on the clock)."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("busy() needs a task")
        self._busy[task] = self._busy.get(task, 0) + 1
        try:
            yield
        finally:
            self._busy[task] -= 1
            if not self._busy[task]:
                del self._busy[task]

    def _held(self) -> bool:
        if any(task not in self._sleeping for task in self._busy):
            return True
        return any(hold() for hold in self.holds)

    async def _idle(self, loop: VirtualTimeLoop) -> bool:
        """One loop iteration in which nothing but this task ran, and nothing is pending."""
        scheduled, events = loop.scheduled, loop.io_events
        await asyncio.sleep(0)
        if loop.scheduled != scheduled + 1 or loop.io_events != events:
            return False
        if loop.jobs or self._held():
            await asyncio.sleep(BUSY_PAUSE)
            return False
        return True

    def _wake_next(self) -> None:
        """Move time to the earliest live sleeper and wake every sleeper due then."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            return
        self._now = max(self._now, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        self.advances += 1

    async def run(self) -> None:
        """Drive time forever (until cancelled)."""
        loop = asyncio.get_running_loop()
        if not isinstance(loop, VirtualTimeLoop):
            raise RuntimeError("a VirtualClock needs a VirtualTimeLoop")
        busy_since: float | None = None
        while True:
            if await self._idle(loop):
                busy_since = None
                self._wake_next()
                if not self._sleepers:
                    await asyncio.sleep(BUSY_PAUSE)  # nobody sleeps on the clock yet
                continue
            if not (loop.jobs or self._held()):
                busy_since = None
                continue
            busy_since = busy_since or time.monotonic()
            if time.monotonic() - busy_since > STALL_LIMIT:
                self.stalls += 1
                busy_since = None
                self._wake_next()
