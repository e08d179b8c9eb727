"""Who may call: the signature check, the monthly quota and the per-minute limit.

Written from the reference (§b.2, §b.4), independently of solar2prom's client, so that a
client signing the wrong string is refused here as it would be by the real service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections import Counter, deque
from collections.abc import Mapping
from datetime import datetime

from solar2prom.core.timezones import resolve_timezone
from solar2prom.sim.apsystems_openapi.config import OpenApiSimConfig

_HASHES = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
_NONCE = re.compile(r"^[0-9a-fA-F]{32}$")
BAD_REQUEST, UNKNOWN_APP, OVER_QUOTA, TOO_MANY = 4000, 2001, 2005, 7002


def signature(secret: str, headers: Mapping[str, str], path: str, method: str) -> str:
    """Base64 HMAC of timestamp/nonce/appId/<last path segment>/METHOD/algorithm."""
    fields = [headers.get(h, "") for h in ("X-CA-Timestamp", "X-CA-Nonce", "X-CA-AppId")]
    algorithm = headers.get("X-CA-Signature-Method", "")
    text = "/".join([*fields, path.rstrip("/").split("/")[-1], method.upper(), algorithm])
    digest = hmac.new(secret.encode(), text.encode(), _HASHES[algorithm]).digest()
    return base64.b64encode(digest).decode()


class Gate:
    def __init__(self, config: OpenApiSimConfig) -> None:
        self.config = config
        self._quota_tz = resolve_timezone(config.quota_timezone)
        self.month_calls: Counter[str] = Counter()  # "YYYY-MM" -> calls counted
        self.counted: list[float] = []  # when each counted call came
        self._minute: deque[float] = deque()
        self._nonces: dict[str, float] = {}

    def month(self, now: float) -> str:
        return datetime.fromtimestamp(now, self._quota_tz).strftime("%Y-%m")

    def authenticate(
        self, headers: Mapping[str, str], path: str, method: str, now: float
    ) -> int | None:
        """None when the request is signed right, else the code to answer."""
        if headers.get("X-CA-AppId") != self.config.app_id:
            return UNKNOWN_APP
        algorithm = headers.get("X-CA-Signature-Method", "")
        nonce = headers.get("X-CA-Nonce", "")
        try:
            stamp = int(headers.get("X-CA-Timestamp", "")) / 1000.0
        except ValueError:
            return BAD_REQUEST
        if algorithm not in _HASHES or not _NONCE.match(nonce):
            return BAD_REQUEST
        if abs(now - stamp) > self.config.timestamp_tolerance:
            return BAD_REQUEST
        expected = signature(self.config.app_secret, headers, path, method)
        if not hmac.compare_digest(expected, headers.get("X-CA-Signature", "")):
            return BAD_REQUEST
        self._forget_nonces(now)
        if nonce in self._nonces:
            return BAD_REQUEST  # a replayed request
        self._nonces[nonce] = now
        return None

    def _forget_nonces(self, now: float) -> None:
        horizon = now - 2 * self.config.timestamp_tolerance
        for nonce in [n for n, t in self._nonces.items() if t < horizon]:
            del self._nonces[nonce]

    def admit(self, now: float) -> int | None:
        """Count a signed call against the quota; None, or the code refusing it."""
        if self.month_calls[self.month(now)] >= self.config.monthly_quota:
            return OVER_QUOTA
        while self._minute and self._minute[0] <= now - 60.0:
            self._minute.popleft()
        if len(self._minute) >= self.config.max_per_minute:
            return TOO_MANY
        self._minute.append(now)
        self.month_calls[self.month(now)] += 1
        self.counted.append(now)
        return None
