"""docs/metrics.md lists every core and health metric with its type and unit."""

from pathlib import Path

from solar2prom.core import metrics
from solar2prom.core.model import Metric

DOCS = Path(__file__).parents[2] / "docs" / "metrics.md"


def test_every_core_metric_is_documented_with_type_and_unit() -> None:
    text = DOCS.read_text(encoding="utf-8")
    declared = [v for v in vars(metrics).values() if isinstance(v, Metric)]
    assert len(declared) > 20
    for metric in declared:
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `{metric.name}` |")), None
        )
        assert row is not None, f"{metric.name} is not documented"
        cells = [c.strip() for c in row.split("|")]
        assert cells[2] == metric.type.value, metric.name
        assert cells[3] == (metric.unit.value or "–"), metric.name
