"""What every interface looks up: plants by code, devices by ID or serial, each plant's timeline.

It also parses the request parameters the interfaces share, answering the first failure as the
failure body: plant lists (empty 20010, too many, none bound 20007), the device type (20013
outside the interface's types, 401 outside `granted_types`) and device lists (empty 20005, too
many, another type 20006, none found 20008) and time spans (missing 20012, not an integer
30030, start after end 20023).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from solar2prom.sim.fusionsolar.config import FusionSolarSimConfig
from solar2prom.sim.fusionsolar.envelope import Body, failure
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, Inventory, PlantSpec
from solar2prom.sim.fusionsolar.timeline import PlantTimeline

MAX_PER_QUERY = 100


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def csv(value: object) -> list[str]:
    """Comma-separated request list, blanks dropped, duplicates once, order kept."""
    if not isinstance(value, str):
        return []
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def time_span(body: Body, start_key: str, end_key: str, now: float) -> tuple[int, int] | Body:
    """A request's (start, end) in ms: both required (20012), integers (30030), ordered (20023)."""
    raw = body.get(start_key), body.get(end_key)
    if any(value in (None, "") for value in raw):
        return failure(20012, body, now)
    start, end = (as_int(value) for value in raw)
    if start is None or end is None:
        return failure(30030, body, now)
    if start > end:
        return failure(20023, body, now)
    return start, end


@dataclass(frozen=True)
class DeviceLimit:
    """How many devices one call may name, and the failCode for more (by ID, by serial)."""

    most: int
    too_many_ids: int
    too_many_sns: int


# The real-time and device KPI interfaces: up to 100 devices a call.
DEVICES_PER_QUERY = DeviceLimit(most=MAX_PER_QUERY, too_many_ids=20016, too_many_sns=20017)


class Directory:
    def __init__(self, config: FusionSolarSimConfig, inventory: Inventory, created: float) -> None:
        self.config = config
        self.plants = inventory.plants
        self._created = created
        self._plants_by_code = {p.code: p for p in inventory.plants}
        self._devices_by_id = {d.dev_id: d for d in inventory.devices}
        self._devices_by_sn = {d.esn: d for d in inventory.devices if d.esn}
        self._devices_of: list[list[DeviceSpec]] = [[] for _ in inventory.plants]
        for dev in inventory.devices:
            self._devices_of[dev.plant].append(dev)
        self._timelines: dict[int, PlantTimeline] = {}

    def devices_of(self, plant: PlantSpec) -> list[DeviceSpec]:
        return self._devices_of[plant.index]

    def timeline(self, index: int) -> PlantTimeline:
        """The plant's timeline, built on first use (from the creation time, so always alike)."""
        timeline = self._timelines.get(index)
        if timeline is None:
            timeline = self._timelines[index] = PlantTimeline(
                self.plants[index],
                self._devices_of[index],
                self._created,
                self.config.sample_period,
                self.config.history_days,
            )
        return timeline

    def requested_plants(self, body: Body, too_many: int, now: float) -> list[PlantSpec] | Body:
        codes = csv(body.get("stationCodes"))
        if not codes:
            return failure(20010, body, now)
        if len(codes) > MAX_PER_QUERY:
            return failure(too_many, body, now)
        plants = [self._plants_by_code[code] for code in codes if code in self._plants_by_code]
        return plants or failure(20007, body, now)

    def requested_devices(
        self,
        body: Body,
        accepted: Collection[int],
        limit: DeviceLimit,
        now: float,
        by_serial: bool = True,
    ) -> list[DeviceSpec] | Body:
        """The devices of one type a request names, `accepted` being the interface's types."""
        type_id = as_int(body.get("devTypeId"))
        if type_id is None or type_id not in accepted:
            return failure(20013, body, now)
        granted = self.config.granted_types
        if granted is not None and type_id not in granted:
            return failure(401, body, now)
        ids, sns = csv(body.get("devIds")), csv(body.get("sns")) if by_serial else []
        find: Callable[[str], DeviceSpec | None]
        if ids:
            keys, too_many, find = ids, limit.too_many_ids, self._device_by_id
        elif sns:
            keys, too_many, find = sns, limit.too_many_sns, self._devices_by_sn.get
        else:
            return failure(20005, body, now)
        if len(keys) > limit.most:
            return failure(too_many, body, now)
        devices = [dev for dev in map(find, keys) if dev is not None]
        if any(d.type_id != type_id for d in devices):
            return failure(20006, body, now)
        return devices or failure(20008, body, now)

    def _device_by_id(self, key: str) -> DeviceSpec | None:
        dev_id = as_int(key)
        return None if dev_id is None else self._devices_by_id.get(dev_id)
