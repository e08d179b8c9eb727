"""docs/metrics.md lists every Enphase metric exactly as the catalog declares it,
and every core metric the source feeds."""

from __future__ import annotations

from pathlib import Path

from solar2prom.core import metrics as core
from solar2prom.core.model import Metric
from solar2prom.sources.enphase import catalog, parse, source
from tests.docs_tables import documented, section


def test_the_metric_table_matches_the_catalog() -> None:
    expected = {
        m.name: (m.type.value, m.unit.value or "–", m.labels) for m in catalog.vendor_metrics()
    }
    assert documented("Enphase", "enphase_") == expected


def test_every_core_metric_fed_is_documented() -> None:
    code = "".join(Path(module.__file__ or "").read_text() for module in (catalog, parse, source))
    fed = [
        metric.name
        for attribute, metric in vars(core).items()
        if isinstance(metric, Metric) and f"core.{attribute}" in code
    ]
    assert len(fed) >= 15
    core_table = section("Enphase").split("### Vendor detail metrics")[0]
    assert not [name for name in fed if f"`{name}`" not in core_table]
