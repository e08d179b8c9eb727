"""pyenphase behind a thin adapter: one gateway, one request at a time, short timeouts.

How `url` reaches pyenphase: pyenphase takes a host, not a URL. It reads `/info` at
`https://<host>/info` first and falls back to `http://<host>/info`, then builds every other
URL as `https://<host>/…` from firmware 7 and `http://<host>/…` below. The adapter hands it
the `host[:port]` part of `url`, so a port (a proxy, the simulator) is kept; since a port
belongs to one scheme, the scheme of `url` must match the firmware family, which `connect()`
checks right after `/info` and reports in plain words. `enlighten_url` and `entrez_url` never
reach pyenphase: tokens are fetched by `auth.Enlighten`, and pyenphase only receives the token
(`authenticate(token=…)`), which it presents at `/auth/check_jwt`.

Timeouts and retries: each request times out after `timeout` (connecting after at most 10 s)
and is tried at most twice (`set_retry_policy`), instead of pyenphase's 45 s and 6 attempts.
Every operation — connecting (setup, authentication, probe), one full update, one request —
also runs under a deadline in real time, because pyenphase's own probe retries (4 attempts)
and its token check (retried on connection errors without limit) could otherwise hold the
poller for minutes.

One request at a time: every call into pyenphase, and every request of ours through
`envoy.request` (same session, same authentication), holds one lock. The aiohttp session
counts every request it sends, pyenphase's included, by endpoint and result, through a trace
hook. It does not verify the gateway's certificate, which is self-signed on every gateway.

Re-authentication: a 401 or 403 (pyenphase: `EnvoyAuthenticationRequired`) is answered by
checking the token again, then by a new token, then by retrying the operation once; a second
refusal is an `AuthFailed`, and the next poll connects from scratch (the firmware may have
changed).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import aiohttp
from pyenphase import Envoy, EnvoyData
from pyenphase.const import AUTH_TOKEN_MIN_VERSION
from pyenphase.exceptions import (
    EnvoyAuthenticationError,
    EnvoyAuthenticationRequired,
    EnvoyCommunicationError,
    EnvoyError,
    EnvoyFirmwareCheckError,
    EnvoyFirmwareFatalCheckError,
    EnvoyHTTPStatusError,
    EnvoyPoorDataQuality,
    EnvoyProbeFailed,
)
from pyenphase.ssl import NO_VERIFY_SSL_CONTEXT

from solar2prom.core.clock import Clock
from solar2prom.core.errors import AuthFailed, SourceError, UpdateFailed
from solar2prom.core.timezones import resolve_timezone
from solar2prom.sources.base import RequestStats
from solar2prom.sources.enphase.auth import AUTH_RETRY, Token, TokenKeeper
from solar2prom.sources.enphase.config import EnphaseConfig

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ATTEMPTS = 2
RETRY_WAIT = 0.5  # pyenphase's wait multiplier: at most 1 s before the second attempt
# Deadlines of whole operations, in request timeouts.
CONNECT_DEADLINE = 6.0
UPDATE_DEADLINE = 4.0
REQUEST_DEADLINE = 2.5
# What pyenphase's models raise on answers of an unexpected shape: not JSON, a missing key,
# `null` or a list where an object belongs.
_ODD_ANSWER = (ValueError, LookupError, TypeError, AttributeError)


class _Refused(Exception):
    """The gateway answered 401 or 403."""


def request_trace(stats: RequestStats) -> aiohttp.TraceConfig:
    """Counts every request a session sends, by path and result."""

    async def ended(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        stats.record(params.url.path_qs, "ok" if 200 <= status < 300 else f"http_{status}")

    async def failed(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        result = "timeout" if isinstance(params.exception, TimeoutError) else "connection_error"
        stats.record(params.url.path_qs, result)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace


class EnvoyAdapter:
    """One gateway through pyenphase: `connect()` once, then `update()` and `get_json()`."""

    def __init__(
        self,
        config: EnphaseConfig,
        *,
        keeper: TokenKeeper,
        stats: RequestStats,
        clock: Clock,
    ) -> None:
        self.config = config
        self.keeper = keeper
        self._stats = stats
        self._clock = clock
        self._timeout = config.timeout
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._envoy: Envoy | None = None
        self._token: Token | None = None  # the token pyenphase holds
        self._tokens = False  # firmware 7 or later
        self.connected = False
        self.timezone: str | None = None

    @property
    def envoy(self) -> Envoy:
        if self._envoy is None or not self.connected:
            raise UpdateFailed("not connected to the gateway yet")
        return self._envoy

    @property
    def uses_tokens(self) -> bool:
        return self._tokens

    @property
    def serial(self) -> str:
        return self.config.serial or (self._envoy.serial_number if self._envoy else None) or ""

    def _new_envoy(self) -> Envoy:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=NO_VERIFY_SSL_CONTEXT),
                # The gateway's session cookie spares it checking the JWT on every request;
                # gateways are usually addressed by IP, which the default jar refuses.
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                trace_configs=[request_trace(self._stats)],
            )
        timeout = aiohttp.ClientTimeout(total=self._timeout, connect=min(10.0, self._timeout))
        envoy = Envoy(self.config.host, client=self._session, timeout=timeout, v2_acb_mode=False)
        envoy.set_retry_policy(
            max_attempts=MAX_ATTEMPTS,
            max_delay=max(1, int(self._timeout * MAX_ATTEMPTS)),
            wait_multiplier=RETRY_WAIT,
        )
        return envoy

    # --- operations -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read /info, authenticate, and probe what the gateway offers (once)."""
        async with self._lock:
            if self.connected:
                return
            self._envoy = envoy = self._new_envoy()
            self._token = None
            await self._run(f"connecting to {self.config.host}", self._setup, CONNECT_DEADLINE)
            try:
                await self._run("authenticating", self._authenticate, CONNECT_DEADLINE)
            except _Refused:
                raise self._refusal() from None
            try:
                await self._run("probing", envoy.probe, CONNECT_DEADLINE)
            except _Refused:
                raise self._refusal() from None
            self.connected = True
            if self.config.timezone is None:
                await self._read_timezone(envoy)

    async def _setup(self) -> None:
        envoy = self._envoy
        if envoy is None:
            raise UpdateFailed("not connected to the gateway yet")
        await envoy.setup()
        firmware = envoy.firmware
        if firmware is None:
            raise UpdateFailed("the gateway's /info gave no firmware version")
        self._tokens = tokens = firmware >= AUTH_TOKEN_MIN_VERSION
        if tokens != self.config.secure:
            scheme = "https" if tokens else "http"
            raise AuthFailed(
                f"the gateway runs firmware {firmware}, which speaks {scheme.upper()}: "
                f"write `url` as {scheme}://{self.config.host}",
                retry_after=AUTH_RETRY,
            )

    async def _authenticate(self) -> None:
        envoy = self._envoy
        if envoy is None:
            raise UpdateFailed("not connected to the gateway yet")
        if not self.uses_tokens:
            password = self.config.password.get_secret_value() if self.config.password else None
            await envoy.authenticate(username=self.config.username, password=password)
            return
        token = await self.keeper.token(self.serial)
        await envoy.authenticate(token=token.value)
        self._token = token

    async def _read_timezone(self, envoy: Envoy) -> None:
        """The gateway's own zone from /home (slow, read once); its nightly outage is local."""
        try:
            async with asyncio.timeout(self._timeout * REQUEST_DEADLINE):
                settings = await envoy.interface_settings()
        except (TimeoutError, EnvoyError, aiohttp.ClientError, *_ODD_ANSWER):
            return
        zone = settings.timezone if settings is not None else None
        if not isinstance(zone, str) or zone in ("", "unknown"):
            return
        try:
            resolve_timezone(zone)
        except (ValueError, OSError):  # not a zone (OSError: a folder of the zone database)
            return
        self.timezone = zone

    async def update(self) -> EnvoyData:
        """One full update: every endpoint pyenphase's probe chose."""
        return await self._authorised("updating", lambda: self.envoy.update(), UPDATE_DEADLINE)

    async def get_json(self, endpoint: str) -> Any:
        """The JSON body of a GET of `endpoint`; None when the firmware lacks it (404)."""

        async def fetch() -> Any:
            response = await self.envoy.request(endpoint)
            async with response:
                if response.status == 404:
                    return None
                if not 200 <= response.status < 300:
                    raise EnvoyHTTPStatusError(response.status, endpoint)
                return json.loads(await response.read())

        return await self._authorised(endpoint, fetch, REQUEST_DEADLINE)

    async def _authorised(
        self, what: str, operation: Callable[[], Awaitable[T]], deadline: float
    ) -> T:
        async with self._lock:
            try:
                if self.uses_tokens:
                    await self._keep_token_fresh()
                return await self._run(what, operation, deadline)
            except _Refused:
                log.info("the gateway refused our credentials while %s; authenticating again", what)
            await self._reauthenticate()
            try:
                return await self._run(what, operation, deadline)
            except _Refused:
                raise self._refusal() from None

    async def _keep_token_fresh(self) -> None:
        token = await self.keeper.token(self.serial)
        if token is not self._token:
            await self._check_token(token)

    async def _check_token(self, token: Token) -> None:
        envoy = self.envoy

        async def check() -> None:
            await envoy.authenticate(token=token.value)

        await self._run("checking the token", check, REQUEST_DEADLINE)
        self._token = token

    async def _reauthenticate(self) -> None:
        if not self.uses_tokens:
            try:
                await self._run("authenticating", self._authenticate, REQUEST_DEADLINE)
            except _Refused:
                raise self._refusal() from None
            return
        token = await self.keeper.token(self.serial)
        try:
            await self._check_token(token)
            return
        except _Refused:
            log.info("the gateway refused the token; fetching a new one")
        try:
            await self._check_token(await self.keeper.replace(self.serial))
        except _Refused:
            raise self._refusal() from None

    def _refusal(self) -> AuthFailed:
        self.connected = False
        if self.uses_tokens:
            message = (
                "the gateway refused the token: paste a new one, or set `username` and "
                "`password` of an Enlighten account that owns the gateway"
            )
        else:
            user = self.config.username or "installer"
            message = (
                f"the gateway refused the local user {user!r}: check `username` and "
                "`password` (the envoy user's password is the last 6 characters of the serial "
                "unless it was changed)"
            )
        return AuthFailed(message, retry_after=AUTH_RETRY)

    async def _run(self, what: str, operation: Callable[[], Awaitable[T]], deadline: float) -> T:
        """Run a pyenphase operation under the deadline, with its errors in our words."""
        limit = self._timeout * deadline
        try:
            async with asyncio.timeout(limit):
                return await operation()
        except (EnvoyAuthenticationRequired, EnvoyAuthenticationError):
            raise _Refused from None
        except SourceError:
            raise
        except TimeoutError:
            raise UpdateFailed(f"{what}: the gateway did not answer within {limit:g}s") from None
        except (EnvoyError, aiohttp.ClientError, *_ODD_ANSWER) as exc:
            raise _translate(what, exc) from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._envoy = None
        self.connected = False


