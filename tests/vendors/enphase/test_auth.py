"""Authentication, every flow: Digest users below firmware 7; from 7 a pasted token, or one
fetched from (fake) Enlighten with the serial read from /info; the token cache; renewal of an
expiring token while the daemon runs; re-authentication on 401; multi-factor accounts."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from envoy_utils.envoy_utils import EnvoyUtils
from pydantic import SecretStr

from solar2prom.core import metrics as m
from solar2prom.core.model import Snapshot
from solar2prom.sources.enphase import catalog as c
from tests.conftest import ManualClock
from tests.vendors.enphase.conftest import (
    PASSWORD,
    Cloud,
    Running,
    Start,
    config_for,
    value,
)

LEGACY = "5.0.62"
TOKENS = "7.6.114_without_cts"  # no CTs: the meters feed sends nothing, polls stay short
Enlighten = Callable[..., Awaitable[Cloud]]


def assert_up(snapshot: Snapshot) -> None:
    assert snapshot.health.up, snapshot.health.last_error


# --- below firmware 7: Digest ------------------------------------------------------------------


async def test_envoy_user_gets_the_last_six_serial_characters(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(LEGACY)
    snapshot = await run(config_for(sim, username="envoy")).poll()
    assert_up(snapshot)
    assert sim.stats.auth_refusals["digest"] >= 1  # the challenge was answered
    assert value(snapshot, m.PRODUCTION_POWER.name) is not None


async def test_installer_is_the_default_user(gateway: Start, run: Callable[..., Running]) -> None:
    probe = await gateway("3.9.36")
    installer = EnvoyUtils.get_password(probe.serial, "installer")
    sim = await gateway("3.9.36", installer_password=installer)
    assert_up(await run(config_for(sim, username=None)).poll())


async def test_wrong_local_password_is_an_auth_failure_in_plain_words(
    gateway: Start, run: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    sim = await gateway(LEGACY)
    secret = "not-the-password"
    snapshot = await run(config_for(sim, username="envoy", password=SecretStr(secret))).poll()
    assert not snapshot.health.up
    error = snapshot.health.last_error or ""
    assert "refused the local user 'envoy'" in error
    assert secret not in error and secret not in caplog.text


async def test_http_url_for_token_firmware_is_explained(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(TOKENS)
    config = config_for(sim).model_copy(update={"url": sim.https_url.replace("https", "http")})
    snapshot = await run(config).poll()
    assert "speaks HTTPS" in (snapshot.health.last_error or "")


# --- from firmware 7: tokens -------------------------------------------------------------------


async def test_pasted_token_and_its_expiry_metric(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(TOKENS)
    token = sim.issue_token(lifetime=86400)
    snapshot = await run(config_for(sim, token=SecretStr(token))).poll()
    assert_up(snapshot)
    assert value(snapshot, c.TOKEN_EXPIRY.name) == int(clock.now() + 86400)
    assert sim.stats.token_checks == 1
    # Less than 30 days left and nobody to renew it: the status page says so.
    assert any("expires on" in note for note in snapshot.health.notes)


async def test_expired_pasted_token_fails_plainly(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(TOKENS)
    token = sim.issue_token(lifetime=60)
    clock.advance(120)
    snapshot = await run(config_for(sim, token=SecretStr(token))).poll()
    error = snapshot.health.last_error or ""
    assert "token expired on" in error and "paste a new one" in error
    assert token not in error


async def test_token_from_enlighten_with_serial_from_info_is_cached(
    gateway: Start, enlighten: Enlighten, run: Callable[..., Running], tmp_path: Path
) -> None:
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim)
    assert_up(await run(config_for(sim, **cloud.credentials())).poll())
    assert cloud.service.stats.logins == 1 and cloud.service.stats.tokens_issued == 1
    cache = tmp_path / "state" / "token.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    # A restart uses the cached token: no new login.
    assert_up(await run(config_for(sim, **cloud.credentials())).poll())
    assert cloud.service.stats.tokens_issued == 1


async def test_mfa_account_is_told_to_paste_a_token(
    gateway: Start,
    enlighten: Enlighten,
    run: Callable[..., Running],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim, mfa=True)
    snapshot = await run(config_for(sim, **cloud.credentials())).poll()
    error = snapshot.health.last_error or ""
    assert "multi-factor authentication" in error and "`token`" in error
    assert PASSWORD not in error and PASSWORD not in caplog.text


async def test_wrong_enlighten_password(
    gateway: Start, enlighten: Enlighten, run: Callable[..., Running]
) -> None:
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim)
    keys = {**cloud.credentials(), "password": SecretStr("wrong")}
    snapshot = await run(config_for(sim, **keys)).poll()
    assert "refused the user name or password" in (snapshot.health.last_error or "")


async def test_expiring_token_is_renewed_while_the_daemon_runs(
    gateway: Start,
    enlighten: Enlighten,
    run: Callable[..., Running],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Tokens of 10 minutes, one hour of the real poll loop: never a failed poll, never an
    expired token shown to the gateway."""
    caplog.set_level(logging.INFO)
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim, token_lifetime=600)
    running = run(config_for(sim, **cloud.credentials()))
    seen: list[Snapshot] = []
    running.hub.subscribe(seen.append)
    start = clock.now()
    task = asyncio.create_task(running.poller.run())
    try:
        while clock.now() < start + 3600:
            await asyncio.sleep(0.001)
            assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    polled = [s for s in seen if s.health.last_success is not None]
    assert len(polled) > 60
    assert all(s.health.up for s in polled), [
        s.health.last_error for s in polled if not s.health.up
    ]
    assert cloud.service.stats.tokens_issued >= 6
    assert sim.stats.auth_refusals == {}
    expiries = {value(s, c.TOKEN_EXPIRY.name) for s in polled}
    assert len(expiries) >= 6


