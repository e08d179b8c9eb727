"""The gateway's two ways of checking a client, one per firmware family (reference §2).

Below firmware 7: HTTP Digest (RFC 7616, MD5, qop=auth) in the realm `enphaseenergy.com`
for the local users — `envoy`, whose password is the last 6 characters of the serial, and
`installer` when the simulator is given its password. Every path but `/info` asks for it:
stricter than some real firmware, which serves most read endpoints to anyone, so that the
client's Digest handling is always exercised.

From firmware 7: a JWT issued for this gateway (`aud` = serial) by the token service. The
client first presents it at `/auth/check_jwt` (`Authorization: Bearer`), which answers
"Valid token" and a `sessionId` cookie; afterwards either the same Bearer header or the
cookie is accepted. A token is refused with 401 from the moment its `exp` has passed, and so
are the sessions opened with it; so is every token issued before a `revoke()`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from solar2prom.sim.enlighten import TokenSigner

REALM = "enphaseenergy.com"
SESSION_COOKIE = "sessionId"
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DigestGuard:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self._nonces: set[str] = set()

    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self._nonces.add(nonce)
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def check(self, method: str, header: str | None) -> bool:
        if not header or not header.startswith("Digest "):
            return False
        params = {m[0]: m[1] or m[2] for m in _PARAM.findall(header[len("Digest ") :])}
        password = self.users.get(params.get("username", ""))
        if password is None or params.get("nonce") not in self._nonces:
            return False
        if params.get("realm") != REALM or params.get("qop") != "auth":
            return False
        ha1 = _md5(f"{params['username']}:{REALM}:{password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        expected = _md5(
            f"{ha1}:{params['nonce']}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}"
        )
        return secrets.compare_digest(expected, params.get("response", ""))


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """Outcome of a token check: `refusal` is None when accepted, else why not."""

    refusal: str | None
    session: str | None = None


class TokenGuard:
    def __init__(self, signer: TokenSigner, serial: str) -> None:
        self.signer = signer
        self.serial = serial
        self._sessions: dict[str, float] = {}  # session id -> expiry of its token
        self._checked: set[str] = set()
        self._revoked_before = 0.0

    def _judge(self, token: str, now: float) -> tuple[str | None, float]:
        claims = self.signer.claims(token, self.serial)
        if claims is None:
            return "invalid", 0.0
        expiry = float(claims.get("exp", 0))
        if float(claims.get("iat", 0)) < self._revoked_before:
            return "revoked", expiry
        if expiry <= now:
            return "expired", expiry
        return None, expiry

    def check_jwt(self, authorization: str | None, now: float) -> TokenCheck:
        token = _bearer(authorization)
        if token is None:
            return TokenCheck("missing")
        refusal, expiry = self._judge(token, now)
        if refusal is not None:
            return TokenCheck(refusal)
        self._checked.add(token)
        session = secrets.token_hex(16)
        self._sessions[session] = expiry
        return TokenCheck(None, session)

    def allow(self, authorization: str | None, session: str | None, now: float) -> TokenCheck:
        token = _bearer(authorization)
        if token is not None:
            refusal, _ = self._judge(token, now)
            if refusal is None and token not in self._checked:
                refusal = "unchecked"
            return TokenCheck(refusal)
        if session is None:
            return TokenCheck("missing")
        expiry = self._sessions.get(session)
        if expiry is None:
            return TokenCheck("invalid")
        return TokenCheck(None if expiry > now else "expired")

    def forget(self) -> None:
        """End every session and check, as a gateway reboot does."""
        self._sessions.clear()
        self._checked.clear()

    def revoke(self, now: float) -> None:
        """Refuse every token issued before `now`, and end every session."""
        self._revoked_before = now
        self.forget()


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        token = authorization[len("Bearer ") :].strip()
        return token or None
    return None
