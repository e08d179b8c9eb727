"""HTTP to an EZ1's local API (port 8050): read-only, one request at a time.

Only the `get*` endpoints can be asked: the client refuses any other name, so solar2prom can
never change the inverter's power limit or switch it off (firmware reports say the setters
write flash). Answers are `{"data": {...}, "message": "SUCCESS"|"FAILED", "deviceId": ...}`;
the body is decoded whatever its content type. A `FAILED` answer or a dropped connection is
retried once (users see both every few minutes); a 404 means this firmware has no such
endpoint and is not retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from solar2prom.core.clock import Clock
from solar2prom.core.errors import UpdateFailed
from solar2prom.sources.base import RequestStats

log = logging.getLogger(__name__)

READ_ENDPOINTS = frozenset(
    {"getDeviceInfo", "getOutputData", "getMaxPower", "getAlarm", "getOnOff"}
)
RETRY_PAUSE = 1.0


class Unreachable(UpdateFailed):
    """No answer at all: refused, reset, timed out. Normal at night (no power from the panels)."""


class EndpointMissing(UpdateFailed):
    """HTTP 404: this firmware does not offer the endpoint."""


class Failed(UpdateFailed):
    """The inverter answered `"message": "FAILED"`."""


@dataclass(frozen=True, slots=True)
class Answer:
    data: Mapping[str, Any]
    device_id: str


class Ez1Client:
    def __init__(
        self,
        url: URL,
        *,
        clock: Clock,
        stats: RequestStats,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
        retries: int = 1,
    ) -> None:
        self._base = url
        self._clock = clock
        self._stats = stats
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
            self._own_session = True
        return self._session

    async def get(self, endpoint: str) -> Answer:
        if endpoint not in READ_ENDPOINTS:
            raise ValueError(f"{endpoint} is not a read-only endpoint of the EZ1")
        async with self._lock:
            attempt = 0
            while True:
                try:
                    return await self._get(endpoint)
                except (Unreachable, Failed) as exc:
                    if attempt >= self._retries:
                        raise
                    attempt += 1
                    log.debug("EZ1 %s: %s; retrying once", endpoint, exc)
                    await self._clock.sleep(RETRY_PAUSE)

    async def _get(self, endpoint: str) -> Answer:
        try:
            async with self._http().get(self._base / endpoint, timeout=self._timeout) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError as exc:
            self._stats.record(endpoint, "timeout")
            raise Unreachable(
                f"{endpoint}: no answer within {self._timeout.total:g}s (the EZ1 is off at night)"
            ) from exc
        except (aiohttp.ClientConnectionError, OSError) as exc:
            self._stats.record(endpoint, "connection_error")
            raise Unreachable(
                f"{endpoint}: cannot reach the EZ1 ({type(exc).__name__}; it is off at night)"
            ) from exc
        except aiohttp.ClientError as exc:
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: unreadable answer ({type(exc).__name__})") from exc
        if status != 200:
            self._stats.record(endpoint, f"http_{status}")
            if status == 404:
                raise EndpointMissing(f"{endpoint}: not offered by this EZ1 firmware (HTTP 404)")
            raise UpdateFailed(f"{endpoint}: HTTP {status}")
        return self._decode(endpoint, raw)

    def _decode(self, endpoint: str, raw: bytes) -> Answer:
        try:
            body = json.loads(raw)
        except ValueError as exc:
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: the answer is not JSON") from exc
        if not isinstance(body, dict):
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: the answer is not a JSON object")
        message = str(body.get("message", "")).strip().upper()
        if message != "SUCCESS":
            self._stats.record(endpoint, "failed")
            raise Failed(f"{endpoint}: the EZ1 answered {message or 'without a message'}")
        data = body.get("data")
        if not isinstance(data, dict):
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: the answer has no data object")
        self._stats.record(endpoint, "ok")
        return Answer(data, str(body.get("deviceId") or "").strip())

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
