"""Failure types a source raises from a poll; the poller turns each into a state and a delay.

Modelled on Home Assistant's coordinator: an update failed (try again later), an
authentication problem (a person must act; polling slows right down), or a vendor limit (wait
for the vendor's window). Messages are plain words for the status page and never contain
credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solar2prom.core.model import FeedResult, Reading


class Solar2PromError(Exception):
    """Base of every error solar2prom raises on purpose."""


class ConfigError(Solar2PromError):
    """The configuration is invalid; the message names the file, line and key."""


class SourceError(Solar2PromError):
    """A poll of a source failed. `retry_after` (s), when set, is the earliest sensible retry.

    `history` carries past samples the poll had already fetched before it failed (a backfill
    that ran out of budget halfway): they are kept, not thrown away with the failure.
    `partial` carries the live values of the part of a poll that succeeded (the batches
    before the one that failed): they replace their older values; the rest stay as they were.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        history: tuple[Reading, ...] = (),
        partial: FeedResult | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.history = history
        self.partial = partial


class UpdateFailed(SourceError):
    """A transient failure: network, timeout, 5xx, an unreadable response."""


class RateLimited(SourceError):
    """The vendor's budget for this window is spent (or would be): wait for the next window."""


class AuthFailed(SourceError):
    """Credentials, rights or account state need a person; retrying soon would not help."""
