"""Every capture folder, end to end: the simulator serves it, the source polls it with the auth
of its firmware family, and the core values equal what the folder's JSON holds.

pyenphase rounds power and energy to whole watts and watt-hours: values are compared within
half a unit of that rounding. The expected values come from `expected.Capture`, which reads
the files itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from solar2prom.core import metrics as m
from solar2prom.core.model import DeviceKind
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sources.enphase import catalog as c
from tests.vendors.enphase.conftest import FIXTURES, FOLDERS, Running, Start, config_for, value
from tests.vendors.enphase.expected import WH, Capture

W = 0.5
J = 0.5 * WH


def close(expected: float | None, tolerance: float) -> object:
    return None if expected is None else pytest.approx(expected, abs=tolerance)


@pytest.fixture(params=FOLDERS)
def folder(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


async def test_every_folder_gives_its_core_values(
    folder: str, gateway: Start, run: Callable[..., Running]
) -> None:
    capture = Capture(FIXTURES / folder)
    sim: EnphaseSimulator = await gateway(folder)
    assert sim.tokens == capture.tokens
    snapshot = await run(config_for(sim)).poll()

    assert snapshot.health.up, snapshot.health.last_error
    (site,) = snapshot.sites
    assert site.id == capture.serial
    gateways = [d for d in snapshot.devices if d.kind is DeviceKind.GATEWAY]
    assert [(d.id, d.firmware) for d in gateways] == [(capture.serial, capture.firmware)]

    assert value(snapshot, m.PRODUCTION_POWER.name) == close(capture.production_power(), W)
    today, lifetime = capture.production_energy()
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == close(today, J)
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == close(lifetime, J)

    assert value(snapshot, m.CONSUMPTION_POWER.name) == close(capture.consumption_power(), 2 * W)
    today, lifetime = capture.consumption_energy()
    assert value(snapshot, m.CONSUMPTION_ENERGY_TODAY.name) == close(today, J)
    assert value(snapshot, m.CONSUMPTION_ENERGY_TOTAL.name) == close(lifetime, J)

    assert value(snapshot, m.GRID_POWER.name) == close(capture.grid_power(), W)
    imported, exported = capture.grid_energy()
    assert value(snapshot, m.GRID_IMPORT_ENERGY_TOTAL.name) == close(imported, J)
    assert value(snapshot, m.GRID_EXPORT_ENERGY_TOTAL.name) == close(exported, J)

    assert value(snapshot, c.BATTERIES.name) == capture.batteries()
    assert value(snapshot, m.BATTERY_POWER.name) == close(capture.battery_power(), W)
    assert value(snapshot, m.BATTERY_SOC.name) == close(capture.battery_soc(), 0.005)

    inverters = capture.microinverters()
    assert value(snapshot, c.MICROINVERTERS.name) == len(inverters)
    for serial, (watts, peak) in inverters.items():
        assert value(snapshot, m.DEVICE_POWER.name, serial) == close(watts, W)
        assert value(snapshot, c.MAX_POWER.name, serial) == close(peak, W)
    listed = {d.id for d in snapshot.devices if d.kind is DeviceKind.MICROINVERTER}
    assert listed == set(inverters)

    for serial, battery in capture.encharges.items():
        assert value(snapshot, c.BATTERY_SOC.name, serial) == battery["percentFull"] / 100
        assert (
            value(snapshot, c.BATTERY_MAX_CELL_TEMPERATURE.name, serial) == battery["maxCellTemp"]
        )
        assert value(snapshot, m.DEVICE_TEMPERATURE.name, serial) == battery["temperature"]
        assert value(snapshot, m.DEVICE_POWER.name, serial) == capture.encharge_power[serial]
        assert value(snapshot, c.COMMUNICATING.name, serial) == battery["communicating"]

    for serial, flags in capture.inventory_flags().items():
        for flag, metric in (
            ("provisioned", c.PROVISIONED),
            ("communicating", c.COMMUNICATING),
            ("producing", c.PRODUCING),
            ("operating", c.OPERATING),
        ):
            expected = float(flags[flag]) if flag in flags else None
            assert value(snapshot, metric.name, serial) == expected, (serial, flag)
    assert sim.stats.max_in_flight == 1


async def test_ct_meters_per_phase(gateway: Start, run: Callable[..., Running]) -> None:
    folder = "7.6.175_with_cts_3phase"
    capture = Capture(FIXTURES / folder)
    snapshot = await run(config_for(await gateway(folder))).poll()
    for kind, reading in capture.cts.items():
        device = str(reading["eid"])
        # Three phases: no total voltage (the gateway adds the phase voltages up).
        assert value(snapshot, "enphase_meter_voltage_volts", device) is None
        assert value(snapshot, "enphase_meter_current_amperes", device) == reading["current"]
        assert value(snapshot, "enphase_meter_frequency_hertz", device) == reading["freq"]
        assert value(snapshot, "enphase_meter_power_factor", device) == reading["pwrFactor"]
        for phase, channel in zip("abc", reading["channels"], strict=True):
            labels = (phase,)
            assert (
                value(snapshot, "enphase_meter_phase_voltage_volts", device, labels)
                == (channel["voltage"])
            ), kind
            assert value(
                snapshot, "enphase_meter_phase_energy_delivered_joules_total", device, labels
            ) == close(channel["actEnergyDlvd"] * WH, J)
    lines = capture.report["consumption"][1].get("lines")
    if lines:
        for phase, line in zip("abc", lines, strict=False):
            assert value(snapshot, "enphase_net_consumption_phase_power_watts", "", (phase,)) == (
                close(line["wNow"], W)
            )


async def test_unfilled_day_totals_give_no_series(
    gateway: Start, run: Callable[..., Running]
) -> None:
    folder = "8.2.127_with_3cts_and_battery_split"
    net = Capture(FIXTURES / folder).report["consumption"][1]
    assert (net["whToday"], net["whLastSevenDays"]) == (0, 0) and net["whLifetime"]
    snapshot = await run(config_for(await gateway(folder))).poll()
    assert value(snapshot, c.NET_CONSUMPTION.today.name) is None
    assert value(snapshot, c.NET_CONSUMPTION.last_7_days.name) is None
    assert value(snapshot, c.NET_CONSUMPTION.lifetime.name) == close(net["whLifetime"] * WH, J)
    assert snapshot.rejected["not_reported"] >= 2
