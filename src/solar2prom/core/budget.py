"""Call budgets: vendor limits checked before a request is sent, never discovered by a refusal.

Each API of an account has sliding windows ("k calls per 5 minutes", "24 per day") and an
optional minimum spacing between two calls. A sliding window is the strictest reading of a
limit whose window alignment the vendor does not document: whatever the vendor's real window
boundaries, a sender that never exceeds the sliding count never exceeds theirs.

The call log is persisted, so a restart does not hand out a budget that was already spent.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solar2prom.core.files import read_state, write_atomic
from solar2prom.core.model import BudgetStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: float

    @property
    def label(self) -> str:
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if self.seconds % size == 0:
                return f"{int(self.seconds // size)}{unit}"
        return f"{self.seconds:g}s"


class CallBudget:
    """The calls allowed to one API: every window must have room, and spacing must have passed."""

    def __init__(self, api: str, windows: Iterable[Window] = (), min_spacing: float = 0.0) -> None:
        self.api = api
        self.windows: tuple[Window, ...] = tuple(windows)
        self.min_spacing = min_spacing
        self._calls: deque[float] = deque()
        self._strikes = 0
        self._last_exhaust: float | None = None

    def set_limits(self, windows: Iterable[Window], min_spacing: float | None = None) -> None:
        self.windows = tuple(windows)
        if min_spacing is not None:
            self.min_spacing = min_spacing

    def _horizon(self) -> float:
        return max([w.seconds for w in self.windows] + [self.min_spacing, 0.0])

    def _prune(self, now: float) -> None:
        horizon = self._horizon()
        while self._calls and self._calls[0] <= now - horizon:
            self._calls.popleft()

    def _used(self, window: Window, now: float) -> list[float]:
        return [t for t in self._calls if t > now - window.seconds]

    def wait_time(self, now: float) -> float:
        """Seconds until one more call is allowed (0 when it is allowed now)."""
        self._prune(now)
        wait = 0.0
        if self._calls and self.min_spacing:
            wait = max(wait, self._calls[-1] + self.min_spacing - now)
        for window in self.windows:
            used = self._used(window, now)
            if window.limit <= 0:
                return window.seconds
            if len(used) >= window.limit:
                # The call that frees a slot is the one `limit` calls back from the newest.
                wait = max(wait, used[-window.limit] + window.seconds - now)
        return max(0.0, wait)

    def record(self, now: float) -> None:
        self._calls.append(now)
        self._prune(now)

    def refund(self, when: float) -> None:
        """Forget one call recorded at `when`: the vendor did not process it."""
        with contextlib.suppress(ValueError):
            self._calls.remove(when)

    def exhaust(self, now: float) -> None:
        """The vendor said the budget is spent (e.g. a 407) although our count had room.

        Which window it meant is not said: the shortest is filled first; a refusal again soon
        after waiting it out fills the next longer one, and so on.
        """
        windows = sorted(self.windows, key=lambda w: w.seconds)
        if not windows:
            return
        previous = windows[min(self._strikes, len(windows) - 1)].seconds
        recent = self._last_exhaust is not None and now - self._last_exhaust < 2 * previous
        self._strikes = self._strikes + 1 if recent else 0
        self._last_exhaust = now
        # The vendor's window is full as of now: no slot frees before a whole window passes.
        filled = max(w.limit for w in windows[: self._strikes + 1])
        self._calls.extend([now] * filled)
        self._calls = deque(sorted(self._calls))

    def status(self, now: float) -> list[BudgetStatus]:
        self._prune(now)
        return [
            BudgetStatus(self.api, w.label, w.limit, max(0, w.limit - len(self._used(w, now))))
            for w in self.windows
        ]

    def calls(self) -> list[float]:
        return list(self._calls)

    def restore(self, calls: Iterable[float], now: float) -> None:
        # No pruning here: the limits (and so the horizon) may be configured only afterwards.
        self._calls = deque(sorted(t for t in calls if t <= now))


class Governor:
    """All the budgets of one account, persisted to `path` after every recorded call."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._budgets: dict[str, CallBudget] = {}
        self._saved: dict[str, list[float]] = {}
        if path is not None:
            self._saved = read_state(path, "budget file", _saved_calls) or {}

    def budget(self, api: str, now: float) -> CallBudget:
        budget = self._budgets.get(api)
        if budget is None:
            budget = self._budgets[api] = CallBudget(api)
            budget.restore(self._saved.pop(api, []), now)
        return budget

    def configure(
        self, api: str, windows: Iterable[Window], now: float, min_spacing: float = 0.0
    ) -> None:
        self.budget(api, now).set_limits(windows, min_spacing)

    def wait_time(self, api: str, now: float) -> float:
        return self.budget(api, now).wait_time(now)

    def record(self, api: str, now: float) -> None:
        self.budget(api, now).record(now)
        self.save()

    def refund(self, api: str, when: float) -> None:
        self.budget(api, when).refund(when)
        self.save()

    def exhaust(self, api: str, now: float) -> None:
        self.budget(api, now).exhaust(now)
        self.save()

    def status(self, now: float) -> tuple[BudgetStatus, ...]:
        return tuple(s for b in self._budgets.values() for s in b.status(now))

    def save(self) -> None:
        if self.path is None:
            return
        data = {api: b.calls() for api, b in self._budgets.items()} | self._saved
        write_atomic(self.path, json.dumps(data).encode())


def _saved_calls(raw: Any) -> dict[str, list[float]]:
    """api -> times of its recorded calls, as `Governor` saved them."""
    return {str(k): [float(t) for t in v] for k, v in raw.items() if isinstance(v, list)}
