"""A remote write receiver on loopback, written from the remote write 1.0 specification.

It decodes what it is sent (snappy block format, protobuf `WriteRequest`) independently of the
sink's encoder, records every request, and answers as the test tells it. Like Prometheus, it
takes a request all or nothing.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cramjam
from aiohttp import web

Labels = tuple[tuple[str, str], ...]
Series = tuple[Labels, list[tuple[int, float]]]
# Given the decoded request: None to take it, or the (status, body) to refuse it with.
Judge = Callable[[list[Series]], tuple[int, str] | None]


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        wire = key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield key >> 3, value


def _bytes(value: int | bytes) -> bytes:
    assert isinstance(value, bytes)
    return value


def decode(body: bytes) -> list[Series]:
    series: list[Series] = []
    for number, timeseries in _fields(body):
        assert number == 1
        labels: list[tuple[str, str]] = []
        samples: list[tuple[int, float]] = []
        for kind, part in _fields(_bytes(timeseries)):
            fields = dict(_fields(_bytes(part)))
            if kind == 1:
                labels.append((_bytes(fields[1]).decode(), _bytes(fields[2]).decode()))
            else:
                assert kind == 2
                raw = fields.get(2, 0)
                assert isinstance(raw, int)
                timestamp = raw - (1 << 64) if raw >= 1 << 63 else raw
                (value,) = struct.unpack("<d", _bytes(fields.get(1, bytes(8))))
                samples.append((timestamp, value))
        series.append((tuple(labels), samples))
    return series


@dataclass
class Request:
    headers: dict[str, str]
    series: list[Series]
    status: int


@dataclass
class Receiver:
    judge: Judge = lambda _: None
    delay: float = 0.0  # before answering the first `delayed` requests
    delayed: int = 0
    arrived: int = 0
    requests: list[Request] = field(default_factory=list)
    stored: dict[Labels, dict[int, float]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/api/v1/write", self._write)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, bound = self._runner.addresses[0][:2]
        return f"http://{host}:{bound}/api/v1/write"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _write(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.arrived += 1
        if self.arrived <= self.delayed:
            await asyncio.sleep(self.delay)
        series = decode(bytes(cramjam.snappy.decompress_raw(body)))
        verdict = self.judge(series)
        status = 204 if verdict is None else verdict[0]
        self.requests.append(Request(dict(request.headers), series, status))
        if verdict is not None:
            return web.Response(status=verdict[0], text=verdict[1])
        for labels, samples in series:
            self.stored.setdefault(labels, {}).update(samples)
        return web.Response(status=204)

    @property
    def sample_count(self) -> int:
        return sum(len(points) for points in self.stored.values())
