"""Shared test helpers: a manual clock, and external programs that skip or fail by policy."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REQUIRE_INTEGRATION = os.environ.get("SOLAR2PROM_REQUIRE_INTEGRATION") == "1"


def require_program(name: str) -> str:
    """Path of an external program; skip when absent, or fail when integration is required."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (Debian package needed for this integration test)"
        if REQUIRE_INTEGRATION:
            pytest.fail(f"SOLAR2PROM_REQUIRE_INTEGRATION=1 but {reason}")
        pytest.skip(reason)
    return path


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it and yields to the loop."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
