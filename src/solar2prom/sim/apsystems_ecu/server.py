"""The TCP side: one request per connection, answered from the plant's current sample."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import replace
from datetime import datetime, time

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.sim.apsystems_ecu import frames
from solar2prom.sim.apsystems_ecu.config import EcuSimConfig
from solar2prom.sim.apsystems_ecu.faults import EcuFaults, EcuSimStats
from solar2prom.sim.apsystems_ecu.plant import EcuPlant

IDLE_CLOSE = 15.0  # the ECU drops a connection that sends nothing for about this long
MAINTENANCE = (time(2, 45), time(3, 15))
_MAX_REQUEST = 256


class EcuSimulator:
    """An ECU on a local TCP port; see the package docstring for what it answers."""

    def __init__(self, config: EcuSimConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or EcuSimConfig()
        self.clock: Clock = clock or SystemClock()
        self.faults = EcuFaults()
        self.stats = EcuSimStats()
        self.plant = EcuPlant(self.config, self.clock.now())
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.host, self.port = "", 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); return `tcp://host:port`."""
        self._server = await asyncio.start_server(self._handle, host, port)
        bound = self._server.sockets[0].getsockname()
        self.host, self.port = str(bound[0]), int(bound[1])
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{shown}:{self.port}"

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    def in_maintenance(self) -> bool:
        start, end = MAINTENANCE
        local = datetime.fromtimestamp(self.clock.now(), self.config.zone).time()
        return start <= local < end

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.opened(self.clock.now())
        task = asyncio.current_task()
        assert task is not None  # stream handlers run as tasks
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away: nothing to answer
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            self.stats.closed()
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.faults.maintenance and self.in_maintenance():
            self.stats.faults["maintenance"] += 1
            _reset(writer)
            return
        try:
            async with asyncio.timeout(IDLE_CLOSE):
                raw = await reader.readuntil(b"END\n")
        except TimeoutError:
            return
        request = frames.parse_request(raw[:_MAX_REQUEST])
        if request is None:
            self.stats.bad_requests += 1
            return
        fault = self.faults.connection_fault()
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault == "reset":
            _reset(writer)
            return
        if fault == "silent":
            await reader.read()  # until the client gives up and closes
            return
        reply = self._answer(request)
        self.stats.commands[request.command] += 1
        if fault == "truncate":
            reply = reply[: len(reply) // 2]
        elif fault == "garbage":
            reply = bytes(range(7, 47)) + b"END\n"
        elif fault == "bad_length":
            length = int(reply[5:9]) - 1
            reply = reply[:5] + f"{length:04d}".encode() + reply[9:]
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        writer.write(reply)
        await writer.drain()

    def _answer(self, request: frames.Request) -> bytes:
        sample = self.plant.sample(self.clock.now())
        if request.command == frames.INFO:
            if self.faults.today_zero:
                sample = replace(sample, today_wh=0.0)
            return frames.system_info(self.config, sample, self.faults.take("lifetime_zero"))
        if request.ecu_id != self.config.ecu_id:
            if request.command == frames.SIGNAL:
                return frames.signal_no_data()
            return frames.realtime_no_data()
        if request.command == frames.SIGNAL:
            return frames.signal(self.config)
        if self.faults.take("no_data"):
            return frames.realtime_no_data()
        return frames.realtime(sample)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, as a device does that drops a connection, rather than a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
