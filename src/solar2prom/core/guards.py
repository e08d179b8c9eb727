"""Guards between what a vendor says and what is exported.

`CounterGuard`: a lifetime counter that goes backwards (a cloud's transient 0, a partial
value) would read as a reset to `rate()` and to Home Assistant's statistics, and count the
whole lifetime again. Such a reading is dropped and counted, never exported; the series keeps
its last accepted value. The last accepted values are kept on disk, so a glitch in the first
reading after a restart is caught too.

A counter that really starts again (a replaced gateway or meter) is still held at its old
value — lifetime counters never go backwards — but it is told from a glitch and named: when
for `RESET_SUSPECT` every reading stays under `RESET_FRACTION` of the accepted value and the
counter counts up from where it dropped to, the status page says so and how to take the new
value. A glitch comes back up or stays put (a stuck 0); a sum that lost one of its devices
for a while drops by that device's share, not to near nothing.

`DayTotalGuard`: some vendors keep yesterday's "today" total until the devices report again
in the morning; after the site's midnight an unchanged carry-over is yesterday's energy, so
it is reported as 0 until the vendor's value moves.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from solar2prom.core.files import read_state, write_atomic
from solar2prom.core.model import MetricType, Reading
from solar2prom.core.timezones import local_date

log = logging.getLogger(__name__)

REASON_COUNTER_DECREASE = "counter_decrease"
RESET_SUSPECT = 3600.0
RESET_FRACTION = 0.1
SAVE_EVERY = 600.0
# A series not seen for this long (a device removed, a source renamed) is forgotten.
FORGET_AFTER = 30 * 86400.0

SeriesKey = tuple[str, str, str, tuple[str, ...]]


@dataclass(slots=True)
class _Drop:
    """Readings far below the accepted value, one after the other."""

    since: float
    lowest: float
    latest: float
    held: float  # the accepted value, still exported
    warned: bool = False


class CounterGuard:
    """Counters never go backwards in the exposition.

    `path` (optional) keeps the last accepted values across restarts: read at start, written
    at most every `SAVE_EVERY` seconds by `save_if_due` and at the end by `save`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._last: dict[SeriesKey, tuple[float, float]] = {}  # accepted value, seen at
        self._drops: dict[SeriesKey, _Drop] = {}
        self._saved_at: float | None = None
        if path is not None:
            self._last = _load(path)

    def filter(
        self, readings: Iterable[Reading], rejected: Counter[str], now: float
    ) -> list[Reading]:
        kept: list[Reading] = []
        for reading in readings:
            if reading.metric.type is not MetricType.COUNTER:
                kept.append(reading)
                continue
            key, value = reading.key, reading.value
            last = self._last.get(key)
            if last is None or value >= last[0]:
                self._drops.pop(key, None)
                self._last[key] = (value, now)
                kept.append(reading)
                continue
            rejected[REASON_COUNTER_DECREASE] += 1
            self._last[key] = (last[0], now)
            self._follow_drop(reading, last[0], now)
            # The series keeps its last good value instead of vanishing for a poll.
            kept.append(replace(reading, value=last[0]))
        return kept

    def behind(self, reading: Reading) -> bool:
        """Whether `reading` is a counter below its last accepted value: what an older poll
        (another feed carrying the same counter) still holds."""
        if reading.metric.type is not MetricType.COUNTER:
            return False
        last = self._last.get(reading.key)
        return last is not None and reading.value < last[0]

    def _follow_drop(self, reading: Reading, held: float, now: float) -> None:
        key, value = reading.key, reading.value
        if value > held * RESET_FRACTION:
            self._drops.pop(key, None)
            return
        drop = self._drops.setdefault(key, _Drop(now, value, value, held))
        drop.lowest = min(drop.lowest, value)
        drop.latest = value
        if _looks_reset(drop, now) and not drop.warned:
            drop.warned = True
            log.warning("%s", self._reset_note(key, drop))

    def notes(self, now: float) -> tuple[str, ...]:
        """Counters that look as if their device or meter started again (status page)."""
        return tuple(
            self._reset_note(key, drop)
            for key, drop in self._drops.items()
            if _looks_reset(drop, now)
        )

    def _reset_note(self, key: SeriesKey, drop: _Drop) -> str:
        name, site, device, _ = key
        where = f"device {device}" if device else f"site {site}"
        remedy = (
            f"stop solar2prom, delete {self.path} and start it again"
            if self.path is not None
            else "restart solar2prom"
        )
        return (
            f"{name} of {where} has read {drop.latest:g} for over an hour, far below "
            f"{drop.held:g}, and counts up: if a device or meter was replaced or reset, "
            f"{remedy} to take the new value (a lifetime counter never goes backwards, so "
            f"{drop.held:g} stays exported)"
        )

    def save_if_due(self, now: float) -> None:
        if self._saved_at is None or now - self._saved_at >= SAVE_EVERY:
            self.save(now)

    def save(self, now: float) -> None:
        if self.path is None:
            return
        self._saved_at = now
        self._last = {k: v for k, v in self._last.items() if now - v[1] < FORGET_AFTER}
        rows = [[*k[:3], list(k[3]), value, seen] for k, (value, seen) in self._last.items()]
        try:
            write_atomic(self.path, json.dumps(rows).encode())
        except OSError as exc:
            # Only the protection across a restart is lost; the values stay in memory.
            log.warning("could not save the counters to %s: %s", self.path, exc)


def _looks_reset(drop: _Drop, now: float) -> bool:
    return now - drop.since >= RESET_SUSPECT and drop.latest > drop.lowest


def _load(path: Path) -> dict[SeriesKey, tuple[float, float]]:
    def build(rows: Any) -> dict[SeriesKey, tuple[float, float]]:
        return {
            (str(name), str(site), str(device), tuple(str(x) for x in labels)): (
                float(value),
                float(seen),
            )
            for name, site, device, labels, value, seen in rows
        }

    return read_state(path, "counter file", build) or {}


class DayTotalGuard:
    """Turns a "today" total carried over from the previous local day into 0."""

    def __init__(self) -> None:
        # series -> (local day the value was first seen, value)
        self._seen: dict[SeriesKey, tuple[date, float]] = {}

    def adjust(self, reading: Reading, now: float, tz: tzinfo) -> Reading:
        today = local_date(now, tz)
        seen = self._seen.get(reading.key)
        if seen is not None and seen[1] == reading.value:
            if seen[0] < today and reading.value != 0:
                return replace(reading, value=0.0)
            return reading
        self._seen[reading.key] = (today, reading.value)
        return reading
