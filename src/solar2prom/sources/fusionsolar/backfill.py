"""`solar2prom backfill` for FusionSolar: 5-minute device history over a chosen period.

The period is cut into calls of ≤10 devices of one type and ≤3 days. The calls done are
written down after each one, so an interrupted backfill resumes where it stopped; the store's
upserts make a repeated call harmless. Calls wait for the account's daily budget (shared with
the daemon's own gap filling), so a long backfill runs over several days by itself.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from solar2prom.core.files import write_atomic
from solar2prom.sources.fusionsolar.history import Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    chunks: tuple[Chunk, ...]
    done: frozenset[str]
    calls_per_day: int  # the account's daily budget of getDevHistoryKpi

    @property
    def remaining(self) -> tuple[Chunk, ...]:
        return tuple(c for c in self.chunks if c.key not in self.done)

    @property
    def days_of_budget(self) -> int:
        return math.ceil(len(self.remaining) / max(1, self.calls_per_day))

    def describe(self, source: str) -> str:
        done = len(self.chunks) - len(self.remaining)
        resumed = f" ({done} already done by an earlier run)" if done else ""
        return (
            f"{source}: {len(self.remaining)} getDevHistoryKpi calls to make{resumed}; "
            f"the account allows {self.calls_per_day} a day, so this needs about "
            f"{self.days_of_budget} day(s) of budget"
        )


class BackfillLog:
    """Which calls of which backfill are done, persisted after each one."""

    def __init__(self, path: Path, since: float, until: float) -> None:
        self.path = path
        self._period = [since, until]
        self._done: set[str] = set()
        try:
            raw = json.loads(path.read_text())
            if raw.get("period") == self._period:
                self._done = {str(k) for k in raw.get("done", [])}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("starting the backfill afresh: unreadable %s (%s)", path, exc)

    @property
    def done(self) -> frozenset[str]:
        return frozenset(self._done)

    def mark(self, chunk: Chunk) -> None:
        self._done.add(chunk.key)
        data = {"period": self._period, "done": sorted(self._done)}
        write_atomic(self.path, json.dumps(data).encode())


Progress = Callable[[int, int, str], None]  # (done, total, what is happening)
