"""Fixtures of the FusionSolar tests: the captured responses under tests/data/fusionsolar/."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import DATA

FIXTURES = DATA / "fusionsolar"


def load(name: str) -> Any:
    """The parsed body of one captured response (file name without `.json`)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
