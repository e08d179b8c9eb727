"""Fault switches of the gateway simulator, settable from Python or `POST /_sim/faults`.

Transport faults hit every path but `/info` and `/_sim/*`, either for the next N requests
(`*_next`, counted down) or at random (`*_probability`, from a seeded generator):

- `http_error`: HTTP `http_error_status` (default 503, what a busy gateway answers).
- `drop_connection`: the connection is closed without an answer.
- `malformed_json`: the real answer, cut in the middle.

`latency` delays every request by that many real seconds (a slow gateway: network timeouts
are real time). `nightly_outage` makes the gateway answer 503 from 23:00 to 23:05 of its
local time, the maintenance outage real gateways have every night.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from solar2prom.sim.serving import take_fault

TRANSPORT_FAULTS = ("http_error", "drop_connection")


@dataclass
class Faults:
    latency: float = 0.0
    http_error_status: int = 503
    http_error_next: int = 0
    http_error_probability: float = 0.0
    drop_connection_next: int = 0
    drop_connection_probability: float = 0.0
    malformed_json_next: int = 0
    malformed_json_probability: float = 0.0
    nightly_outage: bool = False
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Set switches by name; raise ValueError (and change nothing) on a bad one."""
        switches = {f.name: f for f in fields(self) if f.init}
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in switches:
                raise ValueError(f"unknown fault switch {name!r}")
            checked[name] = _check(name, value, getattr(self, name))
        for name, value in checked.items():
            setattr(self, name, value)
        self._rng = random.Random(self.seed)

    def clear(self) -> None:
        fresh = Faults(seed=self.seed)
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    def take(self, kind: str) -> bool:
        """Whether fault `kind` fires for this request (consuming one of `<kind>_next`)."""
        return take_fault(self, kind, self._rng)

    def transport_fault(self) -> str | None:
        return next((kind for kind in TRANSPORT_FAULTS if self.take(kind)), None)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}


def _check(name: str, value: Any, current: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if isinstance(current, int):
        if not float(value).is_integer() or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
        if name.endswith("_status") and not 500 <= value <= 599:
            raise ValueError(f"{name} must be an HTTP status 500..599")
        return int(value)
    if value < 0 or (name.endswith("_probability") and value > 1):
        raise ValueError(f"{name} out of range")
    return float(value)
