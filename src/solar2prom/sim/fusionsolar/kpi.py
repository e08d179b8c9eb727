"""The plant KPIs `getKpiStation{Hour,Day,Month,Year}` and device KPIs `getDevKpi{Day,Month,Year}`.

Both take `collectTime` (ms; missing 20012, not an integer 30030) and answer the buckets of the
window it selects in the plant's local time: Hour → the hours of its day, Day → the days of its
month, Month → the months of its year, Year → every year since the grid connection (whatever
`collectTime` says). `collectTime` of a row is the start of its bucket; only buckets with data
appear, so nothing later than the latest sample, and no hours before the simulation began (its
earlier days come from the prehistory, see `timeline`). Today, this month and this year are
partial, as the service shows them during the day.

Plant KPIs: `stationCodes` (empty 20010, more than 100 20014, none bound 20007); rows of
several plants are interleaved, ordered by time. Device KPIs: `devIds` only (the reference
knows no `sns` here) of types 1, 38, 39, 41 (20013, 401 outside `granted_types`), up to 100
(20016); rows grouped by device.
"""

from __future__ import annotations

from collections.abc import Callable

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.directory import DEVICES_PER_QUERY, Directory, as_int
from solar2prom.sim.fusionsolar.envelope import Body, failure, millis, success
from solar2prom.sim.fusionsolar.periods import (
    DEVICE_GRAINS,
    HOUR,
    Grain,
    day_date,
    day_start,
    local_day,
    month_days,
    year_days,
)
from solar2prom.sim.fusionsolar.render_kpi import Equipment, device_items, station_items
from solar2prom.sim.fusionsolar.timeline import PlantTimeline

Handler = Callable[[Body, float], Body]


def windows(grain: Grain, timeline: PlantTimeline, collect: float) -> list[range]:
    """The day ranges of the buckets `collect` (epoch seconds) selects, for day grains and up."""
    spec = timeline.spec
    when = day_date(local_day(collect, spec.utc_offset_s))
    if grain is Grain.DAY:
        return [range(day, day + 1) for day in month_days(when.year, when.month)]
    if grain is Grain.MONTH:
        return [month_days(when.year, month) for month in range(1, 13)]
    first = day_date(timeline.prehistory.first_day).year
    last = day_date(local_day(timeline.live.t, spec.utc_offset_s)).year
    return [year_days(year) for year in range(first, last + 1)]


class KpiApi:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def handlers(self) -> dict[str, Handler]:
        station = {g.station_api: self._station_handler(g) for g in Grain}
        device = {g.device_api: self._device_handler(g) for g in DEVICE_GRAINS}
        return station | device

    def _station_handler(self, grain: Grain) -> Handler:
        return lambda body, now: self._station(grain, body, now)

    def _device_handler(self, grain: Grain) -> Handler:
        return lambda body, now: self._device(grain, body, now)

    def _station(self, grain: Grain, body: Body, now: float) -> Body:
        plants = self.directory.requested_plants(body, 20014, now)
        if isinstance(plants, dict):
            return plants
        collect = _collect_time(body, now)
        if isinstance(collect, dict):
            return collect
        camel_case = self.directory.config.kpi_camel_case
        rows: list[tuple[float, int, Body]] = []
        for order, plant in enumerate(plants):
            timeline = self.directory.timeline(plant.index)
            timeline.advance(now)
            equipment = Equipment.of(self.directory.devices_of(plant))
            offset = plant.utc_offset_s
            if grain is Grain.HOUR:
                day = day_start(local_day(collect, offset), offset)
                hours = [day + hour * HOUR for hour in range(24)]
                buckets = [(start, timeline.ledger.hours.get(start)) for start in hours]
            else:
                buckets = [
                    (day_start(days.start, offset), timeline.flows(days))
                    for days in windows(grain, timeline, collect)
                ]
            for start, flows in buckets:
                if flows is not None:
                    items = station_items(flows, plant, equipment, grain is Grain.HOUR, camel_case)
                    row = {"stationCode": plant.code, "collectTime": millis(start)}
                    rows.append((start, order, {**row, "dataItemMap": items}))
        rows.sort(key=lambda entry: entry[:2])
        return success([row for _, _, row in rows], body, now)

    def _device(self, grain: Grain, body: Body, now: float) -> Body:
        devices = self.directory.requested_devices(
            body, c.KPI_DEVICE_TYPES, DEVICES_PER_QUERY, now, by_serial=False
        )
        if isinstance(devices, dict):
            return devices
        collect = _collect_time(body, now)
        if isinstance(collect, dict):
            return collect
        rows = []
        for dev in devices:
            timeline = self.directory.timeline(dev.plant)
            timeline.advance(now)
            offset = timeline.spec.utc_offset_s
            for days in windows(grain, timeline, collect):
                totals = timeline.device(dev, days)
                if totals is not None:
                    rows.append(
                        {
                            "devId": dev.dev_id,
                            "sn": dev.esn or "null",
                            "collectTime": millis(day_start(days.start, offset)),
                            "dataItemMap": device_items(dev, totals),
                        }
                    )
        return success(rows, body, now)


def _collect_time(body: Body, now: float) -> float | Body:
    raw = body.get("collectTime")
    if raw in (None, ""):
        return failure(20012, body, now)
    value = as_int(raw)
    return failure(30030, body, now) if value is None else value / 1000.0
