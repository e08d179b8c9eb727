"""The Enphase gateway and Enlighten simulators, driven over real HTTP on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core.hub import Hub
from solar2prom.core.poller import SourcePoller
from solar2prom.sim.enlighten import Account, EnlightenSimulator, TokenSigner
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sim.enphase.standalone import PASSWORD, USERNAME, DemoInstallation
from solar2prom.sources.base import SourceContext
from solar2prom.sources.enphase import EnphaseConfig, EnphaseSource
from tests.conftest import ManualClock

FIXTURES = Path(__file__).parents[2] / "data" / "enphase"
NOON = datetime(2025, 6, 21, 11, 0, tzinfo=UTC).timestamp()  # 13:00 in Amsterdam
NIGHT = datetime(2025, 6, 21, 23, 30, tzinfo=UTC).timestamp()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as session:
        yield session


async def started(folder: str | None, clock: ManualClock) -> EnphaseSimulator:
    sim = EnphaseSimulator(FIXTURES / folder if folder else None, clock)
    await sim.start()
    return sim


async def get(
    http: aiohttp.ClientSession, url: str, **options: Any
) -> tuple[int, bytes, aiohttp.ClientResponse]:
    async with http.get(url, allow_redirects=False, **options) as response:
        return response.status, await response.read(), response


async def test_token_firmware_checks_jwt_then_accepts_the_session(
    http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    sim = await started("8.3.5169_with_generator", clock)
    try:
        status, body, _ = await get(http, sim.url + "/info")
        assert status == 200 and b"<software>D8.3.5169</software>" in body
        assert (await get(http, sim.url + "/api/v1/production"))[0] == 401
        token = sim.issue_token(lifetime=120)
        bearer = {"Authorization": f"Bearer {token}"}
        # A token the gateway has not checked yet is refused.
        assert (await get(http, sim.url + "/api/v1/production", headers=bearer))[0] == 401
        status, body, response = await get(http, sim.url + "/auth/check_jwt", headers=bearer)
        assert status == 200 and b"Valid token" in body
        session = {"sessionId": response.cookies["sessionId"].value}
        status, body, _ = await get(http, sim.url + "/api/v1/production", cookies=session)
        expected = (FIXTURES / "8.3.5169_with_generator" / "api_v1_production").read_bytes()
        assert status == 200 and body == expected
        clock.advance(121)
        assert (await get(http, sim.url + "/api/v1/production", cookies=session))[0] == 401
        assert sim.stats.auth_refusals["expired"] == 1
        # Plain HTTP redirects to HTTPS, as real gateways do.
        status, _, response = await get(http, sim.http_url + "/info")
        assert status == 301 and response.headers["Location"].startswith(sim.https_url)
    finally:
        await sim.stop()


async def test_legacy_firmware_asks_for_digest(
    http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    sim = await started("3.9.36", clock)
    try:
        status, _, response = await get(http, sim.url + "/api/v1/production")
        assert status == 401 and "Digest" in response.headers["WWW-Authenticate"]
        digest = aiohttp.DigestAuthMiddleware("envoy", sim.serial[-6:])
        async with http.get(sim.url + "/api/v1/production", middlewares=(digest,)) as ok:
            assert ok.status == 200
        wrong = aiohttp.DigestAuthMiddleware("envoy", "000000")
        async with http.get(sim.url + "/api/v1/production", middlewares=(wrong,)) as refused:
            assert refused.status == 401
        # Statuses of the capture logs are kept: 3.x has no ensemble endpoints.
        async with http.get(sim.url + "/ivp/ensemble/inventory", middlewares=(digest,)) as gone:
            assert gone.status == 404
            assert json.loads(await gone.read()) == {"error": "404 - Not Found"}
        async with http.get(sim.url + "/production.json?details=1", middlewares=(digest,)) as r:
            assert r.status == 200 and r.content_type == "text/html"
    finally:
        await sim.stop()


async def test_fault_switches(http: aiohttp.ClientSession, clock: ManualClock) -> None:
    sim = await started("5.0.62", clock)
    try:
        async with http.post(sim.url + "/_sim/faults", json={"nope": 1}) as bad:
            assert bad.status == 400
        async with http.post(sim.url + "/_sim/faults", json={"http_error_next": 1}) as ok:
            assert (await ok.json())["http_error_next"] == 1
        assert (await get(http, sim.url + "/api/v1/production"))[0] == 503
        assert (await get(http, sim.url + "/api/v1/production"))[0] == 401  # back to normal
        async with http.get(sim.url + "/_sim/stats") as stats:
            assert (await stats.json())["faults"] == {"http_error": 1}
    finally:
        await sim.stop()


async def test_built_in_installation_follows_the_day(
    http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    clock.t = NOON - 3600
    sim = await started(None, clock)
    try:
        bearer = {"Authorization": f"Bearer {sim.issue_token()}"}
        await get(http, sim.url + "/auth/check_jwt", headers=bearer)

        async def read(path: str) -> Any:
            status, body, _ = await get(http, sim.url + path, headers=bearer)
            assert status == 200, path
            return json.loads(body)

        clock.t = NOON
        noon = await read("/production.json?details=1")
        noon_readings = await read("/ivp/meters/readings")
        clock.t = NIGHT
        night = await read("/production.json?details=1")
        production = noon["production"][1]
        assert production["wNow"] > 1000 and production["lines"]
        assert night["production"][1]["wNow"] == 0
        assert night["production"][1]["whLifetime"] > production["whLifetime"]
        assert night["consumption"][1]["whToday"] == 0  # the firmware quirk, kept
        assert noon_readings[0]["activePower"] == pytest.approx(production["wNow"], abs=0.01)
        power = await read("/ivp/ensemble/power")
        soc = power["devices:"][0]["soc"]
        assert 10 <= soc <= 100
        inventory = await read("/inventory.json?deleted=1")
        assert all(d["producing"] is False for d in inventory[0]["devices"])
    finally:
        await sim.stop()


async def test_enlighten_login_tokens_and_mfa(clock: ManualClock) -> None:
    signer = TokenSigner()
    service = EnlightenSimulator(
        signer,
        (
            Account("a@example.com", "pw", ("111111111111",)),
            Account("b@example.com", "pw", ("111111111111",), mfa=True),
        ),
        clock,
    )
    url = await service.start()
    try:
        async with aiohttp.ClientSession() as http:
            login = url + "/login/login.json"
            async with http.post(
                login, data={"user[email]": "a@example.com", "user[password]": "no"}
            ) as r:
                assert r.status == 401
            async with http.post(
                login, data={"user[email]": "b@example.com", "user[password]": "pw"}
            ) as r:
                assert "session_id" not in await r.json()
            async with http.post(
                login, data={"user[email]": "a@example.com", "user[password]": "pw"}
            ) as r:
                session = (await r.json())["session_id"]
            body = {"session_id": session, "username": "a@example.com"}
            async with http.post(url + "/tokens", json={**body, "serial_num": "2"}) as r:
                assert r.status == 403
            async with http.post(url + "/tokens", json={**body, "serial_num": "111111111111"}) as r:
                token = await r.text()
        claims = signer.claims(token, "111111111111")
        assert claims is not None and claims["enphaseUser"] == "owner"
        assert claims["exp"] - claims["iat"] == 365 * 86400
        assert signer.claims(token, "222222222222") is None
    finally:
        await service.stop()


async def test_demo_installation_end_to_end(clock: ManualClock, tmp_path: Path) -> None:
    clock.t = NOON
    installation = DemoInstallation(clock)
    url = await installation.start()
    config = EnphaseConfig(
        name="demo",
        type="enphase",
        url=url,
        username=USERNAME,
        password=SecretStr(PASSWORD),
        enlighten_url=installation.enlighten_url,
        entrez_url=installation.enlighten_url,
        night=NightOff(mode="off"),
    )
    source = EnphaseSource(config, SourceContext(clock, tmp_path))
    try:
        assert "password" in installation.describe()
        snapshot = await SourcePoller(source, clock, Hub()).poll_all()
    finally:
        await source.close()
        await installation.stop()
    assert snapshot.health.up, snapshot.health.last_error
    names = {r.metric.name: r.value for r in snapshot.readings if not r.device}
    assert names["solar_production_power_watts"] > 1000
    assert names["enphase_batteries"] == 1
    assert 0.1 <= names["solar_battery_state_of_charge_ratio"] <= 1
    assert names["enphase_microinverters"] == 16
    assert "solar_grid_import_energy_joules_total" in names
