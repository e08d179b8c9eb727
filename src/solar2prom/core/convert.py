"""The last step of every vendor parser: a number, times its unit's factor to SI, as a reading's
value.

A vendor number near the largest float overflows when converted (1e308 kWh is no number of
joules) or even when its binary noise is rounded away. Such a value is no measurement: it is
dropped and counted like any other implausible value, rather than exported as +Inf — which, in
a lifetime counter, the counter guard would keep for good.
"""

from __future__ import annotations

import math

from solar2prom.core.values import round_noise


def to_si(value: float | None, scale: float = 1.0) -> float | None:
    """`value` × `scale` without binary noise; None for no value, or when the result is no
    finite number."""
    if value is None:
        return None
    converted = round_noise(value * scale)
    return converted if math.isfinite(converted) else None
