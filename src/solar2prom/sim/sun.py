"""Sunlight and weather curves shared by every vendor simulator.

All functions are pure and deterministic: the same place, time and seed always give the same
value, so a simulator can recompute any past instant and two simulators of one site agree.

- `clear_sky_fraction`: output of a PV array under a cloudless sky as a fraction of its peak,
  from the sun's elevation (astral) and an air-mass attenuation model (Meinel). The exponent
  below 1 on sin(elevation) widens the curve the way a tilted array catches low morning and
  evening sun better than a flat one.
- `cloud_factor`: a smooth, seed-dependent attenuation 0.25..1 built from slow (weather
  systems), medium (passing fronts) and fast (single clouds) oscillations, so one day differs
  from the next and a curve is never perfectly clean, without any random state to keep.
- `production_fraction`: the product of the two, the number a simulator multiplies its peak
  power with.
- `ambient_temperature`: air temperature from latitude, season and local solar time.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from functools import lru_cache

from astral import Observer
from astral.sun import elevation

_SOLAR_CONSTANT_KW = 1.353
# Peak of the clear-sky model (sun at the zenith): normalises the fraction to 1.
_ZENITH_PEAK = _SOLAR_CONSTANT_KW * 0.7
_TILT_EXPONENT = 0.75
_DAY = 86400.0
# Periods (seconds) of the cloud oscillations: weather systems, fronts, single clouds.
_CLOUD_PERIODS = (3.1 * _DAY, 7.3 * 3600.0, 47.0 * 60.0)
_CLOUD_WEIGHTS = (0.6, 0.3, 0.1)
_DARKEST = 0.25


@lru_cache(maxsize=4096)
def _observer(latitude: float, longitude: float) -> Observer:
    return Observer(latitude, longitude, 0.0)


def solar_elevation(latitude: float, longitude: float, when: float) -> float:
    """Elevation of the sun's centre above the horizon in degrees, refraction included."""
    moment = datetime.fromtimestamp(when, UTC)
    return float(elevation(_observer(latitude, longitude), moment))


def clear_sky_fraction(latitude: float, longitude: float, when: float) -> float:
    """Cloudless-sky PV output at `when` (epoch seconds) as a fraction 0..1 of peak output."""
    degrees = solar_elevation(latitude, longitude, when)
    if degrees <= 0.0:
        return 0.0
    sin_e = math.sin(math.radians(degrees))
    # Kasten-Young air mass stays finite at the horizon, unlike 1/sin(e).
    air_mass = 1.0 / (sin_e + 0.50572 * math.pow(degrees + 6.07995, -1.6364))
    direct = _SOLAR_CONSTANT_KW * math.pow(0.7, math.pow(air_mass, 0.678))
    return min(1.0, direct / _ZENITH_PEAK * math.pow(sin_e, _TILT_EXPONENT))


@lru_cache(maxsize=1024)
def _cloud_phases(seed: int) -> tuple[float, ...]:
    rng = random.Random(seed)
    return tuple(rng.uniform(0.0, 2.0 * math.pi) for _ in _CLOUD_PERIODS)


def cloud_factor(when: float, seed: int = 0) -> float:
    """Fraction of clear-sky light that reaches the panels, smooth in time, 0.25..1."""
    phases = _cloud_phases(seed)
    wave = sum(
        weight * math.sin(2.0 * math.pi * when / period + phase)
        for weight, period, phase in zip(_CLOUD_WEIGHTS, _CLOUD_PERIODS, phases, strict=True)
    )
    # wave is in [-1, 1]; only its upper part means clouds, so most days are mostly sunny.
    cloudiness = math.pow(max(0.0, wave), 1.5)
    return 1.0 - (1.0 - _DARKEST) * cloudiness


def production_fraction(latitude: float, longitude: float, when: float, seed: int = 0) -> float:
    """PV output as a fraction 0..1 of peak: clear sky times the site's cloud factor."""
    clear = clear_sky_fraction(latitude, longitude, when)
    if clear == 0.0:
        return 0.0
    return clear * cloud_factor(when, seed)


def ambient_temperature(latitude: float, longitude: float, when: float) -> float:
    """Air temperature in °C: warmer near the equator, in local summer and mid-afternoon."""
    moment = datetime.fromtimestamp(when, UTC)
    solar_hour = (moment.hour + moment.minute / 60.0 + longitude / 15.0) % 24.0
    day_of_year = moment.timetuple().tm_yday
    # Northern summer peaks around late July (day 200); the south is half a year off.
    season = math.cos(2.0 * math.pi * (day_of_year - 200) / 365.25)
    if latitude < 0:
        season = -season
    mean = 27.0 - 0.35 * abs(latitude)
    seasonal = 0.2 * abs(latitude) * season
    daily = 5.0 * math.cos(2.0 * math.pi * (solar_hour - 15.0) / 24.0)
    return mean + seasonal + daily
