"""One HTTP request of a vendor client, with the transport failures every client reports alike;
and the client's session, its own or the caller's.

A timeout and a failed connection are counted under the request's endpoint (`timeout`,
`connection_error`) and raised as `UpdateFailed` naming the endpoint and the exception type
only — never the URL, which may carry an ID or a token. `Unreachable` marks a request that
surely never reached the vendor (a timed-out one may have), so a client can give its call
back to a budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import aiohttp

from solar2prom.core.errors import UpdateFailed


class Sessions:
    """The HTTP session of one client: the caller's, or one of its own, made on first use (and
    made again if closed), which `close` closes. A caller's session is never closed here."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        make: Callable[[], aiohttp.ClientSession] = aiohttp.ClientSession,
    ) -> None:
        self._session = session
        self._make = make
        self._own = session is None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._make()
            self._own = True
        return self._session

    async def close(self) -> None:
        if self._own and self._session is not None:
            await self._session.close()


class Unreachable(UpdateFailed):
    """The connection failed: the vendor never received the request."""


class Recorder(Protocol):
    def record(self, endpoint: str, result: str) -> None: ...


async def fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    endpoint: str,
    stats: Recorder,
    time_limit: aiohttp.ClientTimeout,
    **options: Any,
) -> tuple[int, bytes]:
    """The status and body of one request; the caller records what the answer means."""
    try:
        async with session.request(method, url, timeout=time_limit, **options) as response:
            return response.status, await response.read()
    except TimeoutError as exc:
        stats.record(endpoint, "timeout")
        limit = time_limit.total or 0.0
        raise UpdateFailed(f"{endpoint}: no answer within {limit:g}s") from exc
    except aiohttp.ClientError as exc:
        stats.record(endpoint, "connection_error")
        raise Unreachable(f"{endpoint}: connection failed ({type(exc).__name__})") from exc