def _translate(what: str, exc: Exception) -> SourceError:
    """A pyenphase, aiohttp or decoding error as a poll failure in plain words."""
    if isinstance(exc, EnvoyFirmwareFatalCheckError):
        return UpdateFailed(f"{what}: cannot reach the gateway ({exc.status})")
    if isinstance(exc, EnvoyFirmwareCheckError):
        return UpdateFailed(f"{what}: the gateway's /info answered HTTP {exc.status_code}")
    if isinstance(exc, EnvoyHTTPStatusError):
        return UpdateFailed(f"{what}: the gateway answered HTTP {exc.status_code}")
    if isinstance(exc, EnvoyPoorDataQuality):
        return UpdateFailed(
            f"{what}: the gateway reports all-zero production, as firmware 3 does for a few "
            "minutes after a restart; the last values stay"
        )
    if isinstance(exc, EnvoyProbeFailed):
        return UpdateFailed(f"{what}: the gateway offers no production data")
    if isinstance(exc, EnvoyCommunicationError | aiohttp.ClientError):
        cause = exc.__cause__ if isinstance(exc, EnvoyCommunicationError) else exc
        if isinstance(cause, TimeoutError):
            return UpdateFailed(f"{what}: the gateway did not answer in time")
        return UpdateFailed(f"{what}: connection to the gateway failed")
    if isinstance(exc, ValueError):
        return UpdateFailed(f"{what}: the gateway's answer was not valid JSON")
    if isinstance(exc, LookupError | TypeError | AttributeError):
        return UpdateFailed(f"{what}: the gateway's answer lacks expected fields")
    return UpdateFailed(f"{what}: {type(exc).__name__}")
