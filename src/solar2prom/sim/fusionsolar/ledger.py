"""What flowed in each local hour and day of the simulation, and each device's share of a day.

The timeline records every step of the live state here, once; replays of the past do not, so
nothing is counted twice. A step belongs to the hour and day its interval starts in.
"""

from __future__ import annotations

import math

from solar2prom.sim.fusionsolar.energy import DeviceDay, Flows
from solar2prom.sim.fusionsolar.periods import HOUR, local_day
from solar2prom.sim.fusionsolar.plant import PlantState


class Ledger:
    def __init__(self) -> None:
        self.hours: dict[float, Flows] = {}  # keyed by the hour's start, epoch seconds
        self.days: dict[int, Flows] = {}  # keyed by local day number
        self.device_days: dict[tuple[int, int], DeviceDay] = {}  # (devId, local day)

    def record(self, state: PlantState) -> None:
        """Book the step that just brought `state` to its sample time."""
        start = state.t - state.period
        hours = state.period / HOUR
        day = local_day(start, state.spec.utc_offset_s)
        powers = [s.power_kw for s in state.storages.values()]
        step = Flows(
            production=state.production_kw * hours,
            consumption=state.consumption_kw * hours,
            export=max(0.0, state.grid_kw) * hours,
            grid_import=max(0.0, -state.grid_kw) * hours,
            charge=sum(p for p in powers if p > 0.0) * hours,
            discharge=-sum(p for p in powers if p < 0.0) * hours,
            irradiation=state.fraction * hours,
        )
        self.hours.setdefault(math.floor(start / HOUR) * HOUR, Flows()).add(step)
        self.days.setdefault(day, Flows()).add(step)
        for dev_id, inverter in state.inverters.items():
            if inverter.ac_kw > 0.0:
                self._device(dev_id, day).energy += inverter.ac_kw * hours
        for dev_id, storage in state.storages.items():
            if storage.power_kw > 0.0:
                booked = self._device(dev_id, day)
                booked.charge += storage.power_kw * hours
                booked.charge_hours += hours
            elif storage.power_kw < 0.0:
                booked = self._device(dev_id, day)
                booked.discharge -= storage.power_kw * hours
                booked.discharge_hours += hours

    def _device(self, dev_id: int, day: int) -> DeviceDay:
        return self.device_days.setdefault((dev_id, day), DeviceDay())
