"""The account's monthly call quota, counted locally and checked before every call.

The vendor allows about 1,000 calls a month on the free tier and counts them per calendar
month, in a time zone it does not document. Two rules together keep any calendar month, in
any time zone, under the quota:

- a sliding window of the quota per 32 days (core `Governor`, persisted): every calendar
  month, whatever its alignment, lies inside one such window;
- a daily allowance of quota ÷ 33 calls per local day, so that even the 33 local days a
  32-day window can touch stay within it, and calls are spread over the whole month instead
  of being spent by its middle.

The vendor's own refusals stop all calls for as long as they say: 2005 (the account's limit)
until the next month, 7001 (server limit) until the next day. That stop is persisted too, so
a restart does not ask again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path

from solar2prom.core.budget import Governor, Window
from solar2prom.core.errors import RateLimited
from solar2prom.core.files import read_state, write_atomic
from solar2prom.core.model import BudgetStatus

log = logging.getLogger(__name__)

API = "openapi"
MONTH_WINDOW = 32 * 86400.0
DAYS_PER_WINDOW = 33


def next_midnight(now: float, tz: tzinfo) -> float:
    day = datetime.fromtimestamp(now, tz).date() + timedelta(days=1)
    return datetime.combine(day, time(), tz).timestamp()


def local_midnight(now: float, tz: tzinfo) -> float:
    return datetime.combine(datetime.fromtimestamp(now, tz).date(), time(), tz).timestamp()


def next_month(now: float, tz: tzinfo) -> float:
    local = datetime.fromtimestamp(now, tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=tz).timestamp()


class Quota:
    def __init__(self, state_dir: Path, monthly: int, now: float) -> None:
        self.monthly = monthly
        self.daily = monthly // DAYS_PER_WINDOW
        self._governor = Governor(state_dir / "quota.json")
        self._governor.configure(API, [Window(monthly, MONTH_WINDOW)], now)
        self._stop_path = state_dir / "quota_stop.json"
        self._stop: tuple[float, str] | None = self._load_stop()

    def _load_stop(self) -> tuple[float, str] | None:
        return read_state(
            self._stop_path, "quota stop", lambda raw: (float(raw["until"]), str(raw["reason"]))
        )

    def used_today(self, now: float, tz: tzinfo) -> int:
        since = local_midnight(now, tz)
        return sum(1 for t in self._governor.budget(API, now).calls() if t >= since)

    def left_today(self, now: float, tz: tzinfo) -> int:
        """Calls still allowed today: the daily allowance and the 32-day window both hold."""
        in_window = self._governor.budget(API, now).status(now)[0].remaining
        return max(0, min(self.daily - self.used_today(now, tz), in_window))

    def check(self, now: float, tz: tzinfo) -> None:
        """Raise `RateLimited` unless one more call is allowed now."""
        if self._stop is not None and now < self._stop[0]:
            raise RateLimited(self._stop[1], retry_after=self._stop[0] - now)
        if self.used_today(now, tz) >= self.daily:
            raise RateLimited(
                "the day's share of the monthly OpenAPI quota is spent",
                retry_after=next_midnight(now, tz) - now,
            )
        wait = self._governor.wait_time(API, now)
        if wait > 0:
            raise RateLimited("the monthly OpenAPI quota is spent", retry_after=wait)

    def record(self, now: float) -> None:
        self._governor.record(API, now)

    def refund(self, when: float) -> None:
        """Give back a call that never reached the vendor."""
        self._governor.refund(API, when)

    def stop(self, until: float, reason: str) -> None:
        self._stop = (until, reason)
        write_atomic(self._stop_path, json.dumps({"until": until, "reason": reason}).encode())

    def status(self, now: float, tz: tzinfo) -> tuple[BudgetStatus, ...]:
        month = self._governor.budget(API, now).status(now)
        today = BudgetStatus(API, "day", self.daily, self.left_today(now, tz))
        return (*month, today)
