"""The soak: every vendor's simulator, the real daemon, three and a half simulated days of faults.

Run by `make soak` (`pytest -m soak`), not by `make test`. Everything runs in this process on
one virtual clock (see `virtual_time`): the simulators, the `Application` with its pollers,
HTTP server and history store, the fault driver and a scraper reading `/metrics` every two
simulated minutes. See `checks` for what is asserted and `schedule` for what happens when.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from solar2prom.app import Application
from solar2prom.config import AppConfig
from solar2prom.core.model import FeedResult
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.sources.apsystems.openapi.config import DEFAULT_TICK
from solar2prom.sources.apsystems.openapi.quota import DAYS_PER_WINDOW
from tests.soak import report
from tests.soak.checks import FUSIONSOLAR_BUDGET_WINDOW, ErrorLog, Observer
from tests.soak.faults import HOUR, Fault, all_faults
from tests.soak.history import history_gaps
from tests.soak.schedule import END, SCRAPE_EVERY, START, plan, run_fault
from tests.soak.vendors import OPENAPI_QUOTA, Ecu, Ema, Enphase, Ez1, FusionSolar, OpenApi, Vendor
from tests.soak.virtual_time import VirtualClock, VirtualTimeLoop

pytestmark = pytest.mark.soak

# The OpenAPI source polls as often as its daily share of the quota allows: 3 calls a poll
# here (an ECU's telemetry and inverters, its meter), spread over at most 12 hours of daylight
# after a reserve for the summary calls.
OPENAPI_POLL_COST = 3
OPENAPI_SPACING = 12 * HOUR * OPENAPI_POLL_COST / (OPENAPI_QUOTA // DAYS_PER_WINDOW - 60)


def hold_polls(app: Application, clock: VirtualClock) -> None:
    """Time stands still while a poll works (not while it sleeps on the clock)."""

    def held(poll: Callable[[], Awaitable[FeedResult]]) -> Callable[[], Awaitable[FeedResult]]:
        async def run() -> FeedResult:
            with clock.busy():
                return await poll()

        return run

    for poller in app.pollers:
        for state in poller.feed_states:
            state.feed = dataclasses.replace(state.feed, poll=held(state.feed.poll))


def unfired(faults: list[Fault]) -> list[str]:
    return [
        f"{f.source}: '{f.label}' never fired (the simulator served it 0 times)"
        for f in faults
        if f.started is not None and f.fired <= 0
    ]


async def soak(tmp_path: Path) -> tuple[str, list[str]]:
    clock = VirtualClock(START)
    driver = asyncio.create_task(clock.run(), name="virtual clock")
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    makers = (
        fs := FusionSolar(clock),
        en := Enphase(clock),
        em := Ema(clock),
        oa := OpenApi(clock),
        ec := Ecu(clock),
        ez := Ez1(clock),
    )
    vendors: list[Vendor] = []
    app: Application | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        for maker in makers:
            vendors.append(await maker.start())
        clock.holds.append(lambda: any(v.busy() for v in vendors))
        config = AppConfig(
            listen="127.0.0.1:0",
            history=HistoryConfig(path=tmp_path / "history.db"),
            sources=tuple(v.source for v in vendors),
        )
        app = Application(config, clock, tmp_path / "state")
        hold_polls(app, clock)
        by_source = all_faults(fs, en, em, oa, ec, ez, app.hub)
        faults = plan(by_source)
        observer = Observer(app, clock, faults)
        observer.slack |= {
            "roof": FUSIONSOLAR_BUDGET_WINDOW + 30.0,
            "barn": DEFAULT_TICK + OPENAPI_SPACING,
        }
        app.hub.subscribe(observer.on_snapshot)
        (url,) = await app.start()
        tasks = [asyncio.create_task(run_fault(f, clock, observer)) for f in faults]
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            while clock.now() < END:
                await clock.sleep(SCRAPE_EVERY)
                await observer.scrape(http, url)
        wall = time.monotonic() - started
        violations = observer.finish()
        violations += [f"process: {name} stopped" for name in stopped(app)]
        violations += [problem for v in vendors for problem in v.broken_limits()]
        violations += unfired(faults)
        violations += await history_gaps(app, by_source["roof"]["outage"], START)
        violations += [f"logged: {errors.format(r)}" for r in errors.records]
        extra = [
            f"{observer.scrapes} scrapes, {len(observer.counter_series)} counter series "
            f"checked; {clock.advances} clock steps, {clock.stalls} stalls",
            f"fusionsolar answered 407 {sum(n for _, _, n in observer.refusals)} times "
            "(allowed only while another client spent the budget)",
            *report.rejections(app.hub.snapshots.values()),
        ]
        text = report.render(
            start=START,
            end=clock.now(),
            wall=wall,
            faults=faults,
            recoveries=observer.recoveries,
            vendors=vendors,
            extra=extra,
            violations=violations,
        )
        return text, violations
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if app is not None:
            await app.stop()
        for vendor in vendors:
            await vendor.stop()
        driver.cancel()
        await asyncio.gather(driver, return_exceptions=True)
        logging.getLogger().removeHandler(errors)


def stopped(app: Application) -> list[str]:
    """Pollers whose task ended: a poller only ends when the daemon stops."""
    names = set(app.source_names)
    alive = {t.get_name() for t in asyncio.all_tasks() if not t.done()}
    return sorted(names - alive)


def test_soak(tmp_path: Path) -> None:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        text, violations = runner.run(soak(tmp_path))
    print(text)
    assert not violations, "\n".join(violations)
