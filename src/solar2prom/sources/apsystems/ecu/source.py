"""The `apsystems_ecu` source: an ECU-B / ECU-R / ECU-R-Pro / ECU-C on the LAN, TCP port 8899.

Two feeds. `realtime` (every 5 minutes by default, the ECU's own Zigbee round): system info,
then the real-time data of every inverter, on two connections one after the other. `signal`
(every 30 minutes): the inverters' Zigbee signal levels, which change slowly.

Neither feed talks to the ECU during its nightly maintenance (02:45–03:15 ECU local time),
when it reconciles with EMA and checks for updates and is known to misbehave: a poll falling
in that window returns the feed's last result unchanged (or, with none yet, waits for the
window to end). Two known firmware glitches are dropped: lifetime energy reading 0, and
"today" reading 0 while inverters are online.

Time zone: the `timezone` key, else the zone the ECU reports when it is a real zone name (the
ECU-R-Pro reports e.g. "Europe/Amsterdam"; the others always say "Etc/GMT-8", which is
ignored), else the host's. Timestamps in the replies are the ECU's local wall-clock time.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, tzinfo

from solar2prom.core import metrics as core
from solar2prom.core.errors import SourceError, UpdateFailed
from solar2prom.core.guards import DayTotalGuard
from solar2prom.core.model import FeedResult, Reading
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sources.apsystems.ecu.client import EcuClient
from solar2prom.sources.apsystems.ecu.config import EcuConfig
from solar2prom.sources.apsystems.ecu.decode import STATUS_OK, RealtimeData, SystemInfo
from solar2prom.sources.apsystems.ecu.readings import (
    devices,
    realtime_readings,
    signal_readings,
    site,
    system_readings,
)
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus

log = logging.getLogger(__name__)

MAINTENANCE = (time(2, 45), time(3, 15))


def in_maintenance(now: float, tz: tzinfo) -> bool:
    start, end = MAINTENANCE
    return start <= datetime.fromtimestamp(now, tz).time() < end


def maintenance_left(now: float, tz: tzinfo) -> float:
    """Seconds until the maintenance window that `now` falls in ends."""
    local = datetime.fromtimestamp(now, tz)
    end = datetime.combine(local.date(), MAINTENANCE[1], tz)
    return max(0.0, end.timestamp() - now)


def reported_zone(info: SystemInfo | None) -> str | None:
    """The ECU's own zone name when it is a real one (not the usual placeholder)."""
    zone = info.timezone if info is not None else ""
    if not zone or zone.startswith("Etc/"):
        return None
    try:
        resolve_timezone(zone)
    except ValueError:
        return None
    return zone


class EcuSource:
    vendor = "apsystems"

    def __init__(self, config: EcuConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        self._client = EcuClient(
            config.host,
            config.port,
            clock=context.clock,
            stats=self.requests,
            timeout=config.timeout,
        )
        self._day_totals = DayTotalGuard()
        self._info: SystemInfo | None = None
        self._realtime: RealtimeData | None = None
        self._last: dict[str, FeedResult] = {}
        self._failures = 0

    def feeds(self) -> Sequence[Feed]:
        return [
            Feed("realtime", self.config.poll_interval, self._guarded("realtime", self._read)),
            Feed("signal", self.config.signal_interval, self._guarded("signal", self._signal)),
        ]

    def _guarded(
        self, feed: str, read: Callable[[], Awaitable[FeedResult]]
    ) -> Callable[[], Awaitable[FeedResult]]:
        """`read`, except in the maintenance window; failures in a row are counted."""

        async def poll() -> FeedResult:
            now = self._clock.now()
            if in_maintenance(now, self._tz()):
                last = self._last.get(feed)
                if last is None:
                    raise UpdateFailed(
                        "the ECU is in its nightly maintenance window (02:45-03:15); not polled",
                        retry_after=maintenance_left(now, self._tz()),
                    )
                log.debug("%s/%s: ECU maintenance window, not polled", self.name, feed)
                # Its rejections were counted when it was new.
                return FeedResult(last.sites, last.devices, last.readings)
            try:
                result = await read()
            except SourceError:
                self._failures += 1
                raise
            self._failures = 0
            self._last[feed] = result
            return result

        return poll

    async def _read(self) -> FeedResult:
        info = await self._client.system_info()
        self._info = info
        realtime = await self._client.realtime(info.ecu_id)
        self._realtime = realtime
        tz = self._tz()
        rejected: Counter[str] = Counter()
        readings = system_readings(info, tz, rejected)
        if realtime.status == STATUS_OK:
            readings.extend(realtime_readings(info.ecu_id, realtime, tz))
        return FeedResult(
            sites=(site(info, self.timezone()),),
            devices=devices(info, realtime),
            readings=tuple(self._today(r, tz) for r in readings),
            rejected=dict(rejected),
        )

    def _today(self, reading: Reading, tz: tzinfo) -> Reading:
        if reading.metric is not core.PRODUCTION_ENERGY_TODAY:
            return reading
        return self._day_totals.adjust(reading, self._clock.now(), tz)

    async def _signal(self) -> FeedResult:
        info = self._info or await self._client.system_info()
        self._info = info
        levels = await self._client.signal(info.ecu_id)
        return FeedResult(readings=tuple(signal_readings(info.ecu_id, levels)))

    def _tz(self) -> tzinfo:
        return resolve_timezone(self.timezone())

    # --- the rest of the Source protocol --------------------------------------------------------

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        return None

    def timezone(self) -> str | None:
        return self.config.timezone or reported_zone(self._info)

    def status(self) -> SourceStatus:
        notes: list[str] = []
        if self._failures > 1:
            notes.append(
                f"{self._failures} polls of the ECU failed in a row; some ECU firmware stops "
                "answering on port 8899 until it is power-cycled"
            )
        realtime = self._realtime
        if realtime is not None and realtime.status != STATUS_OK:
            notes.append(f"the ECU had no inverter data (status {realtime.status})")
        if realtime is not None and realtime.unknown_type is not None:
            notes.append(
                f"inverter type code {realtime.unknown_type!r} is unknown: {realtime.unread} of "
                f"{realtime.declared} inverters could not be read"
            )
        return SourceStatus(notes=tuple(notes))

    async def discover(self) -> Discovery:
        info = await self._client.system_info()
        self._info = info
        realtime = await self._client.realtime(info.ecu_id)
        return Discovery(
            sites=(site(info, self.timezone()),),
            devices=devices(info, realtime),
            notes=self.status().notes,
        )

    async def close(self) -> None:
        """Nothing to release: every command closes its own connection."""
