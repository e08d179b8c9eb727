"""Where docs/home-assistant.md says each reading is published ("State topics")."""

from __future__ import annotations

from solar2prom.core.model import MetricType, Reading, Scope, Unit
from solar2prom.outputs.mqtt.naming import topic_level

# The published unit where Home Assistant wants another one than ours; it names the topic.
RENAMED = {
    Unit.JOULES: "kwh",
    Unit.RATIO: "percent",
    Unit.VAR_SECONDS: "kvarh",
    Unit.JOULES_PER_SQUARE_METER: "kwh_per_square_meter",
}


def expected_topic(reading: Reading, source: str, base: str = "solar2prom") -> str:
    metric = reading.metric
    name = metric.name.removesuffix("_total")
    if metric.unit is Unit.SECONDS and name.endswith("_timestamp_seconds"):
        name = name.removesuffix("_seconds")
    elif metric.unit in RENAMED:
        name = name.removesuffix(f"_{metric.unit.value}") + f"_{RENAMED[metric.unit]}"
    if metric.type is MetricType.COUNTER:
        name += "_total"
    for label, value in zip(metric.labels, reading.labels, strict=True):
        if label != "currency":
            name += f"-{label}-{value}"
    levels = [base, source]
    if metric.scope in (Scope.SITE, Scope.DEVICE):
        levels.append(topic_level(reading.site))
    if metric.scope is Scope.DEVICE:
        levels.append(topic_level(reading.device))
    return "/".join([*levels, name])
