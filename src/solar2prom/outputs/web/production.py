"""Today's production power of every site, kept from the snapshots the hub announces.

A small ring buffer per site, in memory only: enough for the status page's chart of the day,
and nothing to persist (the history store is the place for that). Points are at least a
minute apart, so a day of fast polling still fits.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from solar2prom.core import metrics as m
from solar2prom.core.model import Snapshot

SPACING = 60.0  # s between two kept points
CAPACITY = 26 * 60  # a full day at the spacing, and a day of 25 hours when clocks go back


@dataclass(frozen=True, slots=True)
class Point:
    time: float
    watts: float


class ProductionLog:
    def __init__(self, spacing: float = SPACING, capacity: int = CAPACITY) -> None:
        self.spacing = spacing
        self.capacity = capacity
        self._points: dict[tuple[str, str], deque[Point]] = {}

    def on_snapshot(self, snap: Snapshot) -> None:
        for reading in snap.readings:
            if reading.metric.name != m.PRODUCTION_POWER.name:
                continue
            # The vendor's sample time where it gives one, else when we last heard from it:
            # a snapshot published again without new data adds nothing.
            when = reading.time or snap.health.last_success or snap.taken_at
            points = self._points.setdefault(
                (snap.source, reading.site), deque(maxlen=self.capacity)
            )
            if not points or when >= points[-1].time + self.spacing:
                points.append(Point(when, reading.value))

    def points(self, source: str, site: str, since: float) -> list[Point]:
        return [p for p in self._points.get((source, site), ()) if p.time >= since]
