"""The single session of a northbound account: tokens, expiry and the wrong-password lock.

- One account, one session: a successful login replaces the token, so the previous one
  answers 305 from then on (reference §1, §4.2).
- A token lives `token_ttl` seconds (30 minutes) after its last use: the sliding expiry
  reported by clients of the newer documents.
- 5 consecutive wrong passwords within 10 minutes lock the user for 30 minutes (§4.4); a
  successful login clears the streak.
"""

from __future__ import annotations

import random
import string
from collections import deque
from enum import Enum, auto

_ALPHABET = string.ascii_lowercase + string.digits
_TOKEN_LENGTH = 96
_LOCK_ATTEMPTS = 5
_LOCK_WINDOW = 600.0
_LOCK_DURATION = 1800.0


class LoginResult(Enum):
    OK = auto()
    BAD_CREDENTIALS = auto()


class Account:
    def __init__(self, username: str, password: str, token_ttl: float, seed: int) -> None:
        self._username = username
        self._password = password
        self._ttl = token_ttl
        self._rng = random.Random(seed)
        self.token: str | None = None
        self._expires = 0.0
        self._failures: deque[float] = deque()
        self._locked_until = 0.0

    def is_locked(self, now: float) -> bool:
        return now < self._locked_until

    def login(self, username: object, password: object, now: float) -> LoginResult:
        if username != self._username:
            return LoginResult.BAD_CREDENTIALS
        if password != self._password:
            self._failures.append(now)
            while self._failures and self._failures[0] <= now - _LOCK_WINDOW:
                self._failures.popleft()
            if len(self._failures) >= _LOCK_ATTEMPTS:
                self._locked_until = now + _LOCK_DURATION
                self._failures.clear()
            return LoginResult.BAD_CREDENTIALS
        self._failures.clear()
        self.token = "x-" + "".join(self._rng.choices(_ALPHABET, k=_TOKEN_LENGTH))
        self._expires = now + self._ttl
        return LoginResult.OK

    def check(self, token: str | None, now: float) -> bool:
        """True if `token` is the live session; each accepted use extends its life."""
        if token is None or token != self.token or now >= self._expires:
            return False
        self._expires = now + self._ttl
        return True

    def invalidate(self) -> None:
        self.token = None

    def reset(self) -> None:
        self.token = None
        self._failures.clear()
        self._locked_until = 0.0
