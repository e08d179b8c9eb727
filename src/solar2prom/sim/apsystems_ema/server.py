"""The HTTP side: visitor login and sessions, the three AJAX pages, faults, admin endpoints."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import date, datetime
from typing import Any

from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sim.apsystems_ema import render
from solar2prom.sim.apsystems_ema.config import EmaSimConfig
from solar2prom.sim.apsystems_ema.plant import PvSystem, Slot, ds3_panels
from solar2prom.sim.apsystems_ema.serving import LocalServer
from solar2prom.sim.fusionsolar.stats import ApiStats

SESSION_COOKIE = "JSESSIONID"
LOGIN, DAY, DASHBOARD, VIEW = (
    "intoDemoUser",
    "getPowerOnCurrentDayAjax",
    "getDashboardProductionInfoAjax",
    "getViewPowerByViewAjax",
)
_ROUTES = {
    DAY: "/ema/ajax/getReportApiAjax/getPowerOnCurrentDayAjax",
    DASHBOARD: "/ema/ajax/getDashboardApiAjax/getDashboardProductionInfoAjax",
    VIEW: "/ema/ajax/getViewAjax/getViewPowerByViewAjax",
}
_VISITOR_HOME = "/ema/visitor/home.action"


class EmaSimulator(LocalServer):
    """One EMA system behind its visitor access; see the package docstring for behaviour."""

    def __init__(self, config: EmaSimConfig, clock: Clock | None = None) -> None:
        super().__init__(config.seed, render.LOGIN_PAGE)
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.tz = resolve_timezone(config.timezone)
        self.panels = ds3_panels(config.inverters, config.panel_peak_w, config.first_inverter_uid)
        self.system = PvSystem(
            self.panels,
            config.latitude,
            config.longitude,
            self.tz,
            datetime.fromtimestamp(self.clock.now(), self.tz).date(),
            config.lifetime_base_kwh,
            config.seed,
        )
        # Data as of this instant while set: EMA stopped receiving the ECU's uploads.
        self.frozen_at: float | None = None
        # The next N day-series requests answer "no data", whatever the hour.
        self.no_data_next = 0
        self._sessions: dict[str, float] = {}  # token -> last use
        self._rng = random.Random(config.seed)
        self.app.router.add_get("/ema/intoDemoUser.action", self._login)
        self.app.router.add_get(_VISITOR_HOME, self._visitor_home)
        self.app.router.add_post(_ROUTES[DAY], self._day)
        self.app.router.add_post(_ROUTES[DASHBOARD], self._dashboard)
        self.app.router.add_post(_ROUTES[VIEW], self._view)

    # --- what EMA knows at an instant -----------------------------------------------------------

    def visible_until(self) -> float:
        """The end of the newest slot EMA has received."""
        now = self.clock.now()
        if self.frozen_at is not None:
            now = min(now, self.frozen_at)
        return now - self.config.upload_delay

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.now(), self.tz).date()

    def slots(self, day: date) -> tuple[Slot, ...]:
        return self.system.slots(day, self.visible_until())

    def lifetime_kwh(self) -> float:
        return self.system.lifetime_kwh(self.visible_until())

    # --- handlers -------------------------------------------------------------------------------

    async def _guard(self, request: web.Request, page: str) -> tuple[ApiStats, web.Response | None]:
        """Count the call; answer transport faults and refused clients before the page."""
        stats = self.stats.api(page)
        stats.calls += 1
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        fault = self.transport_fault(request, stats)
        if fault is not None:
            return stats, fault
        agent = request.headers.get("User-Agent", "")
        if self.config.require_browser and not agent.startswith("Mozilla/"):
            stats.http_status[403] += 1
            return stats, web.Response(status=403, text="Forbidden")
        return stats, None

    async def _login(self, request: web.Request) -> web.StreamResponse:
        stats, refused = await self._guard(request, LOGIN)
        if refused is not None:
            return refused
        stats.http_status[302] += 1
        response = web.Response(status=302, headers={"Location": _VISITOR_HOME})
        # A wrong ID gets the same redirect and page, without a session: EMA does not say.
        if request.query.get("id") == self.config.authorized_id:
            token = f"{self._rng.getrandbits(128):032X}"
            self._sessions[token] = self.clock.now()
            response.set_cookie(SESSION_COOKIE, token, path="/ema", httponly=True)
            self.stats.logins += 1
        return response

    async def _visitor_home(self, request: web.Request) -> web.Response:
        return web.Response(text=render.VISITOR_PAGE, content_type="text/html")

    def _session_ok(self, request: web.Request) -> bool:
        token = request.cookies.get(SESSION_COOKIE, "")
        last = self._sessions.get(token)
        now = self.clock.now()
        if last is None or now - last > self.config.session_ttl:
            self._sessions.pop(token, None)
            return False
        self._sessions[token] = now
        return True

    async def _page(
        self, request: web.Request, page: str
    ) -> tuple[ApiStats, dict[str, str], web.Response | None]:
        """Guard, session and parameters (query string or form body, as the site takes both)."""
        stats, refused = await self._guard(request, page)
        if refused is not None:
            return stats, {}, refused
        params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        params.update(request.query)
        if not self._session_ok(request):
            # The site's answer to a lost session is its login page, with HTTP 200.
            stats.http_status[200] += 1
            stats.faults["no_session"] += 1
            return stats, params, web.Response(text=render.LOGIN_PAGE, content_type="text/html")
        return stats, params, None

    def _json(self, stats: ApiStats, body: dict[str, Any]) -> web.Response:
        stats.http_status[200] += 1
        stats.ok += 1
        text = json.dumps(body, separators=(",", ":"))
        if self.faults.take("malformed_json"):
            stats.faults["malformed_json"] += 1
            text = text[: len(text) // 2]
        return web.Response(text=text, content_type="application/json")

    def _query_day(self, raw: str | None) -> date | None:
        try:
            return datetime.strptime(raw or "", "%Y%m%d").date()
        except ValueError:
            return None

    async def _day(self, request: web.Request) -> web.Response:
        stats, params, refused = await self._page(request, DAY)
        if refused is not None:
            return refused
        day = self._query_day(params.get("queryDate"))
        mine = (
            params.get("systemId") == self.config.system_id
            and params.get("selectedValue") == self.config.ecu_id
        )
        slots: tuple[Slot, ...] = ()
        if day is not None and day <= self.today() and mine:
            slots = self.slots(day)
        if self.no_data_next > 0:
            self.no_data_next -= 1
            slots = ()
        if not slots and self.config.no_data_answer == "204":
            stats.http_status[204] += 1
            stats.empty_bodies += 1
            return web.Response(status=204)
        return self._json(stats, render.day_body(slots, self.tz))

    async def _dashboard(self, request: web.Request) -> web.Response:
        stats, _, refused = await self._page(request, DASHBOARD)
        if refused is not None:
            return refused
        body = render.dashboard_body(self.lifetime_kwh(), self.slots(self.today()))
        return self._json(stats, body)

    async def _view(self, request: web.Request) -> web.Response:
        stats, params, refused = await self._page(request, VIEW)
        if refused is not None:
            return refused
        day = self._query_day(params.get("date"))
        mine = params.get("sid") == self.config.system_id and params.get("vid") == self.config.vid
        slots: tuple[Slot, ...] = ()
        if day is not None and day <= self.today() and mine:
            slots = self.slots(day)
        return self._json(stats, render.view_body(slots, self.panels, self.tz))
