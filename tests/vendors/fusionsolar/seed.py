"""Reads the SmartPVMS 24.2.0 reference excerpt (tests/data/fusionsolar/seed/) for the tests.

The excerpt is a text rendering of the document's tables: one cell per line, each ending in
" |"; in the device data lists a line of only "|" or "||" ends a row, and a line "ID: <type>
<name> |" opens a device type's rows.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from tests.conftest import DATA

SEED = DATA / "fusionsolar" / "seed" / "002_6367fb9784c774fd.txt"

REAL_TIME = "Real-Time Device Data List"
HISTORY = "Historical Device Data List"

_TYPE_ROW = re.compile(r"^I?D: (\d+) ")  # one heading lost its "I" in the source
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def lines() -> tuple[str, ...]:
    return tuple(SEED.read_text(encoding="utf-8").splitlines())


def _cell(line: str) -> str:
    return line.removesuffix("|").strip()


def device_keys(heading: str) -> dict[int, list[str]]:
    """devTypeId -> the keys of its rows in the device data list under `heading`."""
    text = lines()
    tables: dict[int, list[str]] = {}
    current: list[str] | None = None
    row_starts = False
    for line in text[text.index(heading) + 1 :]:
        if line.startswith("State Value"):
            break
        opened = _TYPE_ROW.match(line)
        if opened:
            current = tables.setdefault(int(opened[1]), [])
            row_starts = True
        elif line.strip() in ("|", "||"):
            row_starts = True
        elif row_starts and current is not None:
            key = _cell(line)
            assert _KEY.match(key), f"not a data item key: {line!r}"
            current.append(key)
            row_starts = False
    return tables


def plant_keys() -> list[str]:
    """The keys of the real-time plant data list (four cells per row, no row markers)."""
    text = lines()
    start = text.index("---|---|---|---|", text.index("Real-Time Plant Data List")) + 1
    end = text.index("Example", start)
    return [_cell(line) for line in text[start:end:4]]


def inverter_states() -> dict[int, str]:
    """Table 5-1 as printed after the real-time device data list."""
    text = lines()
    start = text.index("---|---|", text.index("State Value |")) + 1
    end = text.index("Examples", start)
    cells = [_cell(line) for line in text[start:end]]
    return {int(code): words for code, words in zip(cells[::2], cells[1::2], strict=True)}


@cache
def examples() -> tuple[dict[str, Any], ...]:
    """The successful response examples, in document order."""
    return tuple(json.loads(line) for line in lines() if line.startswith('{ "success":true'))


def example(api: str) -> dict[str, Any]:
    """The successful example of getStationRealKpi, getDevRealKpi or getDevHistoryKpi."""

    def api_of(body: dict[str, Any]) -> str:
        params = body["params"]
        if "stationCodes" in params:
            return "getStationRealKpi"
        return "getDevHistoryKpi" if "startTime" in params else "getDevRealKpi"

    (found,) = [body for body in examples() if api_of(body) == api]
    return found
