"""The HTTP side: signed GETs under `/user/api/v2/systems/`, faults, admin endpoints."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sim.apsystems_ema.serving import LocalServer
from solar2prom.sim.apsystems_openapi.api import Answer, EndUserApi
from solar2prom.sim.apsystems_openapi.auth import OVER_QUOTA, Gate
from solar2prom.sim.apsystems_openapi.config import OpenApiSimConfig
from solar2prom.sim.apsystems_openapi.system import SimulatedSystem
from solar2prom.sim.fusionsolar.stats import ApiStats

PREFIX = "/user/api/v2/systems/"


class OpenApiSimulator(LocalServer):
    """One OpenAPI account on a local HTTP server; see the package docstring for behaviour."""

    def __init__(self, config: OpenApiSimConfig, clock: Clock | None = None) -> None:
        super().__init__(config.seed, "<html><body>error</body></html>")
        self.config = config
        self.clock: Clock = clock or SystemClock()
        tz = resolve_timezone(config.timezone)
        start_day = datetime.fromtimestamp(self.clock.now(), tz).date()
        self.system = SimulatedSystem(config, tz, start_day)
        self.api = EndUserApi(config, self.system)
        self.gate = Gate(config)
        # The next calls answer these codes, in order, after being signed and counted.
        self.force_codes: list[int] = []
        self.app.router.add_get(PREFIX + "{tail:.+}", self._call)

    def calls_this_month(self) -> int:
        return self.gate.month_calls[self.gate.month(self.clock.now())]

    async def _call(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["tail"].strip("/").split("/")
        stats = self.stats.api(parts[0] if parts[0] in _SYSTEM_LEVEL else "/".join(parts[2:4]))
        stats.calls += 1
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        fault = self.transport_fault(request, stats)
        if fault is not None:
            return fault
        now = self.clock.now()
        code = self.gate.authenticate(request.headers, request.path, request.method, now)
        if code is None:
            code = self.gate.admit(now)
        if code is not None:
            if code == OVER_QUOTA:
                self.stats.violations += 1
            return self._answer(Answer(code), stats)
        if self.force_codes:
            return self._answer(Answer(self.force_codes.pop(0)), stats)
        until = now - self.config.upload_delay
        return self._answer(self.api.handle(parts, request.query, now, until), stats)

    def _answer(self, answer: Answer, stats: ApiStats) -> web.Response:
        stats.http_status[200] += 1
        if answer.code == 0:
            stats.ok += 1
        else:
            stats.fail_codes[answer.code] += 1
        text = json.dumps({"data": answer.data, "code": answer.code}, separators=(",", ":"))
        if self.faults.take("malformed_json"):
            stats.faults["malformed_json"] += 1
            text = text[: len(text) // 2]
        kind = "application/octet-stream" if self.config.octet_stream else "application/json"
        return web.Response(body=text.encode(), content_type=kind)

    def stats_json(self) -> dict[str, Any]:
        return {**self.stats.to_json(), "calls_this_month": self.calls_this_month()}


_SYSTEM_LEVEL = frozenset({"details", "inverters", "meters", "summary", "energy"})
