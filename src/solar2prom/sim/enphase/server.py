"""The HTTP side of the gateway simulator: both listeners, auth, faults, admin endpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.sim.enlighten import TokenSigner, UserType
from solar2prom.sim.enphase.auth import SESSION_COOKIE, DigestGuard, TokenGuard
from solar2prom.sim.enphase.dynamic import DynamicGateway
from solar2prom.sim.enphase.faults import Faults
from solar2prom.sim.enphase.fixture import FixtureGateway
from solar2prom.sim.enphase.gateway import JSON, Answer, Gateway, local_hour_minute, uses_tokens
from solar2prom.sim.enphase.stats import SimStats
from solar2prom.sim.enphase.system import SystemConfig
from solar2prom.sim.enphase.tls import server_context
from solar2prom.sim.serving import InFlight, add_fault_routes

PUBLIC = "/info"
CHECK_JWT = "/auth/check_jwt"
_NOT_FOUND = b"<html><body><h1>404 Not Found</h1></body></html>"
_UNAUTHORIZED = b"<html><body><h1>401 Unauthorized</h1></body></html>"
_UNAVAILABLE = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
_VALID_TOKEN = b"<!DOCTYPE html><h2>Valid token.</h2>"


class EnphaseSimulator:
    """One Envoy / IQ Gateway on a local HTTP and a local HTTPS port.

    `fixture_dir` serves a folder of real captures; without it, a built-in installation
    (`system`) whose values follow the sun and the household through the day.
    """

    def __init__(
        self,
        fixture_dir: Path | None = None,
        clock: Clock | None = None,
        *,
        system: SystemConfig | None = None,
        signer: TokenSigner | None = None,
        installer_password: str | None = None,
        seed: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.gateway: Gateway = (
            FixtureGateway(fixture_dir)
            if fixture_dir is not None
            else DynamicGateway(system or SystemConfig(), self.clock.now())
        )
        self.serial = self.gateway.serial
        self.tokens = uses_tokens(self.gateway)
        self.signer = signer or TokenSigner()
        users = {"envoy": self.serial[-6:]}
        if installer_password is not None:
            users["installer"] = installer_password
        self.digest = DigestGuard(users)
        self.token_guard = TokenGuard(self.signer, self.serial)
        self.faults = Faults(seed=seed)
        self.stats = SimStats()
        self._in_flight = InFlight()
        self.http_url = ""
        self.https_url = ""
        self.app = web.Application()
        self.app.router.add_get("/_sim/stats", self._get_stats)
        add_fault_routes(self.app, self.faults)
        self.app.router.add_post("/_sim/reset", self._reset)
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The URL a client configures: HTTPS from firmware 7, plain HTTP before."""
        return self.https_url if self.tokens else self.http_url

    def issue_token(self, lifetime: float | None = None, user_type: UserType = "owner") -> str:
        """A token for this gateway, as the vendor's "Create access token" page gives one."""
        return self.signer.issue(self.serial, self.clock.now(), lifetime, user_type)

    def revoke_tokens(self) -> None:
        """Refuse every token issued before now (a re-registered gateway, a revoked token)."""
        self.token_guard.revoke(self.clock.now())

    def reboot(self) -> None:
        """Forget every session and token check, as a restarting gateway does."""
        self.token_guard.forget()

    async def start(self, host: str = "127.0.0.1", port: int = 0, other_port: int = 0) -> str:
        """Listen on `port` for the firmware's own scheme and `other_port` for the other one
        (0 = any free port); return `url`."""
        context = await asyncio.to_thread(server_context)
        http_port, https_port = (other_port, port) if self.tokens else (port, other_port)
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            http = web.TCPSite(runner, host, http_port)
            await http.start()
            self.http_url = _url("http", runner.addresses[0])
            https = web.TCPSite(runner, host, https_port, ssl_context=context)
            await https.start()
            self.https_url = _url("https", runner.addresses[1])
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset(self) -> None:
        """Forget sessions, counters and faults; tokens already issued stay valid."""
        self.token_guard.forget()
        self.stats.reset()
        self.faults.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        with self._in_flight.answering(request) as outstanding:
            self.stats.max_in_flight = max(self.stats.max_in_flight, outstanding)
            response = await self._answer(request)
        self.stats.statuses[(request.path, response.status)] += 1
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.stats.requests[path] += 1
        if self.faults.latency > 0 and not await self._delayed(request, self.faults.latency):
            return web.Response(status=499)  # the client gave up waiting: nobody reads this
        if self.tokens and not request.secure:
            # Token firmware serves HTTPS only; its plain-HTTP port redirects there.
            raise web.HTTPMovedPermanently(self.https_url + request.path_qs)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, body=b"read-only simulator")
        if path != PUBLIC:
            refusal = self._fault(request) or self._authorise(request)
            if refusal is not None:
                return refusal
        if path == CHECK_JWT and self.tokens:
            return self._check_jwt(request)
        answer = self.gateway.answer(request.path_qs, self.clock.now())
        if answer is None:
            return web.Response(status=404, body=_NOT_FOUND, content_type="text/html")
        return self._respond(answer)

    async def _delayed(self, request: web.Request, seconds: float) -> bool:
        """Wait `seconds` (real time) while the client waits; False when it hung up first,
        so that a request the client gave up on no longer counts as in flight."""
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            if request.transport is None or request.transport.is_closing():
                return False
            await asyncio.sleep(min(left, 0.01))
        return True

    def _fault(self, request: web.Request) -> web.StreamResponse | None:
        fault = self.faults.transport_fault()
        if fault == "drop_connection":
            self.stats.faults[fault] += 1
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        if fault == "http_error":
            self.stats.faults[fault] += 1
            return web.Response(status=self.faults.http_error_status, body=_UNAVAILABLE)
        if self.faults.nightly_outage:
            hour, minute = local_hour_minute(self.gateway, self.clock.now())
            if hour == 23 and minute < 5:
                self.stats.faults["nightly_outage"] += 1
                return web.Response(status=503, body=_UNAVAILABLE, content_type="text/html")
        return None

    def _authorise(self, request: web.Request) -> web.StreamResponse | None:
        authorization = request.headers.get("Authorization")
        if not self.tokens:
            if self.digest.check(request.method, authorization):
                return None
            self.stats.auth_refusals["digest"] += 1
            return web.Response(
                status=401,
                body=_UNAUTHORIZED,
                content_type="text/html",
                headers={"WWW-Authenticate": self.digest.challenge()},
            )
        if request.path == CHECK_JWT:
            return None
        check = self.token_guard.allow(
            authorization, request.cookies.get(SESSION_COOKIE), self.clock.now()
        )
        if check.refusal is None:
            return None
        self.stats.auth_refusals[check.refusal] += 1
        return web.Response(status=401, body=_UNAUTHORIZED, content_type="text/html")

    def _check_jwt(self, request: web.Request) -> web.Response:
        self.stats.token_checks += 1
        check = self.token_guard.check_jwt(request.headers.get("Authorization"), self.clock.now())
        if check.refusal is not None or check.session is None:
            self.stats.auth_refusals[check.refusal or "invalid"] += 1
            return web.Response(status=401, body=_UNAUTHORIZED, content_type="text/html")
        response = web.Response(body=_VALID_TOKEN, content_type="text/html")
        response.set_cookie(SESSION_COOKIE, check.session, path="/", secure=True, httponly=True)
        return response

    def _respond(self, answer: Answer) -> web.Response:
        body = answer.body
        if answer.content_type.startswith(JSON) and self.faults.take("malformed_json"):
            self.stats.faults["malformed_json"] += 1
            body = body[: len(body) // 2]
        return web.Response(
            status=answer.status, body=body, headers={"Content-Type": answer.content_type}
        )

    async def _get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.to_json())

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})


def _url(scheme: str, address: object) -> str:
    host, port = address[0], address[1]  # type: ignore[index]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"{scheme}://{shown}:{port}"
