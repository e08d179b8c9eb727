"""`to_si`: the unit conversion every parser ends with, finite or nothing."""

import math
import sys

import pytest

from solar2prom.core.convert import to_si


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (1.5, 1000.0, 1500.0),
        (0.30000000000000004, 1000.0, 300.0),  # binary noise rounded away
        (57, 0.01, 0.57),
        (-0.0, 1.0, 0.0),
        (0.0, -1.0, 0.0),  # never a negative zero
    ],
)
def test_converts_and_rounds(value: float, scale: float, expected: float) -> None:
    converted = to_si(value, scale)
    assert converted == expected
    assert converted is not None and math.copysign(1.0, converted) == math.copysign(1.0, expected)


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        (1e305, 3.6e6),  # the conversion overflows
        (sys.float_info.max, 1.0),  # rounding to 15 digits overflows
        (-sys.float_info.max, 1.0),
        (math.inf, 1.0),
        (math.nan, 1.0),
    ],
)
def test_no_finite_result_is_none(value: float, scale: float) -> None:
    assert to_si(value, scale) is None
