"""The Grafana dashboards: importable JSON, and every query answered by a real Prometheus.

`solar2prom.json` is checked against a Prometheus that scraped `solar2prom demo`. The `ap_*`
metrics of `apsystems2prom.json` come from the `apsystems_ema` source; until that source is
part of the demo, the test serves a static exposition of the six metrics (with the values of
apsystems2prom's own screenshot) for the same Prometheus to scrape.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web

from solar2prom.core import metrics as m
from solar2prom.core.model import Metric
from tests.conftest import require_program
from tests.integration.helpers import free_port, process, solar2prom, wait_for_line, wait_http

ROOT = Path(__file__).parents[2]
DASHBOARDS = {p.stem: json.loads(p.read_text()) for p in (ROOT / "dashboards").glob("*.json")}
VARIABLES = {"$source": ".*", "$site": ".*", "$instance": ".*", "$__rate_interval": "1m"}
AP_EXPOSITION = """\
# HELP ap_power Power generation in Watt (latest value)
# TYPE ap_power gauge
ap_power 583
# HELP ap_energy Energy generation in kWh (latest value)
# TYPE ap_energy gauge
ap_energy 0.0476
# HELP ap_total Total energy for the day, in kWh
# TYPE ap_total gauge
ap_total 0.42
# HELP ap_max Peak power of the day, in W
# TYPE ap_max gauge
ap_max 740
# HELP ap_lifetime Lifetime generation, in kWh
# TYPE ap_lifetime gauge
ap_lifetime 1280
# HELP ap_panels Power generation per panel in W
# TYPE ap_panels gauge
ap_panels{panel_id="408000000001-1"} 98
ap_panels{panel_id="408000000001-2"} 103
ap_panels{panel_id="408000000002-1"} 96
ap_panels{panel_id="408000000002-2"} 95
ap_panels{panel_id="408000000003-1"} 89
ap_panels{panel_id="408000000003-2"} 103
"""


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def expressions(board: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (panel["title"], target["expr"])
        for panel in panels(board)
        for target in panel.get("targets", [])
    ]


def substituted(expr: str) -> str:
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, expr
    return expr


def metric_names(expr: str) -> set[str]:
    """Metric names in an expression: snake_case words that are no PromQL keyword."""
    expr = re.sub(r'"[^"]*"', "", expr)  # label values
    expr = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", expr))
    return words - {"label_replace", "count_over_time"}


@pytest.mark.parametrize("name", ["solar2prom", "apsystems2prom"])
def test_dashboards_are_importable(name: str) -> None:
    board = DASHBOARDS[name]
    assert board["uid"] == name and board["title"] and board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids))
    for panel in panels(board):
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            refs = [t["refId"] for t in panel["targets"]]
            assert refs and len(refs) == len(set(refs)), panel["title"]


def test_solar2prom_dashboard_uses_core_and_health_metrics_only() -> None:
    board = DASHBOARDS["solar2prom"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert {"source", "site"} <= set(variables)
    titles = " ".join(p["title"] for p in panels(board)).lower()
    for topic in ("production", "consumption", "grid", "battery", "energy today",
                  "energy per day", "lifetime", "device", "sources", "data age"):  # fmt: skip
        assert topic in titles, topic
    names = set().union(*(metric_names(e) for _, e in expressions(board)))
    core = {v.name for v in vars(m).values() if isinstance(v, Metric)}
    assert names and names <= core, names - core


def test_apsystems2prom_dashboard_has_the_seed_panels() -> None:
    board = DASHBOARDS["apsystems2prom"]
    titles = {p["title"] for p in panels(board)}
    assert titles == {"Daily Total", "Day Peak power", "Lifetime Generation", "PV power",
                      "Panels Status"}  # fmt: skip
    names = set().union(*(metric_names(e) for _, e in expressions(board)))
    assert names == {"ap_power", "ap_energy", "ap_total", "ap_max", "ap_lifetime", "ap_panels"}


async def serve_ap_metrics() -> AsyncIterator[int]:
    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text=AP_EXPOSITION, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


@pytest.fixture
async def ap_port() -> AsyncIterator[int]:
    async for port in serve_ap_metrics():
        yield port


async def query(http: aiohttp.ClientSession, base: str, expr: str) -> list[Any]:
    async with http.get(f"{base}/api/v1/query?query={quote(expr)}") as response:
        body = await response.json()
    assert body["status"] == "success", (expr, body)
    result: list[Any] = body["data"]["result"]
    return result


async def test_every_dashboard_query_returns_data_from_the_demo(
    tmp_path: Path, ap_port: int
) -> None:
    prometheus = require_program("prometheus")
    demo_port, prom_port = free_port(), free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: solar2prom\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{demo_port}']}}]\n"
        f"  - job_name: apsystems2prom\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{ap_port}']}}]\n"
    )
    command = [
        prometheus,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
    ]
    base = f"http://127.0.0.1:{prom_port}"
    demo = solar2prom("demo", "--listen", f"127.0.0.1:{demo_port}", "--speed", "60")
    with process(demo, tmp_path / "demo.log"), process(command, tmp_path / "prometheus.log"):
        wait_for_line(tmp_path / "demo.log", r"metrics at http://")
        await wait_http(f"{base}/-/ready")
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            ready = "solar_device_power_watts and on() ap_panels"
            while not await query(http, base, f"count_over_time(({ready})[1m:1s]) >= 3"):
                assert time.monotonic() < deadline, (tmp_path / "prometheus.log").read_text()
                await asyncio.sleep(0.5)
            empty = [
                (name, title, expr)
                for name, board in DASHBOARDS.items()
                for title, expr in expressions(board)
                if not await query(http, base, substituted(expr))
            ]
            assert empty == []
            for board in DASHBOARDS.values():
                for variable in board["templating"]["list"]:
                    if variable["type"] != "query":
                        continue
                    metric, label = re.fullmatch(
                        r"label_values\((.+), (\w+)\)", substituted(variable["query"]["query"])
                    ).groups()  # type: ignore[union-attr]
                    url = f"{base}/api/v1/label/{label}/values?match[]={quote(metric)}"
                    async with http.get(url) as response:
                        assert (await response.json())["data"], variable["name"]
