"""Identifiers, topic levels and entity names, all derived from stable inputs.

Source names, vendor IDs and metric names do not change between restarts, so neither do the
unique IDs and topics made from them: Home Assistant keeps its entities and their history.
"""

from __future__ import annotations

import hashlib
import re

from solar2prom.core.model import Metric, MetricType
from solar2prom.outputs.mqtt.entities import Kind

_NOT_ID = re.compile(r"[^a-zA-Z0-9_-]+")
_NOT_TOPIC = re.compile(r"[/+#\s\x00]+")
# Written in capitals in entity names.
_ACRONYMS = frozenset({"ac", "dc", "pv", "mppt", "emi", "ct", "ecu", "ess", "ez1", "soc", "soh"})


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:8]


def _safe(raw: str, pattern: re.Pattern[str]) -> str:
    cleaned = pattern.sub("_", raw).strip("_")
    # Two raw values that clean to the same text must not share an ID: the digest of the raw
    # value keeps them apart, and is the same on every run.
    return cleaned if cleaned == raw and raw else f"{cleaned}_{_digest(raw)}".lstrip("_")


def object_id(*parts: str) -> str:
    """An ID Home Assistant accepts in a discovery topic: `[a-zA-Z0-9_-]+`."""
    return _safe("_".join(parts), _NOT_ID)


def topic_level(raw: str) -> str:
    """A vendor ID as one topic level: kept as it is unless it holds `/`, `+`, `#` or spaces."""
    return _safe(raw, _NOT_TOPIC)


def state_key(metric: Metric, labels: tuple[tuple[str, str], ...], kind: Kind) -> str:
    """The last topic level and component ID of a series: the metric name in the published
    unit, then `-label-value` for each of its labels (metric names never hold a `-`)."""
    name = metric.name
    counter = metric.type is MetricType.COUNTER
    if counter:
        name = name.removesuffix("_total")
    si_unit = f"_{metric.unit.value}"
    if kind.timestamp:
        name = name.removesuffix("_seconds")
    elif kind.topic_unit and name.endswith(si_unit):
        name = name.removesuffix(si_unit) + f"_{kind.topic_unit}"
    if counter:
        name += "_total"
    for label, value in labels:
        name += f"-{label}-{object_id(value) if value else 'none'}"
    return name


def entity_name(
    metric: Metric, prefixes: tuple[str, ...], labels: tuple[tuple[str, str], ...]
) -> str:
    """`fusionsolar_inverter_pv_voltage_volts{string="3"}` -> "Inverter PV voltage string 3".

    The first matching prefix is dropped (the device already says which vendor and device it
    is; Home Assistant shows the device name in front), as are the unit and `_total`.
    """
    base = metric.name.removesuffix("_total").removesuffix("_info")
    unit = metric.unit.value
    if unit and base.endswith(f"_{unit}"):
        base = base.removesuffix(f"_{unit}")
    for prefix in prefixes:
        if base.startswith(prefix) and len(base) > len(prefix):
            base = base.removeprefix(prefix)
            break
    words = [w.upper() if w in _ACRONYMS else w for w in base.split("_") if w]
    words += [f"{label} {value}" for label, value in labels]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
