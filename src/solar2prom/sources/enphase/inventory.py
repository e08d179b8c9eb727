"""The device flags of `/inventory.json`, which pyenphase does not model.

`/inventory.json?deleted=1` lists every device the gateway knows, by type — `PCU`
(micro-inverters), `ACB` (AC Batteries), `NSRB` (IQ Relays), `ESUB` (IQ System Controllers) —
with the flags the vendor's own tools show: provisioned, communicating, producing, operating.
`deleted=1` also lists decommissioned devices (`admin_state` 0), which are left out here, as
pyenphase does for the same request. The request goes through the adapter (`get_json`): the
same session and authentication as pyenphase's, and never at the same time as another.
Values are kept as the gateway wrote them: a flag it does not send is None (no series), the
numbers it sends as strings are read as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from solar2prom.core.model import DeviceKind
from solar2prom.core.values import Unparsable, parse_number

ENDPOINT = "/inventory.json?deleted=1"
FLAGS = ("provisioned", "communicating", "producing", "operating")
KINDS = {"PCU": DeviceKind.MICROINVERTER, "ACB": DeviceKind.BATTERY}
NAMES = {
    "PCU": "micro-inverter",
    "ACB": "AC Battery",
    "NSRB": "IQ Relay",
    "ESUB": "IQ System Controller",
}


@dataclass(frozen=True, slots=True)
class InventoryDevice:
    serial: str
    type: str
    part_number: str = ""
    firmware: str = ""
    last_report: float | None = None
    flags: Mapping[str, bool] = field(default_factory=dict)

    @property
    def kind(self) -> DeviceKind:
        return KINDS.get(self.type, DeviceKind.OTHER)

    @property
    def name(self) -> str:
        return NAMES.get(self.type, self.type)


def _number(raw: object) -> float | None:
    try:
        return parse_number(raw)
    except Unparsable:
        return None


def parse_inventory(body: Any) -> list[InventoryDevice]:
    """The active devices of an `/inventory.json` answer; anything malformed is skipped."""
    devices: list[InventoryDevice] = []
    for group in body if isinstance(body, list) else []:
        if not isinstance(group, dict):
            continue
        kind = str(group.get("type", ""))
        listed = group.get("devices")
        for raw in listed if isinstance(listed, list) else []:
            if not isinstance(raw, dict) or raw.get("admin_state") == 0:
                continue
            serial = str(raw.get("serial_num") or "").strip()
            if not serial:
                continue
            devices.append(
                InventoryDevice(
                    serial=serial,
                    type=kind,
                    part_number=str(raw.get("part_num") or ""),
                    firmware=str(raw.get("img_pnum_running") or ""),
                    last_report=_number(raw.get("last_rpt_date")),
                    flags={f: raw[f] for f in FLAGS if isinstance(raw.get(f), bool)},
                )
            )
    return devices
