"""The `fusionsolar` source: one Northbound API account, all the plants bound to it.

One feed, `realtime`, every 330 s by default: the inventory when due (cached daily), then
⌈P/100⌉ `getStationRealKpi` calls and one `getDevRealKpi` call per device type and batch of
100 — the minimum the vendor's limits allow, and exactly what they allow per 5 minutes.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import tzinfo
from typing import Any

import aiohttp

from solar2prom.core.budget import Governor
from solar2prom.core.errors import AuthFailed, RateLimited, SourceError, UpdateFailed
from solar2prom.core.guards import DayTotalGuard
from solar2prom.core.model import FeedResult, Reading
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus
from solar2prom.sources.fusionsolar import limits
from solar2prom.sources.fusionsolar.aggregate import site_readings
from solar2prom.sources.fusionsolar.backfill import BackfillLog, BackfillPlan, Progress
from solar2prom.sources.fusionsolar.background import PASS_INTERVAL, Background
from solar2prom.sources.fusionsolar.batching import batches
from solar2prom.sources.fusionsolar.catalog import device_kind
from solar2prom.sources.fusionsolar.client import FusionSolarClient, NoPermission
from solar2prom.sources.fusionsolar.config import FusionSolarConfig
from solar2prom.sources.fusionsolar.history import Cursors, chunks, device_batches
from solar2prom.sources.fusionsolar.inventory import Inventory, InventoryCache
from solar2prom.sources.fusionsolar.jobs import ALARM_PERIOD, JobFactory, fetch_history
from solar2prom.sources.fusionsolar.parse import (
    DeviceInfo,
    ParsedReadings,
    ParseOptions,
    Plant,
    device_readings,
    station_readings,
)

log = logging.getLogger(__name__)

BATCH = 100
NO_PLANTS_RETRY = 3600.0
LONG_WAIT = 120.0


class FusionSolarSource:
    vendor = "fusionsolar"

    def __init__(
        self,
        config: FusionSolarConfig,
        context: SourceContext,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        self._governor = Governor(context.state_dir / "budget.json")
        limits.configure(self._governor, 1, {}, self._clock.now())
        self._client = FusionSolarClient(
            config.url,
            config.username,
            config.system_code.get_secret_value(),
            clock=context.clock,
            governor=self._governor,
            stats=self.requests,
            session=session,
            timeout=config.timeout,
            # After a daily inventory refresh the real-time calls run late in their window, so
            # the next poll can find its slot a minute or two away: it waits rather than fail.
            max_wait=config.poll_interval,
        )
        self._cache = InventoryCache(
            context.state_dir / "inventory.json", f"{config.url} {config.username}"
        )
        self._inventory: Inventory | None = None
        self._denied: set[int] = set()
        self._day_totals = DayTotalGuard()
        self._state_dir = context.state_dir
        self._backfill_log = BackfillLog(context.state_dir / "backfill.json", 0.0, 0.0)
        self._cursors = Cursors(context.state_dir / "history_cursors.json")
        # A restart ends an outage: the history since the last run is fetched again.
        self._outage_end = self._clock.now() if self._cursors.known() else 0.0
        self._realtime_failing = False
        self._background = Background(self._clock, self._governor)
        self._jobs_for: float | None = None  # fetched_at of the inventory the jobs were built for
        self._job_factory = JobFactory(
            self._client.call,
            self._clock.now,
            self._tz,
            config.currency,
            self._cursors,
            lambda: self._outage_end,
            self._parse_options,
        )

    def feeds(self) -> Sequence[Feed]:
        return [
            Feed("realtime", self.config.poll_interval, self._poll_realtime),
            # KPIs, alarms and history are worth fetching at night too, and their live values
            # (today's KPIs, active alarms) stay valid for a few alarm periods.
            Feed(
                "background",
                PASS_INTERVAL,
                self._poll_background,
                at_night=True,
                stale_after=3 * ALARM_PERIOD,
            ),
        ]

    def _tz(self) -> tzinfo:
        return resolve_timezone(self.timezone())

    def _parse_options(self, device: DeviceInfo) -> ParseOptions:
        plants = {p.code: p for p in self._inventory.plants} if self._inventory else {}
        plant = plants.get(device.station_code)
        return ParseOptions(
            meter_power_unit=self.config.meter_power_unit,
            plant_capacity_kw=plant.capacity_kw if plant else None,
        )

    # --- inventory ------------------------------------------------------------------------------

    async def _current_inventory(self) -> Inventory:
        now = self._clock.now()
        if self._inventory is None:
            self._inventory = self._cache.load()
        if (
            self._inventory is None
            or now - self._inventory.fetched_at > self.config.inventory_refresh
        ):
            self._inventory = await self._fetch_inventory()
            self._cache.save(self._inventory)
            self._denied.clear()  # rights may have been granted since
        return self._inventory

    async def _fetch_inventory(self) -> Inventory:
        raw_plants = await self._fetch_plants()
        if self.config.plants:
            wanted = set(self.config.plants)
            raw_plants = [p for p in raw_plants if _plant_code(p) in wanted]
        if not raw_plants:
            raise AuthFailed(
                "the API account sees no plant: ask the installer to bind plants to it in "
                "Northbound Management"
                + (" (or check the `plants` list in the config)" if self.config.plants else ""),
                retry_after=NO_PLANTS_RETRY,
            )
        codes = [_plant_code(p) for p in raw_plants]
        limits.configure(self._governor, len(codes), {}, self._clock.now())
        raw_devices: list[dict[str, Any]] = []
        for batch in batches(codes, BATCH):
            data = await self._client.call("getDevList", {"stationCodes": ",".join(batch)})
            raw_devices.extend(d for d in data or [] if isinstance(d, dict))
        return Inventory.from_raw(self._clock.now(), raw_plants, raw_devices)

    async def _fetch_plants(self) -> list[dict[str, Any]]:
        """`stations` page by page; accounts without it fall back to the legacy list."""
        plants: list[dict[str, Any]] = []
        page = 1
        try:
            while True:
                data = await self._client.call("stations", {"pageNo": page, "pageSize": BATCH})
                if not isinstance(data, dict):
                    break
                plants.extend(p for p in data.get("list") or [] if isinstance(p, dict))
                page_count = data.get("pageCount")
                if not isinstance(page_count, int) or page >= page_count:
                    break
                page += 1
        except NoPermission:
            log.info("%s: `stations` not granted; using the legacy getStationList", self.name)
            data = await self._client.call("getStationList", {})
            plants = [p for p in data or [] if isinstance(p, dict)]
        return plants

    # --- real-time data -------------------------------------------------------------------------

    async def _poll_realtime(self) -> FeedResult:
        try:
            result = await self._realtime()
        except SourceError:
            self._realtime_failing = True
            raise
        if self._realtime_failing:
            self._realtime_failing = False
            self._outage_end = self._clock.now()
        return result

    async def _poll_background(self) -> FeedResult:
        inventory = await self._current_inventory()
        if self._jobs_for != inventory.fetched_at:
            self._jobs_for = inventory.fetched_at
            self._background.schedule(self._job_factory.jobs(inventory.plants, inventory.devices))
        return await self._background.poll()

    async def _realtime(self) -> FeedResult:
        inventory = await self._current_inventory()
        now = self._clock.now()
        limits.configure(self._governor, len(inventory.plants), inventory.devices_by_type(), now)
        rejected: Counter[str] = Counter()
        readings: list[Reading] = []

        station_maps = await self._station_kpis(inventory.plants)
        for plant in inventory.plants:
            if plant.code in station_maps:
                parsed = station_readings(
                    plant, station_maps[plant.code], currency=self.config.currency
                )
                readings.extend(parsed.readings)
                rejected.update(parsed.rejected)

        device_maps: dict[str, dict[str, Any]] = {}
        try:
            await self._device_kpis(inventory.devices, device_maps)
        except (UpdateFailed, RateLimited) as exc:
            # The batches before the failed one are this cycle's news: they go with the
            # failure instead of waiting a whole cycle (site sums over devices that did not
            # answer are left out, as for any device that does not report).
            failure: SourceError | None = exc
        else:
            failure = None
        plants = {p.code: p for p in inventory.plants}
        per_plant: defaultdict[str, list[tuple[DeviceInfo, ParsedReadings]]] = defaultdict(list)
        for device in inventory.devices:
            item_map = device_maps.get(device.id)
            if item_map is None:
                continue
            parsed = device_readings(device, item_map, options=self._parse_options(device))
            per_plant[device.station_code].append((device, parsed))
            readings.extend(parsed.readings)
            rejected.update(parsed.rejected)
        for plant in inventory.plants:
            readings.extend(site_readings(plant, per_plant.get(plant.code, [])))

        readings = [self._today(r, plants) for r in readings]
        result = FeedResult(
            sites=tuple(p.to_site() for p in inventory.plants),
            devices=tuple(d.to_device() for d in inventory.devices),
            readings=tuple(readings),
            rejected=dict(rejected),
        )
        if failure is not None:
            failure.partial = result
            raise failure
        return result

    def _today(self, reading: Reading, plants: dict[str, Plant]) -> Reading:
        """Day totals carried over from yesterday read 0 after the plant's midnight."""
        if "_today_" not in reading.metric.name:
            return reading
        plant = plants.get(reading.site)
        tz = resolve_timezone(self.config.timezone or (plant.utc_offset if plant else None))
        return self._day_totals.adjust(reading, self._clock.now(), tz)

    async def _station_kpis(self, plants: Sequence[Plant]) -> dict[str, dict[str, Any]]:
        maps: dict[str, dict[str, Any]] = {}
        for batch in batches([p.code for p in plants], BATCH):
            data = await self._client.call("getStationRealKpi", {"stationCodes": ",".join(batch)})
            for item in data or []:
                if isinstance(item, dict) and isinstance(item.get("dataItemMap"), dict):
                    maps[str(item.get("stationCode"))] = item["dataItemMap"]
        return maps

    async def _device_kpis(
        self, devices: Sequence[DeviceInfo], maps: dict[str, dict[str, Any]]
    ) -> None:
        """Fill `maps` (device id -> dataItemMap) batch by batch; what was fetched before a
        failure stays in it."""
        by_type: defaultdict[int, list[str]] = defaultdict(list)
        for device in devices:
            if device.type_id in limits.REALTIME_TYPES and device.type_id not in self._denied:
                by_type[device.type_id].append(device.id)
        for type_id, ids in sorted(by_type.items()):
            for batch in batches(ids, BATCH):
                payload = {"devIds": ",".join(batch), "devTypeId": type_id}
                try:
                    data = await self._client.call("getDevRealKpi", payload)
                except NoPermission:
                    log.warning("%s: no rights to device type %d", self.name, type_id)
                    self._denied.add(type_id)
                    break
                for item in data or []:
                    if isinstance(item, dict) and isinstance(item.get("dataItemMap"), dict):
                        maps[str(item.get("devId"))] = item["dataItemMap"]

    # --- the rest of the Source protocol --------------------------------------------------------

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        for plant in self._inventory.plants if self._inventory else ():
            if plant.latitude is not None and plant.longitude is not None:
                return (plant.latitude, plant.longitude)
        return None

    def timezone(self) -> str | None:
        if self.config.timezone:
            return self.config.timezone
        plants = self._inventory.plants if self._inventory else ()
        return next((p.utc_offset for p in plants if p.utc_offset), None)

    def status(self) -> SourceStatus:
        notes = (
            tuple(
                f"device type {t} ({device_kind(t).value}): this API account has no rights to its "
                "data; the installer can grant them in Northbound Management"
                for t in sorted(self._denied)
            )
            + self._background.notes
        )
        return SourceStatus(budgets=self._governor.status(self._clock.now()), notes=notes)

    async def discover(self) -> Discovery:
        inventory = await self._current_inventory()
        return Discovery(
            sites=tuple(p.to_site() for p in inventory.plants),
            devices=tuple(d.to_device() for d in inventory.devices),
            notes=self.status().notes,
        )

    # --- backfill -------------------------------------------------------------------------------

    async def plan_backfill(self, since: float, until: float) -> BackfillPlan:
        inventory = await self._current_inventory()
        counts = inventory.devices_by_type()
        limits.configure(self._governor, len(inventory.plants), counts, self._clock.now())
        self._backfill_log = BackfillLog(self._state_dir / "backfill.json", since, until)
        batches_ = device_batches(inventory.devices, limits.HISTORY_TYPES)
        per_day = limits.batch_count(counts, limits.HISTORY_TYPES, 10) + 24
        plan = tuple(chunks(batches_, since, until))
        return BackfillPlan(plan, self._backfill_log.done, per_day)

    async def backfill(
        self,
        plan: BackfillPlan,
        emit: Callable[[tuple[Reading, ...]], Awaitable[None]],
        progress: Progress,
    ) -> None:
        """Make the plan's remaining calls, waiting for the budget; each call's samples are
        emitted (and committed) before the call is written down as done."""
        remaining = plan.remaining
        done = len(plan.chunks) - len(remaining)
        for chunk in remaining:
            while True:
                wait = self._governor.wait_time("getDevHistoryKpi", self._clock.now())
                if wait > 0:
                    if wait > LONG_WAIT:  # the one-a-minute spacing is not worth a line
                        what = f"waiting {wait:.0f}s for the vendor's daily budget"
                        progress(done, len(plan.chunks), what)
                    await self._clock.sleep(wait)
                try:
                    samples, _, _ = await fetch_history(
                        self._client.call,
                        chunk,
                        {d.id: d for d in chunk.devices},
                        {d.id: self._parse_options(d) for d in chunk.devices},
                    )
                except RateLimited as exc:
                    await self._clock.sleep(exc.retry_after or 60.0)
                    continue
                break
            await emit(samples)
            self._backfill_log.mark(chunk)
            done += 1
            progress(done, len(plan.chunks), "")

    async def close(self) -> None:
        await self._client.close()


def _plant_code(raw: dict[str, Any]) -> str:
    return str(raw.get("plantCode") or raw.get("stationCode") or "")
