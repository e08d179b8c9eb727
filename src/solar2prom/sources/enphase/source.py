"""The `enphase` source: one Envoy / IQ Gateway on the local network, through pyenphase.

Three feeds, never at the same time (the poller runs a source's feeds one after another, and
the adapter holds one lock around every request):

- `gateway`, every `interval` (60 s): connects once (`/info`, authentication, probe), renews
  the token when due, then one pyenphase `update()` — production, consumption, net, per
  phase, CT meters, batteries; the gateway and its meters as devices.
- `meters`, every `meters_interval` (10 s), only where CTs are enabled: `/ivp/meters/readings`
  alone (0.1–0.3 s on a real gateway), for near-real-time production, consumption and grid
  power. It computes the core powers exactly as the `gateway` feed does, with fresher CT
  values; being later in the feed order, its values win while it is fresh.
- `devices`, every `devices_interval` (5 minutes, the micro-inverters' own reporting period):
  `/inventory.json` (flags pyenphase does not model) with the per-device data of the last
  full update — micro-inverters, batteries, relays, system controllers.

The nightly outage: gateways stop answering for a few minutes around 23:00 of their local
time (their zone from `/home`, else the config's `timezone`, else the host's). A feed that
fails between 22:58 and 23:10 keeps its last values instead of failing: the source stays up,
`solar_data_timestamp_seconds` stops moving, and the status page says why. A failure outside
that window, or one with no earlier values, is an ordinary failure.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time

from pyenphase import EnvoyData
from pyenphase.models.meters import CtMeterData, CtState, EnvoyMeterData

from solar2prom.core import metrics as core
from solar2prom.core.errors import UpdateFailed
from solar2prom.core.model import Device, DeviceKind, FeedResult, Site
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sources.base import Discovery, Feed, RequestStats, SourceContext, SourceStatus
from solar2prom.sources.enphase import catalog as c
from solar2prom.sources.enphase.adapter import EnvoyAdapter
from solar2prom.sources.enphase.auth import Enlighten, TokenCache, TokenKeeper
from solar2prom.sources.enphase.config import EnphaseConfig
from solar2prom.sources.enphase.inventory import ENDPOINT, parse_inventory
from solar2prom.sources.enphase.parse import (
    PHASES,
    Collector,
    core_powers,
    ct_time,
    device_readings,
    meter_readings,
    site_readings,
)

log = logging.getLogger(__name__)

VENDOR = "enphase"
READINGS = "/ivp/meters/readings"
METERS = "/ivp/meters"
OUTAGE = (time(22, 58), time(23, 10))
# The full feed's values outlive the nightly outage instead of vanishing after 3 intervals.
MIN_STALE = 900.0


class EnphaseSource:
    vendor = VENDOR

    def __init__(self, config: EnphaseConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.requests = RequestStats()
        self._clock = context.clock
        enlighten = None
        if config.username and config.password is not None:
            enlighten = Enlighten(
                config.enlighten_url,
                config.entrez_url,
                config.username,
                config.password.get_secret_value(),
                timeout=config.timeout,
                stats=self.requests,
            )
        self._keeper = TokenKeeper(
            configured=config.token.get_secret_value() if config.token else None,
            token_file=config.token_file,
            enlighten=enlighten,
            cache=TokenCache(context.state_dir / "token.json"),
            clock=context.clock,
        )
        self._adapter = EnvoyAdapter(
            config, keeper=self._keeper, stats=self.requests, clock=context.clock
        )
        self._data: EnvoyData | None = None
        self._last: dict[str, FeedResult] = {}
        self._outage_note: str | None = None
        self._inventory_note: str | None = None

    def feeds(self) -> Sequence[Feed]:
        interval = self.config.poll_interval
        stale = self.config.stale_after
        return [
            Feed(
                "gateway",
                interval,
                self._outage_tolerant("gateway", self._poll_gateway),
                stale_after=stale or max(3 * interval, MIN_STALE),
            ),
            Feed(
                "meters",
                self.config.meters_interval,
                self._outage_tolerant("meters", self._poll_meters),
                stale_after=stale,
            ),
            Feed(
                "devices",
                self.config.devices_interval,
                self._outage_tolerant("devices", self._poll_devices),
                stale_after=stale,
            ),
        ]

    # --- the feeds ------------------------------------------------------------------------------

    async def _poll_gateway(self) -> FeedResult:
        await self._adapter.connect()
        data = await self._adapter.update()
        self._data = data
        out = Collector(self.serial)
        site_readings(out, data)
        meters = meter_readings(out, data.ctmeters, data.ctmeters_phases, self._multiphase)
        token = self._keeper.current
        if self._adapter.uses_tokens and token is not None:
            out.add(c.TOKEN_EXPIRY, token.expires)
        return FeedResult(
            sites=(self._site(),),
            devices=(self._gateway_device(), *meters),
            readings=out.readings,
            rejected=dict(out.rejected),
        )

    async def _poll_meters(self) -> FeedResult:
        data = self._data
        if data is None or not data.ctmeters:
            return FeedResult()  # no CTs, or no full update yet: nothing to read fast
        readings = await self._adapter.get_json(READINGS)
        ctmeters, phases = self._ct_data(data, readings)
        out = Collector(self.serial)
        core_powers(out, data, ctmeters)
        meters = meter_readings(out, ctmeters, phases, self._multiphase)
        out.add(core.DATA_TIMESTAMP, ct_time(ctmeters))
        return FeedResult(devices=tuple(meters), readings=out.readings, rejected=dict(out.rejected))

    def _ct_data(
        self, data: EnvoyData, readings: object
    ) -> tuple[dict[str, EnvoyMeterData | None], dict[str, dict[str, EnvoyMeterData | None]]]:
        """CT readings as pyenphase models them, with the CT settings of the last update."""
        if not isinstance(readings, list):
            raise UpdateFailed(f"{READINGS}: the gateway's answer is not a list of CTs")
        settings: list[CtMeterData] = data.raw.get(METERS) or []
        enabled = {str(s["eid"]): s for s in settings if s.get("state") == CtState.ENABLED}
        ctmeters: dict[str, EnvoyMeterData | None] = {}
        phases: dict[str, dict[str, EnvoyMeterData | None]] = {}
        phase_count = self._adapter.envoy.phase_count
        try:
            for reading in readings:
                setting = (
                    enabled.get(str(reading.get("eid"))) if isinstance(reading, dict) else None
                )
                if setting is None or setting["measurementType"] not in data.ctmeters:
                    continue
                kind = setting["measurementType"]
                ctmeters[kind] = EnvoyMeterData.from_api(reading, setting)
                if phase_count > 1:
                    phases[kind] = {
                        name: EnvoyMeterData.from_phase(reading, setting, index)
                        for index, name in enumerate(PHASES)
                        if index < phase_count
                    }
        except (LookupError, TypeError, ValueError) as exc:
            raise UpdateFailed(f"{READINGS}: a CT reading lacks expected fields") from exc
        return ctmeters, phases

    async def _poll_devices(self) -> FeedResult:
        data = self._data
        if data is None:
            raise UpdateFailed("waiting for the first full update of the gateway")
        body = await self._adapter.get_json(ENDPOINT)
        self._inventory_note = (
            None
            if body is not None
            else "this gateway has no /inventory.json: no provisioned / communicating / "
            "producing flags"
        )
        out = Collector(self.serial)
        devices = device_readings(out, data, parse_inventory(body))
        return FeedResult(devices=tuple(devices), readings=out.readings)

    def _outage_tolerant(
        self, feed: str, poll: Callable[[], Awaitable[FeedResult]]
    ) -> Callable[[], Awaitable[FeedResult]]:
        async def tolerant() -> FeedResult:
            try:
                result = await poll()
            except UpdateFailed as exc:
                last = self._last.get(feed)
                if last is None or not self._in_outage_window():
                    raise
                log.info("%s/%s: %s (the gateway's nightly outage)", self.name, feed, exc)
                self._outage_note = (
                    "the gateway's nightly outage around 23:00 local time: the last values stay "
                    "until it answers again"
                )
                # The same values again; their rejections were counted when they were read.
                return FeedResult(last.sites, last.devices, last.readings)
            self._last[feed] = result
            self._outage_note = None
            return result

        return tolerant

    def _in_outage_window(self) -> bool:
        local = datetime.fromtimestamp(self._clock.now(), resolve_timezone(self.timezone()))
        return OUTAGE[0] <= local.time() < OUTAGE[1]

    # --- identity -------------------------------------------------------------------------------

    @property
    def serial(self) -> str:
        return self._adapter.serial

    @property
    def _multiphase(self) -> bool:
        return self._adapter.envoy.phase_count > 1

    def _site(self) -> Site:
        zone = self.timezone()
        return Site(
            id=self.serial,
            name=self.config.name,
            vendor=VENDOR,
            latitude=self.config.latitude,
            longitude=self.config.longitude,
            timezone=zone,
            extra=(("timezone", zone),) if zone else (),
        )

    def _gateway_device(self) -> Device:
        envoy = self._adapter.envoy
        return Device(
            id=self.serial,
            site=self.serial,
            kind=DeviceKind.GATEWAY,
            model=envoy.part_number or "",
            firmware=str(envoy.firmware),
            name=envoy.envoy_model,
            serial=self.serial,
        )

    # --- the rest of the Source protocol --------------------------------------------------------

    def location(self) -> tuple[float, float] | None:
        if self.config.latitude is not None and self.config.longitude is not None:
            return (self.config.latitude, self.config.longitude)
        return None

    def timezone(self) -> str | None:
        return self.config.timezone or self._adapter.timezone

    def status(self) -> SourceStatus:
        notes = [n for n in (self._outage_note, self._inventory_note) if n]
        return SourceStatus(notes=(*notes, *self._keeper.notes()))

    async def discover(self) -> Discovery:
        """The gateway (serial, firmware, metered or not), its CTs, inverters and batteries."""
        result = await self._poll_gateway()
        devices = list(result.devices)
        found = await self._poll_devices()
        devices += found.devices
        envoy = self._adapter.envoy
        notes = [
            f"gateway {self.serial}: firmware {envoy.firmware}, "
            + ("metered" if envoy.is_metered else "not metered")
            + f", {envoy.envoy_model}",
            f"{len(found.devices)} devices: "
            + ", ".join(
                f"{sum(1 for d in found.devices if d.kind is kind)} {kind.value}"
                for kind in (DeviceKind.MICROINVERTER, DeviceKind.BATTERY, DeviceKind.OTHER)
            ),
        ]
        return Discovery(result.sites, tuple(devices), (*notes, *self.status().notes))

    async def close(self) -> None:
        await self._adapter.close()
