"""The whole source against a server answering with real captured bodies of one installation.

The KornSW captures (plant list, device list, plant KPIs, inverter and dongle data) come from
one installation, plant NE=35436844. The legacy plant list was redacted upstream (its code
became "xxxxxxxxxxxx"); the pyhfs battery and power-sensor captures carry an anonymised
devId. The test aligns those identifiers with the installation, and nothing else, so that the
devices belong to the plant. Expected values are computed here from the capture files.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.sources.base import SourceContext
from solar2prom.sources.fusionsolar import FusionSolarConfig, FusionSolarSource
from tests.conftest import ManualClock
from tests.vendors.fusionsolar.conftest import CaptureServer, load

PLANT = "NE=35436844"
INVERTER, BATTERY, METER, DONGLE = (
    "1000000035436846",
    "1000000035436848",
    "1000000035436847",
    "1000000035436845",
)
CAPTURE_BY_TYPE = {
    1: ("getDevRealKpi__type1_string_inverter_close_time_na", INVERTER),
    39: ("getDevRealKpi__type39_residential_battery", BATTERY),
    47: ("getDevRealKpi__type47_power_sensor_na_and_nulls", METER),
}


NOT_GRANTED = {"success": False, "failCode": 401, "message": "Invalid access to current interface!"}


def legacy_plants() -> dict[str, Any]:
    body = load("getStationList__one_plant_redacted_upstream")
    body["data"][0]["stationCode"] = PLANT
    return body


def device_kpis(request: dict[str, Any]) -> web.Response:
    type_id = int(request["devTypeId"])
    name, dev_id = CAPTURE_BY_TYPE[type_id]
    body = copy.deepcopy(load(name))
    body["data"][0]["devId"] = int(dev_id)
    return web.json_response(body)


def items(type_id: int) -> dict[str, Any]:
    data: dict[str, Any] = load(CAPTURE_BY_TYPE[type_id][0])["data"][0]["dataItemMap"]
    return data


def value(snapshot: Snapshot, metric: str, device: str = "") -> float | None:
    found = [
        r.value
        for r in snapshot.readings
        if r.metric.name == metric and r.site == PLANT and r.device == device
    ]
    assert len(found) <= 1
    return found[0] if found else None


async def test_real_captures_end_to_end(
    server: CaptureServer, clock: ManualClock, tmp_path: Path
) -> None:
    server.script("stations", lambda _: web.json_response(NOT_GRANTED))
    server.script("getStationList", lambda _: web.json_response(legacy_plants()))
    server.script(
        "getDevList",
        lambda _: web.json_response(load("getDevList__dongle_inverter_battery_meter")),
    )
    server.script(
        "getStationRealKpi",
        lambda _: web.json_response(load("getStationRealKpi__one_plant_numeric_values")),
    )
    server.script("getDevRealKpi", device_kpis)
    # No captures exist of the KPI, alarm and history interfaces: the account has no rights.
    for api in (
        "getKpiStationHour",
        "getKpiStationDay",
        "getKpiStationMonth",
        "getKpiStationYear",
        "getDevKpiDay",
        "getDevKpiMonth",
        "getDevKpiYear",
        "getAlarmList",
        "getDevHistoryKpi",
    ):
        server.script(api, lambda _: web.json_response(NOT_GRANTED))
    config = FusionSolarConfig(
        name="captured",
        type="fusionsolar",
        url=server.url,
        username="api-user",
        system_code=SecretStr("x"),
        night=NightOff(mode="off"),
    )
    source = FusionSolarSource(config, SourceContext(clock, tmp_path))
    poller = SourcePoller(source, clock, Hub())
    try:
        snapshot = await poller.poll_all()
    finally:
        await source.close()

    assert snapshot.health.up, snapshot.health.last_error
    (site,) = snapshot.sites
    assert site.id == PLANT
    assert dict(site.extra)["capacity_watts"] == "9000"  # 0.009 MW in the legacy list
    assert {d.id for d in snapshot.devices} == {INVERTER, BATTERY, METER, DONGLE}
    # Only real-time types are asked, one call per type: the dongle (62) is not.
    asked = sorted(int(body["devTypeId"]) for api, body, _ in server.seen if api == "getDevRealKpi")
    assert asked == [1, 39, 47]

    plant = load("getStationRealKpi__one_plant_numeric_values")["data"][0]["dataItemMap"]
    assert value(snapshot, m.PRODUCTION_ENERGY_TOTAL.name) == pytest.approx(
        plant["total_power"] * 3.6e6
    )
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == pytest.approx(
        plant["day_power"] * 3.6e6
    )
    inverter = items(1)
    assert value(snapshot, m.DEVICE_POWER.name, INVERTER) == pytest.approx(
        inverter["active_power"] * 1000
    )
    assert value(snapshot, m.PRODUCTION_POWER.name) == pytest.approx(
        inverter["active_power"] * 1000
    )
    assert value(snapshot, m.DEVICE_ENERGY_TOTAL.name, INVERTER) == pytest.approx(
        inverter["total_cap"] * 3.6e6
    )
    assert value(snapshot, m.DEVICE_TEMPERATURE.name, INVERTER) == inverter["temperature"]
    battery = items(39)
    assert value(snapshot, m.DEVICE_POWER.name, BATTERY) == -battery["ch_discharge_power"]
    assert value(snapshot, m.BATTERY_SOC.name) == pytest.approx(battery["battery_soc"] / 100)
    meter = items(47)
    assert value(snapshot, m.GRID_POWER.name) == -meter["active_power"]
    assert value(snapshot, m.GRID_IMPORT_ENERGY_TOTAL.name) == pytest.approx(
        meter["reverse_active_cap"] * 3.6e6
    )
    assert value(snapshot, m.GRID_EXPORT_ENERGY_TOTAL.name) == pytest.approx(
        meter["active_cap"] * 3.6e6
    )
    # "N/A" and null items of the power sensor produce no series.
    na_keys = [k for k, v in meter.items() if v in ("N/A", None)]
    assert na_keys
    meter_series = [r for r in snapshot.readings if r.device == METER]
    assert meter_series
    assert all(r.value == r.value for r in meter_series)  # no NaN stands in for a gap
    phases = {
        r.labels: r.value
        for r in meter_series
        if r.metric.name == "fusionsolar_meter_phase_voltage_volts"
    }
    assert phases == {("a",): meter["meter_u"]}  # b_u and c_u are "N/A"
