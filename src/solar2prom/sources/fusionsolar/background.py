"""The background feed: KPIs, alarms and 5-minute history, one budgeted call at a time.

Each job is one vendor call on its own schedule. A pass runs the jobs that are due and whose
budget has room right now — never waiting for a budget, and at most a few calls — so the
real-time feed of the same account is never held up behind a long queue, and the vendor's
one-call-per-minute rules are met by the pass interval itself.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from solar2prom.core.budget import Governor
from solar2prom.core.clock import Clock
from solar2prom.core.errors import RateLimited, SourceError
from solar2prom.core.model import FeedResult, Reading
from solar2prom.sources.fusionsolar.client import NoPermission

log = logging.getLogger(__name__)

PASS_INTERVAL = 61.0
CALLS_PER_PASS = 3


@dataclass(frozen=True, slots=True)
class JobOutput:
    live: tuple[Reading, ...] = ()  # replaces the job's previous live readings
    history: tuple[Reading, ...] = ()
    rejected: Counter[str] = field(default_factory=Counter)
    notes: tuple[str, ...] = ()  # replaces the job's previous notes
    again_at: float | None = None  # run again then instead of after `period`


@dataclass
class Job:
    key: str
    api: str
    period: float
    run: Callable[[], Awaitable[JobOutput]]
    wanted: Callable[[], bool] = lambda: True  # due, but is there anything to fetch?
    due: float = 0.0
    disabled: str | None = None  # why it stopped (no rights), shown as a note


class Background:
    def __init__(self, clock: Clock, governor: Governor) -> None:
        self._clock = clock
        self._governor = governor
        self._jobs: dict[str, Job] = {}
        self._live: dict[str, tuple[Reading, ...]] = {}
        self._notes: dict[str, tuple[str, ...]] = {}

    def schedule(self, jobs: list[Job]) -> None:
        """Replace the job list (after an inventory change), keeping known jobs' timing."""
        fresh: dict[str, Job] = {}
        for job in jobs:
            known = self._jobs.get(job.key)
            if known is not None:
                job.due, job.disabled = known.due, known.disabled
            fresh[job.key] = job
        self._jobs = fresh
        self._live = {k: v for k, v in self._live.items() if k in fresh}
        self._notes = {k: v for k, v in self._notes.items() if k in fresh}

    @property
    def notes(self) -> tuple[str, ...]:
        notes = [n for job_notes in self._notes.values() for n in job_notes]
        notes += [job.disabled for job in self._jobs.values() if job.disabled]
        return tuple(dict.fromkeys(notes))

    async def poll(self) -> FeedResult:
        now = self._clock.now()
        history: list[Reading] = []
        rejected: Counter[str] = Counter()
        calls = 0
        due = sorted(
            (j for j in self._jobs.values() if j.due <= now and not j.disabled and j.wanted()),
            key=lambda j: j.due,
        )
        for job in due:
            if calls >= CALLS_PER_PASS:
                break
            if self._governor.wait_time(job.api, self._clock.now()) > 0:
                continue  # its budget opens later; another pass will find it
            calls += 1
            try:
                out = await job.run()
            except NoPermission as exc:
                job.disabled = str(exc)
                continue
            except RateLimited as exc:
                job.due = self._clock.now() + (exc.retry_after or job.period)
                continue
            except SourceError as exc:
                exc.history = (*history, *exc.history)
                raise
            self._live[job.key] = out.live
            self._notes[job.key] = out.notes
            history.extend(out.history)
            rejected.update(out.rejected)
            job.due = out.again_at if out.again_at is not None else now + job.period
        live = tuple(r for readings in self._live.values() for r in readings)
        return FeedResult(readings=live, history=tuple(history), rejected=dict(rejected))
