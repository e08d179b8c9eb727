"""Tokens for firmware 7 and later: where they come from, where they are kept, when renewed.

A gateway on firmware 7+ accepts a JWT issued for its serial by the vendor's token service.
Owner tokens last a year, installer tokens 12 hours. Sources, in this order of preference:

1. the freshest unexpired token among the one in the config (`token` / `token_file`) and the
   one cached in the source's state folder (`token.json`, mode 0600, written whenever a token
   is fetched) — so a restart does not log in to Enlighten again, and a newly pasted token
   wins over an older cached one;
2. with `username` and `password` of the Enlighten account: a token fetched from Enlighten
   (login) and entrez (token), for the gateway serial from the config or from `/info`.

Renewal: once a token is within a tenth of its lifetime of expiry (at most 30 days before),
a new one is fetched — with credentials — while the old one still works, so polls never see
a gap. A failed renewal keeps the old token and tries again an hour later, or as soon as the
token has run out; from then on polls fail (a passing failure: the credentials are there)
and a token is asked for every 5 minutes until one comes. When the gateway
refuses a token that has not expired (revoked, or its clock disagrees), `replace()` fetches a
new one at once. Without credentials, an expiring token can only be replaced by a person:
`notes()` says so for the status page from 30 days before expiry.

The fetch is ours rather than pyenphase's: pyenphase retries connection errors without limit,
reaches only the vendor's fixed hosts (no `enlighten_url` / `entrez_url` for a proxy or the
simulator), and puts response bodies into its error messages. An account with multi-factor
authentication gets no session from a password login, so no token can be fetched with it; the
message says to paste a token instead. Tokens and passwords never appear in logs or errors.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import jwt

from solar2prom.core.clock import Clock
from solar2prom.core.errors import AuthFailed, SourceError, UpdateFailed
from solar2prom.core.files import read_state, write_atomic
from solar2prom.sources.base import RequestStats

log = logging.getLogger(__name__)

YEAR = 365 * 86400.0
RENEW_MARGIN = 30 * 86400.0
RENEW_RETRY = 3600.0
EXPIRED_RETRY = 300.0
AUTH_RETRY = 1800.0
CACHE_VERSION = 1


def _date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Token:
    value: str = field(repr=False)
    expires: float
    issued: float | None = None
    user_type: str = ""

    @classmethod
    def parse(cls, value: str, what: str) -> Token:
        """Read the claims of a token (not its signature: only the gateway can check that)."""
        value = value.strip()
        try:
            claims: dict[str, Any] = jwt.decode(value, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise AuthFailed(
                f"{what} is not a token (a JWT of three dot-separated parts): paste the whole "
                "token the vendor's site created",
                retry_after=AUTH_RETRY,
            ) from None
        expires, issued = claims.get("exp"), claims.get("iat")
        if not isinstance(expires, int | float):
            raise AuthFailed(f"{what} has no expiry date: it is not a gateway token")
        return cls(
            value,
            float(expires),
            float(issued) if isinstance(issued, int | float) else None,
            str(claims.get("enphaseUser", "")),
        )

    @property
    def renew_at(self) -> float:
        known = self.issued is not None and self.issued < self.expires
        lifetime = self.expires - self.issued if known and self.issued else YEAR
        return self.expires - min(RENEW_MARGIN, lifetime / 10)


class TokenCache:
    """The last fetched token of one gateway, private to the account's owner (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, serial: str) -> Token | None:
        def build(raw: Any) -> Token | None:
            if raw.get("version") != CACHE_VERSION or raw.get("serial") != serial:
                return None
            return Token.parse(str(raw["token"]), "the cached token")

        return read_state(self.path, "token cache", build)

    def save(self, serial: str, token: Token) -> None:
        data = {"version": CACHE_VERSION, "serial": serial, "token": token.value}
        write_atomic(self.path, json.dumps(data).encode())


