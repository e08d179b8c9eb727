"""The system's details and device list, cached on disk: every call costs monthly quota.

`details` (time zone, ECUs, status light) is asked again once a local day, the device list
(`inverters`: ECUs with their type and inverters) every `inventory_refresh`. A restart reuses
a cache written for the same service, account and system; anything else is ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from solar2prom.core.files import read_state, write_atomic
from solar2prom.sources.apsystems.openapi.parse import Ecu, SystemDetails

log = logging.getLogger(__name__)

CACHE_VERSION = 1


@dataclass(frozen=True)
class Inventory:
    details_at: float
    devices_at: float
    raw_details: Mapping[str, Any]
    raw_devices: Sequence[Mapping[str, Any]]

    @cached_property
    def details(self) -> SystemDetails:
        return SystemDetails.from_api(self.raw_details)

    @cached_property
    def ecus(self) -> tuple[Ecu, ...]:
        return tuple(Ecu.from_api(e) for e in self.raw_devices)

    def with_details(self, raw: Mapping[str, Any], at: float) -> Inventory:
        return replace(self, raw_details=raw, details_at=at)


class InventoryCache:
    def __init__(self, path: Path, owner: str) -> None:
        self.path = path
        self.owner = owner

    def load(self) -> Inventory | None:
        def build(raw: Any) -> Inventory | None:
            if raw.get("version") != CACHE_VERSION or raw.get("owner") != self.owner:
                return None
            details, devices = raw["details"], raw["devices"]
            if not isinstance(details, dict) or not isinstance(devices, list):
                raise TypeError("details must be an object and devices a list")
            return Inventory(float(raw["details_at"]), float(raw["devices_at"]), details, devices)

        return read_state(self.path, "inventory cache", build)

    def save(self, inventory: Inventory) -> None:
        data = {
            "version": CACHE_VERSION,
            "owner": self.owner,
            "details_at": inventory.details_at,
            "devices_at": inventory.devices_at,
            "details": dict(inventory.raw_details),
            "devices": list(inventory.raw_devices),
        }
        write_atomic(self.path, json.dumps(data).encode())
