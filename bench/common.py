"""What the benchmarks share: the revision they measured, and the FusionSolar account they
simulate."""

from __future__ import annotations

import subprocess
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

# The simulated FusionSolar account's devices, devTypeId -> count (1,000 in all; backfill.py
# scales it). 62 (dongle) has neither real-time data nor history.
DEVICE_MIX: dict[int, int] = {
    38: 320,  # residential inverter
    1: 130,  # string inverter
    39: 180,  # battery
    47: 150,  # power sensor
    17: 90,  # grid meter
    10: 40,  # EMI (environmental monitoring)
    62: 90,  # dongle
}


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(BENCH_DIR), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        rev = ""
    return rev or "unknown"
