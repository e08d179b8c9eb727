"""The `apsystems_ema` source: one EMA system through its visitor access, as apsystems2prom.

Two feeds:

- `day` (every `interval`, 5 minutes by default; sleeps at night): a visitor login, the day's
  5-minute series for the system's *local* date, the lifetime from the dashboard and, with a
  `vid`, each panel's power. It exports the core metrics and the `apsystems_ema_` details,
  and hands the day's slots it had not delivered yet (power, slot energy, each at its own
  time) to the history store.
- `compat` (every minute, day and night, no request): the `ap_*` series from what `day` last
  took (see `compat.py`). It runs at night too so that `ap_total` and `ap_max` fall to 0 at
  the system's midnight, and it never fails, so the `ap_*` values stay when EMA is away, as
  they did in apsystems2prom; `solar_source_up` and `solar_data_timestamp_seconds` tell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, tzinfo

import aiohttp

from solar2prom.core.model import Device, DeviceKind, FeedResult, Reading, Site
from solar2prom.core.timezones import local_date, resolve_timezone
from solar2prom.sources.apsystems.ema.catalog import (
    day_readings,
    history_readings,
    lifetime_readings,
    panel_readings,
)
from solar2prom.sources.apsystems.ema.client import EmaClient
from solar2prom.sources.apsystems.ema.compat import CompatState
from solar2prom.sources.apsystems.ema.config import EmaConfig
from solar2prom.sources.apsystems.ema.parse import DaySeries, lifetime_kwh, panel_powers
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus

VENDOR = "apsystems"
COMPAT_REFRESH = 60.0
# A system with visitor access switched off on EMA's side still "logs in" and then has no
# data: after this long without a new sample in the middle of the day, say so.
SILENCE_NOTE_AFTER = 3 * 3600.0
_MIDDAY = range(12, 17)


class EmaSource:
    vendor = VENDOR

    def __init__(
        self,
        config: EmaConfig,
        context: SourceContext,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        self._client = EmaClient(
            config.url,
            config.authorized_id.get_secret_value(),
            stats=self.requests,
            session=session,
            timeout=config.timeout,
        )
        self._compat = CompatState()
        self._last_sample: float | None = None
        self._day: tuple[date, DaySeries] | None = None  # the latest series with data, its day
        self._notes: tuple[str, ...] = ()

    def feeds(self) -> Sequence[Feed]:
        feeds = [
            Feed(
                "day",
                self.config.poll_interval,
                self._poll_day,
                stale_after=self.config.stale_after,
            )
        ]
        if self.config.compat_metrics:
            feeds.append(Feed("compat", COMPAT_REFRESH, self._poll_compat, at_night=True))
        return feeds

    def _tz(self) -> tzinfo:
        return resolve_timezone(self.config.timezone)

    # --- polls ----------------------------------------------------------------------------------

    async def _poll_day(self) -> FeedResult:
        tz = self._tz()
        now = self._clock.now()
        today = local_date(now, tz)
        rejected: Counter[str] = Counter()
        await self._client.login()
        raw = await self._client.day(self.config.system_id, self.config.ecu_id, today)
        fresh = DaySeries.from_api(raw, tz, rejected) if raw is not None else None
        series = self._same_day(today, fresh)
        lifetime = lifetime_kwh(await self._client.dashboard(), rejected)
        panels: dict[str, float] = {}
        if self.config.vid and series is not None:
            answer = await self._client.panels(self.config.system_id, self.config.vid, today)
            panels = panel_powers(answer, rejected)
        self._compat.observe(series, lifetime, panels, today, tz)
        site = self.config.system_id
        sample = series.latest() if series is not None else None
        history = history_readings(site, series, self._last_sample) if series is not None else []
        if sample is not None:
            self._last_sample = max(sample.time, self._last_sample or sample.time)
        self._notes = self._silence_note(now, tz)
        readings: list[Reading] = day_readings(site, series)
        readings += lifetime_readings(site, lifetime)
        readings += panel_readings(site, panels, sample.time if sample is not None else None)
        return FeedResult(
            sites=(self._site(),),
            devices=(self._ecu(),),
            readings=tuple(readings),
            rejected=dict(rejected),
            history=tuple(history),
        )

    def _same_day(self, today: date, fresh: DaySeries | None) -> DaySeries | None:
        """The day's series. "No data" for a day EMA has already shown data for is a glitch,
        not a day that produced nothing: the last series of the day stands (no 0 today)."""
        if fresh is not None:
            self._day = (today, fresh)
            return fresh
        if self._day is not None and self._day[0] == today:
            return self._day[1]
        return None

    async def _poll_compat(self) -> FeedResult:
        today = local_date(self._clock.now(), self._tz())
        return FeedResult(readings=tuple(self._compat.readings(today)))

    def _silence_note(self, now: float, tz: tzinfo) -> tuple[str, ...]:
        if datetime.fromtimestamp(now, tz).hour not in _MIDDAY:
            return ()
        if self._last_sample is not None and now - self._last_sample < SILENCE_NOTE_AFTER:
            return ()
        return (
            "EMA answers but has had no new data for hours in the middle of the day: the ECU "
            "may be offline, or visitor access was switched off (open the EMA settings and "
            "save 'Allow visitors to access to this system' again)",
        )

    # --- the rest of the Source protocol --------------------------------------------------------

    def _site(self) -> Site:
        return Site(
            id=self.config.system_id,
            name=self.config.system_id,
            vendor=VENDOR,
            latitude=self.config.latitude,
            longitude=self.config.longitude,
            timezone=self.config.timezone,
        )

    def _ecu(self) -> Device:
        return Device(
            id=self.config.ecu_id, site=self.config.system_id, kind=DeviceKind.GATEWAY, name="ECU"
        )

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        return None

    def timezone(self) -> str | None:
        return self.config.timezone

    def status(self) -> SourceStatus:
        return SourceStatus(notes=self._notes)

    async def discover(self) -> Discovery:
        """The configured system and ECU, checked against EMA; with a `vid`, its panels."""
        today = local_date(self._clock.now(), self._tz())
        await self._client.login()
        await self._client.day(self.config.system_id, self.config.ecu_id, today)
        notes: list[str] = []
        if self.config.vid:
            answer = await self._client.panels(self.config.system_id, self.config.vid, today)
            found = sorted(panel_powers(answer, Counter()))
            notes.append(
                f"panels in view {self.config.vid}: {', '.join(found) or 'none yet today'}"
            )
        else:
            notes.append("no `vid`: set it for per-panel power (see the EMA set-up guide)")
        return Discovery(sites=(self._site(),), devices=(self._ecu(),), notes=tuple(notes))

    async def close(self) -> None:
        await self._client.close()
