"""Gateway answers with nulls, odd types or an odd shape, found by the fuzz tests (tests/fuzz):
each poll either reads what it can or fails in plain words — never with an internal error.

Each test serves a capture folder with one answer changed, through the gateway simulator.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from solar2prom.core import metrics as m
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sources.enphase import catalog as c
from tests.conftest import ManualClock
from tests.vendors.enphase.conftest import FIXTURES, Running, config_for, value

Changed = Callable[[str, str, Callable[[Any], Any]], Awaitable[EnphaseSimulator]]


@pytest.fixture
async def changed(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Changed]:
    """Starts a simulator of a copy of a capture folder, one of whose answers is changed."""
    started: list[EnphaseSimulator] = []

    async def start(folder: str, answer: str, change: Callable[[Any], Any]) -> EnphaseSimulator:
        copy = tmp_path / folder
        shutil.copytree(FIXTURES / folder, copy)
        body = copy / answer
        body.write_text(json.dumps(change(json.loads(body.read_bytes()))))
        sim = EnphaseSimulator(copy, clock)
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()


async def test_null_instead_of_an_object_fails_in_plain_words(
    changed: Changed, run: Callable[..., Running]
) -> None:
    sim = await changed("3.9.36", "api_v1_production", lambda _: None)
    snapshot = await run(config_for(sim)).poll()
    assert not snapshot.health.up
    assert "lacks expected fields" in (snapshot.health.last_error or "")


async def test_ct_values_turned_null_give_no_series(
    changed: Changed, run: Callable[..., Running]
) -> None:
    def nulls(readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for key in ("voltage", "current", "timestamp"):
            readings[0][key] = None
        return readings

    sim = await changed("7.6.175_with_cts_3phase", "ivp_meters_readings", nulls)
    snapshot = await run(config_for(sim)).poll()
    assert snapshot.health.up, snapshot.health.last_error
    (meter, *_) = json.loads(
        (FIXTURES / "7.6.175_with_cts_3phase/ivp_meters_readings").read_bytes()
    )
    device = str(meter["eid"])
    assert value(snapshot, "enphase_meter_current_amperes", device) is None
    assert value(snapshot, "enphase_meter_frequency_hertz", device) == meter["freq"]
    assert value(snapshot, m.PRODUCTION_POWER.name) is not None


async def test_an_ac_battery_without_power_and_with_an_odd_state(
    changed: Changed, run: Callable[..., Running]
) -> None:
    def odd(report: dict[str, Any]) -> dict[str, Any]:
        report["storage"][0].update(wNow=None, state=7)
        return report

    sim = await changed("8.2.4382_ACB", "production.json", odd)
    snapshot = await run(config_for(sim)).poll()
    assert snapshot.health.up, snapshot.health.last_error
    assert value(snapshot, m.BATTERY_POWER.name) is None  # no partial sum of the batteries
    assert value(snapshot, c.BATTERY_STATE.name) is None
    assert value(snapshot, m.BATTERY_SOC.name) is not None


async def test_inventory_groups_without_a_device_list_are_skipped(
    changed: Changed, run: Callable[..., Running]
) -> None:
    def broken(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        groups[0]["devices"] = 5  # the micro-inverters
        groups[3]["devices"][0]["last_rpt_date"] = "NaN"  # the system controller
        return groups

    sim = await changed("8.3.5169_with_generator", "inventory.json_deleted_1", broken)
    snapshot = await run(config_for(sim)).poll()
    assert snapshot.health.up, snapshot.health.last_error
    assert all(r.value == r.value for r in snapshot.readings)  # no NaN
    assert value(snapshot, c.MICROINVERTERS.name) == 20  # from the production data


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda home: {**home, "network": {"interfaces": [None]}}, id="null-interface"),
        pytest.param(lambda home: {**home, "timezone": True}, id="zone-true"),
        # A folder of the zone database, not a zone.
        pytest.param(lambda home: {**home, "timezone": "Europe"}, id="zone-folder"),
        pytest.param(lambda home: {**home, "timezone": "Mars/Olympus"}, id="zone-unknown"),
    ],
)
async def test_a_home_answer_without_a_usable_zone_gives_none(
    changed: Changed, run: Callable[..., Running], change: Callable[[Any], Any]
) -> None:
    sim = await changed("8.3.5169_with_generator", "home", change)
    running = run(config_for(sim))
    snapshot = await running.poll()
    assert snapshot.health.up, snapshot.health.last_error
    assert running.source.timezone() is None
    (site,) = snapshot.sites
    assert site.timezone is None and site.extra == ()
