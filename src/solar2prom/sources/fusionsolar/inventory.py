"""The account's plants and devices, fetched at most daily and cached on disk.

The list interfaces have small daily budgets (`getStationList` 24, `getDevList` k+24), so a
restart reuses a cache younger than the refresh period instead of spending them again. The
cache holds the vendor's raw items and is parsed like a fresh answer; a cache written for
another URL or user is ignored.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solar2prom.core.files import read_state, write_atomic
from solar2prom.sources.fusionsolar.parse import DeviceInfo, Plant

log = logging.getLogger(__name__)

CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Inventory:
    fetched_at: float
    plants: tuple[Plant, ...]
    devices: tuple[DeviceInfo, ...]
    raw_plants: tuple[Mapping[str, Any], ...]
    raw_devices: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_raw(
        cls,
        fetched_at: float,
        raw_plants: Sequence[Mapping[str, Any]],
        raw_devices: Sequence[Mapping[str, Any]],
    ) -> Inventory:
        plants = tuple(Plant.from_api(p) for p in raw_plants)
        codes = {p.code for p in plants}
        devices: list[DeviceInfo] = []
        for raw in raw_devices:
            try:
                device = DeviceInfo.from_api(raw)
            except ValueError as exc:
                log.warning("leaving out an item of the device list: %s", exc)
                continue
            if device.station_code in codes:
                devices.append(device)
        return cls(fetched_at, plants, tuple(devices), tuple(raw_plants), tuple(raw_devices))

    def devices_by_type(self) -> Counter[int]:
        return Counter(d.type_id for d in self.devices)


class InventoryCache:
    def __init__(self, path: Path, owner: str) -> None:
        self.path = path
        self.owner = owner  # URL and user: a cache of another account must not be used

    def load(self) -> Inventory | None:
        def build(raw: Any) -> Inventory | None:
            if raw.get("version") != CACHE_VERSION or raw.get("owner") != self.owner:
                return None
            return Inventory.from_raw(float(raw["fetched_at"]), raw["plants"], raw["devices"])

        return read_state(self.path, "inventory cache", build)

    def save(self, inventory: Inventory) -> None:
        data = {
            "version": CACHE_VERSION,
            "owner": self.owner,
            "fetched_at": inventory.fetched_at,
            "plants": list(inventory.raw_plants),
            "devices": list(inventory.raw_devices),
        }
        write_atomic(self.path, json.dumps(data).encode())
