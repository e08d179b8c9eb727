"""The `apsystems_ez1` source: one EZ1 micro-inverter's local API, read-only.

One feed, `realtime` (every 30 s by default): `getOutputData` on every poll; `getMaxPower`,
`getAlarm` and `getOnOff` every `status_interval`; `getDeviceInfo` once a day. Endpoints a
firmware does not offer (404) are left out until the next daily refresh, and their series
are simply absent; a failed status answer drops only its own series.

The EZ1 is powered by its panels and stops answering at dusk. After it has answered once, an
unreachable inverter is reported as off (online 0, power 0) with its lifetime energy kept
and today's energy kept until local midnight, for up to `offline_limit`; beyond that, or if
it never answered since solar2prom started, the poll fails like any other.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import aiohttp

from solar2prom.core.errors import UpdateFailed
from solar2prom.core.model import FeedResult, Reading
from solar2prom.core.timezones import local_date, resolve_timezone
from solar2prom.sources.apsystems.ez1 import parse
from solar2prom.sources.apsystems.ez1.client import EndpointMissing, Ez1Client, Unreachable
from solar2prom.sources.apsystems.ez1.config import Ez1Config
from solar2prom.sources.apsystems.ez1.energy import DayEnergy
from solar2prom.sources.apsystems.ez1.parse import DeviceInfo, OutputData, total
from solar2prom.sources.apsystems.ez1.readings import (
    alarm_readings,
    device,
    info_readings,
    output_readings,
    output_state_readings,
    power_limit_readings,
    site,
)
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus

log = logging.getLogger(__name__)

INFO_REFRESH = 86400.0

StatusParser = Callable[[str, Mapping[str, Any], Counter[str]], list[Reading]]
STATUS_ENDPOINTS: tuple[tuple[str, StatusParser], ...] = (
    ("getMaxPower", lambda d, data, rej: power_limit_readings(d, parse.power_limit(data, rej))),
    ("getAlarm", lambda d, data, rej: alarm_readings(d, parse.alarms(data, rej))),
    ("getOnOff", lambda d, data, rej: output_state_readings(d, parse.output_state(data, rej))),
)


class Ez1Source:
    vendor = "apsystems"

    def __init__(
        self,
        config: Ez1Config,
        context: SourceContext,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        self._client = Ez1Client(
            config.base_url,
            clock=context.clock,
            stats=self.requests,
            session=session,
            timeout=config.timeout,
        )
        self._info: DeviceInfo | None = None
        self._info_due = 0.0
        self._status_due = 0.0
        self._status: dict[str, list[Reading]] = {}
        self._missing: set[str] = set()
        self._day_energy = DayEnergy()
        self._device_id = ""
        self._last: OutputData | None = None
        self._answered_at: float | None = None
        self._dark = False

    def feeds(self) -> Sequence[Feed]:
        return [Feed("realtime", self.config.poll_interval, self._poll)]

    def _today(self) -> date:
        return local_date(self._clock.now(), resolve_timezone(self.config.timezone))

    async def _poll(self) -> FeedResult:
        try:
            answer = await self._client.get("getOutputData")
        except Unreachable as exc:
            return self._offline(exc)
        self._answered_at = self._clock.now()
        self._dark = False
        rejected: Counter[str] = Counter()
        if self._clock.now() >= self._info_due:
            await self._refresh_info(rejected)
        device_id = answer.device_id or (self._info.device_id if self._info else "")
        if not device_id:
            raise UpdateFailed("getOutputData: the EZ1 did not say its device id")
        self._device_id = device_id
        if self._clock.now() >= self._status_due:
            await self._refresh_status(device_id, rejected)
        output = OutputData.from_api(answer.data, rejected)
        self._last = output
        since = total(output.since_startup_kwh)
        today = self._day_energy.update(since, self._today()) if since is not None else None
        readings = output_readings(device_id, output, today, online=True)
        if self._info is not None:
            readings.extend(info_readings(device_id, self._info))
        for part in self._status.values():
            readings.extend(part)
        return self._result(readings, rejected)

    def _offline(self, error: Unreachable) -> FeedResult:
        """The inverter went dark: off, not failing, if it answered before and not too long ago."""
        if self._last is None or self._answered_at is None:
            raise error
        silent = self._clock.now() - self._answered_at
        if silent > self.config.offline_limit:
            raise UpdateFailed(f"the EZ1 has not answered for {silent / 3600:.1f} h: {error}")
        self._dark = True
        dark = OutputData(
            power_w=(0.0,) * len(parse.CHANNELS),
            since_startup_kwh=(None,) * len(parse.CHANNELS),
            lifetime_kwh=self._last.lifetime_kwh,
        )
        today = self._day_energy.today(self._today())
        return self._result(output_readings(self._device_id, dark, today, online=False), Counter())

    def _result(self, readings: list[Reading], rejected: Counter[str]) -> FeedResult:
        info = self._info
        name = f"{info.model if info else 'EZ1'} {self._device_id}"
        return FeedResult(
            sites=(site(self._device_id, name, self.config.timezone),),
            devices=(device(self._device_id, info),),
            readings=tuple(readings),
            rejected=dict(rejected),
        )

    async def _refresh_info(self, rejected: Counter[str]) -> None:
        self._info_due = self._clock.now() + self.config.status_interval
        try:
            answer = await self._client.get("getDeviceInfo")
        except UpdateFailed as exc:
            log.info("%s: getDeviceInfo failed: %s", self.name, exc)
            return
        self._info = DeviceInfo.from_api(answer.data, rejected)
        self._info_due = self._clock.now() + INFO_REFRESH
        self._missing.clear()  # a firmware update may have brought endpoints back

    async def _refresh_status(self, device_id: str, rejected: Counter[str]) -> None:
        self._status_due = self._clock.now() + self.config.status_interval
        for endpoint, build in STATUS_ENDPOINTS:
            if endpoint in self._missing:
                continue
            try:
                answer = await self._client.get(endpoint)
            except EndpointMissing:
                log.info("%s: this EZ1 firmware has no %s", self.name, endpoint)
                self._missing.add(endpoint)
                self._status.pop(endpoint, None)
                continue
            except UpdateFailed as exc:
                log.info("%s: %s", self.name, exc)
                self._status.pop(endpoint, None)
                continue
            self._status[endpoint] = build(device_id, answer.data, rejected)

    # --- the rest of the Source protocol --------------------------------------------------------

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        return None

    def timezone(self) -> str | None:
        return self.config.timezone

    def status(self) -> SourceStatus:
        notes = [
            f"{endpoint}: not offered by this EZ1 firmware; its series are left out"
            for endpoint in sorted(self._missing)
        ]
        if self._dark:
            notes.append(
                "the EZ1 does not answer (normal at night: its panels power it); reported as off"
            )
        return SourceStatus(notes=tuple(notes))

    async def discover(self) -> Discovery:
        result = await self._poll()
        return Discovery(sites=result.sites, devices=result.devices, notes=self.status().notes)

    async def close(self) -> None:
        await self._client.close()
