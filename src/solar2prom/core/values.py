"""Numbers as vendors send them: strings, nulls, "N/A", binary float noise.

Every vendor parser reads its values through `parse_number`, so "missing" means the same
thing everywhere (no reading, never 0) and garbage is told apart from a gap.
"""

from __future__ import annotations

import math
from collections import Counter

# Spellings of "no value" seen in vendor payloads (compared lower-case).
_MISSING_TEXT = frozenset({"", "n/a", "na", "null", "none", "-", "--"})
# 15 significant digits are what a double holds exactly: rounding there removes binary noise
# such as 15.970000000000027 without losing anything the vendor meant.
_SIGNIFICANT_DIGITS = 15


# The `solar_source_rejected_readings_total` reason of a value present but not a number.
UNPARSABLE = "unparsable"


class Unparsable(ValueError):
    """A value is present but is not a number."""


def parse_number(raw: object) -> float | None:
    """A vendor value as a float; None when the vendor gave none. Raises `Unparsable`."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise Unparsable(f"boolean {raw!r} where a number belongs")
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in _MISSING_TEXT:
            return None
        raw = text
    elif not isinstance(raw, int | float):
        raise Unparsable(f"{type(raw).__name__} where a number belongs")
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        raise Unparsable(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise Unparsable(f"{raw!r} is not a finite number")
    return round_noise(value)


def round_noise(value: float) -> float:
    """`value` without the binary noise of float arithmetic (and without a negative zero,
    which a sign flip of 0 would otherwise export as "-0")."""
    return float(f"{value:.{_SIGNIFICANT_DIGITS}g}") + 0.0


def counted_number(raw: object, rejected: Counter[str]) -> float | None:
    """A vendor value as a float; None when missing, or when unreadable (then counted): text,
    or a number so close to the float limit that rounding makes it infinite."""
    try:
        value = parse_number(raw)
    except Unparsable:
        value = math.inf
    if value is not None and not math.isfinite(value):
        rejected[UNPARSABLE] += 1
        return None
    return value
