"""Reading the metric tables of docs/metrics.md, so the docs tests of every vendor agree."""

from __future__ import annotations

import re
from pathlib import Path

METRICS_DOC = Path(__file__).parents[1] / "docs" / "metrics.md"
_ROW = re.compile(r"^\| `([a-z0-9_]+)` \| (\w+) \| ([\w–]+) \| ([^|]+) \|")


def section(title: str) -> str:
    """The `## <title>` section of docs/metrics.md."""
    text = METRICS_DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def documented(title: str, prefix: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Metric -> (type, unit, labels) from the table rows of a section, for one prefix."""
    rows: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for line in section(title).splitlines():
        match = _ROW.match(line)
        if match and match.group(1).startswith(prefix):
            name, mtype, unit, labels = match.groups()
            assert name not in rows, f"{name} documented twice"
            rows[name] = (mtype, unit, tuple(re.findall(r"`(\w+)`", labels)))
    return rows
