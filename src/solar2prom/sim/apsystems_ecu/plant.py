"""The simulated installation through the day, on the ECU's 5-minute grid of samples.

A request at time `now` advances the plant to the last sample instant at or before `now`,
adding each step's energy to the counters, then reads that sample: counters never go back,
and everything in one sample agrees (the ECU's power is the sum of its inverters' channels).
Power follows the sun and clouds of `sim.sun` at the ECU's place; an inverter is online while
it has light, and offline (zeros, temperature raw 100) otherwise, as real ones are at night.
"Today" restarts at the ECU's local midnight.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from solar2prom.sim.apsystems_ecu.config import SILENT, THREE_PHASE, EcuSimConfig, InverterSpec
from solar2prom.sim.sun import ambient_temperature, production_fraction

TEMPERATURE_OFFSET = 100
_HEATING = 25.0  # °C above ambient at full output


@dataclass(frozen=True, slots=True)
class InverterSample:
    spec: InverterSpec
    online: bool
    frequency_raw: int  # 0.1 Hz
    temperature_raw: int  # °C + 100
    channel_power_w: tuple[int, ...]
    ac_voltage_v: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EcuSample:
    at: float  # the sample instant, epoch seconds
    local_time: datetime  # the same instant on the ECU's clock (naive)
    lifetime_wh: float
    today_wh: float
    inverters: tuple[InverterSample, ...]

    @property
    def power_w(self) -> int:
        return sum(sum(i.channel_power_w) for i in self.inverters if i.online)

    @property
    def online(self) -> int:
        return sum(1 for i in self.inverters if i.online)


class EcuPlant:
    def __init__(self, config: EcuSimConfig, now: float) -> None:
        self.config = config
        self._zone = config.zone
        self._factors = {
            spec.uid: tuple(
                random.Random(f"{config.seed}/{spec.uid}/{channel}").uniform(0.9, 1.0)
                for channel in range(spec.channels)
            )
            for spec in config.inverters
        }
        self._at = self._instant(now)
        self._lifetime_wh = config.lifetime_kwh * 1000.0
        self._day = self._local(self._at).date()
        midnight = datetime.combine(self._day, datetime.min.time(), self._zone).timestamp()
        steps = int((self._at - self._instant(midnight)) // config.sample_period)
        self._today_wh = sum(
            self._step_energy(self._at - i * config.sample_period) for i in range(steps)
        )

    def _instant(self, now: float) -> float:
        return math.floor(now / self.config.sample_period) * self.config.sample_period

    def _local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self._zone)

    def _fraction(self, at: float) -> float:
        c = self.config
        return production_fraction(c.latitude, c.longitude, at, c.seed)

    def _channel_power(self, spec: InverterSpec, fraction: float) -> tuple[int, ...]:
        return tuple(round(spec.channel_peak_w * fraction * f) for f in self._factors[spec.uid])

    def _step_energy(self, at: float) -> float:
        """Energy (Wh) of the step ending at `at`, at that instant's power."""
        fraction = self._fraction(at)
        if fraction <= 0.0:
            return 0.0
        watts = sum(
            sum(self._channel_power(spec, fraction))
            for spec in self.config.inverters
            if spec.type_code != SILENT
        )
        return watts * self.config.sample_period / 3600.0

    def sample(self, now: float) -> EcuSample:
        target = self._instant(now)
        while self._at < target:
            self._at += self.config.sample_period
            day = self._local(self._at).date()
            if day != self._day:
                self._day, self._today_wh = day, 0.0
            energy = self._step_energy(self._at)
            self._lifetime_wh += energy
            self._today_wh += energy
        fraction = self._fraction(self._at)
        return EcuSample(
            at=self._at,
            local_time=self._local(self._at).replace(tzinfo=None),
            lifetime_wh=self._lifetime_wh,
            today_wh=self._today_wh,
            inverters=tuple(self._inverter(spec, fraction) for spec in self.config.inverters),
        )

    def _inverter(self, spec: InverterSpec, fraction: float) -> InverterSample:
        if spec.type_code == SILENT or fraction <= 0.0:
            return InverterSample(
                spec, False, 0, TEMPERATURE_OFFSET, (0,) * spec.channels, (0,) * spec.voltages
            )
        c = self.config
        wobble = math.sin(self._at / 997.0 + int(spec.uid[-3:]))
        nominal = 400 if spec.type_code == THREE_PHASE else 230
        phases = int(spec.type_code == THREE_PHASE)  # channel voltages are one and the same AC
        ambient = ambient_temperature(c.latitude, c.longitude, self._at)
        return InverterSample(
            spec,
            True,
            frequency_raw=500 + round(wobble),
            temperature_raw=round(ambient + _HEATING * fraction) + TEMPERATURE_OFFSET,
            channel_power_w=self._channel_power(spec, fraction),
            ac_voltage_v=tuple(
                nominal + round(3 * wobble) + i * phases for i in range(spec.voltages)
            ),
        )
