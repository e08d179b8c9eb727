"""Transport for the APsystems OpenAPI: signed GETs, the quota, and the answer codes.

Every call is checked against the quota before it is sent and counted when it is sent (the
vendor counts refused calls too; a call that never reached it is given back). The answer is
read as JSON whatever its content type (the service sometimes says octet-stream), and its
`code` becomes a typed error. The App Secret is used only to sign: it is never sent, logged or
part of an error message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, NoReturn

import aiohttp

from solar2prom.core.clock import Clock
from solar2prom.core.errors import AuthFailed, RateLimited, UpdateFailed
from solar2prom.core.http import Sessions, Unreachable, fetch
from solar2prom.sources.apsystems.openapi.quota import Quota, next_midnight, next_month
from solar2prom.sources.apsystems.openapi.signing import signed_headers
from solar2prom.sources.base import RequestStats

NO_DATA = 1001
AUTH_RETRY = 6 * 3600.0
BUSY_RETRY = 3600.0
CHINA = timezone(timedelta(hours=8))
# Codes that need a person: the account, its rights, or the signature (reference §b.4).
AUTH_CODES: dict[int, str] = {
    2000: "the OpenAPI application account has a problem",
    2001: "the App Id is not a valid OpenAPI account",
    2002: "the OpenAPI account is not authorized",
    2003: "the OpenAPI account's authorization has expired",
    2004: "the OpenAPI account has no permission for this data",
    3000: "the service asked for an access token (an old authentication scheme)",
    4000: "the request was refused as malformed, usually a wrong signature: check app_secret "
    "and signature_method, and that this host's clock is right",
}
TRANSIENT_CODES: dict[int, str] = {
    1000: "the service reported a data exception",
    4001: "the service refused a request parameter",
    5000: "the service reported an internal error",
    6000: "the service reported a communication error",
    7000: "the service restricts access at the moment",
}


def _stop_for_month(now: float, tz: tzinfo) -> float:
    """Until the vendor's month has surely turned: its time zone is not documented, so the
    later of the system's and China's month starts; in a month's first two days the vendor's
    month may not have turned yet, so only until the next day."""
    if datetime.fromtimestamp(now, tz).day <= 2:
        return next_midnight(now, tz)
    return max(next_month(now, tz), next_month(now, CHINA))


class OpenApiClient:
    def __init__(
        self,
        url: str,
        app_id: str,
        app_secret: str,
        signature_method: str,
        *,
        clock: Clock,
        quota: Quota,
        timezone: Callable[[], tzinfo],
        stats: RequestStats,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._base = url.rstrip("/")
        self._app_id = app_id
        self._secret = app_secret
        self._method = signature_method
        self._clock = clock
        self._quota = quota
        self._tz = timezone
        self._stats = stats
        self._sessions = Sessions(
            session, lambda: aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def get(self, endpoint: str, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The `data` of one call; None when the service has no data (code 1001)."""
        now = self._clock.now()
        self._quota.check(now, self._tz())
        headers = signed_headers(
            self._app_id,
            self._secret,
            path,
            timestamp_ms=int(now * 1000),
            nonce=uuid.uuid4().hex,
            signature_method=self._method,
        )
        self._quota.record(now)
        try:
            status, raw = await fetch(
                self._sessions.get(),
                "GET",
                self._base + path,
                endpoint=endpoint,
                stats=self._stats,
                time_limit=self._timeout,
                params=params,
                headers=headers,
            )
        except Unreachable:
            self._quota.refund(now)
            raise
        if status != 200:
            self._stats.record(endpoint, f"http_{status}")
            raise UpdateFailed(f"{endpoint}: HTTP {status}")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: the answer was not JSON") from exc
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: the answer has no code")
        self._stats.record(endpoint, "ok" if code == 0 else f"code_{code}")
        if code not in (0, NO_DATA):
            self._raise_for(endpoint, code)
        return body.get("data") if code == 0 else None

    def _raise_for(self, endpoint: str, code: int) -> NoReturn:
        now, tz = self._clock.now(), self._tz()
        if code == 2005:
            until = _stop_for_month(now, tz)
            reason = "the account's OpenAPI call limit is exceeded (code 2005)"
            self._quota.stop(until, reason)
            raise RateLimited(reason, retry_after=until - now)
        if code == 7001:
            until = next_midnight(now, tz)
            reason = "the OpenAPI server's access limit is exceeded (code 7001)"
            self._quota.stop(until, reason)
            raise RateLimited(reason, retry_after=until - now)
        if code in (7002, 7003):
            raise UpdateFailed(
                f"{endpoint}: the service is busy, asking later (code {code})",
                retry_after=BUSY_RETRY,
            )
        if code == 4000 or code // 1000 in (2, 3):
            description = AUTH_CODES.get(code) or AUTH_CODES[code // 1000 * 1000]
            raise AuthFailed(f"{description} (code {code})", retry_after=AUTH_RETRY)
        detail = TRANSIENT_CODES.get(code, "the service refused the call")
        raise UpdateFailed(f"{endpoint}: {detail} (code {code})")

    async def close(self) -> None:
        await self._sessions.close()
