"""The poller against an in-process source whose feeds do what each test says."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.errors import AuthFailed, RateLimited, UpdateFailed
from solar2prom.core.hub import Hub
from solar2prom.core.model import FeedResult, Reading, Snapshot, SourceState
from solar2prom.core.night import FixedHours
from solar2prom.core.poller import SourcePoller, backoff_delay
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceStatus
from tests.conftest import ManualClock

Poll = Callable[[], Awaitable[FeedResult]]


class ScriptedSource:
    vendor = "test"

    def __init__(self, feeds: Sequence[Feed]) -> None:
        self.name = "scripted"
        self.requests = RequestStats()
        self._feeds = feeds

    def feeds(self) -> Sequence[Feed]:
        return self._feeds

    def location(self) -> tuple[float, float] | None:
        return None

    def timezone(self) -> str | None:
        return "UTC"

    def status(self) -> SourceStatus:
        return SourceStatus()

    async def discover(self) -> Discovery:
        return Discovery((), ())

    async def close(self) -> None:
        return None


def power(value: float) -> FeedResult:
    return FeedResult(readings=(Reading(m.PRODUCTION_POWER, value, site="s1"),))


def lifetime(value: float) -> FeedResult:
    return FeedResult(readings=(Reading(m.PRODUCTION_ENERGY_TOTAL, value, site="s1"),))


class Script:
    """Feed poll that returns or raises the next item of a list, forever repeating the last."""

    def __init__(self, *steps: FeedResult | Exception) -> None:
        self.steps = list(steps)
        self.calls = 0

    async def __call__(self) -> FeedResult:
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if isinstance(step, Exception):
            raise step
        return step


def make(clock: ManualClock, *feeds: Feed, night: FixedHours | None = None):
    hub = Hub()
    published: list[Snapshot] = []
    hub.subscribe(published.append)
    poller = SourcePoller(ScriptedSource(feeds), clock, hub, night, random.Random(1))
    return poller, published


def values(snapshot: Snapshot, metric_name: str) -> list[float]:
    return [r.value for r in snapshot.readings if r.metric.name == metric_name]


async def run_for(poller: SourcePoller, clock: ManualClock, seconds: float) -> None:
    """Run the poller until the manual clock has moved `seconds` forward."""
    end = clock.now() + seconds
    task = asyncio.create_task(poller.run())
    while clock.now() < end:  # noqa: ASYNC110 - the manual clock moves only when the poller sleeps
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_failure_marks_down_then_values_go_stale(clock: ManualClock) -> None:
    script = Script(power(500), UpdateFailed("boom"))
    poller, published = make(clock, Feed("rt", 60, script))
    await run_for(poller, clock, 60 * 10)
    first = published[0]
    assert first.health.up and values(first, m.PRODUCTION_POWER.name) == [500]
    failing = [s for s in published if not s.health.up]
    assert failing and failing[0].health.state is SourceState.DOWN
    assert failing[0].health.last_error == "boom"
    # Kept while younger than 3 intervals, withdrawn after.
    assert values(failing[0], m.PRODUCTION_POWER.name) == [500]
    assert values(published[-1], m.PRODUCTION_POWER.name) == []
    withdrawn_at = next(s.taken_at for s in published if not s.readings)
    assert withdrawn_at - first.taken_at == pytest.approx(180, abs=1)


async def test_recovers_within_one_interval(clock: ManualClock) -> None:
    script = Script(power(1), UpdateFailed("a"), UpdateFailed("b"), UpdateFailed("c"), power(2))
    poller, published = make(clock, Feed("rt", 120, script))
    await run_for(poller, clock, 1000)
    times = [s.taken_at for s in published]
    ups = [s.health.up for s in published]
    assert ups[:5] == [True, False, False, False, True]
    assert all(b - a <= 120 for a, b in itertools.pairwise(times))


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    feed = Feed("rt", 300, Script(power(1)))
    rng = random.Random(3)
    delays = [backoff_delay(feed, n, UpdateFailed("x"), rng) for n in range(1, 7)]
    assert delays[0] <= 300 / 8 and delays[-1] <= 300
    assert delays == sorted(delays) or max(delays) <= 300
    assert backoff_delay(feed, 1, RateLimited("x", retry_after=900), rng) == 900
    assert backoff_delay(feed, 1, AuthFailed("x"), rng) >= 1800 * 0.75


async def test_counters_never_go_backwards(clock: ManualClock) -> None:
    script = Script(lifetime(100), lifetime(0), lifetime(90), lifetime(150))
    poller, published = make(clock, Feed("rt", 60, script))
    await run_for(poller, clock, 60 * 4)
    seen = [values(s, m.PRODUCTION_ENERGY_TOTAL.name) for s in published[:4]]
    assert seen == [[100], [100], [100], [150]]
    assert published[3].rejected == {"counter_decrease": 2}


async def test_a_restarted_poller_still_rejects_a_drop(clock: ManualClock, tmp_path: Path) -> None:
    """The last accepted values are saved when the poller stops, and read when one starts."""
    counters = tmp_path / "state" / "scripted" / "counters.json"
    source = ScriptedSource([Feed("rt", 60, Script(lifetime(100)))])
    await run_for(SourcePoller(source, clock, Hub(), counters=counters), clock, 60)
    again = ScriptedSource([Feed("rt", 60, Script(lifetime(0)))])
    snapshot = await SourcePoller(again, clock, Hub(), counters=counters).poll_all()
    assert values(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == [100]
    assert snapshot.rejected == {"counter_decrease": 1}


async def test_a_counter_that_started_again_is_named_on_the_status(clock: ManualClock) -> None:
    script = Script(lifetime(9e9), *(lifetime(1e5 * i) for i in range(80)))
    poller, published = make(clock, Feed("rt", 60, script))
    await run_for(poller, clock, 60 * 70)
    assert values(published[-1], m.PRODUCTION_ENERGY_TOTAL.name) == [9e9]
    assert not published[50].health.notes
    (note,) = published[-1].health.notes
    assert note.startswith("solar_production_energy_joules_total of site s1 has read ")


async def test_an_unexpected_exception_does_not_kill_the_poller(clock: ManualClock) -> None:
    script = Script(KeyError("surprise"), power(3))
    poller, published = make(clock, Feed("rt", 60, script))
    await run_for(poller, clock, 120)
    assert published[0].health.last_error == "internal error: KeyError"
    assert published[-1].health.up


async def test_sleeps_at_night_and_keeps_values(clock: ManualClock) -> None:
    import datetime as dt

    clock.t = dt.datetime(2026, 6, 1, 17, 0, tzinfo=dt.UTC).timestamp()
    script = Script(power(700))
    night = FixedHours(7, 18, dt.UTC)
    poller, published = make(clock, Feed("rt", 600, script), night=night)
    await run_for(poller, clock, 3 * 3600)
    calls_by_evening = script.calls
    assert calls_by_evening == 6  # 17:00 .. 17:50
    asleep = published[-1]
    assert asleep.health.state is SourceState.ASLEEP
    assert values(asleep, m.PRODUCTION_POWER.name) == [700]
    await run_for(poller, clock, 14 * 3600)
    assert script.calls > calls_by_evening  # woke up at 07:00


async def test_feeds_have_their_own_intervals_and_never_overlap(clock: ManualClock) -> None:
    running = 0
    overlaps = 0

    def tracked(result: FeedResult) -> Poll:
        async def poll() -> FeedResult:
            nonlocal running, overlaps
            running += 1
            overlaps += running > 1
            await clock.sleep(5)
            running -= 1
            return result

        return poll

    fast = Script(power(1))
    poller, _ = make(
        clock,
        Feed("fast", 10, tracked(power(1))),
        Feed("slow", 60, fast),
    )
    await run_for(poller, clock, 600)
    assert overlaps == 0
    assert 9 <= fast.calls <= 11


async def test_a_counter_two_feeds_carry_shows_the_newer_higher_value(clock: ManualClock) -> None:
    # The frequent feed moves the lifetime on; the slow one still holds its older reading.
    frequent = Script(*(lifetime(100 + i) for i in range(20)))
    slow = Script(lifetime(100))
    poller, published = make(clock, Feed("frequent", 60, frequent), Feed("slow", 600, slow))
    await run_for(poller, clock, 60 * 5)
    seen = [values(s, m.PRODUCTION_ENERGY_TOTAL.name) for s in published]
    assert seen[-1] == [104]
    assert all(len(v) == 1 for v in seen)
    assert [v[0] for v in seen] == sorted(v[0] for v in seen)


async def test_the_fresh_part_of_a_failed_poll_replaces_only_its_values(
    clock: ManualClock,
) -> None:
    both = FeedResult(
        readings=(
            Reading(m.PRODUCTION_POWER, 100, site="s1"),
            Reading(m.PRODUCTION_POWER, 200, site="s2"),
            Reading(m.PRODUCTION_ENERGY_TOTAL, 50, site="s1"),
        )
    )
    half = FeedResult(
        readings=(
            Reading(m.PRODUCTION_POWER, 110, site="s1"),
            Reading(m.PRODUCTION_ENERGY_TOTAL, 0, site="s1"),  # a glitch: the guard holds
        )
    )
    script = Script(both, UpdateFailed("batch 2 failed", partial=half))
    poller, published = make(clock, Feed("rt", 60, script))
    await run_for(poller, clock, 60 * 2)
    failed = published[1]
    assert not failed.health.up
    assert sorted((r.site, r.metric.name, r.value) for r in failed.readings) == [
        ("s1", m.PRODUCTION_ENERGY_TOTAL.name, 50),
        ("s1", m.PRODUCTION_POWER.name, 110),
        ("s2", m.PRODUCTION_POWER.name, 200),
    ]
    assert failed.rejected == {"counter_decrease": 1}


async def test_an_older_counter_waits_when_the_newer_feed_goes_stale(clock: ManualClock) -> None:
    # The frequent feed fails after three polls and its values go stale; the slow one, still
    # fresh, holds an older lifetime, which must not come back in the counter's place.
    frequent = Script(lifetime(101), lifetime(102), lifetime(103), UpdateFailed("down"))
    slow = Script(lifetime(100))
    feeds = (Feed("frequent", 60, frequent, stale_after=180), Feed("slow", 3600, slow))
    poller, published = make(clock, *feeds)
    await run_for(poller, clock, 60 * 10)
    seen = [values(s, m.PRODUCTION_ENERGY_TOTAL.name) for s in published]
    after = seen[seen.index([103]) :]
    assert all(v in ([103], []) for v in after)
    assert after[-1] == []
