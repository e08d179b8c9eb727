"""One thread that owns a file (a SQLite connection): calls run in order, off the event loop,
and the caller can wait for everything handed over so far; and what it could not write, kept
for its next write."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")

# Items kept in memory while writes fail: about a day of 50 devices (~100 bytes each).
UNWRITTEN_LIMIT = 500_000


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


def notes_of(error: BaseException) -> str:
    """The notes an error picked up on its way (`Unwritten` adds what it kept), for the log."""
    return "".join(f"; {note}" for note in getattr(error, "__notes__", ()))


class Unwritten(Generic[Item]):
    """The items of writes that failed for want of the file (a full disk, a locked database),
    written again in front of the next batch; the oldest go first beyond `limit`.

    Only the database's own failures are kept: a batch that fails for any other reason would
    fail again and hold up every later one. Used from the worker's thread only.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[Item] = []
        self.dropped = 0

    def write(self, new: Sequence[Item], write: Callable[[list[Item]], T]) -> T:
        batch = [*self.items, *new]
        try:
            result = write(batch)
        except (sqlite3.OperationalError, OSError) as exc:
            excess = max(0, len(batch) - self.limit)
            self.dropped += excess
            self.items = batch[excess:]
            exc.add_note(f"{len(self.items)} samples kept to write with the next batch")
            raise
        self.items = []
        return result

    def give_up(self) -> int:
        """Forget what is kept (at shutdown: memory does not outlive the process)."""
        lost = len(self.items)
        self.dropped += lost
        self.items = []
        return lost
