"""Transport for the EMA website's visitor pages: visitor login, the day's series, lifetime,
per-panel power.

EMA has no API for this: these are the AJAX calls its own pages make, reached with the
visitor "Authorized ID". Each poll starts with a fresh visitor login and an empty cookie jar,
as the site's session lifetime is not documented and a visitor login is one cheap GET. A
browser User-Agent is sent because the site refuses other clients with HTTP 403.

The Authorized ID travels only in the login URL: it is never logged and never part of an error
message (errors name the page and the HTTP status or the exception type only).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import aiohttp

from solar2prom.core.errors import UpdateFailed
from solar2prom.core.http import Sessions, fetch
from solar2prom.sources.base import RequestStats

USER_AGENT = "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:52.0) Chrome/50.0.2661.102 Firefox/62.0"
LOGIN = "intoDemoUser"
DAY = "getPowerOnCurrentDayAjax"
DASHBOARD = "getDashboardProductionInfoAjax"
PANELS = "getViewPowerByViewAjax"
_PATHS = {
    LOGIN: "/ema/intoDemoUser.action",
    DAY: "/ema/ajax/getReportApiAjax/getPowerOnCurrentDayAjax",
    DASHBOARD: "/ema/ajax/getDashboardApiAjax/getDashboardProductionInfoAjax",
    PANELS: "/ema/ajax/getViewAjax/getViewPowerByViewAjax",
}
_FORM = "application/x-www-form-urlencoded; charset=UTF-8"
NOT_DATA = (
    "EMA answered with a web page instead of data: check the Authorized ID and that "
    "'Allow visitors to access to this system' is still enabled in the EMA settings"
)


def ema_date(day: date) -> str:
    return day.strftime("%Y%m%d")


class EmaClient:
    """A session handed in must be this client's alone: each visitor login empties its cookies."""

    def __init__(
        self,
        url: str,
        authorized_id: str,
        *,
        stats: RequestStats,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._base = url.rstrip("/")
        self._authorized_id = authorized_id
        self._stats = stats
        # unsafe: accept cookies from a host given by IP address (a proxy, a simulator).
        self._sessions = Sessions(
            session, lambda: aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def login(self) -> None:
        """A new visitor session. EMA answers 200 even for a wrong ID: that shows only later."""
        session = self._sessions.get()
        session.cookie_jar.clear()
        status, _ = await self._request("GET", LOGIN, {"id": self._authorized_id})
        if status != 200:
            self._stats.record(LOGIN, f"http_{status}")
            raise UpdateFailed(self._status_message(LOGIN, status))
        self._stats.record(LOGIN, "ok")

    async def day(self, system_id: str, ecu_id: str, day: date) -> dict[str, Any] | None:
        """The day's 5-minute series; None when EMA has none yet (HTTP 204)."""
        params = {"queryDate": ema_date(day), "systemId": system_id, "selectedValue": ecu_id}
        status, raw = await self._request("POST", DAY, params)
        if status == 204:
            self._stats.record(DAY, "no_data")
            return None
        return self._decode(DAY, status, raw)

    async def dashboard(self) -> dict[str, Any]:
        return self._decode(DASHBOARD, *await self._request("POST", DASHBOARD, {}))

    async def panels(self, system_id: str, vid: str, day: date) -> dict[str, Any]:
        params = {"sid": system_id, "vid": vid, "iid": "", "date": ema_date(day)}
        return self._decode(PANELS, *await self._request("POST", PANELS, params))

    def _decode(self, page: str, status: int, raw: bytes) -> dict[str, Any]:
        if status != 200:
            self._stats.record(page, f"http_{status}")
            raise UpdateFailed(self._status_message(page, status))
        if raw.lstrip()[:1] == b"<":
            self._stats.record(page, "invalid_response")
            raise UpdateFailed(f"{page}: {NOT_DATA}")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            self._stats.record(page, "invalid_response")
            raise UpdateFailed(f"{page}: the answer was not JSON") from exc
        if not isinstance(body, dict):
            self._stats.record(page, "invalid_response")
            raise UpdateFailed(f"{page}: the answer was not a JSON object")
        self._stats.record(page, "ok")
        return body

    async def _request(self, method: str, page: str, params: dict[str, str]) -> tuple[int, bytes]:
        headers = {"User-Agent": USER_AGENT}
        if method == "POST":
            headers["Content-Type"] = _FORM
        return await fetch(
            self._sessions.get(),
            method,
            self._base + _PATHS[page],
            endpoint=page,
            stats=self._stats,
            time_limit=self._timeout,
            params=params,
            headers=headers,
        )

    @staticmethod
    def _status_message(page: str, status: int) -> str:
        if status == 403:
            return (
                f"{page}: EMA refused the request (HTTP 403); the site may block this "
                "network or have changed (check `url`)"
            )
        if status == 404:
            return f"{page}: EMA has no such page (HTTP 404); the site may have changed"
        return f"{page}: HTTP {status}"

    async def close(self) -> None:
        await self._sessions.close()
