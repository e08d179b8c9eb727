"""`getDevHistoryKpi`: the 5-minute samples of up to 10 devices of one type over up to 3 days.

Checks in order: `devTypeId` (20013 outside the historical data list, 401 outside
`granted_types`), devices (`devIds` or `sns`; empty 20005, more than 10: 30031 by ID, 20018 by
serial; another type 20006, none found 20008), then the span: `startTime` / `endTime` in ms
(missing 20012, not an integer 30030, start after end 20023, longer than 3 days 30032).

Rows: one per device and sample instant in [startTime, endTime) — the end is left out, the
stricter reading of an undocumented edge: a client that pages by 3 days misses nothing, one
that counts on the end being included does — grouped by device in request order, oldest
first, from the start of the simulation up to the latest sample (the one real time serves).
Each sample is replayed from the plant's timeline, so it equals what `getDevRealKpi` answered
for that instant (see `render.history_items` for the few differences of the historical list).
"""

from __future__ import annotations

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar import render
from solar2prom.sim.fusionsolar.directory import DeviceLimit, Directory, time_span
from solar2prom.sim.fusionsolar.envelope import Body, failure, millis, success
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.inventory import DeviceSpec

HISTORY_LIMIT = DeviceLimit(most=10, too_many_ids=30031, too_many_sns=20018)
MAX_SPAN_MS = 3 * 86_400_000


class HistoryApi:
    def __init__(self, directory: Directory, faults: Faults) -> None:
        self.directory = directory
        self.faults = faults

    def dev_history_kpi(self, body: Body, now: float) -> Body:
        devices = self.directory.requested_devices(body, c.HISTORY_TYPES, HISTORY_LIMIT, now)
        if isinstance(devices, dict):
            return devices
        span = time_span(body, "startTime", "endTime", now)
        if isinstance(span, dict):
            return span
        start, end = span
        if end - start > MAX_SPAN_MS:
            return failure(30032, body, now)
        rows: dict[int, list[Body]] = {dev.dev_id: [] for dev in devices}
        by_plant: dict[int, list[DeviceSpec]] = {}
        for dev in devices:
            by_plant.setdefault(dev.plant, []).append(dev)
        period_ms = round(self.directory.config.sample_period * 1000)
        first = -(-start // period_ms) * period_ms
        last = (end - 1) // period_ms * period_ms
        for index, plant_devices in by_plant.items():
            timeline = self.directory.timeline(index)
            timeline.advance(now)
            for state in timeline.replay(first / 1000, last / 1000):
                for dev in plant_devices:
                    items = render.history_items(state, dev)
                    self.faults.corrupt(items)
                    rows[dev.dev_id].append(
                        {
                            "devId": dev.dev_id,
                            "sn": dev.esn or "null",
                            "collectTime": millis(state.t),
                            "dataItemMap": items,
                        }
                    )
        return success([row for device_rows in rows.values() for row in device_rows], body, now)
