"""A tap on an HTTP simulator: requests in flight, and faults the simulator has no switch for.

The tap is an aiohttp middleware added to a simulator's application before it starts. It
counts the requests being answered (the virtual clock holds still while one is, and the soak
checks that a client never has two in flight at once) and applies the rewrites the fault
schedule sets:

- `Rewrite`: in JSON answers to matching paths, every value under one key (at any depth)
  becomes null, "N/A", "", its string form, or 0 — what vendors send when a sensor drops
  out, or a lifetime counter reads 0 for one sample.
- `html_page`: matching paths answer an HTML error page with HTTP 200, as a captive portal or
  a web server in front of the device would.

Both apply to the next `remaining` answers (None: until removed).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from solar2prom.sim.serving import InFlight

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTML_PAGE = (
    "<html><head><title>Error</title></head><body><h1>Service unavailable</h1></body></html>"
)
MODES = ("null", "na", "empty", "string", "zero")


@dataclass
class Rewrite:
    path: str  # a substring of the request path
    key: str
    mode: str  # one of MODES
    remaining: int | None = None
    done: int = 0  # answers rewritten

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")

    def value(self, old: Any) -> Any:
        if self.mode == "null":
            return None
        if self.mode == "na":
            return "N/A"
        if self.mode == "empty":
            return ""
        if self.mode == "string":
            return None if old is None else str(old)
        return 0


@dataclass
class HtmlPage:
    path: str
    remaining: int | None = None
    done: int = 0


def _rewrite(node: Any, rule: Rewrite) -> int:
    """Rewrite every value under `rule.key` in place; how many were found."""
    found = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key == rule.key:
                node[key] = rule.value(value)
                found += 1
            else:
                found += _rewrite(value, rule)
    elif isinstance(node, list):
        for item in node:
            found += _rewrite(item, rule)
    return found


class HttpTap:
    def __init__(self) -> None:
        self._in_flight = InFlight()
        self.max_in_flight = 0  # the most requests a client had outstanding at once
        self.requests = 0
        self.rewrites: list[Rewrite] = []
        self.pages: list[HtmlPage] = []

    def attach(self, app: web.Application) -> None:
        app.middlewares.append(self._middleware)

    @property
    def in_flight(self) -> int:
        """Requests being answered, including ones whose client gave up waiting."""
        return len(self._in_flight)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self.requests += 1
        with self._in_flight.answering(request) as outstanding:
            self.max_in_flight = max(self.max_in_flight, outstanding)
            page = self._take(self.pages, request.path)
            if page is not None:
                return web.Response(text=HTML_PAGE, content_type="text/html")
            response = await handler(request)
            return self._rewritten(request.path, response)

    @staticmethod
    def _take(rules: list[Any], path: str) -> Any:
        for rule in rules:
            if rule.path in path and (rule.remaining is None or rule.remaining > 0):
                if rule.remaining is not None:
                    rule.remaining -= 1
                rule.done += 1
                return rule
        return None

    def _rewritten(self, path: str, response: web.StreamResponse) -> web.StreamResponse:
        rules = [r for r in self.rewrites if r.path in path]
        if not rules or not isinstance(response, web.Response) or response.body is None:
            return response
        if "json" not in response.content_type:
            return response
        try:
            body = json.loads(bytes(response.body))  # type: ignore[arg-type]
        except ValueError:
            return response  # a body the simulator cut short on purpose
        changed = False
        for rule in rules:
            if rule.remaining is not None and rule.remaining <= 0:
                continue
            if _rewrite(body, rule):
                changed = True
                rule.done += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
        if not changed:
            return response
        headers = CIMultiDict(response.headers)
        headers.popall("Content-Length", None)
        return web.Response(status=response.status, body=json.dumps(body).encode(), headers=headers)
