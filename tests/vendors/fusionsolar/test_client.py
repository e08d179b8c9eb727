"""The client over real HTTP against a server that answers with captured vendor bodies."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from solar2prom.core.budget import Governor, Window
from solar2prom.core.errors import AuthFailed, RateLimited, SourceError, UpdateFailed
from solar2prom.sources.base import RequestStats
from solar2prom.sources.fusionsolar import limits
from solar2prom.sources.fusionsolar.client import FusionSolarClient, NoPermission
from tests.conftest import ManualClock
from tests.vendors.fusionsolar.conftest import (
    FIXTURES,
    TOKEN,
    Answer,
    CaptureServer,
    capture,
    load,
    login_ok,
    ok,
)

SECRET = "canary-system-code-7d1f"


@pytest.fixture
def governor(tmp_path: Path, clock: ManualClock) -> Governor:
    governor = Governor(tmp_path / "budget.json")
    limits.configure(governor, 1, {38: 1}, clock.now())
    return governor


@pytest.fixture
async def client(
    server: CaptureServer, clock: ManualClock, governor: Governor
) -> AsyncIterator[FusionSolarClient]:
    client = FusionSolarClient(
        server.url,
        "api-user",
        SECRET,
        clock=clock,
        governor=governor,
        stats=RequestStats(),
        timeout=2,
    )
    yield client
    await client.close()


async def test_logs_in_once_and_sends_the_token_header(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    devices = load("getDevList__dongle_inverter_battery_meter")["data"]
    server.script("getDevList", lambda _: ok(devices))
    assert await client.call("getDevList", {"stationCodes": "NE=1"}) == devices
    clock.advance(120)
    await client.call("getDevList", {"stationCodes": "NE=1"})
    assert server.calls("login") == 1
    login = server.seen[0]
    assert login[1] == {"userName": "api-user", "systemCode": SECRET}
    assert [token for api, _, token in server.seen if api == "getDevList"] == [TOKEN, TOKEN]


async def test_token_from_the_cookie_when_no_header(
    server: CaptureServer, client: FusionSolarClient
) -> None:
    def cookie_login(_: dict[str, Any]) -> web.Response:
        response = capture("login__success_params_empty_object")
        response.set_cookie("XSRF-TOKEN", "x-from-cookie")
        return response

    server.script("login", cookie_login)
    server.script("stations", lambda _: ok({"list": [], "pageCount": 1}))
    await client.call("stations", {"pageNo": 1, "pageSize": 100})
    assert server.seen[-1][2] == "x-from-cookie"


async def test_305_logs_in_again_once_and_retries(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    server.script(
        "getStationRealKpi",
        lambda _: ok([]),
        lambda _: capture("error__failCode305_user_must_relogin"),
        lambda _: capture("getStationRealKpi__one_plant_numeric_values"),
    )
    await client.call("getStationRealKpi", {"stationCodes": "NE=1"})
    clock.advance(1800)  # the token lapsed while idle
    data = await client.call("getStationRealKpi", {"stationCodes": "NE=1"})
    assert data[0]["dataItemMap"]["real_health_state"] == 3
    assert server.calls("login") == 2


async def test_305_right_after_a_fresh_login_means_another_client(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    server.script(
        "getDevRealKpi",
        lambda _: ok([]),
        lambda _: capture("error__failCode305_user_must_relogin"),
    )
    await client.call("getDevRealKpi", {"devIds": "1", "devTypeId": 38})
    clock.advance(400)
    with pytest.raises(AuthFailed, match="another client"):
        await client.call("getDevRealKpi", {"devIds": "1", "devTypeId": 38})
    assert server.calls("login") == 2


async def test_logins_are_rationed_even_when_the_vendor_keeps_asking(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    logins: list[float] = []

    def counted_login(body: dict[str, Any]) -> web.Response:
        logins.append(clock.now())
        return login_ok(body)

    server.script("login", counted_login)
    server.script("stations", lambda _: capture("error__failCode305_user_must_relogin"))
    for _ in range(40):
        with pytest.raises((AuthFailed, RateLimited)):
            await client.call("stations", {"pageNo": 1, "pageSize": 100})
        clock.advance(30)
    # A vendor answering 305 to everything: never more than 3 logins in any 10 minutes.
    assert len(logins) >= 3
    assert all(later - earlier >= 600 for earlier, later in zip(logins, logins[3:], strict=False))


async def test_407_waits_for_the_window_without_asking_again(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    server.script(
        "getDevRealKpi", lambda _: capture("error__failCode407_access_frequency_is_too_high")
    )
    with pytest.raises(RateLimited) as info:
        await client.call("getDevRealKpi", {"devIds": "1", "devTypeId": 38})
    assert info.value.retry_after is not None and info.value.retry_after >= 300
    clock.advance(60)
    with pytest.raises(RateLimited):
        await client.call("getDevRealKpi", {"devIds": "1", "devTypeId": 38})
    assert server.calls("getDevRealKpi") == 1  # the second one was refused locally


async def test_budget_is_checked_before_sending(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock
) -> None:
    server.script("getStationRealKpi", lambda _: ok([]))
    await client.call("getStationRealKpi", {"stationCodes": "NE=1"})
    clock.advance(100)  # k = 1 call per 5 minutes: the next is 200+ s away
    with pytest.raises(RateLimited, match="budget is spent"):
        await client.call("getStationRealKpi", {"stationCodes": "NE=1"})
    clock.advance(250)
    await client.call("getStationRealKpi", {"stationCodes": "NE=1"})
    assert server.calls("getStationRealKpi") == 2


async def test_short_budget_waits_are_slept_through(
    server: CaptureServer, client: FusionSolarClient, clock: ManualClock, governor: Governor
) -> None:
    governor.configure("getDevList", [Window(30, 86400)], clock.now(), min_spacing=61)
    server.script("getDevList", lambda _: ok([]))
    await client.call("getDevList", {"stationCodes": "NE=1"})
    before = clock.now()
    await client.call("getDevList", {"stationCodes": "NE=2"})
    assert clock.now() - before == pytest.approx(61)


async def test_gateway_quota_control_is_a_transient_back_off(
    server: CaptureServer, client: FusionSolarClient
) -> None:
    server.script("getStationList", lambda _: capture("getStationList__http403_quota_control", 403))
    with pytest.raises(UpdateFailed, match="quotaControl") as info:
        await client.call("getStationList", {})
    assert info.value.retry_after is not None and 60 <= info.value.retry_after <= 300


async def test_empty_login_answer_is_an_auth_failure_without_retry(
    server: CaptureServer, client: FusionSolarClient
) -> None:
    server.script("login", lambda _: web.Response(body=b""))
    with pytest.raises(AuthFailed, match="wrong user name or system code") as info:
        await client.call("stations", {"pageNo": 1, "pageSize": 100})
    assert server.calls("login") == 1
    assert info.value.retry_after == 1800


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        (20056, AuthFailed, "plant owner has not authorized"),
        (20400, AuthFailed, "wrong user name or system code"),
        (20003, AuthFailed, "expired"),
        (20618, RateLimited, "daily call limit"),
        (20200, UpdateFailed, "busy"),
        (20009, UpdateFailed, "failCode 20009"),
    ],
)
async def test_fail_codes_become_typed_errors(
    server: CaptureServer,
    client: FusionSolarClient,
    code: int,
    error: type[Exception],
    words: str,
) -> None:
    body = {"success": False, "failCode": code, "data": None, "params": {}, "message": None}
    server.script("getDevList", lambda _: web.json_response(body))
    with pytest.raises(error, match=words):
        await client.call("getDevList", {"stationCodes": "NE=1"})


async def test_401_is_a_missing_right(server: CaptureServer, client: FusionSolarClient) -> None:
    body = {"success": False, "failCode": 401, "message": "Invalid access to current interface!"}
    server.script("getStationList", lambda _: web.json_response(body))
    with pytest.raises(NoPermission) as info:
        await client.call("getStationList", {})
    assert info.value.api == "getStationList"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda _: web.Response(text="<html>502 Bad Gateway</html>"), "HTML page"),
        (lambda _: web.Response(text="{truncated"), "not JSON"),
        (lambda _: web.Response(status=503, text="down"), "HTTP 503"),
        (lambda _: web.json_response({"unexpected": True}), "no failCode"),
    ],
)
async def test_unusable_answers_are_transient_failures(
    server: CaptureServer, client: FusionSolarClient, answer: Answer, words: str
) -> None:
    server.script("stations", answer)
    with pytest.raises(UpdateFailed, match=words):
        await client.call("stations", {"pageNo": 1, "pageSize": 100})


async def test_a_hanging_server_times_out(server: CaptureServer, client: FusionSolarClient) -> None:
    async def hang(_: dict[str, Any]) -> web.Response:
        await asyncio.sleep(10)
        return ok([])

    server.script("stations", hang)
    with pytest.raises(UpdateFailed, match="no answer within 2s"):
        await client.call("stations", {"pageNo": 1, "pageSize": 100})


async def test_secrets_never_reach_logs_or_errors(
    server: CaptureServer, client: FusionSolarClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script(
        "stations",
        lambda _: capture("error__failCode305_user_must_relogin"),
        lambda _: web.Response(text="<html>oops</html>"),
    )
    with pytest.raises(SourceError) as info:
        await client.call("stations", {"pageNo": 1, "pageSize": 100})
    text = caplog.text + str(info.value)
    assert SECRET not in text and TOKEN not in text


async def test_close_logs_out_with_the_token(
    server: CaptureServer, client: FusionSolarClient
) -> None:
    server.script("stations", lambda _: ok({"list": [], "pageCount": 1}))
    await client.call("stations", {"pageNo": 1, "pageSize": 100})
    await client.close()
    assert server.seen[-1][:2] == ("logout", {"xsrfToken": TOKEN})
    assert not client.logged_in


def test_captured_bodies_are_what_the_tests_claim() -> None:
    assert load("error__failCode305_user_must_relogin")["failCode"] == 305
    assert "success" not in load("error__failCode305_user_must_relogin")
    assert json.loads((FIXTURES / "getStationList__http403_quota_control.json").read_text())[
        "exceptionInfo"
    ].startswith("Request is rejected by api quotaControl")