class Enlighten:
    """The vendor's login (Enlighten) and token (entrez) services, for one account."""

    def __init__(
        self,
        enlighten_url: str,
        entrez_url: str,
        username: str,
        password: str,
        *,
        timeout: float,
        stats: RequestStats,
    ) -> None:
        self._login_url = enlighten_url.rstrip("/") + "/login/login.json"
        self._tokens_url = entrez_url.rstrip("/") + "/tokens"
        self._username = username
        self._password = password
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._stats = stats

    async def fetch(self, serial: str) -> Token:
        async with aiohttp.ClientSession(
            timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as http:
            form = {"user[email]": self._username, "user[password]": self._password}
            status, text = await self._post(http, "enlighten_login", self._login_url, data=form)
            if status in (401, 403):
                raise AuthFailed(
                    "Enlighten refused the user name or password", retry_after=AUTH_RETRY
                )
            login = _json_object(status, text, "Enlighten login")
            session = login.get("session_id")
            if not isinstance(session, str) or not session:
                raise AuthFailed(
                    "Enlighten opened no session for this account: it uses multi-factor "
                    "authentication, with which tokens cannot be fetched automatically. Log in "
                    'at the vendor\'s entrez site, use "Create access token", and put the token '
                    "in the config as `token` (or `token_file`)",
                    retry_after=AUTH_RETRY,
                )
            body = {"session_id": session, "serial_num": serial, "username": self._username}
            status, text = await self._post(http, "entrez_tokens", self._tokens_url, json=body)
        if status in (401, 403):
            raise AuthFailed(
                f"the vendor would not issue a token for gateway {serial}: is it registered "
                "to this Enlighten account (as owner or installer)?",
                retry_after=AUTH_RETRY,
            )
        if status != 200:
            raise UpdateFailed(f"the vendor's token service answered HTTP {status}")
        return Token.parse(text, "the token the vendor issued")

    async def _post(
        self, http: aiohttp.ClientSession, endpoint: str, url: str, **payload: Any
    ) -> tuple[int, str]:
        try:
            async with http.post(url, allow_redirects=False, **payload) as response:
                text = await response.text()
        except TimeoutError as exc:
            self._stats.record(endpoint, "timeout")
            raise UpdateFailed(f"{endpoint}: no answer from the vendor's service") from exc
        except aiohttp.ClientError as exc:
            self._stats.record(endpoint, "connection_error")
            raise UpdateFailed(
                f"{endpoint}: cannot reach the vendor's service ({type(exc).__name__})"
            ) from exc
        self._stats.record(endpoint, "ok" if response.status == 200 else f"http_{response.status}")
        return response.status, text


def _json_object(status: int, text: str, what: str) -> dict[str, Any]:
    if status != 200:
        raise UpdateFailed(f"{what} answered HTTP {status}")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UpdateFailed(f"{what} answered something that is not a JSON object")
    return body


class TokenKeeper:
    """The token a firmware 7+ gateway gets: chosen, cached, renewed before it expires."""

    def __init__(
        self,
        *,
        configured: str | None,
        enlighten: Enlighten | None,
        cache: TokenCache,
        clock: Clock,
        token_file: Path | None = None,
    ) -> None:
        self._configured = configured
        self._token_file = token_file
        self._enlighten = enlighten
        self._cache = cache
        self._clock = clock
        self.current: Token | None = None
        self._renew_after = 0.0

    async def token(self, serial: str) -> Token:
        """A token to use now; fetches or renews one when due and possible."""
        now = self._clock.now()
        if self.current is None:
            candidates = [self._cache.load(serial), self._pasted()]
            usable = [t for t in candidates if t is not None]
            self.current = max(usable, key=lambda t: t.expires, default=None)
        elif (
            self._enlighten is None
            and self._token_file is not None
            and now >= self.current.renew_at
        ):
            self._take_newer_from_file()
        due = self.current is None or (now >= self.current.renew_at and now >= self._renew_after)
        if self._enlighten is not None and due:
            await self._renew(self._enlighten, serial, now)
        if self.current is None:
            raise AuthFailed(
                "firmware 7 and later need a token: set `token` (from the vendor's entrez site, "
                '"Create access token") or `username` and `password` of the Enlighten account',
                retry_after=AUTH_RETRY,
            )
        if self.current.expires <= now:
            if self._enlighten is not None:
                wait = self._renew_after - now
                raise UpdateFailed(
                    f"the token expired on {_date(self.current.expires)} and no new one could "
                    f"be fetched yet; next try in {wait:.0f}s",
                    retry_after=wait,
                )
            raise AuthFailed(
                f"the token expired on {_date(self.current.expires)}: {self._paste()}, or set "
                "`username` and `password` so that solar2prom renews it",
                retry_after=AUTH_RETRY,
            )
        return self.current

    async def _renew(self, enlighten: Enlighten, serial: str, now: float) -> None:
        try:
            fresh = await enlighten.fetch(serial)
        except SourceError as exc:
            current = self.current
            if current is None or (current.expires <= now and isinstance(exc, AuthFailed)):
                raise
            if current.expires <= now:
                # Every poll now waits for a token: ask again soon, but not at every poll.
                self._renew_after = now + EXPIRED_RETRY
                raise UpdateFailed(
                    f"the token expired on {_date(current.expires)} and fetching a new one "
                    f"failed ({exc}); next try in {EXPIRED_RETRY:.0f}s",
                    retry_after=EXPIRED_RETRY,
                ) from exc
            # Hourly while the token lasts, and again as soon as it has run out.
            self._renew_after = min(now + RENEW_RETRY, current.expires)
            log.warning("renewing the gateway token failed, the current one stays: %s", exc)
            return
        log.info("fetched a gateway token valid until %s", _date(fresh.expires))
        self.current = fresh
        self._cache.save(serial, fresh)

    def _pasted(self) -> Token | None:
        """The token the config gives: `token`, or what `token_file` holds now."""
        if self._token_file is not None:
            try:
                text = self._token_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not text"
                raise AuthFailed(
                    f"cannot read token_file {self._token_file}: {reason}",
                    retry_after=AUTH_RETRY,
                ) from None
            return Token.parse(text, f"the token in {self._token_file}") if text else None
        if self._configured:
            return Token.parse(self._configured, "the configured token")
        return None

    def _paste(self) -> str:
        if self._token_file is not None:
            return f"put a new one in {self._token_file} (read again by itself)"
        return "paste a new one"

    def _take_newer_from_file(self) -> None:
        """Use the file's token if it is not the one in use and lasts longer. The token in
        use still works: a file that cannot be read or holds no token now only warns."""
        try:
            pasted = self._pasted()
        except AuthFailed as exc:
            log.warning("the token in use stays: %s", exc)
            return
        current = self.current
        if pasted is None or (current is not None and pasted.value == current.value):
            return
        if current is not None and pasted.expires <= current.expires:
            return
        log.info(
            "took the new token from %s, valid until %s", self._token_file, _date(pasted.expires)
        )
        self.current = pasted

    async def replace(self, serial: str) -> Token:
        """A new token after the gateway refused the current one."""
        if self._enlighten is None and self._token_file is not None:
            pasted = self._pasted()
            if pasted is not None and (self.current is None or pasted.value != self.current.value):
                log.info("the gateway refused the token; took the one now in %s", self._token_file)
                self.current = pasted
                return await self.token(serial)
        if self._enlighten is None:
            raise AuthFailed(
                "the gateway refused the token (expired, revoked, or made for another gateway): "
                f"{self._paste()}, or set `username` and `password` so that solar2prom fetches "
                "them",
                retry_after=AUTH_RETRY,
            )
        self.current = None
        self._configured = None
        self._renew_after = 0.0
        await self._renew(self._enlighten, serial, self._clock.now())
        return await self.token(serial)

    def notes(self) -> tuple[str, ...]:
        token, now = self.current, self._clock.now()
        if token is None or self._enlighten is not None or token.expires - now > RENEW_MARGIN:
            return ()
        return (
            f"the gateway token expires on {_date(token.expires)}: {self._paste()} before then "
            "(or set `username` and `password` so that solar2prom renews it)",
        )
