"""A fake Enphase Enlighten login and entrez token service, for the automatic-token flow.

Written from the project's Enphase reference (§2.2), never from the client:

- `POST /login/login.json` with the form fields `user[email]` and `user[password]`: HTTP 200
  and JSON `{"message", "session_id", "manager_token", "is_consumer"}`. An account with
  multi-factor authentication answers 200 *without* `session_id` (what the real service does:
  a password alone does not open a session). A wrong e-mail or password answers 401.
- `POST /tokens` with JSON `{"session_id", "serial_num", "username"}`: HTTP 200 and the JWT as
  the plain-text body. An unknown session answers 401; a gateway the account does not own
  answers 403.

Tokens are JWTs signed by a `TokenSigner` that the simulated gateway shares, with the claims
real tokens carry (`aud` the gateway serial, `enphaseUser` owner or installer, `iat`, `exp`,
`username`). Lifetimes follow the vendor: owner tokens one year, installer tokens 12 hours;
`token_lifetime` overrides both (tests renew short-lived tokens). All time comes from the
`Clock` passed in. The real tokens are signed with Enphase's key pair; HS256 with a random
secret is enough to let the gateway simulator tell its own tokens from forged ones.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import jwt
from aiohttp import web

from solar2prom.core.clock import Clock, SystemClock
from solar2prom.sim.serving import LocalApp

OWNER_LIFETIME = 365 * 86400.0
INSTALLER_LIFETIME = 12 * 3600.0
UserType = Literal["owner", "installer"]


class TokenSigner:
    """Issues and checks the gateway tokens of one simulated installation."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def issue(
        self,
        serial: str,
        now: float,
        lifetime: float | None = None,
        user_type: UserType = "owner",
        username: str = "owner@example.com",
    ) -> str:
        if lifetime is None:
            lifetime = OWNER_LIFETIME if user_type == "owner" else INSTALLER_LIFETIME
        claims = {
            "aud": serial,
            "iss": "Entrez",
            "enphaseUser": user_type,
            "iat": int(now),
            "exp": int(now + lifetime),
            "jti": str(uuid.uuid4()),
            "username": username,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def claims(self, token: str, serial: str) -> dict[str, Any] | None:
        """The claims of a token this signer issued for `serial`, expired or not; else None."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=serial,
                # Expiry is judged against the simulation clock by the caller, not wall time.
                options={"verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            return None
        return claims


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    password: str
    serials: tuple[str, ...]
    user_type: UserType = "owner"
    mfa: bool = False


@dataclass
class EnlightenStats:
    logins: int = 0
    login_refusals: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0
    token_refusals: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "logins": self.logins,
            "login_refusals": dict(self.login_refusals),
            "tokens_issued": self.tokens_issued,
            "token_refusals": dict(self.token_refusals),
        }


class EnlightenSimulator:
    """Enlighten login and entrez tokens on one local HTTP server (both paths, one port)."""

    def __init__(
        self,
        signer: TokenSigner,
        accounts: tuple[Account, ...] = (),
        clock: Clock | None = None,
        token_lifetime: float | None = None,
    ) -> None:
        self.signer = signer
        self.accounts = {a.email: a for a in accounts}
        self.clock: Clock = clock or SystemClock()
        self.token_lifetime = token_lifetime
        self.stats = EnlightenStats()
        self._sessions: dict[str, Account] = {}
        self.app = web.Application()
        self.app.router.add_post("/login/login.json", self._login)
        self.app.router.add_post("/tokens", self._tokens)
        self.app.router.add_get("/_sim/stats", self._get_stats)
        self._server = LocalApp(self.app)

    def add_account(self, account: Account) -> None:
        self.accounts[account.email] = account

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); return the base URL."""
        return await self._server.start(host, port)

    async def stop(self) -> None:
        await self._server.stop()

    async def _login(self, request: web.Request) -> web.Response:
        form = await request.post()
        account = self.accounts.get(str(form.get("user[email]", "")))
        if account is None or not secrets.compare_digest(
            account.password, str(form.get("user[password]", ""))
        ):
            self.stats.login_refusals["credentials"] += 1
            return web.json_response({"message": "Invalid email or password"}, status=401)
        manager_token = secrets.token_urlsafe(24)
        if account.mfa:
            self.stats.login_refusals["mfa"] += 1
            return web.json_response(
                {
                    "message": "Enter the verification code sent to your e-mail",
                    "manager_token": manager_token,
                    "is_consumer": account.user_type == "owner",
                }
            )
        session_id = secrets.token_hex(16)
        self._sessions[session_id] = account
        self.stats.logins += 1
        return web.json_response(
            {
                "message": "success",
                "session_id": session_id,
                "manager_token": manager_token,
                "is_consumer": account.user_type == "owner",
            }
        )

    async def _tokens(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.stats.token_refusals["bad_request"] += 1
            return web.json_response({"message": "expected a JSON object"}, status=400)
        account = self._sessions.get(str(body.get("session_id", "")))
        if account is None or account.email != body.get("username"):
            self.stats.token_refusals["session"] += 1
            return web.json_response({"message": "Unauthorized"}, status=401)
        serial = str(body.get("serial_num", ""))
        if serial not in account.serials:
            self.stats.token_refusals["serial"] += 1
            return web.json_response({"message": "Not your system"}, status=403)
        token = self.signer.issue(
            serial, self.clock.now(), self.token_lifetime, account.user_type, account.email
        )
        self.stats.tokens_issued += 1
        return web.Response(text=token, content_type="text/plain")

    async def _get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.to_json())
