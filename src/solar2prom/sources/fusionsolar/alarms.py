"""Alarms (`getAlarmList`, reference §6.9): counts per severity and one info series per alarm.

Series (site scope)::

    fusionsolar_active_alarms{source,site,severity} 2
    fusionsolar_alarm_info{source,site,device,alarm_id,cause_id,name,severity,type} 1
    fusionsolar_alarm_raised_timestamp_seconds{same labels as the info series} 1.7e9

An alarm is active while its status is 1 (not processed), 2 (acknowledged) or 3 (being
handled); 4–6 mean it is cleared.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from solar2prom.core.model import Metric, MetricType, Reading, Scope, Unit
from solar2prom.core.values import Unparsable, parse_number
from solar2prom.sources.fusionsolar.parse import api_rows

SEVERITIES = {1: "critical", 2: "major", 3: "minor", 4: "warning"}
TYPES = {
    1: "transposition signal",
    2: "exception alarm",
    3: "protection event",
    4: "notification status",
    5: "alarm info",
}
ACTIVE_STATUSES = frozenset({1, 2, 3})
_ALARM_LABELS = ("device", "alarm_id", "cause_id", "name", "severity", "type")

ACTIVE_ALARMS = Metric(
    "fusionsolar_active_alarms",
    "Alarms not cleared yet (status not processed, acknowledged or being handled).",
    MetricType.GAUGE,
    Unit.COUNT,
    Scope.SITE,
    ("severity",),
)
ALARM_INFO = Metric(
    "fusionsolar_alarm_info",
    "One series per active alarm; value 1. device is the device name the vendor gives.",
    MetricType.GAUGE,
    Unit.NONE,
    Scope.SITE,
    _ALARM_LABELS,
)
ALARM_RAISED = Metric(
    "fusionsolar_alarm_raised_timestamp_seconds",
    "When the active alarm was raised.",
    MetricType.GAUGE,
    Unit.SECONDS,
    Scope.SITE,
    _ALARM_LABELS,
)
ALARM_METRICS = (ACTIVE_ALARMS, ALARM_INFO, ALARM_RAISED)


def _int(raw: object) -> int | None:
    try:
        value = parse_number(raw)
    except Unparsable:
        return None
    return int(value) if value is not None and math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Alarm:
    site: str
    device: str
    alarm_id: str
    cause_id: str
    name: str
    severity: str
    type: str
    status: int | None
    raised: float | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Alarm:
        raised = _int(data.get("raiseTime"))
        level = _int(data.get("lev"))
        kind = _int(data.get("alarmType"))
        return cls(
            site=str(data.get("stationCode") or ""),
            device=str(data.get("devName") or data.get("esnCode") or ""),
            alarm_id=str(data.get("alarmId") or ""),
            cause_id=str(data.get("causeId") or ""),
            name=str(data.get("alarmName") or ""),
            severity=SEVERITIES.get(level or 0, "unknown"),
            type=TYPES.get(kind or 0, "unknown"),
            status=_int(data.get("status")),
            raised=raised / 1000.0 if raised is not None else None,
        )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def describe(self) -> str:
        return f"{self.severity} alarm on {self.device or self.site}: {self.name}"


def parse_alarms(data: Any) -> list[Alarm]:
    return [Alarm.from_api(a) for a in api_rows(data)]


def alarm_readings(sites: Sequence[str], alarms: Iterable[Alarm]) -> tuple[Reading, ...]:
    """Counts per severity for every plant asked about (0 is a real count here), and one
    info and one raise-time series per active alarm."""
    active = [a for a in alarms if a.active and a.site in sites]
    readings = [
        Reading(
            ACTIVE_ALARMS,
            float(sum(1 for a in active if a.site == site and a.severity == severity)),
            site,
            labels=(severity,),
        )
        for site in sites
        for severity in SEVERITIES.values()
    ]
    for alarm in active:
        labels = (
            alarm.device,
            alarm.alarm_id,
            alarm.cause_id,
            alarm.name,
            alarm.severity,
            alarm.type,
        )
        readings.append(Reading(ALARM_INFO, 1.0, alarm.site, labels=labels))
        if alarm.raised is not None:
            readings.append(Reading(ALARM_RAISED, alarm.raised, alarm.site, labels=labels))
    return tuple(readings)
