"""Files of the state folder: written atomically, kept private, held by one process."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from solar2prom.core.errors import Solar2PromError

log = logging.getLogger(__name__)

LOCK_NAME = "solar2prom.lock"

T = TypeVar("T")


class StateFolderError(Solar2PromError):
    """The state folder cannot be had: another solar2prom process holds it, or it is not
    writable."""


def private_dir(path: Path) -> None:
    """Make `path` and whichever of its parents are missing, each 0700.

    `Path.mkdir(parents=True, mode=...)` gives the mode to the last folder only, so a state
    folder made with its parents would sit in a world-readable one.
    """
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename.

    The default mode is 0600 because most of what solar2prom caches (tokens, inventories,
    budgets) belongs to the account; the textfile output asks for 0644.
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def held_by_this_process(folder: Path) -> Iterator[None]:
    """Hold `folder` for as long as the block runs; `StateFolderError` if another process holds
    it or it cannot be written.

    Two processes on one state folder would be two sessions of one vendor account (each new
    FusionSolar login ends the other's) and two spenders of one call budget, each counting only
    its own calls. The lock is the kernel's: it goes with the process, even a killed one, so a
    crash never leaves a stale lock behind.
    """
    try:
        private_dir(folder)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateFolderError(
            f"cannot use the state folder {folder}: {exc.strerror or exc} (set `state_dir` to "
            "a folder this user may write)"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise StateFolderError(
                f"another solar2prom process (pid {holder}) is using the state folder {folder}: "
                "two at once would share one vendor session and one call budget. Stop it first "
                "(for a backfill: stop the daemon, run the backfill, start the daemon again)."
            ) from None
        except OSError as exc:
            # Some network file systems take no locks: run, unguarded, rather than not at all.
            log.warning("the state folder %s cannot be locked (%s)", folder, exc.strerror)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def read_state(path: Path, what: str, build: Callable[[Any], T]) -> T | None:
    """`build` applied to the JSON that `path` holds: what solar2prom saved there before.

    None when there is no such file; also when it cannot be read or `build` does not find in
    it what it expects (it raises): then a warning names the file and solar2prom starts afresh
    (it fetches or counts again). The warning gives the kind of error only: a state file may
    hold a token, and an error's text may quote the value it choked on.
    """
    try:
        return build(json.loads(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, LookupError, TypeError, AttributeError, Solar2PromError) as exc:
        log.warning("ignoring unreadable %s %s (%s)", what, path, type(exc).__name__)
        return None
