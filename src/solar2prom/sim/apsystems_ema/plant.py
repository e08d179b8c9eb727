"""A simulated APsystems system: micro-inverters and their panels under the sun of one place.

The ECU uploads one sample per 5-minute slot while the inverters have light; the cloud's day
series is those samples. A slot is named by its end; its power is the panels' output at the
slot's middle (sun.py, for the system's place and seed), its energy power × 5 minutes. Slots
before sunrise and after sunset are absent, as on the real service, so a day starts with
"no data yet".

Everything is a pure function of time: the same instant always gives the same values, and
lifetime energy is the configured base plus every slot produced since the system's start day
(days are summed once and cached), so counters only ever grow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property

from solar2prom.sim.sun import production_fraction

SLOT = 300.0
_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Panel:
    """One panel on one input (`channel`) of a micro-inverter."""

    inverter: str
    channel: int
    peak_w: float

    @property
    def id(self) -> str:
        return f"{self.inverter}-{self.channel}"


@dataclass(frozen=True, slots=True)
class Slot:
    """One 5-minute sample: when it ends, and each panel's power in whole watts."""

    end: float
    panels: tuple[int, ...]

    @property
    def power_w(self) -> int:
        return sum(self.panels)

    @property
    def energy_kwh(self) -> float:
        return self.power_w * SLOT / _HOUR / 1000.0


class PvSystem:
    """The panels of one system at one place; `start_day` is when its lifetime counting
    starts, holding `lifetime_base_kwh` at that day's local midnight."""

    def __init__(
        self,
        panels: tuple[Panel, ...],
        latitude: float,
        longitude: float,
        tz: tzinfo,
        start_day: date,
        lifetime_base_kwh: float,
        seed: int,
    ) -> None:
        self.panels = panels
        self.latitude, self.longitude, self.tz = latitude, longitude, tz
        self.start_day = start_day
        self.lifetime_base_kwh = lifetime_base_kwh
        self.seed = seed
        self._days: dict[date, tuple[Slot, ...]] = {}
        self._day_energy: dict[date, float] = {}

    @cached_property
    def _shares(self) -> tuple[float, ...]:
        """Each panel's output relative to its rating: orientation and soiling differ a bit."""
        rng = random.Random(self.seed)
        return tuple(p.peak_w * rng.uniform(0.9, 1.0) for p in self.panels)

    def midnight(self, day: date) -> float:
        return datetime.combine(day, time(), self.tz).timestamp()

    def local_day(self, when: float) -> date:
        return datetime.fromtimestamp(when, self.tz).date()

    def _slot(self, end: float) -> Slot | None:
        fraction = production_fraction(self.latitude, self.longitude, end - SLOT / 2, self.seed)
        if fraction <= 0.0:
            return None
        return Slot(end, tuple(round(share * fraction) for share in self._shares))

    def day(self, day: date) -> tuple[Slot, ...]:
        """Every slot of a whole local day."""
        slots = self._days.get(day)
        if slots is None:
            start, end = self.midnight(day), self.midnight(day + timedelta(days=1))
            ends = (start + SLOT * (i + 1) for i in range(int((end - start) // SLOT)))
            slots = tuple(s for s in (self._slot(t) for t in ends) if s is not None)
            self._days[day] = slots
        return slots

    def slots(self, day: date, until: float) -> tuple[Slot, ...]:
        """The slots of `day` that ended by `until`."""
        return tuple(s for s in self.day(day) if s.end <= until)

    def lifetime_kwh(self, until: float) -> float:
        """The base plus everything produced from the start day's midnight to `until`."""
        today = self.local_day(until)
        total = self.lifetime_base_kwh
        day = self.start_day
        while day < today:
            if day not in self._day_energy:
                self._day_energy[day] = sum(s.energy_kwh for s in self.day(day))
            total += self._day_energy[day]
            day += timedelta(days=1)
        return total + sum(s.energy_kwh for s in self.slots(today, until))


def ds3_panels(inverters: int, peak_w: float, first_uid: int) -> tuple[Panel, ...]:
    """Two-input micro-inverters (DS3-like), UIDs counted up from `first_uid`."""
    return tuple(
        Panel(f"{first_uid + n:012d}", channel, peak_w)
        for n in range(inverters)
        for channel in (1, 2)
    )
