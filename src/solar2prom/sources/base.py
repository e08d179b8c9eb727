"""What a source is to the rest of the program: a name, a vendor, feeds to poll, and status.

A vendor package implements `Source` and registers its config model and factory in
`solar2prom.sources.registry`. Nothing outside the vendor package knows what is inside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from solar2prom.core.clock import Clock
from solar2prom.core.model import BudgetStatus, Device, FeedResult, Reading, Site


@dataclass(frozen=True, slots=True)
class Feed:
    """One thing a source polls on its own schedule (real-time data, CT meters, alarms, ...).

    `at_night` feeds keep polling while the site sleeps; the others pause and keep their values.
    `stale_after` defaults to three intervals.
    """

    name: str
    interval: float
    poll: Callable[[], Awaitable[FeedResult]]
    at_night: bool = False
    stale_after: float | None = None

    @property
    def stale_limit(self) -> float:
        return self.stale_after if self.stale_after is not None else 3 * self.interval


class RequestStats:
    """Requests sent to a vendor, by endpoint and result; read into every snapshot."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()

    def record(self, endpoint: str, result: str) -> None:
        self._counts[(endpoint, result)] += 1

    def snapshot(self) -> dict[tuple[str, str], int]:
        return dict(self._counts)

    def total(self, endpoint: str | None = None) -> int:
        return sum(n for (ep, _), n in self._counts.items() if endpoint in (None, ep))


@dataclass(frozen=True, slots=True)
class Discovery:
    """What `solar2prom discover` prints: the sites and devices a source can see."""

    sites: tuple[Site, ...]
    devices: tuple[Device, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceStatus:
    budgets: tuple[BudgetStatus, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What the application hands every source: the clock and a private directory for caches."""

    clock: Clock
    state_dir: Path
    extra: dict[str, object] = field(default_factory=dict)


class Source(Protocol):
    name: str
    vendor: str
    requests: RequestStats

    def feeds(self) -> Sequence[Feed]: ...

    def location(self) -> tuple[float, float] | None:
        """Latitude and longitude for sunrise and sunset, once known."""
        ...

    def timezone(self) -> str | None:
        """The site's time zone (IANA name or fixed offset), once known."""
        ...

    def status(self) -> SourceStatus: ...

    async def discover(self) -> Discovery: ...

    async def close(self) -> None: ...


class Plan(Protocol):
    """What a backfill will cost, in words a person reads before it starts."""

    def describe(self, source: str) -> str: ...


@runtime_checkable
class Backfiller(Protocol):
    """A source that can fetch past samples over a chosen period (`solar2prom backfill`)."""

    name: str

    async def plan_backfill(self, since: float, until: float) -> Plan: ...

    async def backfill(
        self,
        plan: Any,  # the source's own plan type, from its plan_backfill
        emit: Callable[[tuple[Reading, ...]], Awaitable[None]],
        progress: Callable[[int, int, str], None],
    ) -> None: ...
