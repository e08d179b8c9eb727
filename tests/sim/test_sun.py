"""The shared sunlight and weather curves."""

from __future__ import annotations

import itertools

import pytest

from solar2prom.sim import sun

EQUINOX = 1_742_428_800.0  # 2025-03-20 00:00 UTC
PLACES = [(49.49, 8.47), (-27.47, 153.03), (-33.45, -70.67), (3.14, 101.69)]


@pytest.mark.parametrize(("latitude", "longitude"), PLACES)
def test_production_is_zero_at_night_and_high_at_solar_noon(
    latitude: float, longitude: float
) -> None:
    noon = EQUINOX + (12 - longitude / 15) * 3600
    assert sun.clear_sky_fraction(latitude, longitude, noon + 12 * 3600) == 0.0
    assert sun.production_fraction(latitude, longitude, noon + 12 * 3600, seed=3) == 0.0
    clear = sun.clear_sky_fraction(latitude, longitude, noon)
    assert 0.5 < clear <= 1.0
    assert 0.25 * clear <= sun.production_fraction(latitude, longitude, noon, seed=3) <= clear


def test_the_curve_rises_through_the_morning() -> None:
    noon = EQUINOX + (12 - 8.47 / 15) * 3600
    morning = [sun.clear_sky_fraction(49.49, 8.47, noon - h * 3600) for h in (5, 4, 3, 2, 1, 0)]
    assert morning == sorted(morning)
    assert morning[0] < 0.2 * morning[-1]


def test_clouds_are_smooth_deterministic_and_seed_dependent() -> None:
    day = [sun.cloud_factor(EQUINOX + m * 60, seed=7) for m in range(0, 3 * 1440, 5)]
    assert all(0.25 <= f <= 1.0 for f in day)
    assert max(abs(a - b) for a, b in itertools.pairwise(day)) < 0.1
    assert min(day) < 0.9  # some clouds within three days
    assert day == [sun.cloud_factor(EQUINOX + m * 60, seed=7) for m in range(0, 3 * 1440, 5)]
    assert day != [sun.cloud_factor(EQUINOX + m * 60, seed=8) for m in range(0, 3 * 1440, 5)]


def test_ambient_temperature_follows_latitude_season_and_hour() -> None:
    july_noon = EQUINOX + 120 * 86400 + 12 * 3600
    assert sun.ambient_temperature(49.5, 8.5, july_noon) > sun.ambient_temperature(
        -33.4, 8.5, july_noon
    )
    assert sun.ambient_temperature(49.5, 8.5, july_noon + 3 * 3600) > sun.ambient_temperature(
        49.5, 8.5, july_noon - 8 * 3600
    )
    assert 20 < sun.ambient_temperature(3.1, 101.7, july_noon) < 35
