"""The HTTP side: aiohttp routes, transport faults, tokens in headers, admin endpoints."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.sim.fusionsolar.api import NorthboundApi, Reply
from solar2prom.sim.fusionsolar.config import FusionSolarSimConfig
from solar2prom.sim.fusionsolar.envelope import quota_control
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.inventory import Inventory, build_inventory
from solar2prom.sim.fusionsolar.stats import ApiStats, SimStats
from solar2prom.sim.serving import LocalApp, add_fault_routes

TOKEN_HEADER = "XSRF-TOKEN"
_HTML_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class FusionSolarSimulator:
    """A northbound account on a local HTTP server; see the package docstring for behaviour."""

    def __init__(self, config: FusionSolarSimConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.faults = Faults(seed=config.seed)
        self.stats = SimStats()
        now = self.clock.now()
        self.inventory: Inventory = build_inventory(config, now)
        self.api = NorthboundApi(config, self.inventory, self.faults, now)
        self.app = web.Application()
        self.app.router.add_post("/thirdData/{api}", self._third_data)
        self.app.router.add_get("/_sim/stats", self._get_stats)
        add_fault_routes(self.app, self.faults)
        self.app.router.add_post("/_sim/reset", self._reset)
        self._server = LocalApp(self.app)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); return the base URL."""
        return await self._server.start(host, port)

    async def stop(self) -> None:
        await self._server.stop()

    def reset(self) -> None:
        """Forget sessions, locks, spent budgets, counters and faults (plants keep running)."""
        self.api.reset()
        self.stats.reset()
        self.faults.clear()

    async def _third_data(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["api"]
        stats = self.stats.api(name)
        stats.calls += 1
        if self.faults.is_down(self.clock.now()):
            stats.faults["down"] += 1
            return _drop(request)
        # The request is in before the server is slow to answer: a client that gives up
        # waiting closes a connection with nothing left to read.
        raw = await request.read()
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        fault = self.faults.transport_fault(name)
        if fault is not None:
            stats.faults[fault] += 1
            return self._transport_fault(fault, name, request, stats)
        body = _parse_object(raw)
        reply = self.api.handle(name, body, request.headers.get(TOKEN_HEADER), self.clock.now())
        return self._respond(reply, stats)

    def _respond(self, reply: Reply, stats: ApiStats) -> web.Response:
        stats.http_status[200] += 1
        if reply.body is None:
            # Wrong credentials: the real service answers 200 with nothing in it.
            stats.empty_bodies += 1
            return web.Response(body=b"", content_type="application/json")
        fail_code = reply.body.get("failCode")
        if fail_code == 0:
            stats.ok += 1
        else:
            stats.fail_codes[int(fail_code or 0)] += 1
        if fail_code == 407:
            self.stats.violations += 1
        text = json.dumps(reply.body, separators=(",", ":"))
        if self.faults.take("malformed_json"):
            stats.faults["malformed_json"] += 1
            text = text[: len(text) // 2]
        response = web.Response(text=text, content_type="application/json")
        if reply.token is not None:
            self.stats.logins += 1
            response.headers["xsrf-token"] = reply.token
            response.set_cookie(TOKEN_HEADER, reply.token, path="/", secure=True)
        return response

    def _transport_fault(
        self, fault: str, api: str, request: web.Request, stats: ApiStats
    ) -> web.Response:
        if fault == "drop_connection":
            return _drop(request)
        if fault == "http_error":
            status = self.faults.http_error_status
            stats.http_status[status] += 1
            return web.Response(status=status, text=f"HTTP {status}")
        if fault == "html_error":
            status = self.faults.html_error_status
            stats.http_status[status] += 1
            return web.Response(status=status, text=_HTML_PAGE, content_type="text/html")
        stats.http_status[403] += 1
        return web.json_response(quota_control(api), status=403)

    async def _get_stats(self, request: web.Request) -> web.Response:
        return web.json_response({**self.stats.to_json(), "limits": self.api.limiter.to_json()})

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})


def _drop(request: web.Request) -> web.Response:
    """Close the connection without answering; the response is never sent."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _parse_object(raw: bytes) -> dict[str, Any] | None:
    """A JSON object from a request body; {} for an empty body, None if not an object."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
