"""One plant over time: the live state, copies of it to replay the past, and the ledger.

The simulation of a plant starts `history_days` local days before the local midnight of the day
the simulator was created (the prehistory covers everything earlier) and moves forward only
when someone asks about it, one 5-minute step at a time, whatever the gap: devices keep
uploading whether or not anybody calls the API, so a clock jump (or an outage of the API)
leaves no hole. Every 6 simulated hours a copy of the state is kept; `replay` starts from the
last copy before the wanted instant and steps forward, which yields exactly the states the live
plant went through.

`flows` and `device` add up a day, month or year from both sources: the prehistory for the days
before the simulation, the ledger for the simulated ones; None when neither has any of its days
(the future, or before the grid connection).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence

from solar2prom.sim.fusionsolar.energy import DeviceDay, Flows
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, PlantSpec
from solar2prom.sim.fusionsolar.ledger import Ledger
from solar2prom.sim.fusionsolar.periods import HOUR, day_start, local_day
from solar2prom.sim.fusionsolar.plant import PlantState
from solar2prom.sim.fusionsolar.prehistory import Prehistory

_CHECKPOINT_EVERY = 6 * HOUR


class PlantTimeline:
    def __init__(
        self,
        spec: PlantSpec,
        devices: Sequence[DeviceSpec],
        created: float,
        period: float,
        history_days: int,
    ) -> None:
        self.spec = spec
        offset = spec.utc_offset_s
        self.first_day = local_day(created, offset) - history_days
        self.start = math.floor(day_start(self.first_day, offset) / period) * period
        self.period = period
        self.prehistory = Prehistory(spec, devices, self.first_day)
        self.ledger = Ledger()
        self.live = PlantState(spec, devices, self.start, period, self.prehistory)
        self._copies = [self.live.clone()]
        self._copy_times = [self.start]

    def advance(self, now: float) -> PlantState:
        """The live state at the last sample instant at or before `now` (never backwards)."""
        target = math.floor(now / self.period) * self.period
        live = self.live
        while live.t < target:
            live.step()
            self.ledger.record(live)
            if live.t % _CHECKPOINT_EVERY == 0:
                self._copies.append(live.clone())
                self._copy_times.append(live.t)
        return live

    def replay(self, first: float, last: float) -> Iterator[PlantState]:
        """The states at every sample instant in [first, last] the live plant has passed.

        The same object is yielded each time, stepped on in between: read it, do not keep it.
        """
        first = max(first, self.start)
        last = min(last, self.live.t)
        if first > last:
            return
        index = bisect.bisect_right(self._copy_times, first) - 1
        state = self._copies[index].clone()
        while state.t < first:
            state.step()
        while state.t <= last:
            yield state
            if state.t >= last:
                return
            state.step()

    def flows(self, days: range) -> Flows | None:
        """The plant's flows over `days` (local day numbers)."""
        present = self.prehistory.overlaps(days)
        total = self.prehistory.span(days) if present else Flows()
        for day in days:
            booked = self.ledger.days.get(day)
            if booked is not None:
                total.add(booked)
                present = True
        return total if present else None

    def device(self, dev: DeviceSpec, days: range) -> DeviceDay | None:
        """One device's energy over `days`, present whenever the plant's is."""
        present = self.prehistory.overlaps(days)
        total = DeviceDay()
        if present:
            total.add(self.prehistory.device_share(dev, self.prehistory.span(days)))
        for day in days:
            if day in self.ledger.days:
                present = True
                booked = self.ledger.device_days.get((dev.dev_id, day))
                if booked is not None:
                    total.add(booked)
        return total if present else None
