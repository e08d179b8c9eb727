"""What both APsystems cloud simulators share: the local HTTP server, the transport faults of
`Faults` (a dropped connection, an HTTP error, an HTML page, a 403) and the admin endpoints
`GET /_sim/stats`, `GET|POST /_sim/faults`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.stats import ApiStats, SimStats
from solar2prom.sim.serving import LocalApp, add_fault_routes


class LocalServer:
    def __init__(self, seed: int, error_page: str) -> None:
        self.faults = Faults(seed=seed)
        self.stats = SimStats()
        self._error_page = error_page
        self.app = web.Application()
        self.app.router.add_get("/_sim/stats", self._get_stats)
        add_fault_routes(self.app, self.faults)
        self._server = LocalApp(self.app)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); return the base URL."""
        return await self._server.start(host, port)

    async def stop(self) -> None:
        await self._server.stop()

    def transport_fault(self, request: web.Request, stats: ApiStats) -> web.Response | None:
        """The answer of a transport fault due now, counted; None when there is none."""
        fault = self.faults.transport_fault(request.path.rsplit("/", 1)[-1])
        if fault is None:
            return None
        stats.faults[fault] += 1
        if fault == "drop_connection":
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        if fault == "html_error":
            status = self.faults.html_error_status
            stats.http_status[status] += 1
            return web.Response(status=status, text=self._error_page, content_type="text/html")
        # quota_403 is the site or gateway turning this client away.
        status = self.faults.http_error_status if fault == "http_error" else 403
        stats.http_status[status] += 1
        return web.Response(status=status, text=f"HTTP {status}")

    def stats_json(self) -> dict[str, Any]:
        return self.stats.to_json()

    async def _get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats_json())
