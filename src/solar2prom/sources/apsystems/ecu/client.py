"""Transport to an ECU on TCP port 8899: one connection per command, never two at once.

The ECU-R-Pro needs a fresh connection for every command and every model closes idle ones
after about 15 s, so each command opens, asks, reads one frame and closes. A lock keeps a
second connection from being opened while one is in use. The reply is read by its length
field (the header first, then exactly the rest), so a large system's reply spread over many
TCP segments is read whole, and a reply that ends early is an error rather than a short read.

Network timeouts are in real time (a hung ECU hangs in real seconds, whatever the clock);
the pause before the one retry after a refused or reset connection goes through the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

from solar2prom.core.clock import Clock
from solar2prom.core.errors import UpdateFailed
from solar2prom.sources.apsystems.ecu.decode import RealtimeData, SignalLevels, SystemInfo
from solar2prom.sources.apsystems.ecu.frames import (
    HEADER_SIZE,
    Command,
    Frame,
    FrameError,
    frame_size,
    request,
)
from solar2prom.sources.base import RequestStats

log = logging.getLogger(__name__)

ENDPOINTS = {
    Command.SYSTEM_INFO: "system_info",
    Command.REALTIME: "realtime_data",
    Command.SIGNAL: "signal_levels",
}
RETRY_PAUSE = 2.0

T = TypeVar("T")


class EcuClient:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        clock: Clock,
        stats: RequestStats,
        timeout: float = 5.0,
        retries: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self._clock = clock
        self._stats = stats
        self._timeout = timeout
        self._retries = retries
        self._lock = asyncio.Lock()

    async def system_info(self) -> SystemInfo:
        return await self.command(Command.SYSTEM_INFO, "", SystemInfo.from_frame)

    async def realtime(self, ecu_id: str) -> RealtimeData:
        return await self.command(Command.REALTIME, ecu_id, RealtimeData.from_frame)

    async def signal(self, ecu_id: str) -> SignalLevels:
        return await self.command(Command.SIGNAL, ecu_id, SignalLevels.from_frame)

    async def command(self, command: Command, ecu_id: str, decode: Callable[[Frame], T]) -> T:
        """Send one command on its own connection; its reply, validated and decoded."""
        endpoint = ENDPOINTS[command]
        message = request(command, ecu_id)
        async with self._lock:
            attempt = 0
            while True:
                try:
                    raw = await self._exchange(endpoint, message)
                except _Refused as exc:
                    if attempt >= self._retries:
                        raise UpdateFailed(
                            f"{endpoint}: the ECU at {self.host}:{self.port} refused or reset "
                            f"the connection ({exc.reason}); is port 8899 open (ECU-R: only "
                            "on Wi-Fi)?"
                        ) from exc
                    attempt += 1
                    log.debug("ECU connection failed (%s); retrying once", exc.reason)
                    await self._clock.sleep(RETRY_PAUSE)
                    continue
                try:
                    decoded = decode(Frame.parse(raw, command))
                except FrameError as exc:
                    self._stats.record(endpoint, "invalid_response")
                    raise UpdateFailed(f"{endpoint}: invalid reply: {exc}") from exc
                self._stats.record(endpoint, "ok")
                return decoded

    async def _exchange(self, endpoint: str, message: bytes) -> bytes:
        """The raw reply to `message`; transport failures become errors with a result."""
        try:
            async with asyncio.timeout(self._timeout):
                return await self._talk(message)
        except TimeoutError as exc:
            self._stats.record(endpoint, "timeout")
            raise UpdateFailed(
                f"{endpoint}: no complete answer from the ECU within {self._timeout:g}s"
            ) from exc
        except asyncio.IncompleteReadError as exc:
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(
                f"{endpoint}: the ECU closed the connection after {len(exc.partial)} bytes of "
                "a reply"
            ) from exc
        except FrameError as exc:
            self._stats.record(endpoint, "invalid_response")
            raise UpdateFailed(f"{endpoint}: invalid reply: {exc}") from exc
        except (ConnectionRefusedError, ConnectionResetError) as exc:
            self._stats.record(endpoint, "connection_error")
            raise _Refused(type(exc).__name__) from exc
        except OSError as exc:
            self._stats.record(endpoint, "connection_error")
            raise UpdateFailed(
                f"{endpoint}: cannot reach the ECU at {self.host}:{self.port} "
                f"({exc.strerror or type(exc).__name__})"
            ) from exc

    async def _talk(self, message: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(message)
            await writer.drain()
            header = await reader.readexactly(HEADER_SIZE)
            return header + await reader.readexactly(frame_size(header) - HEADER_SIZE)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class _Refused(Exception):
    """The connection was refused or reset: worth one retry after a pause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
