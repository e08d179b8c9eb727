"""Helpers of the EZ1 tests: the manual's example bodies and an HTTP capture server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.conftest import DATA

EXAMPLES = DATA / "apsystems" / "ez1"


def example(name: str) -> Any:
    """The parsed body of one documentation example (`getOutputData`, ...)."""
    return json.loads((EXAMPLES / f"{name}__doc_example.json").read_text(encoding="utf-8"))


def example_bytes(name: str) -> bytes:
    return (EXAMPLES / f"{name}__doc_example.json").read_bytes()


Answer = Callable[[web.Request], web.StreamResponse]


def body(raw: bytes | Any, status: int = 200) -> Answer:
    data = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    return lambda _: web.Response(body=data, status=status, content_type="application/json")


def drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer, as an inverter without power does not answer."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


@dataclass
class CaptureEz1:
    """Answers each endpoint from a queue of scripted answers (the last one repeats)."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    url: str = ""

    def script(self, endpoint: str, *answers: Answer) -> None:
        self.answers[endpoint] = list(answers)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.match_info["endpoint"]
        self.seen.append(endpoint)
        queue = self.answers.get(endpoint)
        if not queue:
            return web.Response(status=404)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)

    def examples(self) -> None:
        """Every read endpoint answers with the manual's example."""
        for name in ("getDeviceInfo", "getOutputData", "getMaxPower", "getAlarm", "getOnOff"):
            self.script(name, body(example_bytes(name)))


@contextlib.asynccontextmanager
async def capture_ez1() -> AsyncIterator[CaptureEz1]:
    fake = CaptureEz1()
    app = web.Application()
    app.router.add_get("/{endpoint}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
