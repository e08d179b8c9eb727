"""What a capture folder says, read straight from its JSON files — the test's own reading of the
gateway's answers, independent of pyenphase and of the source under test.

Rules (reference §3, §8, §9): a figure comes from the gateway's meter when it has one — the CT
reading when `/ivp/meters` lists an enabled CT of that kind, else the `eim` entry of the
production report (`/production.json?details=1`, else `/production.json`) — and from the
inverter-based `/api/v1/production` otherwise. Day totals of 0 beside a lifetime that is not 0
are not measurements. Values in SI units; `None` means "no series".
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

WH = 3600.0


class Capture:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        info = (folder / "info").read_text()
        self.serial = _tag(info, "sn")
        self.firmware = _tag(info, "software")[1:]

    def body(self, name: str) -> Any:
        """A JSON body the gateway answered 200 for, or None."""
        path = self.folder / name
        log = self.folder / f"{name}_log.json"
        if not path.is_file():
            return None
        if log.is_file() and json.loads(log.read_text()).get("code", 200) != 200:
            return None
        try:
            return json.loads(path.read_text())
        except ValueError:
            return None

    @property
    def tokens(self) -> bool:
        return int(self.firmware.split(".")[0]) >= 7

    # --- the gateway's meters -------------------------------------------------------------------

    @cached_property
    def cts(self) -> dict[str, dict[str, Any]]:
        """Enabled CT kind -> its reading."""
        settings = self.body("ivp_meters") or []
        readings = {r["eid"]: r for r in self.body("ivp_meters_readings") or []}
        return {
            s["measurementType"]: readings[s["eid"]]
            for s in settings
            if s.get("state") == "enabled" and s["eid"] in readings
        }

    @cached_property
    def report(self) -> dict[str, Any]:
        body = self.body("production.json_details_1") or self.body("production.json")
        return body if isinstance(body, dict) else {}

    def eim(self, kind: str) -> dict[str, Any] | None:
        for section in ("production", "consumption"):
            for entry in self.report.get(section, []):
                if entry.get("type") == "eim" and entry.get("measurementType") == kind:
                    return entry if entry.get("activeCount") else None
        return None

    @property
    def v1(self) -> dict[str, Any]:
        body = self.body("api_v1_production")
        return body if isinstance(body, dict) else {}

    # --- core values ----------------------------------------------------------------------------

    def production_power(self) -> float | None:
        if "production" in self.cts:
            watts = self.cts["production"]["activePower"]
        elif (eim := self.eim("production")) is not None:
            watts = eim["wNow"]
        else:
            watts = self.v1.get("wattsNow")
        return None if watts is None else max(0.0, watts)

    def production_energy(self) -> tuple[float | None, float | None]:
        """(today, lifetime) in joules."""
        eim = self.eim("production")
        if eim is not None:
            return _day(eim["whToday"], eim["whLastSevenDays"], eim["whLifetime"])
        v1 = self.v1
        return _day(v1["wattHoursToday"], v1["wattHoursSevenDays"], v1["wattHoursLifetime"])

    def consumption_power(self) -> float | None:
        if "total-consumption" in self.cts:
            return float(self.cts["total-consumption"]["activePower"])
        if "production" in self.cts and "net-consumption" in self.cts:
            return float(
                self.cts["production"]["activePower"] + self.cts["net-consumption"]["activePower"]
            )
        eim = self.eim("total-consumption")
        return None if eim is None else float(eim["wNow"])

    def consumption_energy(self) -> tuple[float | None, float | None]:
        eim = self.eim("total-consumption")
        if eim is None:
            return None, None
        return _day(eim["whToday"], eim["whLastSevenDays"], eim["whLifetime"])

    def grid_power(self) -> float | None:
        if "net-consumption" in self.cts:
            return float(self.cts["net-consumption"]["activePower"])
        eim = self.eim("net-consumption")
        return None if eim is None else float(eim["wNow"])

    def grid_energy(self) -> tuple[float | None, float | None]:
        """(import, export) lifetime joules, from the net-consumption CT."""
        net = self.cts.get("net-consumption")
        if net is None:
            return None, None
        return net["actEnergyDlvd"] * WH, net["actEnergyRcvd"] * WH

    # --- batteries ------------------------------------------------------------------------------

    @cached_property
    def encharges(self) -> dict[str, dict[str, Any]]:
        inventory = self.body("ivp_ensemble_inventory")
        found: dict[str, dict[str, Any]] = {}
        for group in inventory if isinstance(inventory, list) else []:
            if group.get("type") == "ENCHARGE":
                found.update({d["serial_num"]: d for d in group.get("devices", [])})
        return found

    @cached_property
    def encharge_power(self) -> dict[str, float]:
        """Serial -> watts (the endpoint's key really is "devices:")."""
        body = self.body("ivp_ensemble_power") or {}
        return {d["serial_num"]: d["real_power_mw"] / 1000 for d in body.get("devices:", [])}

    @property
    def acb(self) -> dict[str, Any] | None:
        storage = self.report.get("storage") or [{}]
        first = storage[0]
        return first if first.get("activeCount") and "percentFull" in first else None

    def batteries(self) -> int:
        return len(self.encharges) + (self.acb["activeCount"] if self.acb else 0)

    def battery_power(self) -> float | None:
        if not self.batteries():
            return None
        parts = [sum(self.encharge_power.values())] if self.encharges else []
        if self.acb:
            parts.append(self.acb["wNow"])
        return float(sum(parts))

    def battery_soc(self) -> float | None:
        if not self.batteries():
            return None
        secctrl = self.body("ivp_ensemble_secctrl") or {}
        if self.acb and "agg_soc" in secctrl:
            return float(secctrl["agg_soc"]) / 100
        if self.encharges:
            return float(secctrl["ENC_agg_soc"]) / 100
        return float(self.acb["percentFull"]) / 100 if self.acb else None

    # --- devices --------------------------------------------------------------------------------

    def microinverters(self) -> dict[str, tuple[float, float]]:
        """Serial -> (power, max power) in W: per-device data where the gateway gives it for
        every inverter, else the inverter list (`devType` 1, or none on old firmware)."""
        details = self.body("ivp_pdm_device_data")
        if isinstance(details, dict) and details["deviceCount"] < details["deviceDataLimit"]:
            return {
                d["sn"]: (d["channels"][0]["watts"]["now"], d["channels"][0]["watts"]["max"])
                for d in details.values()
                if isinstance(d, dict) and d.get("devName") == "pcu" and d.get("active")
            }
        return {
            i["serialNumber"]: (i["lastReportWatts"], i["maxReportWatts"])
            for i in self.body("api_v1_production_inverters") or []
            if i.get("devType", 1) == 1
        }

    def inventory_flags(self) -> dict[str, dict[str, bool]]:
        """Serial -> flags of every active device in /inventory.json?deleted=1."""
        found: dict[str, dict[str, bool]] = {}
        for group in self.body("inventory.json_deleted_1") or []:
            for device in group.get("devices", []):
                if device.get("admin_state") != 0:
                    found[device["serial_num"]] = {
                        k: v
                        for k, v in device.items()
                        if k in ("provisioned", "communicating", "producing", "operating")
                    }
        return found


def _day(today: float, week: float, lifetime: float) -> tuple[float | None, float | None]:
    """(today, lifetime) joules; a today of 0 beside an unfilled last-7-days is no value."""
    unfilled = bool(lifetime) and not week and not today
    return (None if unfilled else today * WH), lifetime * WH


def _tag(xml: str, name: str) -> str:
    match = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    assert match, name
    return match.group(1).strip()
