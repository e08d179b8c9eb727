"""What the fuzz tests feed the parsers, and what they check in every answer.

Two kinds of input. Pure random JSON finds the crashes on shapes nobody expected (a number
where a list belongs, a list where an object belongs). Real captures with a few parts
replaced, dropped or re-typed find the rest: they get past the first shape checks and reach
the code that converts values, which random JSON rarely does.
"""

from __future__ import annotations

import copy
import math
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import FrameType
from typing import Any, TypeVar

from hypothesis import strategies as st

from solar2prom.core.model import Device, DeviceKind, Reading, Site

T = TypeVar("T")
# Seconds one parser call may take: thousands of times what any of them needs.
LIMIT = 2.0
# Spellings of "no value" vendors send where a number belongs (the parsers must export none).
MISSING: tuple[object, ...] = (None, "", "N/A", "n/a", "null", "NULL", "-", "--", " ", "none")
# Values that are present but are no usable number, or are numbers at the edges of a float.
ODD: tuple[object, ...] = (
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "0x1A",
    "1,5",
    "12 kW",
    " 42 ",
    "+7",
    "1_000",
    "١٢",
    "true",
    True,
    False,
    [],
    {},
    [1],
    {"value": 1},
    0,
    -0.0,
    -1,
    2**53 + 1,
    10**30,
    -(10**30),
    10**400,
    1e300,
    -1e300,
    1.7976931348623157e308,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
)


def is_missing(value: object) -> bool:
    """Whether `value` is one of the spellings of no value."""
    return any(value is m or value == m for m in MISSING)


def present(item_map: Mapping[str, object]) -> dict[str, object]:
    """`item_map` without the values that are missing: what the parsers must read the same."""
    return {key: value for key, value in item_map.items() if not is_missing(value)}


numeric_text = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"\A-?\d{1,20}(\.\d{1,12})?([eE][-+]?\d{1,3})?\Z"),
)
# What a vendor may put where a number belongs.
vendor_values: st.SearchStrategy[object] = st.one_of(
    st.sampled_from(MISSING + ODD),
    st.integers(),
    st.floats(),
    numeric_text,
    st.text(max_size=12),
)
_json_scalars: st.SearchStrategy[object] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12), vendor_values
)
# Any JSON document (Python's json module also decodes NaN and Infinity).
json_values: st.SearchStrategy[object] = st.recursive(
    _json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)


def _slots(document: object) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) of a JSON document, depth first."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield document, key
            yield from _slots(value)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield document, index
            yield from _slots(value)


# One change to a document: which of its slots (modulo their number), and what to do there.
Edit = tuple[int, str, object]


def edits(max_changes: int = 4) -> st.SearchStrategy[list[Edit]]:
    """Changes to apply with `edited`. Small to print, whatever the document's size."""
    change = st.one_of(
        st.tuples(st.integers(0, 2**16), st.just("value"), vendor_values),
        st.tuples(st.integers(0, 2**16), st.just("json"), json_values),
        st.tuples(st.integers(0, 2**16), st.sampled_from(("drop", "wrap", "text")), st.none()),
    )
    return st.lists(change, min_size=1, max_size=max_changes)


def edited(document: object, changes: Iterable[Edit]) -> object:
    """A copy of `document` with `changes` made: values replaced, dropped or re-typed."""
    doc = copy.deepcopy(document)
    for index, action, value in changes:
        slots = list(_slots(doc))
        if not slots:
            break
        container, key = slots[index % len(slots)]
        if action == "drop":
            del container[key]
        elif action == "wrap":
            container[key] = [container[key]] if index % 2 else {"v": container[key]}
        elif action == "text":
            container[key] = str(container[key])
        else:
            container[key] = copy.deepcopy(value)
    return doc


@st.composite
def mutated(draw: st.DrawFn, document: object, max_changes: int = 4) -> object:
    """`document` with a few changes; now and then something else altogether."""
    if draw(st.integers(0, 19)) == 0:
        return draw(json_values)
    return edited(document, draw(edits(max_changes)))


def check_readings(readings: Iterable[Reading]) -> None:
    """What every reading of every parser must be, whatever it was fed."""
    for reading in readings:
        assert isinstance(reading, Reading), reading
        assert type(reading.value) is float, reading
        assert math.isfinite(reading.value), reading
        assert reading.time is None or math.isfinite(reading.time), reading
        assert len(reading.labels) == len(reading.metric.labels), reading
        assert all(type(v) is str for v in (reading.site, reading.device, *reading.labels)), reading


def check_entities(items: Iterable[Site | Device]) -> None:
    """Sites and devices end up as label values: their text must be text."""
    for item in items:
        if isinstance(item, Device):
            texts = [item.id, item.site, item.model, item.firmware, item.name, item.serial]
            assert isinstance(item.kind, DeviceKind), item
        else:
            texts = [item.id, item.name, item.vendor, *(t for pair in item.extra for t in pair)]
            assert item.timezone is None or type(item.timezone) is str, item
            for coordinate in (item.latitude, item.longitude):
                assert coordinate is None or math.isfinite(coordinate), item
        assert all(type(t) is str for t in texts), item


class Hung(BaseException):
    """A parser call ran past its time limit. A BaseException, so no parser can swallow it."""


def bounded(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`call(*args, **kwargs)`; `Hung` when it runs past `LIMIT`, instead of a hanging suite.
    (SIGALRM: the main thread of a Unix process, where pytest runs the tests.)"""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {LIMIT:g}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        return call(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
