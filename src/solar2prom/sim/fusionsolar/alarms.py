"""`getAlarmList`: the alarms the inverters raised and cleared, the same for every request.

Each inverter draws its alarms for a local day from a generator seeded with the device and
the day: how many (Poisson, `alarm_rate` a day on average), which kind (`alarm_kinds`), when
within the kind's hours, for how long, and whether someone acknowledges it meanwhile. An alarm
exists from its `raiseTime` on; its `status` then depends only on the time of the request:
1 active, 2 acknowledged, and once over 6 cleared by the device or 5 cleared by a user. The
alarms do not act on the physics: production goes on during a simulated grid loss.

Request checks in order: `stationCodes` (empty 20010, more than 100 20014, none bound 20007),
`beginTime` / `endTime` in ms (missing 20012, not integers 30030, begin after end 20023, a span
over 31 days 20027, a begin older than 365 days 20026: the reference leaves open whether these
two apply here, the simulator takes the stricter reading), `language` (missing 20024, not one
of the ten documented 20025; every language answers in English), then the optional CSV filters
`status`, `levels`, `devTypes`, `types` (integers, else 30030) and `devName` (exact name).

Rows: alarms raised within [beginTime, endTime] and not after now, newest first.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.alarm_kinds import (
    ACKNOWLEDGED,
    ACTIVE,
    CLEARED_BY_DEVICE,
    CLEARED_BY_USER,
    KINDS,
    LANGUAGES,
    AlarmKind,
)
from solar2prom.sim.fusionsolar.directory import Directory, as_int, csv, time_span
from solar2prom.sim.fusionsolar.envelope import Body, failure, millis, success
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec
from solar2prom.sim.fusionsolar.periods import DAY, HOUR, day_start, local_day

MAX_SPAN_MS = 31 * 86_400_000
MAX_AGE_MS = 365 * 86_400_000
_ACKNOWLEDGED_SHARE = 0.3
_FILTERS = {"status": "status", "levels": "lev", "devTypes": "devTypeId", "types": "alarmType"}


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    device: DeviceSpec
    cause_id: int
    raised: float
    cleared: float
    acknowledged: float | None

    def status(self, now: float) -> int:
        if now < self.cleared:
            acknowledged = self.acknowledged is not None and self.acknowledged <= now
            return ACKNOWLEDGED if acknowledged else ACTIVE
        return CLEARED_BY_USER if self.kind.cleared_by_user else CLEARED_BY_DEVICE


def raised_on(dev: DeviceSpec, plant: PlantSpec, day: int, rate: float, meter: bool) -> list[Alarm]:
    """The alarms `dev` raises on local `day`."""
    rng = random.Random(dev.seed * 100_003 + day)
    kinds = [kind for kind in KINDS if meter or not kind.needs_meter]
    weights = [kind.weight for kind in kinds]
    alarms = []
    for _ in range(_poisson(rng, rate)):
        kind = rng.choices(kinds, weights)[0]
        earliest, latest = kind.hours
        raised = round(day_start(day, plant.utc_offset_s) + rng.uniform(earliest, latest) * HOUR)
        shortest, longest = kind.minutes
        seconds = 60.0 * math.exp(rng.uniform(math.log(shortest), math.log(longest)))
        delay = rng.uniform(0.2, 0.8) * seconds
        acknowledged = raised + delay if rng.random() < _ACKNOWLEDGED_SHARE else None
        strings = max(1, len(dev.string_weights))
        cause = rng.randint(1, strings) if kind.per_string else 1
        alarms.append(Alarm(kind, dev, cause, raised, raised + seconds, acknowledged))
    return alarms


def _poisson(rng: random.Random, mean: float) -> int:
    count, product, limit = 0, rng.random(), math.exp(-mean)
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class AlarmApi:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def alarm_list(self, body: Body, now: float) -> Body:
        plants = self.directory.requested_plants(body, 20014, now)
        if isinstance(plants, dict):
            return plants
        span = time_span(body, "beginTime", "endTime", now)
        if isinstance(span, dict):
            return span
        begin, end = span
        if end - begin > MAX_SPAN_MS:
            return failure(20027, body, now)
        if begin < millis(now) - MAX_AGE_MS:
            return failure(20026, body, now)
        language = body.get("language")
        if language in (None, ""):
            return failure(20024, body, now)
        if language not in LANGUAGES:
            return failure(20025, body, now)
        filters = _filters(body)
        if filters is None:
            return failure(30030, body, now)
        wanted_name = body.get("devName") or None
        rows = []
        for plant in plants:
            for alarm in self._alarms(plant, begin / 1000.0, min(end / 1000.0, now)):
                row = _row(plant, alarm, now)
                if all(row[key] in values for key, values in filters.items()) and (
                    wanted_name is None or row["devName"] == wanted_name
                ):
                    rows.append(row)
        rows.sort(key=lambda row: row["raiseTime"], reverse=True)
        return success(rows, body, now)

    def _alarms(self, plant: PlantSpec, begin: float, end: float) -> list[Alarm]:
        devices = self.directory.devices_of(plant)
        meter = any(d.type_id in c.METER_TYPES for d in devices)
        offset = plant.utc_offset_s
        first = max(local_day(begin, offset), local_day(plant.grid_connected + DAY, offset))
        rate = self.directory.config.alarm_rate
        return [
            alarm
            for dev in devices
            if dev.type_id in c.INVERTER_TYPES
            for day in range(first, local_day(end, offset) + 1)
            for alarm in raised_on(dev, plant, day, rate, meter)
            if begin <= alarm.raised <= end
        ]


def _filters(body: Body) -> dict[str, set[int]] | None:
    """The integer filters present in the request by row key; None if one is not integers."""
    filters = {}
    for param, key in _FILTERS.items():
        values = csv(body.get(param))
        if not values:
            continue
        numbers = {as_int(value) for value in values}
        if None in numbers:
            return None
        filters[key] = {n for n in numbers if n is not None}
    return filters


def _row(plant: PlantSpec, alarm: Alarm, now: float) -> Body:
    kind, dev = alarm.kind, alarm.device
    return {
        "stationCode": plant.code,
        "stationName": plant.name,
        "alarmId": kind.alarm_id,
        "alarmName": kind.name,
        "alarmCause": kind.cause,
        "causeId": alarm.cause_id,
        "alarmType": kind.alarm_type,
        "devName": dev.name,
        "esnCode": dev.esn,
        "devTypeId": dev.type_id,
        "lev": kind.level,
        "status": alarm.status(now),
        "raiseTime": millis(alarm.raised),
        "repairSuggestion": kind.suggestion,
    }
