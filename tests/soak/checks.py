"""What the soak asserts, as it runs (every snapshot, every scrape) and once it has run.

- `solar_source_up` is 0 exactly while a source fails: a source is down only inside a DOWN or
  MAYBE fault of its own, from the fault's start to its recovery deadline; a DOWN fault takes
  it down and it is still down when the fault clears; after a DOWN or MAYBE fault it is up
  again by the deadline. The exposition says what the hub says.
- Recovery deadline (the rule checked): when a fault clears, each feed of the source that is
  failing must be retried and succeed within one interval of that feed, or by the retry time
  the poller had already set if that is later (a wait the vendor asked for: `retry_after` of
  a 403 quotaControl, a 407, an OpenAPI "busy", or 30 minutes after an authentication
  failure); plus, for FusionSolar, one 5-minute budget window (a poll may wait that long for
  the slot its failed attempts used), and for the OpenAPI source the quota plan's spacing
  between polls (it polls only as often as the monthly quota allows).
- No counter ever decreases in the exposition (every `_total` series, across scrapes, also
  across a series going away and coming back).
- No 0 stands in for a missing value: while a fault with watched series lasts, a watched
  series that read more than 0 before it started is absent or non-zero, in the hub and in the
  exposition.
- Day totals ("today" energies) never decrease within a local day of their site, and restart
  after each local midnight (DST nights included).
- FusionSolar answers 407 (a call refused for frequency) only while another client was
  spending the account's budget.
- No error was logged (an unexpected exception in a poll, an output or the history store);
  /metrics, /healthz and the status page keep answering.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from solar2prom.app import Application
from solar2prom.core import metrics as m
from solar2prom.core.model import Reading, Snapshot, SourceState
from solar2prom.core.poller import SourcePoller
from solar2prom.core.timezones import resolve_timezone
from tests.soak.faults import Effect, Fault
from tests.soak.virtual_time import VirtualClock

SHOWN_ZONE = ZoneInfo("Europe/Berlin")
# Extra time a recovery may take beyond the feed's interval (see the module docstring).
FUSIONSOLAR_BUDGET_WINDOW = 300.0
SLACK = 30.0
TODAY_METRICS = frozenset({m.PRODUCTION_ENERGY_TODAY.name, m.CONSUMPTION_ENERGY_TODAY.name})
# A first value of a new day this long after midnight may legitimately exceed yesterday's.
DAY_RESTART_HORIZON = 12 * 3600.0
# Every this many scrapes, the status page and /healthz are fetched too.
PAGES_EVERY = 15
# How a source counts a FusionSolar refusal for calling too often.
REFUSED = "failcode_407"

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]  # an exposition series: name, labels
ReadingKey = tuple[str, str, str, tuple[str, ...]]  # `Reading.key`


def shown(t: float) -> str:
    return datetime.fromtimestamp(t, SHOWN_ZONE).strftime("%a %d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Point:
    """One published snapshot of a source, as far as health goes."""

    t: float
    up: bool
    state: SourceState
    error: str | None


@dataclass(frozen=True, slots=True)
class Recovery:
    fault: Fault
    went_down: bool
    delay: float | None  # cleared -> up again (0 if it never went down)


class ErrorLog(logging.Handler):
    """Every record of level ERROR or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Observer:
    def __init__(self, app: Application, clock: VirtualClock, faults: Iterable[Fault]) -> None:
        self.app = app
        self.clock = clock
        self.faults = sorted(faults, key=lambda f: f.at)
        self.pollers: dict[str, SourcePoller] = {p.source.name: p for p in app.pollers}
        self.slack: dict[str, float] = {}
        self.violations: list[str] = []
        self._said: set[object] = set()
        self.points: defaultdict[str, list[Point]] = defaultdict(list)
        self.recoveries: list[Recovery] = []
        self.scrapes = 0
        self.counter_series: set[SeriesKey] = set()
        self._counters: dict[SeriesKey, float] = {}
        self._last_scrape: dict[SeriesKey, float] = {}
        self._active: list[Fault] = []
        self._hub_baseline: dict[int, dict[ReadingKey, float]] = {}
        self._scrape_baseline: dict[int, dict[SeriesKey, float]] = {}
        # (source, series) -> observations (time, value) of each new "today" reading
        self._today: defaultdict[tuple[str, ReadingKey], list[tuple[float, float]]] = defaultdict(
            list
        )
        self._today_seen: dict[tuple[str, ReadingKey], Reading] = {}
        self._zones: dict[tuple[str, str], tzinfo] = {}
        self.refusals: list[tuple[str, float, int]] = []  # (source, when, how many) of 407s
        self._refused: dict[str, int] = {}

    # --- bookkeeping --------------------------------------------------------------------------

    def violate(self, key: object, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self.violations.append(message)

    def fault_starting(self, fault: Fault) -> None:
        if fault.watch:
            snapshot = self.app.hub.snapshots.get(fault.source)
            readings = snapshot.readings if snapshot is not None else ()
            self._hub_baseline[id(fault)] = {
                r.key: r.value for r in readings if r.metric.name in fault.watch
            }
            self._scrape_baseline[id(fault)] = {
                key: value
                for key, value in self._last_scrape.items()
                if key[0] in fault.watch and ("source", fault.source) in key[1]
            }
        self._active.append(fault)

    def fault_cleared(self, fault: Fault) -> None:
        self._active.remove(fault)
        if fault.effect in (Effect.DOWN, Effect.MAYBE) and fault.cleared is not None:
            fault.deadline = self.deadline(fault.source, fault.cleared)

    def deadline(self, source: str, cleared: float) -> float:
        """See the module docstring: the latest time the source may still be failing."""
        bound = cleared
        for state in self.pollers[source].feed_states:
            if state.last_attempt_ok is False:
                bound = max(bound, cleared + state.feed.interval, state.next_due)
        return bound + self.slack.get(source, SLACK)

    # --- every snapshot -----------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        source, t, health = snapshot.source, snapshot.taken_at, snapshot.health
        self.points[source].append(Point(t, health.up, health.state, health.last_error))
        if health.last_error and health.last_error.startswith("internal error"):
            self.violate(
                ("internal", source, health.last_error),
                f"{shown(t)} {source}: a poll failed unexpectedly: {health.last_error}",
            )
        for site in snapshot.sites:
            if site.timezone:
                self._zones[(source, site.id)] = resolve_timezone(site.timezone)
        for fault in self._active:
            if fault.source == source and fault.watch:
                self._hub_zeros(fault, snapshot)
        for reading in snapshot.readings:
            if reading.metric.name in TODAY_METRICS:
                key = (source, reading.key)
                if self._today_seen.get(key) is not reading:
                    self._today_seen[key] = reading
                    self._today[key].append((t, reading.value))
        refused = sum(n for (_, result), n in snapshot.requests.items() if result == REFUSED)
        if refused > self._refused.get(source, 0):
            self.refusals.append((source, t, refused - self._refused.get(source, 0)))
            self._refused[source] = refused

    def _hub_zeros(self, fault: Fault, snapshot: Snapshot) -> None:
        baseline = self._hub_baseline.get(id(fault), {})
        for reading in snapshot.readings:
            if reading.metric.name in fault.watch and reading.value == 0:
                before = baseline.get(reading.key, 0.0)
                if before != 0:
                    self.violate(
                        ("zero", id(fault), reading.key),
                        f"{shown(snapshot.taken_at)} {fault.source}: {reading.metric.name} "
                        f"{reading.site}/{reading.device}{reading.labels} read 0 during "
                        f"'{fault.label}' (it read {before:g} before)",
                    )

    # --- every scrape ---------------------------------------------------------------------------

    async def scrape(self, http: aiohttp.ClientSession, url: str) -> None:
        """Scrape /metrics as Prometheus would, and check what it says."""
        with self.clock.busy():
            await self.app.prometheus.settled()
            before = dict(self.app.hub.snapshots)
            async with http.get(url + "/metrics") as response:
                status, body = response.status, await response.text()
            after = self.app.hub.snapshots
            if self.scrapes % PAGES_EVERY == 0:
                await self._pages(http, url)
        self.scrapes += 1
        now = self.clock.now()
        if status != 200:
            self.violate(("metrics", now), f"{shown(now)} /metrics answered HTTP {status}")
            return
        samples: dict[SeriesKey, float] = {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                samples[key] = sample.value
                if family.type == "counter" and sample.name.endswith("_total"):
                    self._counter(now, key, sample.value)
                if sample.name == m.SOURCE_UP.name:
                    self._up_agrees(now, sample.labels["source"], sample.value, before, after)
        for fault in self._active:
            if fault.watch:
                self._scrape_zeros(now, fault, samples)
        self._last_scrape = samples

    async def _pages(self, http: aiohttp.ClientSession, url: str) -> None:
        """The status page and /healthz answer, and /healthz knows every source."""
        now = self.clock.now()
        async with http.get(url + "/") as response:
            if response.status != 200:
                self.violate(("page", now), f"{shown(now)} / answered HTTP {response.status}")
            await response.read()
        async with http.get(url + "/healthz") as response:
            health = await response.json() if response.status == 200 else {}
        if set(health.get("sources", ())) != set(self.pollers):
            self.violate(("healthz", now), f"{shown(now)} /healthz did not list every source")

    def _counter(self, now: float, key: SeriesKey, value: float) -> None:
        self.counter_series.add(key)
        last = self._counters.get(key)
        if last is not None and value < last:
            self.violate(
                ("decrease", key, value),
                f"{shown(now)} counter {_series(key)} went down from {last:g} to {value:g}",
            )
        self._counters[key] = value if last is None else max(last, value)

    def _up_agrees(
        self,
        now: float,
        source: str,
        value: float,
        before: Mapping[str, Snapshot],
        after: Mapping[str, Snapshot],
    ) -> None:
        snapshot = after.get(source)
        if snapshot is None or before.get(source) is not snapshot:
            return  # a new snapshot arrived during the scrape
        if value != (1.0 if snapshot.health.up else 0.0):
            self.violate(
                ("exposition", source, now),
                f"{shown(now)} {source}: /metrics says solar_source_up {value:g}, the hub "
                f"says {snapshot.health.up}",
            )

    def _scrape_zeros(self, now: float, fault: Fault, samples: Mapping[SeriesKey, float]) -> None:
        baseline = self._scrape_baseline.get(id(fault), {})
        for key, value in samples.items():
            if key[0] in fault.watch and value == 0 and baseline.get(key, 0.0) != 0:
                self.violate(
                    ("scraped zero", id(fault), key),
                    f"{shown(now)} /metrics: {_series(key)} read 0 during '{fault.label}' "
                    f"(it read {baseline[key]:g} before)",
                )

    # --- once it has run ------------------------------------------------------------------------

    def finish(self) -> list[str]:
        for source in self.pollers:
            self._check_up(source, [f for f in self.faults if f.source == source])
        self._check_days()
        self._check_407()
        return self.violations

    def _check_up(self, source: str, faults: list[Fault]) -> None:
        points = self.points[source]
        ready = next((p.t for p in points if p.up), None)
        if ready is None:
            self.violate(("never up", source), f"{source}: never up")
            return
        allowed = [
            (f.started, f.deadline)
            for f in faults
            if f.effect in (Effect.DOWN, Effect.MAYBE)
            and f.started is not None
            and f.deadline is not None
        ]
        episode = 0.0  # when the current run of down points began
        for point in points:
            if point.up:
                episode = 0.0
                continue
            episode = episode or point.t
            if point.state is SourceState.STARTING or point.t < ready:
                continue
            if not any(start <= point.t <= end for start, end in allowed):
                self.violate(
                    ("down", source, episode),
                    f"{shown(point.t)} {source}: down outside any fault: {point.error}",
                )
        for fault in faults:
            if fault.started is not None and fault.cleared is not None:
                self._check_fault(fault, points)

    def _check_fault(self, fault: Fault, points: list[Point]) -> None:
        assert fault.cleared is not None
        during = [p for p in points if fault.bites <= p.t <= fault.cleared]
        first_down = next((p for p in during if not p.up), None)
        if fault.effect is Effect.DOWN:
            # A feed that sent no request (nothing due) succeeds even now, so the source may
            # read up for a while until its other feeds have tried; by the time the fault
            # clears, every feed has, and failed.
            if first_down is None:
                self.violate(
                    ("unnoticed", id(fault)),
                    f"{shown(fault.bites)} {fault.source}: '{fault.label}' never made it down",
                )
            elif during[-1].up:
                self.violate(
                    ("up while failing", id(fault)),
                    f"{shown(during[-1].t)} {fault.source}: up at the end of '{fault.label}'",
                )
        if fault.effect not in (Effect.DOWN, Effect.MAYBE) or fault.deadline is None:
            return
        until_deadline = [p for p in points if fault.bites <= p.t <= fault.deadline]
        downs = [p for p in until_deadline if not p.up]
        last = next((p for p in reversed(points) if p.t <= fault.deadline), None)
        if last is not None and not last.up:
            self.violate(
                ("not recovered", id(fault)),
                f"{shown(fault.cleared)} {fault.source}: not up again by {shown(fault.deadline)} "
                f"after '{fault.label}' cleared: {last.error}",
            )
        recovered = None
        if downs:
            recovered = next((p.t for p in points if p.t > downs[-1].t and p.up), None)
        delay = None if downs and recovered is None else 0.0
        if recovered is not None:
            delay = max(0.0, recovered - fault.cleared)
        self.recoveries.append(Recovery(fault, bool(downs), delay))

    def _zone(self, source: str, site: str) -> tzinfo:
        zone = self._zones.get((source, site))
        if zone is None:
            zone = resolve_timezone(self.pollers[source].source.timezone())
        return zone

    def _check_days(self) -> None:
        for (source, key), observed in self._today.items():
            zone = self._zone(source, str(key[1]))
            # What a source reads before its first local midnight may be yesterday's total,
            # carried over by the vendor: nothing tells it apart on a fresh start.
            first_day = _local_date(observed[0][0], zone)
            previous: tuple[float, float] | None = None
            for t, value in observed:
                if value < 0:
                    self.violate(("negative", source, key), f"{shown(t)} {source}: {key} < 0")
                if previous is not None and _local_date(t, zone) > first_day:
                    self._day_step(source, key, zone, previous, (t, value))
                previous = (t, value)

    def _day_step(
        self,
        source: str,
        key: ReadingKey,
        zone: tzinfo,
        before: tuple[float, float],
        now: tuple[float, float],
    ) -> None:
        day_before, day_now = _local_date(before[0], zone), _local_date(now[0], zone)
        what = f"{source}: {key[0]} of {key[1]}"
        if day_before == day_now and now[1] < before[1] * (1 - 1e-9):
            self.violate(
                ("today decreased", source, key, now[0]),
                f"{shown(now[0])} {what} went down within a day: {before[1]:g} -> {now[1]:g}",
            )
        midnight = datetime.combine(day_now, datetime.min.time(), zone).timestamp()
        restarted = now[1] < before[1] or before[1] == 0
        if day_before < day_now and not restarted and now[0] - midnight < DAY_RESTART_HORIZON:
            self.violate(
                ("no restart", source, key, day_now),
                f"{shown(now[0])} {what} did not restart after midnight: {before[1]:g} on "
                f"{day_before}, {now[1]:g} on {day_now}",
            )

    def _check_407(self) -> None:
        windows = [
            (f.source, f.started, f.deadline)
            for f in self.faults
            if f.foreign_budget and f.started is not None and f.deadline is not None
        ]
        for source, t, count in self.refusals:
            if not any(s == source and start <= t <= end for s, start, end in windows):
                self.violate(
                    ("407", source, t),
                    f"{shown(t)} {source}: {count} calls refused for frequency (407) while no "
                    "other client used the account",
                )


def _series(key: SeriesKey) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in key[1])
    return f"{key[0]}{{{labels}}}"


def _local_date(t: float, zone: tzinfo) -> date:
    return datetime.fromtimestamp(t, zone).date()
