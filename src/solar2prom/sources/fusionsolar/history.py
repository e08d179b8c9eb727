"""5-minute device history (`getDevHistoryKpi`): gap filling and backfill.

The vendor answers at most 10 devices of one type and 3 days per call, within Σ⌈n_t/10⌉ + 24
calls a day. A cursor per device (persisted) says up to when its history is in hand. A batch
is fetched again once a day, and at once after an outage of the real-time feed or a restart,
from its oldest cursor on — so every 5-minute point lands in the store whatever happened.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solar2prom.core.files import read_state, write_atomic
from solar2prom.core.model import Reading
from solar2prom.sources.fusionsolar.batching import batches
from solar2prom.sources.fusionsolar.parse import (
    DeviceInfo,
    DeviceKpi,
    ParseOptions,
    api_rows,
    device_readings,
)

log = logging.getLogger(__name__)

BATCH = 10
MAX_SPAN = 3 * 86400.0
DAILY = 86400.0
# The newest buckets may still be uploading: the cursor stays this far behind "now".
SETTLE = 1800.0


@dataclass(frozen=True, slots=True)
class Chunk:
    """One call: up to 10 devices of one type over at most 3 days."""

    type_id: int
    devices: tuple[DeviceInfo, ...]
    start: float
    end: float

    @property
    def key(self) -> str:
        ids = ",".join(d.id for d in self.devices)
        return f"{self.type_id}:{ids}:{self.start:.0f}:{self.end:.0f}"

    def payload(self) -> dict[str, Any]:
        return {
            "devIds": ",".join(d.id for d in self.devices),
            "devTypeId": self.type_id,
            "startTime": int(self.start * 1000),
            "endTime": int(self.end * 1000),
        }


def device_batches(
    devices: Sequence[DeviceInfo], types: frozenset[int]
) -> list[tuple[int, tuple[DeviceInfo, ...]]]:
    by_type: dict[int, list[DeviceInfo]] = {}
    for device in devices:
        if device.type_id in types:
            by_type.setdefault(device.type_id, []).append(device)
    return [
        (type_id, tuple(batch))
        for type_id, members in sorted(by_type.items())
        for batch in batches(sorted(members, key=lambda d: d.id), BATCH)
    ]


def chunks(
    batches_: Sequence[tuple[int, tuple[DeviceInfo, ...]]], start: float, end: float
) -> list[Chunk]:
    """Every call needed to cover [start, end) for these batches."""
    spans = math.ceil(max(0.0, end - start) / MAX_SPAN)
    return [
        Chunk(type_id, devices, start + i * MAX_SPAN, min(end, start + (i + 1) * MAX_SPAN))
        for type_id, devices in batches_
        for i in range(spans)
    ]


def history_readings(
    data: Any, devices: Mapping[str, DeviceInfo], options: Mapping[str, ParseOptions]
) -> tuple[tuple[Reading, ...], dict[str, float], dict[str, int]]:
    """Samples of a `getDevHistoryKpi` answer, the newest bucket per device, rejections."""
    samples: list[Reading] = []
    newest: dict[str, float] = {}
    rejected: dict[str, int] = {}
    for raw in api_rows(data):
        try:
            row = DeviceKpi.from_api(raw)
        except ValueError:
            continue  # no usable device id: a row of none of the devices asked about
        device = devices.get(row.dev_id)
        if device is None or row.collect_time is None:
            continue
        parsed = device_readings(
            device, row.items, options=options.get(device.id), time=row.collect_time
        )
        samples.extend(parsed.readings)
        for reason, count in parsed.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + count
        newest[device.id] = max(newest.get(device.id, 0.0), row.collect_time)
    return tuple(samples), newest, rejected


class Cursors:
    """Up to when each device's history is in hand; persisted so restarts resume."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._at: dict[str, float] = (
            read_state(
                path, "history cursors", lambda raw: {str(k): float(v) for k, v in raw.items()}
            )
            or {}
        )

    def known(self) -> bool:
        return bool(self._at)

    def get(self, device: str, default: float) -> float:
        return self._at.setdefault(device, default)

    def advance(self, devices: Sequence[str], to: float) -> None:
        for device in devices:
            self._at[device] = max(self._at.get(device, to), to)
        write_atomic(self.path, json.dumps(self._at).encode())
