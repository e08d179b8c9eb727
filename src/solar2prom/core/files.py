"""Atomic file writes: a reader never sees half a file; private files stay private."""

from __future__ import annotations

import os
from pathlib import Path


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
