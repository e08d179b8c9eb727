"""The whole EZ1 source against a server answering with the manual's example bodies.

No real EZ1 capture has been published; the vendor manual's examples are the closest thing.
Expected values are computed here from those files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.sources.apsystems.ez1 import Ez1Config, Ez1Source
from solar2prom.sources.apsystems.ez1 import catalog as ez1
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock
from tests.vendors.apsystems.ez1_support import body, capture_ez1, example


def value(snapshot: Snapshot, metric: str, device: str = "", labels: tuple[str, ...] = ()) -> Any:
    found = [
        r.value
        for r in snapshot.readings
        if (r.metric.name, r.device, r.labels) == (metric, device, labels)
    ]
    return found[0] if found else None


async def poll_once(url: str, clock: ManualClock, state: Path) -> tuple[Snapshot, Ez1Source]:
    config = Ez1Config(
        name="doc", type="apsystems_ez1", url=url, timezone="UTC", night=NightOff(mode="off")
    )
    source = Ez1Source(config, SourceContext(clock, state))
    try:
        return await SourcePoller(source, clock, Hub()).poll_all(), source
    finally:
        await source.close()


async def test_the_manual_examples_end_to_end(clock: ManualClock, tmp_path: Path) -> None:
    async with capture_ez1() as server:
        server.examples()
        snapshot, _ = await poll_once(server.url, clock, tmp_path)
    info = example("getDeviceInfo")["data"]
    output = example("getOutputData")["data"]
    device = example("getOutputData")["deviceId"]
    assert snapshot.health.up, snapshot.health.last_error
    assert [s.id for s in snapshot.sites] == [device]
    assert snapshot.devices[0].firmware == info["devVer"].removeprefix("EZ1 ")
    assert value(snapshot, m.PRODUCTION_POWER.name) == output["p1"] + output["p2"]
    assert value(snapshot, m.DEVICE_ENERGY_TOTAL.name, device) == (
        (output["te1"] + output["te2"]) * 3.6e6
    )
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == (output["e1"] + output["e2"]) * 3.6e6
    for channel in ("1", "2"):
        assert value(snapshot, ez1.CHANNEL_POWER.name, device, (channel,)) == output[f"p{channel}"]
    assert value(snapshot, ez1.POWER_LIMIT.name, device) == float(
        example("getMaxPower")["data"]["maxPower"]
    )
    assert value(snapshot, ez1.POWER_LIMIT_MIN.name, device) == float(info["minPower"])
    assert value(snapshot, ez1.POWER_LIMIT_MAX.name, device) == float(info["maxPower"])
    alarms = example("getAlarm")["data"]
    names = {"og": "off_grid", "isce1": "dc1_short_circuit", "isce2": "dc2_short_circuit"}
    names["oe"] = "output_fault"
    for key, flag in alarms.items():
        assert value(snapshot, ez1.ALARM.name, device, (names[key],)) == float(flag)
    status = example("getOnOff")["data"]["status"]
    assert value(snapshot, ez1.OUTPUT_STATE.name, device) == float(status)
    assert value(snapshot, ez1.OUTPUT_STATE_INFO.name, device, (status, "on")) == 1.0
    assert not any(name.startswith("set") for name in server.seen)


async def test_status_failures_drop_only_their_own_series(
    clock: ManualClock, tmp_path: Path
) -> None:
    failed = example("getMaxPower") | {"message": "FAILED"}
    async with capture_ez1() as server:
        server.examples()
        server.script("getMaxPower", body(failed))
        server.script("getOnOff")  # no answer scripted: 404, as on newer firmware
        server.script("getDeviceInfo", body(b"<html>busy</html>", 503))
        snapshot, source = await poll_once(server.url, clock, tmp_path)
    device = example("getOutputData")["deviceId"]
    assert snapshot.health.up
    assert value(snapshot, ez1.POWER_LIMIT.name, device) is None
    assert value(snapshot, ez1.OUTPUT_STATE.name, device) is None
    assert value(snapshot, ez1.POWER_LIMIT_MAX.name, device) is None
    assert value(snapshot, ez1.ALARM.name, device, ("off_grid",)) == 0.0
    assert snapshot.devices[0].model == "EZ1"  # no device info: the family name only
    assert snapshot.requests[("getMaxPower", "failed")] == 2  # retried once
    assert source.status().notes == (
        "getOnOff: not offered by this EZ1 firmware; its series are left out",
    )
