"""Guards between what a vendor says and what is exported.

`CounterGuard`: a lifetime counter that goes backwards (a cloud's transient 0, a partial
value) would read as a reset to `rate()` and to Home Assistant's statistics, and count the
whole lifetime again. Such a reading is dropped and counted, never exported; the series keeps
its last accepted value. The last accepted values are kept on disk, so a glitch in the first
reading after a restart is caught too.

A counter that really starts again (a replaced device or meter) is told from a glitch by
what follows: when for `RESET_CONFIRM` every reading stays under `RESET_FRACTION` of the last
accepted value and the counter counts up from where it dropped to, the drop is taken as a
reset. A glitch comes back up within that time or stays put (a stuck 0); a sum that lost one
of its devices for a while drops by that device's share, not to near nothing.

`DayTotalGuard`: some vendors keep yesterday's "today" total until the devices report again
in the morning; after the site's midnight an unchanged carry-over is yesterday's energy, so
it is reported as 0 until the vendor's value moves.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, tzinfo
from pathlib import Path

from solar2prom.core.files import write_atomic
from solar2prom.core.model import MetricType, Reading
from solar2prom.core.timezones import local_date

log = logging.getLogger(__name__)

REASON_COUNTER_DECREASE = "counter_decrease"
RESET_CONFIRM = 3600.0
RESET_FRACTION = 0.1
SAVE_EVERY = 600.0
# A series not seen for this long (a device removed, a source renamed) is forgotten.
FORGET_AFTER = 30 * 86400.0

SeriesKey = tuple[str, str, str, tuple[str, ...]]


class CounterGuard:
    """Counters never go backwards in the exposition, except by a confirmed reset.

    `path` (optional) keeps the last accepted values across restarts: read at start, written
    at most every `SAVE_EVERY` seconds by `save_if_due` and at the end by `save`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._last: dict[SeriesKey, tuple[float, float]] = {}  # accepted value, seen at
        self._drops: dict[SeriesKey, tuple[float, float]] = {}  # since, lowest value since
        self._saved_at: float | None = None
        if path is not None:
            self._last = _load(path)

    def filter(
        self, readings: Iterable[Reading], rejected: Counter[str], now: float
    ) -> list[Reading]:
        kept: list[Reading] = []
        for reading in readings:
            if reading.metric.type is MetricType.COUNTER and not self._accept(reading, now):
                rejected[REASON_COUNTER_DECREASE] += 1
                # The series keeps its last good value instead of vanishing for a poll.
                kept.append(replace(reading, value=self._last[reading.key][0]))
                continue
            kept.append(reading)
        return kept

    def _accept(self, reading: Reading, now: float) -> bool:
        key, value = reading.key, reading.value
        last = self._last.get(key)
        if last is not None and value < last[0]:
            since, lowest = self._drops.get(key, (now, value))
            if value > last[0] * RESET_FRACTION:
                self._drops.pop(key, None)
                self._last[key] = (last[0], now)
                return False
            if now - since < RESET_CONFIRM or value <= lowest:
                self._drops[key] = (since, min(lowest, value))
                self._last[key] = (last[0], now)
                return False
            log.info(
                "%s: counter %s started again at %s (was %s): taken as a reset",
                reading.site or "-",
                reading.metric.name,
                value,
                last[0],
            )
        self._drops.pop(key, None)
        self._last[key] = (value, now)
        return True

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


def _load(path: Path) -> dict[SeriesKey, tuple[float, float]]:
    try:
        rows = json.loads(path.read_bytes())
        return {
            (str(name), str(site), str(device), tuple(str(x) for x in labels)): (
                float(value),
                float(seen),
            )
            for name, site, device, labels, value, seen in rows
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable counter file %s: %s", path, exc)
        return {}


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
