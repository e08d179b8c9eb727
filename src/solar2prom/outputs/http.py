"""The HTTP endpoints: `/metrics`, `/healthz` and the status page `/`.

Handlers read what the hub and the Prometheus output already hold; none of them calls a vendor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import hdrs, web

from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.outputs.keeping import KeepingStatus
from solar2prom.outputs.prometheus import PrometheusOutput
from solar2prom.outputs.status_page import StatusPage

OPENMETRICS = "application/openmetrics-text"


async def _server_name(_: web.Request, response: web.StreamResponse) -> None:
    # aiohttp's default names the Python and aiohttp versions to anyone who asks: a map of
    # known holes, for a service that may face the internet.
    response.headers[hdrs.SERVER] = "solar2prom"


def _health(snapshot: Snapshot) -> dict[str, Any]:
    health = snapshot.health
    return {
        "vendor": snapshot.vendor,
        "state": health.state.value,
        "up": health.up,
        "last_success": health.last_success,
        "next_poll": health.next_poll,
        "last_error": health.last_error,
        "notes": list(health.notes),
        "budgets": [
            {"api": b.api, "window": b.window, "limit": b.limit, "remaining": b.remaining}
            for b in health.budgets
        ],
        "sites": len(snapshot.sites),
        "devices": len(snapshot.devices),
        "series": len(snapshot.readings),
    }


def build_app(
    hub: Hub,
    prometheus: PrometheusOutput,
    now: Callable[[], float],
    sources: list[str],
    keeping: Callable[[], KeepingStatus] = KeepingStatus,
) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        openmetrics = OPENMETRICS in request.headers.get("Accept", "")
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        exposition = await prometheus.scrape(openmetrics=openmetrics, gzipped=gzipped)
        response = web.Response(body=exposition.body)
        response.headers["Content-Type"] = exposition.content_type
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        return response

    async def healthz(_: web.Request) -> web.Response:
        snapshots = hub.snapshots
        body = {
            "status": "ok",
            "sources": {
                name: _health(snapshots[name]) if name in snapshots else {"state": "starting"}
                for name in sources
            },
            **keeping().as_json(),
        }
        return web.json_response(body)

    status_page = StatusPage(hub)  # subscribes now: keeps today's production for the charts

    async def index(_: web.Request) -> web.Response:
        page = status_page.render(sources, now(), keeping())
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.on_response_prepare.append(_server_name)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", index)
    return app
