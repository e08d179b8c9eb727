"""The ECU's lifetime energy, checked against its last accepted value across restarts.

ECU firmware now and then reports lifetime energy as 0 or as less than before for one reply.
The poller's counter guard catches a drop within one run; this one also remembers the last
accepted value on disk, so a glitch in the first reply after a restart cannot reset the
counter either, and it rejects 0 even as the very first value. A rejected reply exports the
last accepted value (the series neither vanishes nor jumps) and counts the rejection.

The memory is per ECU id: a replaced ECU, whose counter really starts again, gets a new id.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

from solar2prom.core.files import read_state, write_atomic
from solar2prom.core.guards import REASON_COUNTER_DECREASE
from solar2prom.sources.apsystems.ecu.readings import IMPLAUSIBLE

log = logging.getLogger(__name__)


class LifetimeFloor:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._accepted: dict[str, int] = (
            read_state(path, "lifetime file", lambda raw: {str(k): int(v) for k, v in raw.items()})
            or {}
        )

    def accept(self, ecu_id: str, wh: int, rejected: Counter[str]) -> int | None:
        """The lifetime (Wh) to export for a reply saying `wh`: it, or the last accepted."""
        last = self._accepted.get(ecu_id)
        if wh <= 0:
            rejected[IMPLAUSIBLE] += 1
            return last
        if last is not None and wh < last:
            rejected[REASON_COUNTER_DECREASE] += 1
            return last
        if wh != last:
            self._accepted[ecu_id] = wh
            write_atomic(self.path, json.dumps(self._accepted).encode())
        return wh
