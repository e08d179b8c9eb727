"""The catalog against the SmartPVMS 24.2.0 reference: every data item of every list is mapped."""

from __future__ import annotations

import re

import pytest

from solar2prom.core.model import Metric, MetricType, Unit
from solar2prom.sources.fusionsolar import catalog, states
from tests.vendors.fusionsolar import seed

SEED_TYPES = {1, 38, 10, 17, 47, 39, 41, 60001, 60003, 60043, 60044, 60092, 60014, 60010}


@pytest.mark.parametrize("heading", [seed.REAL_TIME, seed.HISTORY])
def test_every_seed_device_key_is_in_the_catalog(heading: str) -> None:
    tables = seed.device_keys(heading)
    assert set(tables) <= SEED_TYPES
    for type_id, keys in tables.items():
        assert keys, type_id
        missing = set(keys) - set(catalog.DEVICE_TYPES[type_id].items)
        assert not missing, f"type {type_id} ({heading}): {sorted(missing)}"


def test_the_catalog_has_every_seed_type_and_no_invented_key() -> None:
    real_time = seed.device_keys(seed.REAL_TIME)
    history = seed.device_keys(seed.HISTORY)
    assert set(real_time) == SEED_TYPES == set(catalog.DEVICE_TYPES)
    for type_id, device_type in catalog.DEVICE_TYPES.items():
        documented = set(real_time[type_id]) | set(history.get(type_id, []))
        assert set(device_type.items) == documented, type_id


def test_every_plant_key_is_in_the_catalog() -> None:
    assert set(seed.plant_keys()) == set(catalog.PLANT_ITEMS)


def test_inverter_state_table_matches_the_seed() -> None:
    def normal(words: str) -> str:
        # The document writes cosψ in one copy of the table and cosφ in the other.
        return words.replace("...", "").replace("cosψ", "cosφ")

    documented = {code: normal(words) for code, words in seed.inverter_states().items()}
    assert dict(states.INVERTER_STATE.states) == documented
    assert set(states.INVERTER_STATE.groups or {}) == set(documented)


def test_numbered_families_are_one_metric_with_a_label() -> None:
    items = catalog.DEVICE_TYPES[1].items
    assert {items[f"pv{n}_u"].metric.name for n in range(1, 29)} == {
        "fusionsolar_inverter_pv_voltage_volts"
    }
    assert [items[f"pv{n}_i"].labels for n in (1, 28)] == [("1",), ("28",)]
    assert items["mppt_7_cap"].labels == ("7",)
    assert items["mppt_7_cap"].metric.labels == ("mppt",)
    assert [items[k].labels for k in ("a_u", "b_u", "c_u")] == [("a",), ("b",), ("c",)]
    assert [items[k].labels for k in ("ab_u", "bc_u", "ca_u")] == [("ab",), ("bc",), ("ca",)]
    assert catalog.DEVICE_TYPES[47].items["meter_u"] == catalog.DEVICE_TYPES[17].items["a_u"]
    assert catalog.DEVICE_TYPES[47].items["meter_i"] == catalog.DEVICE_TYPES[17].items["a_i"]
    tou = catalog.DEVICE_TYPES[17].items["reverse_active_valley"]
    assert (tou.metric.labels, tou.labels) == (("direction", "period"), ("negative", "off_peak"))


def test_no_series_is_claimed_by_two_keys_of_one_type() -> None:
    for device_type in catalog.DEVICE_TYPES.values():
        series = [(i.metric.name, i.labels) for i in device_type.items.values()]
        assert len(series) == len(set(series)), device_type.type_id


def test_each_series_has_all_its_labels() -> None:
    for item in catalog.all_items():
        if item.metric.labels != ("currency",):
            assert len(item.labels) == len(item.metric.labels), item.metric.name


def test_metric_names_follow_the_conventions() -> None:
    metrics = catalog.vendor_metrics()
    names = [m.name for m in metrics]
    assert len(names) == len(set(names))
    for metric in metrics:
        assert re.fullmatch(r"fusionsolar_[a-z0-9_]+", metric.name)
        stem = metric.name.removesuffix("_total")
        if metric.unit is not Unit.NONE:
            assert stem.endswith(f"_{metric.unit.value}"), metric.name
        assert not re.search(r"_(kw|kwh|wh|percent|milliseconds|hours)(_|$)", metric.name)
        assert (metric.type is MetricType.COUNTER) == metric.name.endswith("_total")
    # A metric name is used with one meaning only: same type, unit and labels everywhere.
    by_name: dict[str, Metric] = {}
    for item in catalog.all_items():
        assert by_name.setdefault(item.metric.name, item.metric) == item.metric


def test_lifetime_energies_are_counters_and_today_values_gauges() -> None:
    inverter = catalog.DEVICE_TYPES[1].items
    assert inverter["total_cap"].metric.type is MetricType.COUNTER
    assert inverter["mppt_3_cap"].metric.type is MetricType.COUNTER
    assert inverter["day_cap"].metric.type is MetricType.GAUGE
    assert catalog.PLANT_ITEMS["month_power"].metric.type is MetricType.GAUGE
    assert catalog.PLANT_ITEMS["total_power"].metric.type is MetricType.COUNTER


def test_unit_scales() -> None:
    inverter = catalog.DEVICE_TYPES[1].items
    assert inverter["active_power"].scale == 1000.0
    assert inverter["reactive_power"].scale == 1000.0
    assert inverter["total_cap"].scale == 3.6e6
    assert inverter["efficiency"].scale == 0.01
    assert inverter["open_time"].scale == 0.001
    assert catalog.DEVICE_TYPES[10].items["radiant_total"].scale == 1e6
    assert catalog.DEVICE_TYPES[17].items["forward_reactive_cap"].metric.unit is Unit.VAR_SECONDS
    assert catalog.DEVICE_TYPES[17].items["total_apparent_power"].scale == 1000.0
    assert catalog.DEVICE_TYPES[47].items["reactive_power"].scale == 1.0  # documented var


def test_device_kinds() -> None:
    assert catalog.device_kind(1) == catalog.device_kind(38) == "inverter"
    assert catalog.device_kind(47) == "meter"
    assert catalog.device_kind(39) == "battery"
    assert catalog.device_kind(62) == "gateway"
    assert catalog.device_kind(23070) == "other"
