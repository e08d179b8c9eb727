"""The background jobs of one account: which call, how often, and what its answer becomes.

Cadences come from the daily budgets (reference §12): a KPI interface allowed k+24 calls a day
is asked at most every 86400·k/(k+24) s (hourly for up to 100 plants); month and year figures
every 6 hours; alarms every 31 minutes (k per 30 minutes allowed). Day and hour KPIs are asked
once more for the previous day after the plant's midnight, for that day's final values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any, Protocol

from solar2prom.core.model import Reading
from solar2prom.core.timezones import local_date
from solar2prom.sources.fusionsolar import alarms, kpi
from solar2prom.sources.fusionsolar.background import Job, JobOutput
from solar2prom.sources.fusionsolar.batching import batches
from solar2prom.sources.fusionsolar.history import (
    DAILY,
    SETTLE,
    Chunk,
    Cursors,
    device_batches,
    history_readings,
)
from solar2prom.sources.fusionsolar.limits import DEVICE_KPI_TYPES, HISTORY_TYPES
from solar2prom.sources.fusionsolar.parse import DeviceInfo, ParseOptions, Plant

SIX_HOURS = 6 * 3600.0
ALARM_PERIOD = 31 * 60.0
ALARM_LOOKBACK = 30 * 86400.0
HISTORY_CHECK = 300.0
MAX_ALARM_NOTES = 10


Runner = Callable[[], Awaitable[JobOutput]]


class Call(Protocol):
    async def __call__(self, api: str, payload: dict[str, Any]) -> Any: ...


def kpi_period(batches_per_refresh: int) -> float:
    """Seconds between refreshes so that n calls per refresh fit in n + 24 calls a day."""
    n = max(1, batches_per_refresh)
    return max(3600.0, DAILY * n / (n + 24))


class _DayAware:
    """Collect time for a day/hour KPI: now, or once after midnight the day just ended."""

    def __init__(self, now: Callable[[], float], tz: Callable[[], tzinfo]) -> None:
        self._now, self._tz = now, tz
        self._last: float | None = None

    def collect_time(self) -> tuple[float, float | None]:
        """(collect time, when to run again): the day that just ended first, then today."""
        now = self._now()
        last, self._last = self._last, now
        if last is not None and local_date(last, self._tz()) < local_date(now, self._tz()):
            return last, now
        return now, None


class JobFactory:
    """Builds the job list for an inventory; the jobs call the vendor through `call`."""

    def __init__(
        self,
        call: Call,
        now: Callable[[], float],
        tz: Callable[[], tzinfo],
        currency: str,
        cursors: Cursors,
        outage_end: Callable[[], float],
        options: Callable[[DeviceInfo], ParseOptions],
    ) -> None:
        self._call, self._now, self._tz = call, now, tz
        self._currency = currency
        self._cursors = cursors
        self._outage_end = outage_end
        self._options = options

    def jobs(self, plants: Sequence[Plant], devices: Sequence[DeviceInfo]) -> list[Job]:
        codes = [p.code for p in plants]
        plant_batches = list(batches(codes, 100))
        kpi_devices: dict[int, list[DeviceInfo]] = {}
        for device in devices:
            if device.type_id in DEVICE_KPI_TYPES:
                kpi_devices.setdefault(device.type_id, []).append(device)
        device_batches_ = [
            (type_id, tuple(batch))
            for type_id, members in sorted(kpi_devices.items())
            for batch in batches(members, 100)
        ]
        jobs: list[Job] = []
        for period, api in kpi.PLANT_APIS.items():
            every = kpi_period(len(plant_batches)) if period in ("hour", "day") else SIX_HOURS
            for i, codes_batch in enumerate(plant_batches):
                run = self._plant_kpi(period, api, codes_batch)
                jobs.append(Job(f"{api}:{i}", api, every, run))
        for period, api in kpi.DEVICE_APIS.items():
            every = kpi_period(len(device_batches_)) if period == "day" else SIX_HOURS
            for type_id, batch in device_batches_:
                key = f"{api}:{type_id}:{batch[0].id}"
                jobs.append(Job(key, api, every, self._device_kpi(period, api, type_id, batch)))
        for i, codes_batch in enumerate(plant_batches):
            run = self._alarms(codes_batch)
            jobs.append(Job(f"getAlarmList:{i}", "getAlarmList", ALARM_PERIOD, run))
        for type_id, batch in device_batches(devices, HISTORY_TYPES):
            job = Job(
                f"getDevHistoryKpi:{type_id}:{batch[0].id}",
                "getDevHistoryKpi",
                HISTORY_CHECK,
                self._history(type_id, batch),
                wanted=self._history_wanted(batch),
            )
            jobs.append(job)
        return jobs

    def _plant_kpi(self, period: str, api: str, codes: Sequence[str]) -> Runner:
        day = _DayAware(self._now, self._tz) if period in ("hour", "day") else None

        async def run() -> JobOutput:
            when, again = day.collect_time() if day else (self._now(), None)
            payload = {"stationCodes": ",".join(codes), "collectTime": int(when * 1000)}
            rows = kpi.plant_kpis(period, await self._call(api, payload), self._currency)
            live = rows.latest if again is None else ()
            return JobOutput(live, rows.history, rows.rejected, again_at=again)

        return run

    def _device_kpi(
        self, period: str, api: str, type_id: int, batch: Sequence[DeviceInfo]
    ) -> Runner:
        day = _DayAware(self._now, self._tz) if period == "day" else None
        sites = {d.id: d.station_code for d in batch}

        async def run() -> JobOutput:
            when, again = day.collect_time() if day else (self._now(), None)
            payload = {
                "devIds": ",".join(d.id for d in batch),
                "devTypeId": type_id,
                "collectTime": int(when * 1000),
            }
            rows = kpi.device_kpis(period, type_id, await self._call(api, payload), sites)
            live = rows.latest if again is None else ()
            return JobOutput(live, rows.history, rows.rejected, again_at=again)

        return run

    def _alarms(self, codes: Sequence[str]) -> Runner:
        async def run() -> JobOutput:
            now = self._now()
            payload = {
                "stationCodes": ",".join(codes),
                "beginTime": int((now - ALARM_LOOKBACK) * 1000),
                "endTime": int(now * 1000),
                "language": "en_US",
            }
            found = alarms.parse_alarms(await self._call("getAlarmList", payload))
            active = [a for a in found if a.active]
            notes = tuple(a.describe() for a in active[:MAX_ALARM_NOTES])
            if len(active) > MAX_ALARM_NOTES:
                notes += (f"and {len(active) - MAX_ALARM_NOTES} more active alarms",)
            return JobOutput(alarms.alarm_readings(codes, found), notes=notes)

        return run

    def _history_start(self, batch: Sequence[DeviceInfo]) -> float:
        return min(self._cursors.get(d.id, self._now()) for d in batch)

    def _history_wanted(self, batch: Sequence[DeviceInfo]) -> Callable[[], bool]:
        def wanted() -> bool:
            start = self._history_start(batch)
            now = self._now()
            return now - start >= DAILY or (
                start < self._outage_end() <= now and now - start > SETTLE
            )

        return wanted

    def _history(self, type_id: int, batch: Sequence[DeviceInfo]) -> Runner:
        by_id = {d.id: d for d in batch}

        async def run() -> JobOutput:
            now = self._now()
            start = self._history_start(batch)
            chunk = Chunk(type_id, tuple(batch), start, min(now, start + 3 * DAILY))
            samples, _, rejected = await fetch_history(
                self._call, chunk, by_id, {d.id: self._options(d) for d in batch}
            )
            self._cursors.advance([d.id for d in batch], min(chunk.end, now - SETTLE))
            again = now if chunk.end < now - SETTLE else None  # more days to catch up
            return JobOutput(history=samples, rejected=Counter(rejected), again_at=again)

        return run


async def fetch_history(
    call: Call,
    chunk: Chunk,
    devices: Mapping[str, DeviceInfo],
    options: Mapping[str, ParseOptions],
) -> tuple[tuple[Reading, ...], dict[str, float], dict[str, int]]:
    data = await call("getDevHistoryKpi", chunk.payload())
    return history_readings(data, devices, options)
