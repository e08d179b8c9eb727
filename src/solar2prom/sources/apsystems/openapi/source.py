"""The `apsystems_openapi` source: one system through the official OpenAPI, within its quota.

One feed, `telemetry`, ticking every `interval` (5 minutes). At each tick the planner
(`plan.py`) says whether the quota allows a poll now; a tick without a poll sends nothing and
keeps the last values. A poll asks, per ECU, for the day's minutely telemetry and the
per-inverter power, and per meter ECU for the meter's day; a few times a day also for the
lifetime totals. The device list is cached for `inventory_refresh`, the system details for a
day. Each poll hands the ECUs' 5-minute slots it had not delivered yet to the history store:
a poll an hour still gives the store every slot.

A failed poll counts like a done one for the plan, after one retry at the next tick: a vendor
outage must not burn the day's allowance on retries. Until the next poll the error stands,
so the source reads as down and its values go stale as usual.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Coroutine, Sequence
from datetime import date, tzinfo
from typing import Any

import aiohttp

from solar2prom.config import NightHours
from solar2prom.core.errors import AuthFailed, SourceError, UpdateFailed
from solar2prom.core.guards import DayTotalGuard
from solar2prom.core.model import Device, DeviceKind, FeedResult, Reading, Site
from solar2prom.core.timezones import local_date, resolve_timezone
from solar2prom.core.values import round_noise
from solar2prom.sources.apsystems.openapi import plan
from solar2prom.sources.apsystems.openapi.catalog import Latest, history_readings, readings
from solar2prom.sources.apsystems.openapi.client import OpenApiClient
from solar2prom.sources.apsystems.openapi.config import OpenApiConfig
from solar2prom.sources.apsystems.openapi.inventory import Inventory, InventoryCache
from solar2prom.sources.apsystems.openapi.parse import (
    BatchPower,
    EcuDay,
    Energies,
    MeterDay,
    ecu_id,
    flows,
)
from solar2prom.sources.apsystems.openapi.quota import Quota
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus

VENDOR = "apsystems"
SYSTEMS = "/user/api/v2/systems"


class OpenApiSource:
    vendor = VENDOR

    def __init__(
        self,
        config: OpenApiConfig,
        context: SourceContext,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        now = self._clock.now()
        self._quota = Quota(context.state_dir, config.monthly_quota, now)
        self._client = OpenApiClient(
            config.url,
            config.app_id,
            config.app_secret.get_secret_value(),
            config.signature_method,
            clock=self._clock,
            quota=self._quota,
            timezone=self._tz,
            stats=self.requests,
            session=session,
            timeout=config.timeout,
        )
        owner = f"{config.url} {config.app_id} {config.system_id}"
        self._cache = InventoryCache(context.state_dir / "inventory.json", owner)
        self._inventory: Inventory | None = self._cache.load()
        hours = config.night if isinstance(config.night, NightHours) else None
        self._daylight = plan.Daylight(
            config.latitude,
            config.longitude,
            (hours.sunup, hours.sundown) if hours is not None else None,
            config.tick,
        )
        self._latest = Latest()
        self._day_totals = DayTotalGuard()
        self._last_poll: float | None = None
        self._last_summary: float | None = None
        self._error: SourceError | None = None
        self._failures = 0
        self._rejected: Counter[str] = Counter()
        self._history: list[Reading] = []
        self._delivered: dict[str, float] = {}  # ECU -> newest slot handed to the history

    def feeds(self) -> Sequence[Feed]:
        return [
            Feed("telemetry", self.config.tick, self._tick, stale_after=self.config.stale_after)
        ]

    def _tz(self) -> tzinfo:
        return resolve_timezone(self.timezone())

    # --- the plan ---------------------------------------------------------------------------

    def _ecus(self) -> tuple[str, ...]:
        if self.config.ecu_ids:
            return tuple(ecu_id(e) for e in self.config.ecu_ids)
        if self._inventory is None:
            return ()
        listed = tuple(e.eid for e in self._inventory.ecus)
        return listed or self._inventory.details.ecus

    def _meters(self) -> tuple[str, ...]:
        ecus = self._ecus()
        devices = self._inventory.ecus if self._inventory is not None else ()
        return tuple(e.eid for e in devices if e.has_meter and e.eid in ecus)

    def _costs(self) -> tuple[int, int]:
        """Calls of one poll, and of the summary calls a poll may add."""
        per_ecu = 2 if self.config.inverters else 1
        meters = len(self._meters())
        return len(self._ecus()) * per_ecu + meters, 1 + meters

    async def _tick(self) -> FeedResult:
        now = self._clock.now()
        if self._inventory is None and self._last_poll is None:
            # The system's time zone decides the plan: learn it first.
            await self._attempt(self._refresh_inventory(now))
        tz = self._tz()
        due = self._due(now, tz)
        if due is not None:
            await self._attempt(self._poll(due.summary, now, tz))
            self._last_poll = now
            self._last_summary = now if due.summary else self._last_summary
        elif self._error is not None:
            raise self._error
        return self._result(now, tz)

    async def _attempt(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except SourceError as exc:
            self._error = exc
            self._failures += 1
            # A refusal for rights or quota, or a second failure in a row: wait for the plan.
            if self._failures > 1 or not isinstance(exc, UpdateFailed):
                self._last_poll = self._clock.now()
            raise
        self._error, self._failures = None, 0

    def _due(self, now: float, tz: tzinfo) -> plan.Due | None:
        poll_cost, summary_cost = self._costs()
        calls_left = self._quota.left_today(now, tz)
        if self._details_due(now, tz):
            calls_left -= 1
        return plan.decide(
            now,
            self._daylight.window(now, tz),
            last_poll=self._last_poll,
            last_summary=self._last_summary,
            calls_left=calls_left,
            poll_cost=max(1, poll_cost),
            summary_cost=summary_cost,
            summary_interval=self.config.summary_interval,
        )

    # --- calls --------------------------------------------------------------------------------

    def _details_due(self, now: float, tz: tzinfo) -> bool:
        inventory = self._inventory
        return inventory is None or local_date(inventory.details_at, tz) < local_date(now, tz)

    async def _refresh_inventory(self, now: float) -> None:
        """The device list when missing or old; details come with the day's first poll."""
        inventory = self._inventory
        if inventory is not None and now - inventory.devices_at <= self.config.inventory_refresh:
            return
        sid = self.config.system_id
        details = await self._client.get("details", f"{SYSTEMS}/details/{sid}")
        devices = await self._client.get("inverters", f"{SYSTEMS}/inverters/{sid}")
        if not isinstance(details, dict) or not isinstance(devices, list):
            raise AuthFailed(
                f"the OpenAPI account sees no system {sid}: check system_id",
                retry_after=6 * 3600.0,
            )
        self._inventory = Inventory(now, now, details, [d for d in devices if isinstance(d, dict)])
        self._cache.save(self._inventory)

    async def _get(self, endpoint: str, path: str, day: date | None = None, level: str = "") -> Any:
        params = {"energy_level": level, "date_range": day.isoformat()} if day else None
        return await self._client.get(endpoint, f"{SYSTEMS}/{self.config.system_id}{path}", params)

    async def _poll(self, summary: bool, now: float, tz: tzinfo) -> None:
        await self._refresh_inventory(now)
        today = local_date(now, tz)
        rejected: Counter[str] = Counter()
        if self._details_due(now, tz) and self._inventory is not None:
            details = await self._client.get(
                "details", f"{SYSTEMS}/details/{self.config.system_id}"
            )
            if isinstance(details, dict):
                self._inventory = self._inventory.with_details(details, now)
                self._cache.save(self._inventory)
        latest = self._latest
        if self._inventory is not None:
            latest.details = self._inventory.details
        for eid in self._ecus():
            data = await self._get("ecu_energy", f"/devices/ecu/energy/{eid}", today, "minutely")
            latest.ecus[eid] = EcuDay.from_api(data, today, tz, rejected) if data else None
            if self.config.inverters:
                path = f"/devices/inverter/batch/energy/{eid}"
                data = await self._get("inverter_batch_power", path, today, "power")
                latest.batches[eid] = BatchPower.from_api(data or {}, today, tz, rejected)
        for eid in self._meters():
            data = await self._get(
                "meter_period", f"/devices/meter/period/{eid}", today, "minutely"
            )
            latest.meters[eid] = MeterDay.from_api(data, today, tz, rejected) if data else None
        if summary:
            data = await self._client.get("summary", f"{SYSTEMS}/summary/{self.config.system_id}")
            if isinstance(data, dict):
                latest.summary = Energies.from_api(data, rejected)
            for eid in self._meters():
                data = await self._get("meter_summary", f"/devices/meter/summary/{eid}")
                if isinstance(data, dict):
                    latest.meter_totals[eid] = flows(data.get("lifetime"), rejected)
        self._rejected.update(rejected)
        site = self.config.system_id
        self._history = history_readings(site, latest.ecus, self._delivered)
        for eid, day in latest.ecus.items():
            if day is not None and day.time is not None:
                self._delivered[eid] = max(day.time, self._delivered.get(eid, day.time))

    # --- what the feed returns ------------------------------------------------------------------

    def _result(self, now: float, tz: tzinfo) -> FeedResult:
        site = self.config.system_id
        values = [self._today(r, now, tz) for r in readings(site, self._latest)]
        rejected = dict(self._rejected)
        self._rejected.clear()
        history, self._history = tuple(self._history), []
        return FeedResult(self._sites(), self._devices(), tuple(values), rejected, history)

    def _today(self, reading: Reading, now: float, tz: tzinfo) -> Reading:
        """Day values from a poll of yesterday read 0 after the system's midnight."""
        if "_today_" not in reading.metric.name:
            return reading
        return self._day_totals.adjust(reading, now, tz)

    def _sites(self) -> tuple[Site, ...]:
        details = self._inventory.details if self._inventory is not None else None
        extra: tuple[tuple[str, str], ...] = ()
        if details is not None and details.capacity_kw is not None:
            extra = (("capacity_watts", f"{round_noise(details.capacity_kw * 1000):.15g}"),)
        return (
            Site(
                id=self.config.system_id,
                name=self.config.system_id,
                vendor=VENDOR,
                latitude=self.config.latitude,
                longitude=self.config.longitude,
                timezone=self.timezone(),
                extra=extra,
            ),
        )

    def _devices(self) -> tuple[Device, ...]:
        site = self.config.system_id
        ecus = set(self._ecus())
        devices = [Device(eid, site, DeviceKind.GATEWAY, name="ECU") for eid in sorted(ecus)]
        for ecu in self._inventory.ecus if self._inventory is not None else ():
            if ecu.eid in ecus:
                devices += [
                    Device(i.uid, site, DeviceKind.MICROINVERTER, model=i.model)
                    for i in ecu.inverters
                ]
        return tuple(devices)

    # --- the rest of the Source protocol --------------------------------------------------------

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        return None

    def timezone(self) -> str | None:
        if self.config.timezone:
            return self.config.timezone
        details = self._inventory.details if self._inventory is not None else None
        return details.timezone if details is not None and details.timezone else None

    def status(self) -> SourceStatus:
        now = self._clock.now()
        return SourceStatus(budgets=self._quota.status(now, self._tz()))

    async def discover(self) -> Discovery:
        now = self._clock.now()
        await self._refresh_inventory(now)
        notes = (
            f"quota: {self._quota.left_today(now, self._tz())} calls left today of "
            f"{self._quota.daily} (monthly quota {self._quota.monthly})",
        )
        return Discovery(sites=self._sites(), devices=self._devices(), notes=notes)

    async def close(self) -> None:
        await self._client.close()
