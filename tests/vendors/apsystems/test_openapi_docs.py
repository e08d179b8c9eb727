"""docs/metrics.md lists every OpenAPI metric exactly as the code declares it."""

from __future__ import annotations

from solar2prom.core import metrics as core
from solar2prom.core.model import Metric
from solar2prom.sources.apsystems.openapi import catalog
from solar2prom.sources.apsystems.openapi.parse import (
    BatchPower,
    EcuDay,
    Energies,
    MeterDay,
    SystemDetails,
)
from tests.docs_tables import documented, section


def test_the_openapi_table_matches_the_code() -> None:
    expected = {
        m.name: (m.type.value, m.unit.value or "–", m.labels) for m in catalog.vendor_metrics()
    }
    assert documented("APsystems OpenAPI", "apsystems_openapi_") == expected


def test_the_core_metrics_fed_are_documented() -> None:
    latest = catalog.Latest(
        details=SystemDetails("S", "UTC", ("E",), 1.0, 1),
        summary=Energies(1.0, 1.0, 1.0, 1.0),
        ecus={"E": EcuDay(1.0, 1.0, 1.0, 1.0, 1.0)},
        batches={"E": BatchPower(1.0, {("U", "1"): 1.0})},
        meters={"E": MeterDay(1.0, dict.fromkeys(("consumed", "imported_exported"), 1.0),
                              {"consumed": 1.0})},
        meter_totals={"E": dict.fromkeys(("consumed", "imported", "exported"), 1.0)},
    )  # fmt: skip
    fed = {r.metric.name for r in catalog.readings("S", latest)}
    fed |= {core.SITE_INFO.name, core.DEVICE_INFO.name}
    core_names = {m.name for m in vars(core).values() if isinstance(m, Metric)}
    fed &= core_names
    assert len(fed) == 13
    text = section("APsystems OpenAPI")
    assert not [name for name in fed if f"| `{name}` |" not in text]