async def test_token_expiring_while_enlighten_is_down_is_fetched_once_it_is_back(
    gateway: Start,
    enlighten: Enlighten,
    run: Callable[..., Running],
    clock: ManualClock,
) -> None:
    """Renewal fails while Enlighten is unreachable and the token runs out: polls fail with a
    passing error, Enlighten is asked at most every few minutes, and the first try after it is
    back fetches a token — not an hour later."""
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim, token_lifetime=600)
    running = run(config_for(sim, **cloud.credentials()))
    seen: list[Snapshot] = []
    running.hub.subscribe(seen.append)
    start = clock.now()
    port = int(cloud.url.rsplit(":", 1)[1])

    async def until(moment: float) -> None:
        while clock.now() < start + moment:
            await asyncio.sleep(0.001)
            assert not task.done()

    task = asyncio.create_task(running.poller.run())
    try:
        await until(100)
        await cloud.service.stop()  # renewal is due at 540 s, the token expires at 600 s
        await until(600)
        tries = running.source.requests.total("enlighten_login")
        await until(1500)
        down = [s for s in seen if s.taken_at > start + 660]
        assert down and not any(s.health.up for s in down)
        assert "token expired" in (down[-1].health.last_error or "")
        # At the expiry, then at most one try per 5 minutes.
        assert running.source.requests.total("enlighten_login") - tries <= 1 + 900 / 300
        await cloud.service.start(port=port)
        back = clock.now()
        await until(1500 + 400)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    recovered = next((s.taken_at for s in seen if s.taken_at > back and s.health.up), None)
    assert recovered is not None and recovered - back <= 300 + 60
    assert cloud.service.stats.tokens_issued == 2


async def test_revoked_token_is_replaced_within_the_poll(
    gateway: Start, enlighten: Enlighten, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(TOKENS)
    cloud = await enlighten(sim)
    running = run(config_for(sim, **cloud.credentials()))
    assert_up(await running.poll())
    clock.advance(60)
    sim.revoke_tokens()
    assert_up(await running.poll())
    assert sim.stats.auth_refusals["revoked"] >= 1
    assert cloud.service.stats.tokens_issued == 2


async def test_revoked_pasted_token_without_credentials(
    gateway: Start, run: Callable[..., Running], clock: ManualClock
) -> None:
    sim = await gateway(TOKENS)
    running = run(config_for(sim))
    assert_up(await running.poll())
    clock.advance(60)
    sim.revoke_tokens()
    snapshot = await running.poll()
    assert "refused the token" in (snapshot.health.last_error or "")


async def test_gateway_reboot_forgets_the_session_and_the_token_is_checked_again(
    gateway: Start, run: Callable[..., Running]
) -> None:
    sim = await gateway(TOKENS)
    running = run(config_for(sim))
    assert_up(await running.poll())
    sim.reboot()
    assert_up(await running.poll())
    assert sim.stats.token_checks == 2


async def test_a_token_put_in_token_file_is_taken_without_a_restart(
    gateway: Start, run: Callable[..., Running], clock: ManualClock, tmp_path: Path
) -> None:
    """A day's token in the file; a year's token written over it. The running source keeps
    the first while it lasts, then reads the file again (a tenth of its life before expiry),
    and after a revocation takes the next one the file holds."""
    sim = await gateway(TOKENS)
    token_file = tmp_path / "envoy-token"
    token_file.write_text(sim.issue_token(lifetime=86400) + "\n")
    running = run(config_for(sim, token_file=token_file))
    first = await running.poll()
    assert_up(first)
    assert value(first, c.TOKEN_EXPIRY.name) == int(clock.now() + 86400)
    assert any(f"put a new one in {token_file}" in note for note in first.health.notes)

    year = sim.issue_token(lifetime=365 * 86400)
    token_file.write_text(year)
    clock.advance(3600)
    assert value(await running.poll(), c.TOKEN_EXPIRY.name) == int(clock.now() - 3600 + 86400)
    clock.advance(21 * 3600)  # 2 hours left, under a tenth of its life: the file is read again
    renewed = await running.poll()
    assert_up(renewed)
    assert value(renewed, c.TOKEN_EXPIRY.name) == int(clock.now() - 22 * 3600 + 365 * 86400)
    assert not any("token" in note for note in renewed.health.notes)

    clock.advance(60)
    sim.revoke_tokens()
    refused = await running.poll()
    assert "refused the token" in (refused.health.last_error or "")
    assert f"put a new one in {token_file}" in (refused.health.last_error or "")
    clock.advance(60)
    token_file.write_text(sim.issue_token(lifetime=365 * 86400))
    clock.advance(1800)  # the auth back-off
    assert_up(await running.poll())
    assert year not in token_file.read_text()


async def test_a_garbled_token_file_leaves_the_working_token_in_use(
    gateway: Start, run: Callable[..., Running], clock: ManualClock, tmp_path: Path
) -> None:
    sim = await gateway(TOKENS)
    token_file = tmp_path / "envoy-token"
    token_file.write_text(sim.issue_token(lifetime=86400))
    running = run(config_for(sim, token_file=token_file))
    assert_up(await running.poll())
    token_file.write_text("half a token, pasted in a hurry")
    clock.advance(22 * 3600)  # time to read the file again; it holds no token
    snapshot = await running.poll()
    assert_up(snapshot)
    assert value(snapshot, c.TOKEN_EXPIRY.name) == int(clock.now() - 22 * 3600 + 86400)
    clock.advance(3 * 3600)  # the token in use has run out; the file still holds no token
    expired = await running.poll()
    assert f"put a new one in {token_file}" in (expired.health.last_error or "")
