"""Counters of what the gateway simulator answered, for tests and benchmarks to assert on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimStats:
    requests: Counter[str] = field(default_factory=Counter)  # path -> requests
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (path, status)
    auth_refusals: Counter[str] = field(default_factory=Counter)  # reason -> requests
    faults: Counter[str] = field(default_factory=Counter)
    token_checks: int = 0
    max_in_flight: int = 0  # the most requests a client had outstanding at once

    def reset(self) -> None:
        fresh = SimStats()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.requests.items())),
            "statuses": {f"{p} {s}": n for (p, s), n in sorted(self.statuses.items())},
            "auth_refusals": dict(self.auth_refusals),
            "faults": dict(self.faults),
            "token_checks": self.token_checks,
            "max_in_flight": self.max_in_flight,
        }
