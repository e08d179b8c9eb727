"""What every benchmark prints next to its figures: the revision it measured."""

from __future__ import annotations

import subprocess
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


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
