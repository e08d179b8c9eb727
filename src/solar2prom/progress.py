"""A progress bar on stderr for long commands (`backfill`): redrawn in place on a terminal,
one line per tenth of the work (and per wait) in a log."""

from __future__ import annotations

from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self._tty = stream.isatty()
        self._last_tenth = -1

    def __call__(self, done: int, total: int, what: str) -> None:
        fraction = done / total if total else 1.0
        filled = int(WIDTH * fraction)
        line = f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} calls"
        if what:
            line += f" — {what}"
        if self._tty:
            self.stream.write(f"\r{line}\033[K")
            if done == total:
                self.stream.write("\n")
        elif what or int(fraction * 10) != self._last_tenth:
            self._last_tenth = int(fraction * 10)
            self.stream.write(line + "\n")
        self.stream.flush()
