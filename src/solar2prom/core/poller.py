"""One loop per source: its feeds on their own schedules, never two polls of a source at once.

After every pass the poller merges the feeds' latest results into one `Snapshot` and
publishes it. A failing feed backs off (with jitter, never longer than its interval unless the
vendor asked for longer); its values stay until they are older than `stale_after`, then they
are withdrawn. A sleeping feed (night) keeps its values.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from solar2prom.core.clock import Clock
from solar2prom.core.errors import AuthFailed, SourceError
from solar2prom.core.guards import CounterGuard
from solar2prom.core.hub import Hub
from solar2prom.core.model import (
    BudgetStatus,
    Device,
    FeedResult,
    Reading,
    Site,
    Snapshot,
    SourceHealth,
    SourceState,
)
from solar2prom.core.night import NeverSleep, NightPolicy
from solar2prom.sources.base import Feed, Source

log = logging.getLogger(__name__)

AUTH_RETRY = 1800.0  # an account problem needs a person; asking again soon only burns logins


@dataclass(slots=True)
class FeedState:
    feed: Feed
    next_due: float = 0.0
    result: FeedResult | None = None
    last_success: float | None = None
    last_attempt_ok: bool | None = None
    failures: int = 0
    error: str | None = None
    error_at: float = 0.0
    asleep: bool = False

    def withdrawn(self, now: float) -> bool:
        """Failing for longer than `stale_after` since the last success: values go."""
        if self.last_attempt_ok is not False:
            return False
        return self.last_success is None or now - self.last_success > self.feed.stale_limit


@dataclass(slots=True)
class _Pass:
    started: float
    duration: float | None = None


def backoff_delay(feed: Feed, failures: int, error: SourceError, rng: random.Random) -> float:
    """Short retries first, growing to one interval; the vendor's own wait wins when longer."""
    if isinstance(error, AuthFailed):
        base = max(feed.interval, AUTH_RETRY)
    else:
        base = feed.interval * min(1.0, 2.0 ** (failures - 1) / 8)
    delay = base * rng.uniform(0.75, 1.0)
    if error.retry_after is not None:
        delay = max(delay, error.retry_after)
    return delay


