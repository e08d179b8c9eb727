"""docs/metrics.md lists every EMA metric exactly as the code declares it."""

from __future__ import annotations

from solar2prom.core import metrics as core
from solar2prom.core.model import Metric
from solar2prom.sources.apsystems.ema import catalog
from solar2prom.sources.apsystems.ema.compat import compat_metrics
from solar2prom.sources.apsystems.ema.parse import DaySeries
from tests.docs_tables import documented, section


def test_the_ema_tables_match_the_code() -> None:
    declared = (*compat_metrics(), *catalog.vendor_metrics())
    expected = {m.name: (m.type.value, m.unit.value or "–", m.labels) for m in declared}
    assert documented("APsystems EMA", "ap") == expected


def test_the_core_metrics_fed_are_documented() -> None:
    day = DaySeries((1.0,), (1.0,), (1.0,), 1.0, 1.0)
    readings = [*catalog.day_readings("S", day), *catalog.lifetime_readings("S", 1.0)]
    readings += catalog.panel_readings("S", {"p": 1.0}, 1.0)
    core_names = {m.name for m in vars(core).values() if isinstance(m, Metric)}
    fed = {r.metric.name for r in readings} & core_names
    fed |= {core.SITE_INFO.name, core.DEVICE_INFO.name}
    assert len(fed) == 6
    text = section("APsystems EMA")
    assert not [name for name in fed if f"| `{name}` |" not in text]
