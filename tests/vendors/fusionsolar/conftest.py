"""Fixtures of the FusionSolar tests: the captured responses under tests/data/fusionsolar/."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import DATA

FIXTURES = DATA / "fusionsolar"


def load(name: str) -> Any:
    """The parsed body of one captured response (file name without `.json`)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


TOKEN = "x-0123456789abcdefghijklmnopqrstuvwxyz"
Answer = Callable[[dict[str, Any]], web.StreamResponse | Awaitable[web.StreamResponse]]


def ok(data: Any) -> web.Response:
    return web.json_response({"success": True, "failCode": 0, "data": data, "params": {}})


def capture(name: str, status: int = 200) -> web.Response:
    return web.Response(
        body=(FIXTURES / f"{name}.json").read_bytes(),
        status=status,
        content_type="application/json",
    )


@dataclass
class CaptureServer:
    """Answers each API from a queue of scripted answers (the last one repeats)."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    url: str = ""

    def script(self, api: str, *answers: Answer) -> None:
        self.answers[api] = list(answers)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        api = request.match_info["api"]
        body = await request.json()
        self.seen.append((api, body, request.headers.get("XSRF-TOKEN")))
        queue = self.answers[api]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        response = answer(body)
        return await response if inspect.isawaitable(response) else response

    def calls(self, api: str) -> int:
        return sum(1 for seen_api, _, _ in self.seen if seen_api == api)


def login_ok(_: dict[str, Any]) -> web.Response:
    response = capture("login__success_params_empty_object")
    response.headers["xsrf-token"] = TOKEN
    return response


@pytest.fixture
async def server() -> AsyncIterator[CaptureServer]:
    fake = CaptureServer()
    fake.script("login", login_ok)
    fake.script("logout", lambda _: ok(None))
    app = web.Application()
    app.router.add_post("/thirdData/{api}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    yield fake
    await runner.cleanup()
