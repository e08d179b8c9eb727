"""docs/metrics.md lists every FusionSolar metric exactly as the catalog declares it."""

from __future__ import annotations

from solar2prom.core.model import Metric
from solar2prom.sources.fusionsolar import alarms, catalog, kpi
from solar2prom.sources.fusionsolar.aggregate import site_readings
from solar2prom.sources.fusionsolar.parse import (
    DeviceInfo,
    Plant,
    device_readings,
    station_readings,
)
from tests.docs_tables import documented, section


def vendor_metrics() -> tuple[Metric, ...]:
    return (*catalog.vendor_metrics(), *kpi.kpi_metrics(), *alarms.ALARM_METRICS)


def test_every_catalog_metric_is_in_the_docs() -> None:
    text = section("FusionSolar")
    missing = [m.name for m in vendor_metrics() if f"`{m.name}`" not in text]
    assert not missing


def test_the_metric_table_matches_the_catalog() -> None:
    expected = {m.name: (m.type.value, m.unit.value or "–", m.labels) for m in vendor_metrics()}
    assert documented("FusionSolar", "fusionsolar_") == expected


def test_the_core_metrics_fed_are_documented() -> None:
    plant = Plant("NE=1")
    devices = [
        DeviceInfo(id=str(type_id), type_id=type_id, station_code=plant.code)
        for type_id in catalog.DEVICE_TYPES
    ]
    everything = dict.fromkeys((key for t in catalog.DEVICE_TYPES.values() for key in t.items), 1)
    parsed = [(d, device_readings(d, everything)) for d in devices]
    fed = {r.metric.name for _, p in parsed for r in p.readings}
    fed |= {r.metric.name for r in site_readings(plant, parsed)}
    kpis = dict.fromkeys(catalog.PLANT_ITEMS, 1)
    fed |= {r.metric.name for r in station_readings(plant, kpis, currency="").readings}
    fed = {name for name in fed if name.startswith("solar_")}
    # Every core metric of SPEC §6.1 but the info series and the consumption energies.
    assert len(fed) == 13
    text = section("FusionSolar")
    assert not [name for name in fed if f"`{name}`" not in text]
