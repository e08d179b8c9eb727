"""Transport for the FusionSolar Northbound API: session, login, budgets, failCodes.

One client per API account. It sends one request at a time, checks the account's budget
before every call (waiting briefly, or refusing locally when the wait would be long), logs in
lazily and again once on 305, and turns every failCode into a typed error. The token and the
system code never leave this object: not in logs, not in errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import aiohttp

from solar2prom.core.budget import Governor
from solar2prom.core.clock import Clock
from solar2prom.core.errors import AuthFailed, RateLimited, SourceError, UpdateFailed
from solar2prom.sources.base import RequestStats

log = logging.getLogger(__name__)

# Plain words for the failCodes that need a person (reference §10).
AUTH_CODES: dict[int, str] = {
    20001: "the API account (third-party system) does not exist",
    20002: "the API account is disabled",
    20003: "the API account has expired; the installer can extend its deadline",
    20028: "no user information for this API account",
    20400: "wrong user name or system code, or the account is locked (5 wrong tries lock it "
    "for 30 minutes) or its password has expired",
    20403: "logins of this API account are restricted",
    30029: "authentication failed",
    20056: "the plant owner has not authorized this API account: the owner must approve "
    "northbound access in the FusionSolar app",
}
TRANSIENT_CODES: dict[int, str] = {
    429: "the vendor is throttling",
    20004: "the vendor's server reported an error",
    20200: "the vendor's system is busy",
    30008: "the vendor's internal call failed",
}
AUTH_RETRY = 1800.0
# A token unused this long has expired at the vendor: log in first rather than meet a 305.
TOKEN_IDLE = 1800.0
# A poll waits this long for a budget slot by default; a longer wait ends the poll.
MAX_WAIT = 90.0


class NoPermission(AuthFailed):
    """failCode 401: this account may not use this interface (or this device type)."""

    def __init__(self, api: str) -> None:
        super().__init__(
            f"{api}: this API account has no right to this interface or device type "
            "(failCode 401); the installer grants rights in Northbound Management",
            retry_after=AUTH_RETRY,
        )
        self.api = api


def _seconds_to_utc_midnight(now: float) -> float:
    moment = datetime.fromtimestamp(now, UTC)
    midnight = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - moment).total_seconds()


class FusionSolarClient:
    def __init__(
        self,
        url: str,
        username: str,
        system_code: str,
        *,
        clock: Clock,
        governor: Governor,
        stats: RequestStats,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        max_wait: float = MAX_WAIT,
        rng: random.Random | None = None,
    ) -> None:
        self._base = url.rstrip("/") + "/thirdData/"
        self._username = username
        self._system_code = system_code
        self._clock = clock
        self._governor = governor
        self._stats = stats
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_wait = max_wait
        self._rng = rng or random.Random()
        self._token: str | None = None
        self._login_error: SourceError | None = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Our own cookie-less session: the token travels only in the XSRF-TOKEN header.
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
            self._own_session = True
        return self._session

    async def call(self, api: str, payload: dict[str, Any]) -> Any:
        """Call one interface; return its `data`, or raise a `SourceError` subclass."""
        async with self._lock:
            if self._token is not None and self._clock.now() - self._last_used > TOKEN_IDLE:
                self._token = None
            if self._token is None:
                await self._login()
            body, sent_at = await self._send(api, payload)
            if body.get("failCode") == 305:
                log.info("FusionSolar token expired or replaced; logging in again")
                # Refused before it was processed: the retry must not cost a second slot of a
                # budget that may allow only one call per window.
                self._governor.refund(api, sent_at)
                self._token = None
                await self._login()
                body, _ = await self._send(api, payload)
                if body.get("failCode") == 305:
                    self._token = None
                    raise AuthFailed(
                        "the token was invalidated right after a fresh login: another client "
                        "is using this API account; give each client its own account",
                        retry_after=AUTH_RETRY,
                    )
            return self._data(api, body)

    async def _wait_for_budget(self, api: str, max_wait: float | None = None) -> None:
        wait = self._governor.wait_time(api, self._clock.now())
        if wait > (self._max_wait if max_wait is None else max_wait):
            raise RateLimited(
                f"{api}: the vendor's call budget is spent; next call allowed in {wait:.0f}s",
                retry_after=wait,
            )
        if wait > 0:
            await self._clock.sleep(wait)

    async def _login(self) -> None:
        try:
            # A login that must wait follows a failure: fail this poll now, not hang in it.
            await self._wait_for_budget("login", max_wait=0.0)
        except RateLimited as exc:
            if self._login_error is None:
                raise
            # Say why logins are rationed: the failure a person can act on.
            kind = AuthFailed if isinstance(self._login_error, AuthFailed) else UpdateFailed
            raise kind(
                f"{self._login_error} (next login allowed in {exc.retry_after or 0:.0f}s)",
                retry_after=exc.retry_after,
            ) from exc
        try:
            await self._login_now()
        except SourceError as exc:
            self._login_error = exc
            raise
        self._login_error = None

    async def _login_now(self) -> None:
        payload = {"userName": self._username, "systemCode": self._system_code}
        response, body, _ = await self._post("login", payload, authenticated=False)
        if body is None:
            raise AuthFailed(
                "login refused with an empty answer: wrong user name or system code",
                retry_after=AUTH_RETRY,
            )
        code = body.get("failCode")
        if code != 0 or body.get("success") is False:
            self._raise_for(code, "login", body)
        token = response.headers.get("xsrf-token")
        if not token and "XSRF-TOKEN" in response.cookies:
            token = response.cookies["XSRF-TOKEN"].value
        if not token:
            raise UpdateFailed("login answered without a token")
        self._token = token

    async def _send(self, api: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """The answer's body and when the call was counted against the budget."""
        await self._wait_for_budget(api)
        _, body, sent_at = await self._post(api, payload, authenticated=True)
        if body is None:
            raise UpdateFailed(f"{api}: empty answer")
        return body, sent_at

    async def _post(
        self, api: str, payload: dict[str, Any], *, authenticated: bool
    ) -> tuple[aiohttp.ClientResponse, dict[str, Any] | None, float]:
        headers = {"Content-Type": "application/json"}
        if authenticated and self._token:
            headers["XSRF-TOKEN"] = self._token
        # Counted before sending: the vendor counts a call it answered with an error too.
        sent_at = self._last_used = self._clock.now()
        self._governor.record(api, sent_at)
        try:
            async with self._http().post(
                self._base + api, json=payload, headers=headers, timeout=self._timeout
            ) as response:
                raw = await response.read()
        except TimeoutError as exc:
            self._stats.record(api, "timeout")
            raise UpdateFailed(f"{api}: no answer within {self._timeout.total:.0f}s") from exc
        except aiohttp.ClientError as exc:
            self._stats.record(api, "connection_error")
            raise UpdateFailed(f"{api}: connection failed ({type(exc).__name__})") from exc
        body = self._decode(api, response, raw)
        code = body.get("failCode") if body is not None else None
        self._stats.record(api, "ok" if code == 0 else f"failcode_{code}")
        return response, body, sent_at

    def _decode(
        self, api: str, response: aiohttp.ClientResponse, raw: bytes
    ) -> dict[str, Any] | None:
        if response.status == 403 and b"quotaControl" in raw:
            self._stats.record(api, "http_403")
            raise UpdateFailed(
                f"{api}: the vendor's gateway throttled the request (HTTP 403 quotaControl)",
                retry_after=self._rng.uniform(60, 300),
            )
        if response.status != 200:
            self._stats.record(api, f"http_{response.status}")
            raise UpdateFailed(f"{api}: HTTP {response.status}")
        if not raw.strip():
            return None
        try:
            body = json.loads(raw)
        except ValueError as exc:
            self._stats.record(api, "invalid_response")
            kind = "an HTML page" if raw.lstrip()[:1] == b"<" else "not JSON"
            raise UpdateFailed(f"{api}: the answer was {kind}") from exc
        if not isinstance(body, dict) or "failCode" not in body:
            self._stats.record(api, "invalid_response")
            raise UpdateFailed(f"{api}: the answer has no failCode")
        return body

    def _data(self, api: str, body: dict[str, Any]) -> Any:
        code = body.get("failCode")
        if code != 0 or body.get("success") is False:
            self._raise_for(code, api, body)
        return body.get("data")

    def _raise_for(self, code: object, api: str, body: dict[str, Any]) -> NoReturn:
        now = self._clock.now()
        if code == 407:
            self._governor.exhaust(api, now)
            raise RateLimited(
                f"{api}: the vendor says calls are too frequent (failCode 407); waiting for "
                "the next window",
                retry_after=max(60.0, self._governor.wait_time(api, now)),
            )
        if code == 401:
            raise NoPermission(api)
        if code == 20618:
            raise RateLimited(
                f"{api}: the account's daily call limit is reached (failCode 20618)",
                retry_after=_seconds_to_utc_midnight(now),
            )
        if isinstance(code, int) and code in AUTH_CODES:
            if api == "login":
                self._token = None
            raise AuthFailed(f"{AUTH_CODES[code]} (failCode {code})", retry_after=AUTH_RETRY)
        if isinstance(code, int) and code in TRANSIENT_CODES:
            raise UpdateFailed(
                f"{api}: {TRANSIENT_CODES[code]} (failCode {code})",
                retry_after=self._rng.uniform(60, 300),
            )
        message = body.get("message") or body.get("data")
        detail = f": {message}" if isinstance(message, str) and message else ""
        raise UpdateFailed(f"{api} failed with failCode {code}{detail}")

    async def close(self) -> None:
        """Log out (once, if the budget allows) and close our own HTTP session."""
        token, self._token = self._token, None
        try:
            if token and self._governor.wait_time("logout", self._clock.now()) == 0:
                self._governor.record("logout", self._clock.now())
                async with self._http().post(
                    self._base + "logout",
                    json={"xsrfToken": token},
                    headers={"XSRF-TOKEN": token},
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    await response.read()
                    self._stats.record("logout", f"http_{response.status}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.info("FusionSolar logout failed: %s", type(exc).__name__)
        finally:
            if self._own_session and self._session is not None:
                await self._session.close()
