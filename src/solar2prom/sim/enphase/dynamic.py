"""The built-in installation's answers, in the shapes the real captures show.

A firmware 8.2 metered IQ Gateway with a production CT and a net-consumption CT on one phase,
micro-inverters with per-device data, and one IQ Battery (Encharge). The bodies carry the
same keys as the captures in tests/data/enphase/, including the firmware's quirks: the
net-consumption "today" and "last seven days" read 0, and the battery power endpoint's key
is `"devices:"`. Endpoints the installation has no device for answer 404.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from solar2prom.sim.enphase.gateway import Answer
from solar2prom.sim.enphase.system import SystemConfig, SystemState

PRODUCTION_EID = 704643328
NET_EID = 704643584
REPORT_PERIOD = 300  # micro-inverters report every 5 minutes, spread over the window
_PCU_EID = 553648384
_POWER_FACTOR = 0.98


class DynamicGateway:
    def __init__(self, config: SystemConfig, start: float) -> None:
        self.config = config
        self.serial = config.serial
        self.firmware = config.firmware
        self.timezone = config.timezone
        self.state = SystemState(config, start)
        self._routes: dict[str, Callable[[float], Any]] = {
            "/production.json": lambda now: self._production_json(now, details=False),
            "/production.json?details=1": lambda now: self._production_json(now, details=True),
            "/production": lambda now: self._production_json(now, details=False),
            "/api/v1/production": self._v1_production,
            "/api/v1/production/inverters": self._v1_inverters,
            "/ivp/pdm/device_data": self._device_data,
            "/ivp/meters": self._meters,
            "/ivp/meters/readings": self._readings,
            "/ivp/ensemble/inventory": self._ensemble_inventory,
            "/ivp/ensemble/secctrl": self._secctrl,
            "/ivp/ensemble/power": self._ensemble_power,
            "/inventory.json": self._inventory,
            "/inventory.json?deleted=1": self._inventory,
            "/home": self._home,
        }

    def answer(self, path_qs: str, now: float) -> Answer | None:
        if path_qs == "/info":
            return Answer(200, self._info(now), "text/xml")
        route = self._routes.get(path_qs)
        if route is None:
            return None
        self.state.advance(now)
        return Answer(200, json.dumps(route(now), separators=(",", ":")).encode())

    def _info(self, now: float) -> bytes:
        c = self.config
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n<envoy_info>\n"
            f"  <time>{int(now)}</time>\n  <device>\n    <sn>{c.serial}</sn>\n"
            f"    <pn>{c.part_number}</pn>\n    <software>D{c.firmware}</software>\n"
            "    <euaid>4c8675</euaid>\n    <seqnum>0</seqnum>\n    <apiver>1</apiver>\n"
            "    <imeter>true</imeter>\n  </device>\n  <web-tokens>true</web-tokens>\n"
            "</envoy_info>\n"
        ).encode()

    # --- production and consumption -----------------------------------------------------------

    def _eim(
        self,
        kind: str,
        watts: float,
        lifetime: float,
        today: float,
        week: float,
        now: float,
        details: bool,
    ) -> dict[str, Any]:
        c = self.config
        current = abs(watts) / c.voltage / _POWER_FACTOR
        entry: dict[str, Any] = {
            "type": "eim",
            "activeCount": 1,
            "measurementType": kind,
            "readingTime": int(now),
            "wNow": round(watts, 3),
            "whLifetime": round(lifetime, 3),
            "rmsCurrent": round(current, 3),
            "rmsVoltage": round(c.voltage, 3),
            "reactPwr": round(abs(watts) * 0.2, 3),
            "apprntPwr": round(abs(watts) / _POWER_FACTOR, 3),
            "pwrFactor": _POWER_FACTOR if watts else 0.0,
            "whToday": round(today, 3),
            "whLastSevenDays": round(week, 3),
        }
        if details:
            line = {k: v for k, v in entry.items() if k not in ("type", "activeCount")}
            line.pop("measurementType")
            line.pop("readingTime")
            entry["lines"] = [line]
        return entry

    def _production_json(self, now: float, details: bool) -> dict[str, Any]:
        s = self.state
        production = s.production_w
        return {
            "production": [
                {
                    "type": "inverters",
                    "activeCount": self.config.inverters,
                    "readingTime": self._report_time(0, now),
                    "wNow": round(production),
                    "whLifetime": round(s.production_wh),
                },
                self._eim(
                    "production",
                    production,
                    s.production_wh,
                    s.today.production,
                    s.last_seven_days("production"),
                    now,
                    details,
                ),
            ],
            "consumption": [
                self._eim(
                    "total-consumption",
                    s.load_w,
                    s.consumption_wh,
                    s.today.consumption,
                    s.last_seven_days("consumption"),
                    now,
                    details,
                ),
                # Firmware 7 and 8 leave the net day totals at 0 (reference §9).
                self._eim(
                    "net-consumption",
                    s.grid_w,
                    s.imported_wh - s.exported_wh,
                    0.0,
                    0.0,
                    now,
                    details,
                ),
            ],
            "storage": [
                {
                    "type": "acb",
                    "activeCount": 0,
                    "readingTime": 0,
                    "wNow": 0,
                    "whNow": 0,
                    "state": "idle",
                },
            ],
        }

    def _v1_production(self, now: float) -> dict[str, Any]:
        s = self.state
        return {
            "wattHoursToday": round(s.today.production),
            "wattHoursSevenDays": round(s.last_seven_days("production")),
            "wattHoursLifetime": round(s.production_wh),
            "wattsNow": round(s.production_w),
        }

    # --- micro-inverters ------------------------------------------------------------------------

    def _report_time(self, index: int, now: float) -> int:
        """The last 5-minute report of inverter `index`, the fleet spread over the window."""
        offset = (index * 17) % REPORT_PERIOD
        return int((now - offset) // REPORT_PERIOD * REPORT_PERIOD + offset)

    def _v1_inverters(self, now: float) -> list[dict[str, Any]]:
        s = self.state
        return [
            {
                "serialNumber": self.config.inverter_serial(i),
                "lastReportDate": self._report_time(i, now),
                "devType": 1,
                "lastReportWatts": round(s.inverter_w[i]),
                "maxReportWatts": round(s.today.inverter_max[i]),
            }
            for i in range(self.config.inverters)
        ]

    def _device_data(self, now: float) -> dict[str, Any]:
        s, c = self.state, self.config
        share = [f / sum(s.factors) for f in s.factors]
        devices: dict[str, Any] = {}
        for i in range(c.inverters):
            report = self._report_time(i, now)
            watts = s.inverter_w[i]
            dc_volts = 38.0 + 4.0 * min(1.0, watts / c.inverter_watts) if watts else 0.0
            devices[str(_PCU_EID + 256 * i)] = {
                "devName": "pcu",
                "sn": c.inverter_serial(i),
                "active": True,
                "modGone": False,
                "channels": [
                    {
                        "chanEid": 1627390225 + i,
                        "created": report,
                        "wattHours": {
                            "today": round(s.today.production * share[i]),
                            "yesterday": round(s.history[-1].production * share[i])
                            if s.history
                            else 0,
                            "week": round(s.last_seven_days("production") * share[i]),
                        },
                        "watts": {
                            "now": round(watts),
                            "nowUsed": 0,
                            "max": round(s.today.inverter_max[i]),
                        },
                        "lastReading": {
                            "eid": 1627390225 + i,
                            "interval_type": 0,
                            "endDate": report,
                            "duration": REPORT_PERIOD,
                            "flags": 0,
                            "joulesProduced": round(watts * REPORT_PERIOD),
                            "acVoltageINmV": round(c.voltage * 1000),
                            "acFrequencyINmHz": round(c.frequency * 1000),
                            "dcVoltageINmV": round(dc_volts * 1000),
                            "dcCurrentINmA": round(watts / 0.97 / dc_volts * 1000) if watts else 0,
                            "channelTemp": round(s.inverter_temperature(i, now)),
                            "acCurrentInmA": round(watts / c.voltage * 1000),
                        },
                        "lifetime": {
                            "createdTime": report,
                            "duration": 0,
                            "joulesProduced": round(s.inverter_wh[i] * 3600),
                        },
                    }
                ],
            }
        devices["deviceCount"] = c.inverters
        devices["deviceDataLimit"] = 50
        return devices

    def _inventory(self, now: float) -> list[dict[str, Any]]:
        s, c = self.state, self.config
        pcus = [
            {
                "part_num": "800-01391-r03",
                "installed": str(int(now - c.age_years * 365 * 86400)),
                "serial_num": c.inverter_serial(i),
                "device_status": ["envoy.global.ok"],
                "last_rpt_date": str(self._report_time(i, now)),
                "admin_state": 1,
                "dev_type": 1,
                "img_pnum_running": "521-00005-r06-v02.61.01",
                "producing": s.inverter_w[i] > 0,
                "communicating": True,
                "provisioned": True,
                "operating": True,
                "phase": "ph-a",
            }
            for i in range(c.inverters)
        ]
        return [
            {"type": "PCU", "devices": pcus},
            {"type": "ACB", "devices": []},
            {"type": "NSRB", "devices": []},
            {"type": "ESUB", "devices": []},
        ]

    # --- CT meters ------------------------------------------------------------------------------

    def _meters(self, now: float) -> list[dict[str, Any]]:
        return [
            {
                "eid": eid,
                "state": "enabled",
                "measurementType": kind,
                "phaseMode": "single",
                "phaseCount": 1,
                "meteringStatus": "normal",
                "statusFlags": [],
            }
            for eid, kind in ((PRODUCTION_EID, "production"), (NET_EID, "net-consumption"))
        ]

    def _reading(
        self, eid: int, watts: float, delivered: float, received: float, now: float
    ) -> dict[str, Any]:
        c = self.config
        reading: dict[str, Any] = {
            "eid": eid,
            "timestamp": int(now),
            "actEnergyDlvd": round(delivered, 3),
            "actEnergyRcvd": round(received, 3),
            "instantaneousDemand": round(watts, 3),
            "activePower": round(watts, 3),
            "apparentPower": round(abs(watts) / _POWER_FACTOR, 3),
            "reactivePower": round(abs(watts) * 0.2, 3),
            "pwrFactor": _POWER_FACTOR if watts else 0.0,
            "voltage": round(c.voltage, 3),
            "current": round(abs(watts) / c.voltage / _POWER_FACTOR, 3),
            "freq": c.frequency,
        }
        reading["channels"] = [{**reading, "eid": eid + 1073741841}]
        return reading

    def _readings(self, now: float) -> list[dict[str, Any]]:
        s = self.state
        night_draw = s.production_wh * 0.0004  # inverters draw a little from the grid at night
        return [
            self._reading(PRODUCTION_EID, s.production_w, s.production_wh, night_draw, now),
            self._reading(NET_EID, s.grid_w, s.imported_wh, s.exported_wh, now),
        ]

    # --- battery --------------------------------------------------------------------------------

    def _ensemble_inventory(self, now: float) -> list[dict[str, Any]]:
        s, c = self.state, self.config
        installed = int(now - c.age_years * 365 * 86400)
        temperature = round(ambient_temperature_indoor(now))
        return [
            {
                "type": "ENCHARGE",
                "devices": [
                    {
                        "part_num": "830-01760-r46",
                        "serial_num": c.battery_serial,
                        "installed": installed,
                        "device_status": ["envoy.global.ok", "prop.done"],
                        "last_rpt_date": int(now // 60 * 60),
                        "admin_state": 6,
                        "admin_state_str": "ENCHG_STATE_READY",
                        "created_date": installed,
                        "img_load_date": installed,
                        "img_pnum_running": "2.6.7854_rel/22.33",
                        "bmu_fw_version": "2.1.38",
                        "communicating": True,
                        "sleep_enabled": False,
                        "percentFull": round(s.soc * 100),
                        "temperature": temperature,
                        "maxCellTemp": temperature + 1,
                        "reported_enc_grid_state": "grid-tied",
                        "comm_level_sub_ghz": 4,
                        "comm_level_2_4_ghz": 4,
                        "led_status": 17,
                        "dc_switch_off": False,
                        "encharge_rev": 2,
                        "encharge_capacity": round(c.battery_wh),
                        "phase": "ph-a",
                        "der_index": 1,
                    }
                ],
            }
        ]

    def _secctrl(self, now: float) -> dict[str, Any]:
        s, c = self.state, self.config
        soc = round(s.soc * 100)
        return {
            "shutdown": False,
            "configured_backup_soc": round(c.battery_reserve * 100),
            "adjusted_backup_soc": round(c.battery_reserve * 100),
            "agg_soc": soc,
            "Max_energy": round(c.battery_wh),
            "ENC_agg_soc": soc,
            "ENC_agg_soh": 100,
            "ENC_agg_backup_energy": round(c.battery_reserve * c.battery_wh),
            "ENC_agg_avail_energy": round(s.soc_wh),
            "Enc_commissioned_capacity": round(c.battery_wh),
            "Enc_max_available_capacity": round(c.battery_wh),
            "ACB_agg_soc": 0,
            "ACB_agg_energy": 0,
        }

    def _ensemble_power(self, now: float) -> dict[str, Any]:
        s, c = self.state, self.config
        milliwatts = round(s.battery_w * 1000)
        return {
            "devices:": [
                {
                    "serial_num": c.battery_serial,
                    "real_power_mw": milliwatts,
                    "apparent_power_mva": milliwatts,
                    "soc": round(s.soc * 100),
                }
            ]
        }

    def _home(self, now: float) -> dict[str, Any]:
        local = datetime.fromtimestamp(now, self.state.tz)
        return {
            "software_build_epoch": 1719503966,
            "timezone": self.config.timezone,
            "current_date": local.strftime("%m/%d/%Y"),
            "current_time": local.strftime("%H:%M"),
            "network": {
                "web_comm": True,
                "ever_reported_to_enlighten": True,
                "last_enlighten_report_time": int(now // 900 * 900),
                "primary_interface": "eth0",
                "interfaces": [
                    {
                        "type": "ethernet",
                        "interface": "eth0",
                        "mac": "00:1D:C0:00:99:01",
                        "dhcp": True,
                        "ip": "192.0.2.10",  # a documentation address (TEST-NET-1)
                        "signal_strength": 1,
                        "signal_strength_max": 1,
                        "carrier": True,
                    }
                ],
            },
        }


def ambient_temperature_indoor(now: float) -> float:
    """A garage-mounted battery: around 18 °C with a slow daily swing."""
    return 18.0 + 2.0 * math.sin(2.0 * math.pi * now / 86400.0)