class SourcePoller:
    def __init__(
        self,
        source: Source,
        clock: Clock,
        hub: Hub,
        night: NightPolicy | None = None,
        rng: random.Random | None = None,
        counters: Path | None = None,
    ) -> None:
        """`counters`: where the counter guard keeps the last accepted values across restarts."""
        self.source = source
        self.clock = clock
        self.hub = hub
        self.night = night or NeverSleep()
        self.rng = rng or random.Random()
        self._guard = CounterGuard(counters)
        self._rejected: Counter[str] = Counter()
        self._feeds = [FeedState(feed) for feed in source.feeds()]
        self._last_pass = _Pass(0.0)
        self._lock = asyncio.Lock()

    @property
    def feed_states(self) -> Sequence[FeedState]:
        return self._feeds

    async def run(self) -> None:
        """Poll forever (until cancelled)."""
        try:
            while True:
                now = self.clock.now()
                due = [s for s in self._feeds if s.next_due <= now]
                if due:
                    await self._pass(due, respect_night=True)
                else:
                    self.hub.publish(self.snapshot())  # woken to withdraw values gone stale
                await self.clock.sleep(self._next_wake() - self.clock.now())
        finally:
            self._guard.save(self.clock.now())

    async def poll_all(self) -> Snapshot:
        """One pass over every feed, day or night (for `collect`), then the snapshot."""
        return await self._pass(self._feeds, respect_night=False)

    def _next_wake(self) -> float:
        candidates = [s.next_due for s in self._feeds]
        # Wake up to withdraw values that go stale while a feed waits for its retry.
        candidates += [
            s.last_success + s.feed.stale_limit + 0.001
            for s in self._feeds
            if s.last_attempt_ok is False
            and s.last_success is not None
            and s.last_success + s.feed.stale_limit > self.clock.now()
        ]
        return min(candidates, default=self.clock.now() + 3600)

    async def _pass(self, states: Sequence[FeedState], respect_night: bool) -> Snapshot:
        async with self._lock:
            started = self.clock.now()
            polled = False
            history: list[Reading] = []
            for state in states:
                now = self.clock.now()
                if respect_night and not state.feed.at_night and self.night.asleep(now):
                    state.asleep = True
                    state.next_due = self.night.wakes_at(now)
                    continue
                state.asleep = False
                polled = True
                history.extend(await self._poll_feed(state))
            if polled:
                self._last_pass = _Pass(started, self.clock.now() - started)
                self._guard.save_if_due(self.clock.now())
            snapshot = self.snapshot(tuple(history))
            self.hub.publish(snapshot)
            return snapshot

    async def _poll_feed(self, state: FeedState) -> tuple[Reading, ...]:
        """Poll one feed; return the past samples it fetched (even when it failed halfway)."""
        feed = state.feed
        started = self.clock.now()
        try:
            result = await feed.poll()
        except asyncio.CancelledError:
            raise
        except SourceError as exc:
            self._failed(state, exc, started)
            if exc.partial is not None:
                self._keep_partial(state, exc.partial)
            return exc.history
        except Exception as exc:
            # A bug or an unforeseen vendor answer must not kill the poller.
            log.exception("%s/%s: unexpected error", self.source.name, feed.name)
            self._failed(state, SourceError(f"internal error: {type(exc).__name__}"), started)
            return ()
        self._rejected.update(result.rejected)
        readings = self._guard.filter(result.readings, self._rejected, self.clock.now())
        state.result = FeedResult(result.sites, result.devices, tuple(readings))
        state.last_success = self.clock.now()
        state.last_attempt_ok = True
        state.failures = 0
        state.error = None
        state.next_due = started + feed.interval
        return result.history

    def _keep_partial(self, state: FeedState, partial: FeedResult) -> None:
        """Fresh values of a poll that failed halfway replace their old values; the others
        stay, and all of them go stale together if the feed keeps failing."""
        self._rejected.update(partial.rejected)
        fresh = self._guard.filter(partial.readings, self._rejected, self.clock.now())
        kept = {r.key: r for r in state.result.readings} if state.result is not None else {}
        kept.update((r.key, r) for r in fresh)
        state.result = FeedResult(partial.sites, partial.devices, tuple(kept.values()))

    def _failed(self, state: FeedState, error: SourceError, started: float) -> None:
        state.failures += 1
        state.last_attempt_ok = False
        state.error = str(error)
        state.error_at = self.clock.now()
        delay = backoff_delay(state.feed, state.failures, error, self.rng)
        state.next_due = max(started, state.error_at) + delay
        log.warning(
            "%s/%s failed (%d in a row, next try in %.0fs): %s",
            self.source.name,
            state.feed.name,
            state.failures,
            delay,
            error,
        )

    def snapshot(self, history: tuple[Reading, ...] = ()) -> Snapshot:
        now = self.clock.now()
        sites: dict[str, Site] = {}
        devices: dict[tuple[str, str], Device] = {}
        readings: dict[tuple[str, str, str, tuple[str, ...]], Reading] = {}
        for state in self._feeds:
            if state.result is None or state.withdrawn(now):
                continue
            for site in state.result.sites:
                sites[site.id] = site
            for device in state.result.devices:
                devices[(device.site, device.id)] = device
            for reading in state.result.readings:
                # Two feeds may carry one counter, each as fresh as its last poll: the older
                # value goes, also once the newer feed's values went stale (then the series
                # waits for a new reading), so that a counter never goes backwards.
                if not self._guard.behind(reading):
                    readings[reading.key] = reading
        status = self.source.status()
        return Snapshot(
            source=self.source.name,
            vendor=self.source.vendor,
            taken_at=now,
            health=self._health(status.budgets, (*status.notes, *self._guard.notes(now))),
            sites=tuple(sites.values()),
            devices=tuple(devices.values()),
            readings=tuple(readings.values()),
            requests=self.source.requests.snapshot(),
            rejected=dict(self._rejected),
            history=history,
        )

    def _health(self, budgets: tuple[BudgetStatus, ...], notes: tuple[str, ...]) -> SourceHealth:
        attempted = [s for s in self._feeds if s.last_attempt_ok is not None]
        failing = [s for s in attempted if not s.last_attempt_ok]
        up = bool(attempted) and not failing
        if failing:
            state = SourceState.DOWN
        elif self._feeds and all(s.asleep for s in self._feeds if not s.feed.at_night):
            state = SourceState.ASLEEP
        elif up:
            state = SourceState.UP
        else:
            state = SourceState.STARTING
        successes = [s.last_success for s in self._feeds if s.last_success is not None]
        latest_error = max(failing, key=lambda s: s.error_at, default=None)
        return SourceHealth(
            state=state,
            up=up,
            last_success=max(successes, default=None),
            poll_duration=self._last_pass.duration,
            next_poll=min((s.next_due for s in self._feeds), default=None),
            last_error=latest_error.error if latest_error else None,
            budgets=budgets,
            notes=notes,
        )
