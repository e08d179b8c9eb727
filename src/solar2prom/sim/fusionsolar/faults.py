"""Fault switches, settable at any time from Python or through `POST /_sim/faults`.

Transport faults fire either for the next N requests (`*_next`, counted down) or at random
with a probability (`*_probability`, from a seeded generator). They hit `/thirdData/*` only:

- `drop_connection`: the connection is closed without any response.
- `http_error`: HTTP `http_error_status` (500/502/503) with a plain-text body.
- `html_error`: an HTML error page with HTTP `html_error_status` (200 or 502).
- `quota_403`: HTTP 403 with the API gateway's quotaControl body.
- `malformed_json`: the normal answer, cut in the middle.

The first four are decided before the API sees the request (a gateway or proxy failing), so
they consume no rate budget; `malformed_json` corrupts an answer that was really produced.
`fault_apis` restricts those four to the named interfaces (empty: every one), and
`fault_skip` lets that many of their requests through first (counted down): a fault in the
middle of a poll cycle.

An outage makes the whole API unreachable: while `down` is true, or the simulator's clock is
before `down_until` (epoch seconds; 0 = no outage), every `/thirdData/*` connection is closed
without an answer, before anything else is looked at. The plants go on meanwhile, so history
for the outage is there once the API is back. `/_sim/*` keeps answering, to end an outage.
`latency` delays every request by that many real seconds. `force_305_next` ends the session
on the next N data calls, which then answer 305. `corrupt_values` ("null", "na", "string" or
"zero") rewrites the values of real-time and history `dataItemMap`s: the keys in
`corrupt_keys` (all keys when empty), each with probability `corrupt_probability`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from solar2prom.sim.serving import take_fault

TRANSPORT_FAULTS = ("drop_connection", "http_error", "html_error", "quota_403")
CORRUPTIONS = ("null", "na", "string", "zero")


@dataclass
class Faults:
    down: bool = False
    down_until: float = 0.0
    latency: float = 0.0
    drop_connection_next: int = 0
    drop_connection_probability: float = 0.0
    http_error_status: int = 503
    http_error_next: int = 0
    http_error_probability: float = 0.0
    html_error_status: int = 200
    html_error_next: int = 0
    html_error_probability: float = 0.0
    quota_403_next: int = 0
    quota_403_probability: float = 0.0
    fault_apis: list[str] = field(default_factory=list)
    fault_skip: int = 0
    malformed_json_next: int = 0
    malformed_json_probability: float = 0.0
    force_305_next: int = 0
    corrupt_values: str | None = None
    corrupt_keys: list[str] = field(default_factory=list)
    corrupt_probability: float = 1.0
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Set switches by name; raise ValueError (and change nothing) on a bad one."""
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in _switches():
                raise ValueError(f"unknown fault switch {name!r}")
            checked[name] = _check(name, value, getattr(self, name))
        for name, value in checked.items():
            setattr(self, name, value)
        if "seed" in checked:
            self._rng = random.Random(self.seed)

    def clear(self) -> None:
        """Switch every fault off (the random generator restarts from `seed`)."""
        fresh = Faults(seed=self.seed)
        for name in _switches():
            setattr(self, name, getattr(fresh, name))
        self._rng = fresh._rng

    def take(self, kind: str) -> bool:
        """Whether fault `kind` fires for this request (consuming one of `<kind>_next`)."""
        return take_fault(self, kind, self._rng)

    def is_down(self, now: float) -> bool:
        return self.down or now < self.down_until

    def transport_fault(self, api: str) -> str | None:
        if self.fault_apis and api not in self.fault_apis:
            return None
        if self.fault_skip > 0:
            self.fault_skip -= 1
            return None
        return next((kind for kind in TRANSPORT_FAULTS if self.take(kind)), None)

    def corrupt(self, items: dict[str, Any]) -> None:
        """Rewrite values of one dataItemMap in place, as `corrupt_values` asks."""
        mode = self.corrupt_values
        if mode is None:
            return
        for key in self.corrupt_keys or list(items):
            if key not in items or self._rng.random() >= self.corrupt_probability:
                continue
            value = items[key]
            if mode == "null":
                items[key] = None
            elif mode == "na":
                items[key] = "N/A"
            elif mode == "string":
                items[key] = None if value is None else str(value)
            else:
                items[key] = 0

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _switches()}


def _switches() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Faults) if f.init)


def _check(name: str, value: Any, current: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if name == "corrupt_values":
        if value is not None and value not in CORRUPTIONS:
            raise ValueError(f"corrupt_values must be null or one of {CORRUPTIONS}")
        return value
    if name in ("corrupt_keys", "fault_apis"):
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"{name} must be a list of strings")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if isinstance(current, int):
        if not float(value).is_integer() or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
        if name.endswith("_status") and not 200 <= value <= 599:
            raise ValueError(f"{name} must be an HTTP status 200..599")
        return int(value)
    if value < 0 or (name.endswith("_probability") and value > 1):
        raise ValueError(f"{name} out of range")
    return float(value)
