"""Serving a simulator's aiohttp application on a local port, and its fault switches."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from aiohttp import web


class FaultSwitches(Protocol):
    def update(self, changes: Mapping[str, Any]) -> None: ...

    def to_json(self) -> dict[str, Any]: ...


def take_fault(faults: object, kind: str, rng: random.Random | None = None) -> bool:
    """Whether fault `kind` fires now: one of the switches' `<kind>_next` is consumed, or, with
    `rng`, it fires with the probability `<kind>_probability` (0 when the switches have none)."""
    pending: int = getattr(faults, f"{kind}_next")
    if pending > 0:
        setattr(faults, f"{kind}_next", pending - 1)
        return True
    probability: float = getattr(faults, f"{kind}_probability", 0.0)
    return rng is not None and probability > 0.0 and rng.random() < probability


def add_fault_routes(app: web.Application, faults: FaultSwitches) -> None:
    """`GET /_sim/faults` shows the switches; `POST` a JSON object of switches to set them
    (400 naming the problem, and nothing changed, for a bad one)."""

    async def show(_: web.Request) -> web.Response:
        return web.json_response(faults.to_json())

    async def change(request: web.Request) -> web.Response:
        try:
            changes = json.loads(await request.read() or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("body must be a JSON object")
            faults.update(changes)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(faults.to_json())

    app.router.add_get("/_sim/faults", show)
    app.router.add_post("/_sim/faults", change)


class InFlight:
    """The requests a simulator is answering, and how many of them a client is waiting on.

    A request whose client gave up (closed its connection) may still be worked on here for a
    moment — a handler sleeping out a latency fault notices the hang-up on its next check —
    but the client no longer waits for it, so it does not count against the client's next
    request.
    """

    def __init__(self) -> None:
        self._answering: dict[int, web.Request] = {}  # by id: requests are not hashable

    def __len__(self) -> int:
        """Requests being answered, including ones whose client gave up waiting."""
        return len(self._answering)

    @contextmanager
    def answering(self, request: web.Request) -> Iterator[int]:
        """Count `request` while it is answered; yields how many requests its client (any
        client) has outstanding with it."""
        waiting = sum(1 for r in self._answering.values() if _connected(r))
        self._answering[id(request)] = request
        try:
            yield waiting + 1
        finally:
            del self._answering[id(request)]


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


class LocalApp:
    """An aiohttp application on host:port (0 = any free port); `start` returns its base URL."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        return f"http://{shown}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
