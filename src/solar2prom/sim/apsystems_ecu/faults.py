"""Fault switches of the simulated ECU, and counters of what it answered.

Per-connection faults fire for the next N connections (`*_next`, counted down):

- `reset`: the connection is reset (RST) before any answer.
- `silent`: the request is read and never answered; the connection stays open until the
  client gives up (a timeout on the client's side).
- `truncate`: the first half of the reply, then the connection closes.
- `garbage`: bytes that are no frame at all.
- `bad_length`: a reply whose length field is one short.
- `lifetime_zero`: the next system info reports lifetime energy 0 (a known firmware glitch).
- `no_data`: the next real-time reply has status `01` (no data).

Lasting switches: `hang` makes every connection silent (the ECU that stopped answering until
power-cycled); `today_zero` reports today's energy as 0 while producing (an ECU-R quirk);
`maintenance` resets every connection during 02:45-03:15 ECU local time; `latency` delays
every answer by that many real seconds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from solar2prom.sim.serving import take_fault

CONNECTION_FAULTS = ("reset", "silent", "truncate", "garbage", "bad_length")


@dataclass
class EcuFaults:
    reset_next: int = 0
    silent_next: int = 0
    truncate_next: int = 0
    garbage_next: int = 0
    bad_length_next: int = 0
    lifetime_zero_next: int = 0
    no_data_next: int = 0
    hang: bool = False
    today_zero: bool = False
    maintenance: bool = True
    latency: float = 0.0

    def take(self, kind: str) -> bool:
        """Whether fault `kind` fires now (consuming one of `<kind>_next`)."""
        return take_fault(self, kind)

    def connection_fault(self) -> str | None:
        if self.hang:
            return "silent"
        return next((kind for kind in CONNECTION_FAULTS if self.take(kind)), None)


@dataclass
class EcuSimStats:
    """Connections (and how many were open at once), commands answered, faults served."""

    connections: int = 0
    open_now: int = 0
    max_open: int = 0
    connected_at: list[float] = field(default_factory=list)  # simulated clock time
    commands: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    bad_requests: int = 0

    def opened(self, now: float) -> None:
        self.connections += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        self.connected_at.append(now)

    def closed(self) -> None:
        self.open_now -= 1
