"""The quota: a daily share of the month, a 32-day window, vendor stops that survive restarts;
and the plan that spreads a day's calls over its daylight."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from solar2prom.core.errors import RateLimited
from solar2prom.sources.apsystems.openapi.plan import Daylight, Due, decide
from solar2prom.sources.apsystems.openapi.quota import Quota

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0


def at(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).timestamp()


def test_the_daily_share_keeps_33_days_within_the_quota(tmp_path: Path) -> None:
    now = at(2025, 6, 15, 8, 0)
    quota = Quota(tmp_path, 1000, now)
    assert quota.daily == 30
    for _ in range(30):
        quota.check(now, BERLIN)
        quota.record(now)
    with pytest.raises(RateLimited, match="day's share") as refused:
        quota.check(now, BERLIN)
    assert refused.value.retry_after == at(2025, 6, 16, 0, 0) - now
    assert quota.left_today(at(2025, 6, 16, 0, 0), BERLIN) == 30
    (month, day) = quota.status(now, BERLIN)
    assert (month.window, month.limit, month.remaining) == ("32d", 1000, 970)
    assert (day.window, day.limit, day.remaining) == ("day", 30, 0)


def test_the_window_holds_across_days_and_restarts(tmp_path: Path) -> None:
    start = at(2025, 6, 1, 8, 0)
    quota = Quota(tmp_path, 66, start)  # 2 calls a day
    for day in range(33):
        for _ in range(2):
            quota.record(start + day * 86400)
    restarted = Quota(tmp_path, 66, start + 33 * 86400)
    now = start + 32 * 86400 + HOUR  # day 32: its own two calls are spent
    assert restarted.left_today(now, BERLIN) == 0
    assert restarted.status(now, BERLIN)[0].remaining == 66 - 64


def test_a_call_that_never_left_is_given_back(tmp_path: Path) -> None:
    now = at(2025, 6, 15, 8, 0)
    quota = Quota(tmp_path, 1000, now)
    quota.record(now)
    quota.refund(now)
    assert quota.left_today(now, BERLIN) == 30


def test_a_vendor_stop_survives_a_restart(tmp_path: Path) -> None:
    now = at(2025, 6, 15, 8, 0)
    Quota(tmp_path, 1000, now).stop(now + HOUR, "limit (code 2005)")
    restarted = Quota(tmp_path, 1000, now)
    with pytest.raises(RateLimited, match="code 2005") as refused:
        restarted.check(now + 60, BERLIN)
    assert refused.value.retry_after == HOUR - 60
    restarted.check(now + HOUR, BERLIN)


def test_daylight_windows() -> None:
    noon = at(2025, 6, 21, 12, 0)
    assert Daylight().window(noon, BERLIN) == (at(2025, 6, 21, 6, 0), at(2025, 6, 21, 21, 0))
    # Night hours: the poller sleeps from sundown, so the day's last poll comes a tick before.
    hours = Daylight(hours=(7, 20), tick=300.0).window(noon, BERLIN)
    assert hours == (at(2025, 6, 21, 7, 0), at(2025, 6, 21, 20, 0) - 300)
    rise, fall = Daylight(52.52, 13.40).window(noon, BERLIN)
    assert datetime.fromtimestamp(rise, BERLIN).strftime("%H") == "04"
    assert datetime.fromtimestamp(fall, BERLIN).strftime("%H") == "21"
    # Polar day: no sunrise, the default hours.
    tromso = Daylight(69.65, 18.96).window(noon, BERLIN)
    assert tromso == (at(2025, 6, 21, 6, 0), at(2025, 6, 21, 21, 0))


WINDOW = (at(2025, 6, 15, 6, 0), at(2025, 6, 15, 21, 0))


def plan(
    now: float, last: float | None, calls_left: int, last_summary: float | None = None
) -> Due | None:
    return decide(
        now,
        WINDOW,
        last_poll=last,
        last_summary=last_summary,
        calls_left=calls_left,
        poll_cost=2,
        summary_cost=1,
        summary_interval=4 * HOUR,
    )


def test_nothing_before_daylight_and_the_first_poll_at_its_start() -> None:
    assert plan(WINDOW[0] - 60, None, 30) is None
    assert plan(WINDOW[0], None, 30) == Due(summary=True)
    assert plan(WINDOW[0], WINDOW[0] - 86400, 30) == Due(summary=True)
    assert plan(WINDOW[0], None, 2) is None  # not enough for a poll with its summary


def test_polls_spread_evenly_to_the_end_of_daylight() -> None:
    start, end = WINDOW
    # 27 calls left after the first poll: 4 summaries set aside, 11 polls over 15 hours.
    spacing = (end - start) / 11
    assert plan(start + spacing - 60, start, 27, start) is None
    assert plan(start + spacing, start, 27, start) == Due(summary=False)
    assert plan(start + 4 * HOUR, start, 27, start) == Due(summary=True)


def test_the_last_poll_comes_after_daylight_once() -> None:
    end = WINDOW[1]
    assert plan(end + 60, end - HOUR, 3, end - 2 * HOUR) == Due(summary=True)
    assert plan(end + 120, end + 60, 0) is None
    assert plan(end + 120, end + 60, 30) is None


def test_a_days_plans_fit_the_daily_share() -> None:
    """Every tick of a day asks the plan; the calls it spends never exceed the share."""
    tick = 300.0
    for start_hour in (4, 6, 9):
        window = (at(2025, 6, 15, start_hour, 0), at(2025, 6, 15, 21, 0))
        left, last, summary_at = 30, None, None
        polls: list[float] = []
        now = at(2025, 6, 15, 0, 0)
        while now < at(2025, 6, 16, 0, 0):
            due = decide(
                now,
                window,
                last_poll=last,
                last_summary=summary_at,
                calls_left=left,
                poll_cost=2,
                summary_cost=1,
                summary_interval=4 * HOUR,
            )
            if due is not None:
                left -= 2 + int(due.summary)
                last, polls = now, [*polls, now]
                summary_at = now if due.summary else summary_at
            now += tick
        assert left >= 0
        assert polls[0] == window[0] and polls[-1] >= window[1] - tick
        gaps = [b - a for a, b in itertools.pairwise(polls)]
        assert max(gaps) <= 1.35 * min(gaps)  # evenly spread
        assert len(polls) >= 9
