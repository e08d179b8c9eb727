"""Time zones as users and vendors write them: IANA names, or fixed offsets like "+08:00"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def resolve_timezone(name: str | None) -> tzinfo:
    """An IANA zone, a fixed offset, or (for None) the host's local zone."""
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    match = _OFFSET.match(name.strip())
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta)
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe", a folder
        raise ValueError(f"unknown time zone {name!r}") from exc


def local_date(epoch: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(epoch, tz).date()
