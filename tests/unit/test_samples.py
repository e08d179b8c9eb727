"""Which readings of a snapshot are new samples for history, and the labels of their series."""

from solar2prom.core import metrics as m
from solar2prom.core.model import Metric, Reading, Scope, Snapshot
from solar2prom.core.samples import Sample, SampleSelector, series_labels

STRING_VOLTAGE = Metric("test_pv_voltage_volts", "String voltage.", labels=("string",))
COMPAT = Metric("ap_power", "apsystems2prom's power.", scope=Scope.GLOBAL)


def snap(
    taken_at: float, readings: tuple[Reading, ...], history: tuple[Reading, ...] = ()
) -> Snapshot:
    return Snapshot("roof", "test", taken_at, readings=readings, history=history)


def test_a_reading_object_is_a_sample_once_and_a_new_poll_makes_new_samples() -> None:
    selector = SampleSelector()
    power = Reading(m.DEVICE_POWER, 100.0, "S", "D")
    timed = Reading(m.PRODUCTION_POWER, 5.0, "S", time=1_000.0)
    first = selector.select(snap(2_000.0, (power, timed)))
    assert first == [Sample("roof", power, 2_000.0), Sample("roof", timed, 1_000.0)]
    assert selector.select(snap(2_100.0, (power, timed))) == []
    repolled = Reading(m.DEVICE_POWER, 100.0, "S", "D")
    assert selector.select(snap(2_200.0, (repolled, timed))) == [Sample("roof", repolled, 2_200.0)]


def test_a_new_poll_repeating_the_vendor_sample_is_not_a_new_sample() -> None:
    selector = SampleSelector()
    selector.select(snap(1.0, (Reading(m.PRODUCTION_POWER, 5.0, "S", time=900.0),)))
    same = Reading(m.PRODUCTION_POWER, 5.0, "S", time=900.0)
    assert selector.select(snap(2.0, (same,))) == []
    revised = Reading(m.PRODUCTION_POWER, 6.0, "S", time=900.0)
    assert selector.select(snap(3.0, (revised,))) == [Sample("roof", revised, 900.0)]
    newer = Reading(m.PRODUCTION_POWER, 6.0, "S", time=1200.0)
    assert selector.select(snap(4.0, (newer,))) == [Sample("roof", newer, 1200.0)]


def test_sources_are_tracked_apart() -> None:
    selector = SampleSelector()
    power = Reading(m.DEVICE_POWER, 1.0, "S", "D")
    selector.select(snap(1.0, (power,)))
    other = Snapshot("garage", "test", 1.0, readings=(power,))
    assert selector.select(other) == [Sample("garage", power, 1.0)]


def test_every_past_sample_with_a_time_is_taken_even_when_seen_before() -> None:
    selector = SampleSelector()
    past = Reading(m.DEVICE_POWER, 7.0, "S", "D", time=500.0)
    untimed = Reading(m.DEVICE_POWER, 8.0, "S", "D")
    expected = [Sample("roof", past, 500.0, past=True)]
    assert selector.select(snap(1.0, (), (past, untimed))) == expected
    assert selector.select(snap(2.0, (), (past,))) == expected


def test_compatibility_copies_and_the_vendor_sample_time_are_not_history() -> None:
    selector = SampleSelector()
    readings = (
        Reading(COMPAT, 1.0),
        Reading(m.DATA_TIMESTAMP, 1_000.0, "S"),
        Reading(m.PRODUCTION_POWER, 2.0, "S"),
    )
    history = (Reading(COMPAT, 1.0, time=5.0),)
    assert [s.reading.metric for s in selector.select(snap(1.0, readings, history))] == [
        m.PRODUCTION_POWER
    ]


def test_series_labels_follow_the_scope_then_the_metric_own_labels() -> None:
    reading = Reading(STRING_VOLTAGE, 1.0, "S", "D", ("3",))
    assert series_labels("roof", reading) == (
        ("source", "roof"),
        ("site", "S"),
        ("device", "D"),
        ("string", "3"),
    )
    assert series_labels("roof", Reading(m.PRODUCTION_POWER, 1.0, "S")) == (
        ("source", "roof"),
        ("site", "S"),
    )
