"""One thread that owns a file (a SQLite connection): calls run in order, off the event loop,
and the caller can wait for everything handed over so far."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class OrderedWorker:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: set[asyncio.Future[Any]] = set()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn` in the worker's thread and wait for it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def submit(
        self, fn: Callable[..., T], *args: object, done: Callable[[asyncio.Future[T]], None]
    ) -> asyncio.Future[T]:
        """Hand `fn` over without waiting; `done` sees its outcome; `settled` waits for it."""
        future = asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        future.add_done_callback(done)
        return future

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def settled(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
