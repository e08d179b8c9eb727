"""The end-user endpoints under `/user/api/v2/systems/`: parameters, codes and payloads.

Shapes follow the reference (§b.3) and the real anonymised captures: kWh and W as strings,
`type`/`light` as integers, the ECU summary without `today` as the captured answer has it.
Served: `details`, `inverters`, `meters`, `summary`, and per device `ecu/summary`,
`ecu/energy` (minutely), `inverter/batch/energy` (power, energy), `meter/summary`,
`meter/period` (minutely); any other path answers 4001. Minutely series hold the day's
5-minute slots as `HH:mm` local times; a day without slots yet answers 1001 (no data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from solar2prom.sim.apsystems_ema.plant import Slot
from solar2prom.sim.apsystems_openapi.config import OpenApiSimConfig
from solar2prom.sim.apsystems_openapi.system import METER_FLOWS, SimulatedSystem

NO_DATA, NO_PERMISSION, MISSING, INVALID = 1001, 2004, 4000, 4001
LEVELS = ("minutely", "hourly", "daily", "monthly", "yearly")


@dataclass(frozen=True)
class Answer:
    code: int
    data: Any = None


def _kwh(value: float) -> str:
    return f"{value:.2f}"


class EndUserApi:
    def __init__(self, config: OpenApiSimConfig, system: SimulatedSystem) -> None:
        self.config = config
        self.system = system

    def handle(
        self, parts: list[str], query: Mapping[str, str], now: float, until: float
    ) -> Answer:
        """`parts`: the path after `/user/api/v2/systems/`; `until`: the newest upload."""
        sid = self.config.system_id
        if len(parts) == 2 and parts[0] in ("details", "inverters", "meters", "summary"):
            if parts[1] != sid:
                return Answer(NO_PERMISSION)
            return Answer(0, getattr(self, f"_{parts[0]}")(now, until))
        if len(parts) >= 5 and parts[1] == "devices":
            if parts[0] != sid:
                return Answer(NO_PERMISSION)
            return self._device(parts[2:], query, now, until)
        return Answer(INVALID)

    # --- system level ---------------------------------------------------------------------------

    def _details(self, now: float, until: float) -> dict[str, Any]:
        capacity = sum(len(pv.panels) * self.config.panel_peak_w for pv in self.system.pv.values())
        any_data = any(self.system.slots(e, self._day(until), until) for e in self.system.pv)
        return {
            "sid": self.config.system_id,
            "create_date": "2023-04-20",
            "capacity": f"{capacity / 1000:.2f}",
            "type": 1,
            "timezone": self.config.timezone,
            "ecu": [e.eid for e in self.config.ecus],
            "light": 1 if any_data or self.system.start_day < self._day(now) else 4,
            "authorization_code": "0" * 32,
        }

    def _inverters(self, now: float, until: float) -> list[dict[str, Any]]:
        return [
            {
                "eid": ecu.eid,
                "type": 1 if ecu.meter else 0,
                "timezone": self.config.timezone,
                "inverter": [
                    {"uid": uid, "type": "DS3"}
                    for uid in dict.fromkeys(p.inverter for p in self.system.pv[ecu.eid].panels)
                ],
            }
            for ecu in self.config.ecus
        ]

    def _meters(self, now: float, until: float) -> list[str]:
        return [e.eid for e in self.config.ecus if e.meter]

    def _summary(self, now: float, until: float) -> dict[str, str]:
        return {k: _kwh(v) for k, v in self._energies(list(self.system.pv), until).items()}

    def _energies(self, eids: list[str], until: float) -> dict[str, float]:
        day = self._day(until)
        totals = {"today": 0.0, "month": 0.0, "year": 0.0, "lifetime": 0.0}
        for eid in eids:
            pv = self.system.pv[eid]
            totals["lifetime"] += pv.lifetime_kwh(until)
            totals["today"] += sum(s.energy_kwh for s in pv.slots(day, until))
            # Month and year: what was produced since the simulation began, within them.
            for key, first in (
                ("month", day.replace(day=1)),
                ("year", day.replace(month=1, day=1)),
            ):
                start = max(first, pv.start_day)
                totals[key] += pv.lifetime_kwh(until) - pv.lifetime_kwh(pv.midnight(start))
        return totals

    def _day(self, when: float) -> date:
        return datetime.fromtimestamp(when, self.system.tz).date()

    # --- devices --------------------------------------------------------------------------------

    def _device(
        self, parts: list[str], query: Mapping[str, str], now: float, until: float
    ) -> Answer:
        kind, rest = parts[0], parts[1:]
        if kind == "inverter" and rest[:2] == ["batch", "energy"] and len(rest) == 3:
            eid, action = rest[2], "batch"
        elif kind in ("ecu", "meter") and len(rest) == 2:
            action, eid = f"{kind}_{rest[0]}", rest[1]
        else:
            return Answer(INVALID)
        ecu = self.system.ecu(eid)
        if ecu is None or (kind == "meter" and not ecu.meter):
            return Answer(INVALID)
        if action in ("ecu_summary", "meter_summary"):
            return Answer(0, self._device_summary(action, eid, until))
        if action not in ("ecu_energy", "meter_period", "batch"):
            return Answer(INVALID)
        level = query.get("energy_level", "")
        allowed = ("power", "energy") if action == "batch" else ("minutely",)
        if not level:
            return Answer(MISSING)
        if level not in allowed:
            return Answer(INVALID)
        day = self._date(query.get("date_range", ""), until)
        if day is None:
            return Answer(INVALID)
        if action == "meter_period":
            return self._meter_period(eid, day, until)
        slots = self.system.slots(eid, day, until)
        if not slots:
            return Answer(NO_DATA)
        if action == "ecu_energy":
            return Answer(0, self._ecu_minutely(slots))
        return Answer(0, self._batch(eid, slots, level))

    def _date(self, raw: str, until: float) -> date | None:
        """A `yyyy-MM-dd` not later than the system's today."""
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return None
        return day if day <= self._day(until) else None

    def _hhmm(self, when: float) -> str:
        local = datetime.fromtimestamp(when, self.system.tz)
        return "24:00" if local.hour == 0 and local.minute == 0 else local.strftime("%H:%M")

    def _ecu_minutely(self, slots: tuple[Slot, ...]) -> dict[str, Any]:
        return {
            "time": [self._hhmm(s.end) for s in slots],
            "energy": [f"{s.energy_kwh:.4f}" for s in slots],
            "power": [str(s.power_w) for s in slots],
            "today": _kwh(sum(s.energy_kwh for s in slots)),
        }

    def _batch(self, eid: str, slots: tuple[Slot, ...], level: str) -> dict[str, Any]:
        panels = self.system.pv[eid].panels
        if level == "energy":
            return {
                "energy": [
                    f"{p.id}-{sum(s.panels[i] for s in slots) * 5 / 60 / 1000:.2f}"
                    for i, p in enumerate(panels)
                ]
            }
        return {
            "time": [self._hhmm(s.end) for s in slots],
            "power": {p.id: [s.panels[i] for s in slots] for i, p in enumerate(panels)},
        }

    def _device_summary(self, action: str, eid: str, until: float) -> dict[str, Any]:
        if action == "ecu_summary":
            energies = self._energies([eid], until)
            return {k: _kwh(energies[k]) for k in ("month", "year", "lifetime")}
        day = self._day(until)
        lifetime = self.system.meter_lifetime(eid, until)
        periods = {"today": day, "month": day.replace(day=1), "year": day.replace(month=1, day=1)}
        summary: dict[str, Any] = {}
        for period, first in periods.items():
            start = self.system.pv[eid].midnight(max(first, self.system.start_day))
            before = self.system.meter_lifetime(eid, start)
            summary[period] = {f: f"{lifetime[f] - before[f]:.6f}" for f in METER_FLOWS}
        summary["lifetime"] = {f: f"{lifetime[f]:.6f}" for f in METER_FLOWS}
        return summary

    def _meter_period(self, eid: str, day: date, until: float) -> Answer:
        slots = self.system.meter_slots(eid, day, until)
        if not slots:
            return Answer(NO_DATA)
        today = self.system.meter_day(eid, day, until)
        return Answer(
            0,
            {
                "today": {flow: f"{today[flow]:.6f}" for flow in METER_FLOWS},
                "time": [self._hhmm(s.end) for s in slots],
                "power": {
                    "consumed": [f"{s.consumed_w:.2f}" for s in slots],
                    "imported_exported": [f"{s.grid_w:.2f}" for s in slots],
                    "produced": [f"{s.produced_w:.2f}" for s in slots],
                },
                "energy": {
                    flow: [f"{s.energy_kwh(flow):.6f}" for s in slots] for flow in METER_FLOWS
                },
            },
        )
