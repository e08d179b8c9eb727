"""What the web config file does to the HTTP server: TLS, basic auth and headers on every path.

- TLS: the certificate, key and client CA files are looked at on every new connection and
  loaded again when they changed, so a renewed certificate is served without a restart (as
  Go exporters do); a half-written renewal keeps the previous certificate and says so.
- Basic auth: every path (`/metrics`, `/healthz`, `/`, and those that do not exist) answers
  401 without a valid `Authorization: Basic`. bcrypt is slow on purpose, so a success is
  remembered for a few minutes under a keyed hash of the credentials (never the password
  itself), and checks run one at a time in a worker thread, away from the event loop. A user
  that does not exist costs the same bcrypt round as a wrong password.
- Headers: the configured ones go on every response, 401 and 404 included.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping

import bcrypt
from aiohttp import hdrs, web

from solar2prom.outputs.web_config import TlsFileError, TlsServerConfig, WebSettings, server_context

log = logging.getLogger(__name__)

GRANT_TTL = 300.0  # s a successful check is remembered: several scrapes, not a whole day
MAX_GRANTS = 256
CHALLENGE = 'Basic realm="solar2prom", charset="UTF-8"'

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_Stamp = tuple[tuple[int, int, int] | None, ...]


class ReloadingTls:
    """The server's `SSLContext`, swapped for a fresh one when the TLS files change."""

    def __init__(self, tls: TlsServerConfig) -> None:
        self._tls = tls
        self._stamp = self._files_stamp()
        self.context = server_context(tls)
        self._current = self.context
        # Called on every client hello (with or without a server name): the moment to switch.
        self.context.sni_callback = self._on_hello

    def _files_stamp(self) -> _Stamp:
        stamps: list[tuple[int, int, int] | None] = []
        for path in (self._tls.cert_file, self._tls.key_file, self._tls.client_ca_file):
            try:
                st = os.stat(path) if path is not None else None
            except OSError:
                st = None
            stamps.append(None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(stamps)

    def _on_hello(
        self, connection: ssl.SSLObject, _server_name: str | None, _context: ssl.SSLContext
    ) -> None:
        stamp = self._files_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._current = server_context(self._tls)
                log.info("web: TLS files changed; serving the new certificate")
            except TlsFileError as exc:
                log.warning("web: TLS files changed but cannot be used (%s); serving the "
                            "previous certificate", exc)  # fmt: skip
        if self._current is not self.context:
            connection.context = self._current


def _credentials(header: str | None) -> tuple[bytes, bytes] | None:
    """User and password of an `Authorization: Basic` header; None when absent or malformed."""
    if header is None:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(b":")
    return (user, password) if colon else None


def _bcrypt_ok(password: bytes, hashed: bytes) -> bool:
    try:
        return bcrypt.checkpw(password, hashed)
    except ValueError:  # longer than bcrypt's 72 bytes, or a NUL byte: never a match
        return False


class BasicAuth:
    """Checks credentials against the file's bcrypt hashes."""

    def __init__(
        self,
        users: Mapping[str, str],
        now: Callable[[], float] = time.monotonic,
        ttl: float = GRANT_TTL,
    ) -> None:
        self._users = {name.encode(): hashed.encode() for name, hashed in users.items()}
        cost = max((int(h[4:6]) for h in self._users.values()), default=10)
        self._decoy = bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(cost))
        self._key = secrets.token_bytes(32)
        self._grants: dict[bytes, float] = {}
        self._now = now
        self._ttl = ttl
        self._one_at_a_time = asyncio.Lock()

    async def allowed(self, header: str | None) -> bool:
        credentials = _credentials(header)
        if credentials is None:
            return False
        user, password = credentials
        key = hmac.digest(self._key, len(user).to_bytes(4, "big") + user + password, hashlib.sha256)
        now = self._now()
        if self._grants.get(key, 0.0) > now:
            return True
        hashed = self._users.get(user)
        async with self._one_at_a_time:
            ok = await asyncio.to_thread(_bcrypt_ok, password, hashed or self._decoy)
        if ok and hashed is not None:
            self._grant(key, now)
            return True
        return False

    def _grant(self, key: bytes, now: float) -> None:
        if len(self._grants) >= MAX_GRANTS:
            self._grants = {k: t for k, t in self._grants.items() if t > now}
            while len(self._grants) >= MAX_GRANTS:
                del self._grants[next(iter(self._grants))]
        self._grants[key] = now + self._ttl


def protect(app: web.Application, settings: WebSettings) -> None:
    """Add the file's basic auth and headers to every route of `app` (before it starts)."""
    headers = dict(settings.http_server_config.headers)
    if headers:

        async def add_headers(_: web.Request, response: web.StreamResponse) -> None:
            response.headers.update(headers)

        app.on_response_prepare.append(add_headers)
    users = {name: h.get_secret_value() for name, h in settings.basic_auth_users.items()}
    if users:
        auth = BasicAuth(users)

        @web.middleware
        async def basic_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not await auth.allowed(request.headers.get(hdrs.AUTHORIZATION)):
                raise web.HTTPUnauthorized(headers={hdrs.WWW_AUTHENTICATE: CHALLENGE})
            return await handler(request)

        app.middlewares.append(basic_auth)


def server_tls(settings: WebSettings) -> ssl.SSLContext | None:
    """The `SSLContext` to serve with (None: plain HTTP); logs what the file asks that Python
    cannot do."""
    for field in settings.ignored:
        log.warning("web: %s is accepted for compatibility but has no effect", field)
    tls = settings.tls
    return None if tls is None else ReloadingTls(tls).context
