"""The whole OpenAPI source against a server answering with the real anonymised captures.

The captures cover the system details, the device list and a summary (upstream's system
summary stub is byte-identical to its ECU summary, which is served for both). There is no
capture of the minutely telemetry: those calls answer code 1001, "no data", from the manual's
table. Expected values are read from the capture files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.poller import SourcePoller
from solar2prom.sources.apsystems.openapi import OpenApiConfig, OpenApiSource
from solar2prom.sources.base import SourceContext
from tests.conftest import DATA, ManualClock

CAPTURES = DATA / "apsystems" / "openapi"
SID = "ANONYMIZED_ID"
ROUTES = {
    f"details/{SID}": "system_details",
    f"inverters/{SID}": "inverters",
    f"summary/{SID}": "ecu_summary",
}


def load(name: str) -> Any:
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
async def captures() -> AsyncIterator[tuple[str, list[web.Request]]]:
    seen: list[web.Request] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request)
        name = ROUTES.get(request.match_info["tail"])
        if name is None:
            return web.json_response({"data": None, "code": 1001})
        return web.Response(
            body=(CAPTURES / f"{name}.json").read_bytes(), content_type="application/json"
        )

    app = web.Application()
    app.router.add_get("/user/api/v2/systems/{tail:.+}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", seen
    await runner.cleanup()


async def test_the_captured_system(captures: tuple[str, list[web.Request]], tmp_path: Path) -> None:
    url, seen = captures
    clock = ManualClock(datetime(2025, 6, 15, 12, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    config = OpenApiConfig(
        name="captured",
        type="apsystems_openapi",
        url=url,
        app_id="a" * 32,
        app_secret=SecretStr("b" * 12),
        system_id=SID,
        night=NightOff(mode="off"),
    )
    source = OpenApiSource(config, SourceContext(clock, tmp_path))
    try:
        snapshot = await SourcePoller(source, clock, Hub()).poll_all()
    finally:
        await source.close()

    assert snapshot.health.up, snapshot.health.last_error
    details = load("system_details")["data"]
    (site,) = snapshot.sites
    assert site.timezone == details["timezone"]
    assert dict(site.extra) == {"capacity_watts": f"{float(details['capacity']) * 1000:g}"}
    devices = load("inverters")["data"][0]
    # Anonymisation gave the ECU and both inverters one id: a snapshot keeps one device per id.
    assert {devices["eid"], *(i["uid"] for i in devices["inverter"])} == {SID}
    kinds = {(d.id, d.kind.value, d.model) for d in snapshot.devices}
    assert kinds == {(SID, "microinverter", devices["inverter"][0]["type"])}
    summary = load("ecu_summary")["data"]
    readings = {r.metric.name: r.value for r in snapshot.readings}
    assert readings[m.PRODUCTION_ENERGY_TOTAL.name] == pytest.approx(
        float(summary["lifetime"]) * 3.6e6
    )
    assert readings["apsystems_openapi_system_energy_this_month_joules"] == pytest.approx(
        float(summary["month"]) * 3.6e6
    )
    assert readings["apsystems_openapi_system_energy_this_year_joules"] == pytest.approx(
        float(summary["year"]) * 3.6e6
    )
    assert readings["apsystems_openapi_system_status"] == details["light"]
    # The ECU had no data: nothing produced today, no power, no sample time.
    assert readings[m.PRODUCTION_ENERGY_TODAY.name] == 0.0
    assert m.PRODUCTION_POWER.name not in readings
    assert m.DATA_TIMESTAMP.name not in readings
    paths = [r.path.removeprefix("/user/api/v2/systems/") for r in seen]
    assert paths == [
        f"details/{SID}",
        f"inverters/{SID}",
        f"{SID}/devices/ecu/energy/{devices['eid']}",
        f"{SID}/devices/inverter/batch/energy/{devices['eid']}",
        f"summary/{SID}",
    ]
    ecu_day = seen[2]
    assert dict(ecu_day.query) == {"energy_level": "minutely", "date_range": "2025-06-15"}
    for request in seen:
        assert request.headers["X-CA-AppId"] == "a" * 32
        assert request.headers["X-CA-Signature-Method"] == "HmacSHA256"
        assert len(request.headers["X-CA-Nonce"]) == 32
    assert len({r.headers["X-CA-Nonce"] for r in seen}) == len(seen)
