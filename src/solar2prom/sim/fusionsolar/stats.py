"""Counters of what the simulator answered, for tests and benchmarks to assert on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiStats:
    """One interface: calls received and how each was answered."""

    calls: int = 0
    ok: int = 0
    empty_bodies: int = 0
    fail_codes: Counter[int] = field(default_factory=Counter)
    http_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "ok": self.ok,
            "empty_bodies": self.empty_bodies,
            "fail_codes": {str(code): n for code, n in sorted(self.fail_codes.items())},
            "http_status": {str(code): n for code, n in sorted(self.http_status.items())},
            "faults": dict(sorted(self.faults.items())),
        }


@dataclass
class SimStats:
    """All interfaces, plus successful logins and rate-limit violations (407s returned)."""

    apis: dict[str, ApiStats] = field(default_factory=dict)
    logins: int = 0
    violations: int = 0

    def api(self, name: str) -> ApiStats:
        return self.apis.setdefault(name, ApiStats())

    def reset(self) -> None:
        self.apis.clear()
        self.logins = 0
        self.violations = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "apis": {name: s.to_json() for name, s in sorted(self.apis.items())},
            "logins": self.logins,
            "violations": self.violations,
        }
