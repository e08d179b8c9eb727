"""History, KPIs, alarms and outages of the FusionSolar simulator, over real HTTP on loopback.

Expected shapes come from the reference excerpt in tests/data/fusionsolar/seed/ (the historical
device data list and its example) and from the captured getDevKpiDay answer; expected numbers
from what the simulator itself served in real time, fetched through its API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import EQUINOX, NO_LIMITS, Factory, Harness, capture, first_items
from tests.vendors.fusionsolar import seed

HOUR, DAY = 3600, 86400
# Every simulated device type with history; two power sensors: one single-, one three-phase.
ALL_TYPES = {38: 2, 1: 1, 39: 1, 41: 1, 47: 2, 17: 1, 10: 1}
MORNING = EQUINOX + 5 * HOUR  # Mannheim (UTC+1) 06:00: sunrise within the next hour
EVENING = EQUINOX + 18 * HOUR  # Mannheim 19:00: today's production is complete
HOUR_KEYS = {
    "radiation_intensity",
    "theory_power",
    "inverter_power",
    "ongrid_power",
    "power_profit",
}
DAY_KEYS = HOUR_KEYS | {
    "installed_capacity",
    "performance_ratio",
    "use_power",
    "perpower_ratio",
    "reduction_total_co2",
    "reduction_total_coal",
    "reduction_total_tree",
}
CAMEL_KEYS = {
    "PVYield",
    "inverterYield",
    "selfUsePower",
    "selfProvide",
    "buyPower",
    "chargeCap",
    "dischargeCap",
}
ALARM_KEYS = {
    "stationCode",
    "stationName",
    "alarmId",
    "alarmName",
    "alarmCause",
    "causeId",
    "alarmType",
    "devName",
    "esnCode",
    "devTypeId",
    "lev",
    "status",
    "raiseTime",
    "repairSuggestion",
}
Row = dict[str, Any]


def ms(t: float) -> int:
    return int(t * 1000)


def ids(devices: list[Row]) -> str:
    return ",".join(str(d["id"]) for d in devices)


def as_history(items: dict[str, Any], type_id: int) -> dict[str, Any]:
    """What the historical list says a real-time map becomes: its keys only, no "N/A"."""
    keys = set(seed.device_keys(seed.HISTORY)[type_id])
    return {key: None if value == "N/A" else value for key, value in items.items() if key in keys}


async def history(h: Harness, devices: list[Row], type_id: int, start: float, end: float) -> Any:
    span = {"startTime": ms(start), "endTime": ms(end)}
    return await h.post("getDevHistoryKpi", {"devIds": ids(devices), "devTypeId": type_id, **span})


async def poll_live(h: Harness, by_type: dict[int, list[Row]], until: float) -> dict[Any, Any]:
    """Real-time maps every 5 minutes until `until`, keyed by (devId, sample time in ms)."""
    seen = {}
    while h.clock.t < until:
        h.clock.advance(300)
        sample = ms(h.clock.t // 300 * 300)
        for type_id, devices in by_type.items():
            for row in (await h.realtime(devices, type_id))["data"]:
                seen[row["devId"], sample] = (type_id, row["dataItemMap"])
    return seen


def utc_offset(plant: Row) -> int:
    """Seconds east of UTC, from the offset `stations` gives with the grid connection date."""
    sign, hours, minutes = re.findall(r"([+-])(\d\d):(\d\d)$", plant["gridConnectionDate"])[0]
    return (1 if sign == "+" else -1) * (int(hours) * HOUR + int(minutes) * 60)


# --- getDevHistoryKpi -----------------------------------------------------------------------


async def test_history_has_the_documented_keys_and_5_minute_rows(simulator: Factory) -> None:
    h = await simulator(start=EVENING, devices_per_type=ALL_TYPES, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    keys = seed.device_keys(seed.HISTORY)
    for type_id, devices in by_type.items():
        answer = await history(h, devices, type_id, EVENING - HOUR, EVENING)
        assert answer["success"] is True, type_id
        assert answer["params"]["devTypeId"] == type_id
        rows = answer["data"]
        assert len(rows) == 12 * len(devices)  # [start, end): the end itself is left out
        for row in rows:
            assert set(row["dataItemMap"]) == set(keys[type_id]), type_id
    example = seed.example("getDevHistoryKpi")
    (string_inverter,) = by_type[1]
    rows = (await history(h, [string_inverter], 1, EVENING - HOUR, EVENING))["data"]
    assert set(example["data"][0]) <= set(rows[0])
    assert set(rows[0]["dataItemMap"]) == set(example["data"][0]["dataItemMap"])
    times = [row["collectTime"] for row in rows]
    assert times == list(range(ms(EVENING - HOUR), ms(EVENING), 300_000))


async def test_history_equals_what_real_time_served(simulator: Factory) -> None:
    h = await simulator(start=MORNING, devices_per_type=ALL_TYPES, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    seen = await poll_live(h, by_type, MORNING + 2 * HOUR)
    assert {"N/A"} <= {v for _, items in seen.values() for v in items.values()}
    compared = 0
    for type_id, devices in by_type.items():
        answer = await history(h, devices, type_id, MORNING + 1, h.clock.t + 1)
        for row in answer["data"]:
            live_type, live = seen[row["devId"], row["collectTime"]]
            assert row["dataItemMap"] == as_history(live, live_type)
            compared += 1
    assert compared == len(seen) == 24 * sum(ALL_TYPES.values())


async def test_history_covers_the_simulated_past_and_nothing_later(simulator: Factory) -> None:
    h = await simulator(start=EVENING, devices_per_type={38: 1}, plants=1, history_days=1)
    await h.login()
    inverter = (await h.devices())[38]
    (plant,) = (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["data"]["list"]
    midnight = (EVENING + utc_offset(plant)) // DAY * DAY - utc_offset(plant)
    yesterday = (await history(h, inverter, 38, midnight - DAY, midnight))["data"]
    assert len(yesterday) == 288
    h.clock.advance(60)
    before = (await history(h, inverter, 38, midnight - 2 * DAY, midnight - DAY))["data"]
    assert before == []  # the day before the simulation has daily figures only
    h.clock.advance(60)
    ahead = (await history(h, inverter, 38, EVENING - HOUR + 1, EVENING + DAY))["data"]
    assert ahead[0]["collectTime"] == ms(EVENING - HOUR + 300)
    assert ahead[-1]["collectTime"] == ms(EVENING)  # the latest sample, the one real time serves


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"devTypeId": 62}, 20013),
        ({"devTypeId": 46}, 20013),
        ({"devIds": ""}, 20005),
        ({"devIds": ",".join(str(n) for n in range(11))}, 30031),
        ({"devIds": "", "sns": ",".join(f"HV{n}" for n in range(11))}, 20018),
        ({"devIds": "1,2"}, 20008),
        ({"startTime": None}, 20012),
        ({"endTime": ""}, 20012),
        ({"startTime": "soon"}, 30030),
        ({"startTime": ms(EVENING), "endTime": ms(EVENING - 1)}, 20023),
        ({"startTime": ms(EVENING - 3 * DAY) - 1}, 30032),
    ],
)
async def test_history_validation(simulator: Factory, change: Row, code: int) -> None:
    h = await simulator(start=EVENING, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    body = {
        "devIds": ids(by_type[38]),
        "devTypeId": 38,
        "startTime": ms(EVENING - 3 * DAY),
        "endTime": ms(EVENING),
    }
    assert (await h.post("getDevHistoryKpi", body))["success"] is True  # 3 days exactly
    answer = await h.post("getDevHistoryKpi", {**body, **change})
    assert (answer["success"], answer["failCode"], answer["data"]) == (False, code, None)


async def test_history_by_serial_and_type_rights(simulator: Factory) -> None:
    h = await simulator(start=EVENING, granted_types={38}, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    inverter = by_type[38][0]
    body = {"sns": inverter["esnCode"], "devTypeId": 38, "startTime": ms(EVENING - HOUR)}
    rows = (await h.post("getDevHistoryKpi", {**body, "endTime": ms(EVENING)}))["data"]
    assert {(row["devId"], row["sn"]) for row in rows} == {(inverter["id"], inverter["esnCode"])}
    mixed = {"devIds": ids(by_type[38][:1] + by_type[39]), "devTypeId": 38}
    answer = await h.post("getDevHistoryKpi", {**mixed, "startTime": 0, "endTime": 1})
    assert answer["failCode"] == 20006
    battery = {"devIds": ids(by_type[39]), "devTypeId": 39, "startTime": 0, "endTime": 1}
    assert (await h.post("getDevHistoryKpi", battery))["failCode"] == 401


# --- outages --------------------------------------------------------------------------------


async def test_after_an_outage_history_holds_what_a_twin_served_live(simulator: Factory) -> None:
    config = {"plants": 1, "devices_per_type": {38: 1, 39: 1, 47: 1}}
    live = await simulator(start=MORNING, **config, **NO_LIMITS)
    cut = await simulator(start=MORNING, **config)
    await live.login()
    await cut.login()
    by_type = await cut.devices()
    back = MORNING + 2 * HOUR
    cut.sim.faults.update({"down_until": back})
    seen = await poll_live(live, by_type, back)
    while cut.clock.t < back:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await cut.realtime(by_type[38], 38)
        async with cut.http.get(f"{cut.base}/_sim/stats") as r:
            assert r.status == 200
        cut.clock.advance(300)
    assert cut.sim.stats.apis["getDevRealKpi"].faults["down"] == 24
    await cut.login()  # the session lapsed meanwhile; the dropped calls spent no budget
    for type_id, devices in by_type.items():
        rows = (await history(cut, devices, type_id, MORNING + 1, back + 1))["data"]
        assert len(rows) == 24
        for row in rows:
            live_type, items = seen[row["devId"], row["collectTime"]]
            assert row["dataItemMap"] == as_history(items, live_type)
        cut.clock.advance(60)
    assert cut.sim.stats.violations == 0


async def test_the_outage_switch_over_the_admin_endpoint(simulator: Factory) -> None:
    h = await simulator()
    url = f"{h.base}/_sim/faults"
    async with h.http.post(url, json={"down": True}) as r:
        assert (await r.json())["down"] is True
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await h.login()
    async with h.http.post(url, json={"down": "yes"}) as r:
        assert r.status == 400
    async with h.http.post(url, json={"down": False}) as r:
        assert r.status == 200
    assert await h.login()
    assert h.sim.stats.apis["login"].faults["down"] == 1


# --- rate limits ----------------------------------------------------------------------------

BUDGET_DEVICES = {38: 11, 39: 1, 47: 3, 62: 2}
Body = Callable[[dict[int, list[Row]], str], Row]


def history_body(by_type: dict[int, list[Row]], code: str) -> Row:
    return {"devIds": ids(by_type[38][:1]), "devTypeId": 38, "startTime": 0, "endTime": 1}


def station_body(by_type: dict[int, list[Row]], code: str) -> Row:
    return {"stationCodes": code, "collectTime": ms(EVENING)}


def device_body(by_type: dict[int, list[Row]], code: str) -> Row:
    return {"devIds": ids(by_type[39]), "devTypeId": 39, "collectTime": ms(EVENING)}


def per_day(batch: int, types: set[int]) -> int:
    """Σ_t ⌈n_t / batch⌉ + 24 over the types t an interface takes (reference §5)."""
    return sum(math.ceil(n / batch) for t, n in BUDGET_DEVICES.items() if t in types) + 24


@pytest.mark.parametrize(
    ("api", "body", "budget"),
    [
        ("getDevHistoryKpi", history_body, per_day(10, {1, 10, 17, 38, 39, 41, 47})),
        ("getKpiStationHour", station_body, 1 + 24),
        ("getKpiStationDay", station_body, 1 + 24),
        ("getKpiStationMonth", station_body, 1 + 24),
        ("getKpiStationYear", station_body, 1 + 24),
        ("getDevKpiDay", device_body, per_day(100, {1, 38, 39, 41})),
        ("getDevKpiMonth", device_body, per_day(100, {1, 38, 39, 41})),
        ("getDevKpiYear", device_body, per_day(100, {1, 38, 39, 41})),
    ],
)
async def test_daily_budgets_and_one_call_a_minute(
    simulator: Factory, api: str, body: Body, budget: int
) -> None:
    h = await simulator(start=EVENING, plants=1, devices_per_type=BUDGET_DEVICES)
    await h.login()
    code = (await h.plant_codes())[0]
    request = body(await h.devices(), code)
    first = h.clock.t
    assert (await h.post(api, request))["success"] is True
    h.clock.advance(59)
    assert (await h.post(api, request))["failCode"] == 407
    for _ in range(budget - 1):
        h.clock.advance(60)
        assert (await h.post(api, request))["success"] is True
    h.clock.advance(60)
    assert (await h.post(api, request))["failCode"] == 407
    other = "getKpiStationDay" if api == "getKpiStationHour" else "getKpiStationHour"
    assert (await h.post(other, station_body({}, code)))["success"] is True  # a budget of its own
    h.clock.t = first + DAY
    await h.login()
    assert (await h.post(api, request))["success"] is True
    assert h.sim.stats.violations == 2


async def test_alarms_are_limited_per_30_minutes(simulator: Factory) -> None:
    h = await simulator(start=EVENING, plants=150, devices_per_type={})
    await h.login()
    body = {
        "stationCodes": (await h.plant_codes())[0],
        "beginTime": ms(EVENING - DAY),
        "endTime": ms(EVENING),
        "language": "en_US",
    }
    first = h.clock.t
    for _ in range(2):  # k = ⌈150/100⌉ per 30 minutes, no per-minute rule
        assert (await h.post("getAlarmList", body))["success"] is True
    h.clock.advance(1799)
    assert (await h.post("getAlarmList", body))["failCode"] == 407
    h.clock.t = first + 1800
    assert (await h.post("getAlarmList", body))["success"] is True
    assert h.sim.api.limiter.to_json()["getAlarmList"] == [{"calls": 2, "seconds": 1800.0}]


# --- plant and device KPIs ------------------------------------------------------------------


async def kpis(h: Harness, api: str, codes: str, when: float) -> list[Row]:
    answer = await h.post(api, {"stationCodes": codes, "collectTime": ms(when)})
    assert answer["success"] is True, answer
    rows: list[Row] = answer["data"]
    return rows


async def test_plant_kpis_add_up_to_the_real_time_counters(simulator: Factory) -> None:
    h = await simulator(start=EVENING, history_days=2, **NO_LIMITS)
    await h.login()
    plants = (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["data"]["list"]
    code = plants[0]["plantCode"]
    offset = utc_offset(plants[0])
    today = (EVENING + offset) // DAY * DAY - offset
    live = first_items(await h.post("getStationRealKpi", {"stationCodes": code}))

    hours = await kpis(h, "getKpiStationHour", code, today - DAY)
    days = await kpis(h, "getKpiStationDay", code, today)
    months = await kpis(h, "getKpiStationMonth", code, today)
    years = await kpis(h, "getKpiStationYear", code, today)
    assert [row["collectTime"] for row in hours] == [ms(today - DAY + n * HOUR) for n in range(24)]
    assert all((row["collectTime"] // 1000 + offset) % DAY == 0 for row in days + months + years)

    def total(rows: list[Row], key: str = "inverter_power") -> float:
        return float(sum(row["dataItemMap"][key] for row in rows))

    by_time = {row["collectTime"]: row["dataItemMap"] for row in days}
    assert total(hours) == pytest.approx(by_time[ms(today - DAY)]["inverter_power"], abs=0.02)
    assert by_time[ms(today)]["inverter_power"] == pytest.approx(live["day_power"], abs=0.002)
    assert months[-1]["dataItemMap"]["inverter_power"] == pytest.approx(total(days), abs=0.05)
    assert months[-1]["dataItemMap"]["inverter_power"] == pytest.approx(
        live["month_power"], abs=0.002
    )
    assert total(years) == pytest.approx(live["total_power"], abs=0.05)
    assert years[-1]["dataItemMap"]["inverter_power"] == pytest.approx(total(months), abs=0.01)
    february = await kpis(h, "getKpiStationDay", code, today - 30 * DAY)  # before the simulation
    assert len(february) == 28
    assert months[-2]["dataItemMap"]["inverter_power"] == pytest.approx(total(february), abs=0.05)
    assert total(february, "use_power") == pytest.approx(
        total(february, "selfProvide") + total(february, "buyPower"), abs=0.05
    )
    assert len(days) == 20  # 1 to 20 March
    day = by_time[ms(today)]
    assert set(day) == DAY_KEYS | CAMEL_KEYS
    assert day["performance_ratio"] == pytest.approx(
        100 * day["inverter_power"] / day["theory_power"], abs=0.01
    )
    assert day["selfUsePower"] == pytest.approx(day["inverter_power"] - day["ongrid_power"])
    assert day["use_power"] == pytest.approx(day["selfProvide"] + day["buyPower"], abs=0.002)


async def test_plant_kpi_windows_nulls_and_interleaving(simulator: Factory) -> None:
    h = await simulator(start=EVENING, kpi_camel_case=False, **NO_LIMITS)
    await h.login()
    codes = ",".join(await h.plant_codes())
    hours = await kpis(h, "getKpiStationHour", codes, EVENING)
    times = [row["collectTime"] for row in hours]
    assert times == sorted(times)
    assert {row["stationCode"] for row in hours} == set(codes.split(","))
    assert all(set(row["dataItemMap"]) == HOUR_KEYS for row in hours)
    # Only the simulated hours exist: yesterday has a daily row, but no hourly ones.
    assert await kpis(h, "getKpiStationHour", codes, EVENING - DAY) == []
    days = await kpis(h, "getKpiStationDay", codes, EVENING)
    assert len({row["collectTime"] for row in days}) > 19
    equipped, bare = (
        next(row["dataItemMap"] for row in reversed(days) if row["stationCode"] == code)
        for code in codes.split(",")
    )
    assert set(equipped) == DAY_KEYS
    assert None not in equipped.values()
    # Plant 2 has an inverter and a dongle only: no irradiation, consumption or grid import.
    nulls = {"radiation_intensity", "theory_power", "performance_ratio", "use_power"}
    assert {key for key, value in bare.items() if value is None} == nulls
    assert bare["ongrid_power"] == bare["inverter_power"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"collectTime": ms(EVENING)}, 20010),
        ({"stationCodes": ",".join(f"NE={n}" for n in range(101)), "collectTime": 0}, 20014),
        ({"stationCodes": "NE=1", "collectTime": 0}, 20007),
        ({"stationCodes": "{code}"}, 20012),
        ({"stationCodes": "{code}", "collectTime": "today"}, 30030),
    ],
)
async def test_plant_kpi_validation(simulator: Factory, body: Row, code: int) -> None:
    h = await simulator(start=EVENING, **NO_LIMITS)
    await h.login()
    plant = (await h.plant_codes())[0]
    request = {key: str(value).format(code=plant) for key, value in body.items()}
    for grain in ("Hour", "Day", "Month", "Year"):
        assert (await h.post(f"getKpiStation{grain}", request))["failCode"] == code


async def test_device_kpis_match_the_capture_and_the_real_time_counters(
    simulator: Factory,
) -> None:
    h = await simulator(start=EVENING, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    inverter, battery = by_type[38][:1], by_type[39]
    body = {"devIds": ids(inverter), "devTypeId": 38, "collectTime": ms(EVENING)}
    days = (await h.post("getDevKpiDay", body))["data"]
    years = (await h.post("getDevKpiYear", body))["data"]
    captured = capture("getDevKpiDay__type38_residential_inverter")["data"][0]
    assert set(days[0]) == set(captured)
    assert set(days[0]["dataItemMap"]) == set(captured["dataItemMap"])
    for row in days:
        items = row["dataItemMap"]
        assert items["perpower_ratio"] == items["product_power"] / items["installed_capacity"]
    live = first_items(await h.realtime(inverter, 38))
    assert days[-1]["dataItemMap"]["product_power"] == pytest.approx(live["day_cap"], abs=0.01)
    lifetime = sum(row["dataItemMap"]["product_power"] for row in years)
    assert lifetime == pytest.approx(live["total_cap"], abs=0.05)

    battery_days = await h.post("getDevKpiDay", {**body, "devIds": ids(battery), "devTypeId": 39})
    today = battery_days["data"][-1]["dataItemMap"]
    assert set(today) == {"charge_cap", "discharge_cap", "charge_time", "discharge_time"}
    live = first_items(await h.realtime(battery, 39))
    assert today["charge_cap"] == pytest.approx(live["charge_cap"], abs=0.01)
    assert today["discharge_cap"] == pytest.approx(live["discharge_cap"], abs=0.01)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"devTypeId": 47}, 20013),
        ({"devIds": "", "sns": "{sn}"}, 20005),
        ({"devIds": ",".join(str(n) for n in range(101))}, 20016),
        ({"collectTime": ""}, 20012),
    ],
)
async def test_device_kpi_validation(simulator: Factory, change: Row, code: int) -> None:
    h = await simulator(start=EVENING, **NO_LIMITS)
    await h.login()
    inverter = (await h.devices())[38][0]
    body = {"devIds": str(inverter["id"]), "devTypeId": 38, "collectTime": ms(EVENING)}
    request = {**body, **{k: str(v).format(sn=inverter["esnCode"]) for k, v in change.items()}}
    for grain in ("Day", "Month", "Year"):
        assert (await h.post(f"getDevKpi{grain}", request))["failCode"] == code


# --- alarms ---------------------------------------------------------------------------------


async def alarms(h: Harness, codes: str, since: float, **filters: str) -> list[Row]:
    body = {
        "stationCodes": codes,
        "beginTime": ms(since),
        "endTime": ms(h.clock.t),
        "language": "en_US",
        **filters,
    }
    answer = await h.post("getAlarmList", body)
    assert answer["success"] is True, answer
    rows: list[Row] = answer["data"]
    return rows


def identity(row: Row) -> tuple[Any, ...]:
    return row["esnCode"], row["alarmId"], row["causeId"], row["raiseTime"]


async def test_alarms_are_raised_and_cleared_over_time(simulator: Factory) -> None:
    config = {"start": EVENING, "alarm_rate": 3.0, **NO_LIMITS}
    h, twin = await simulator(**config), await simulator(**config)
    await h.login()
    await twin.login()
    codes = ",".join(await h.plant_codes())
    since = EVENING - 10 * DAY
    before = await alarms(h, codes, since)
    assert before == await alarms(twin, codes, since)  # deterministic
    assert len(before) > 10
    for row in before:
        assert set(row) == ALARM_KEYS
        assert row["lev"] in (1, 2, 3, 4)
        assert row["alarmType"] in (1, 2, 3, 4, 5)
        assert row["status"] in (1, 2, 3, 4, 5, 6)
        assert ms(since) <= row["raiseTime"] <= ms(EVENING)
    assert [row["raiseTime"] for row in before] == sorted(
        (row["raiseTime"] for row in before), reverse=True
    )
    active = [identity(row) for row in before if row["status"] in (1, 2)]
    assert active
    assert 6 in {row["status"] for row in before}
    h.clock.advance(8 * DAY)
    await h.login()
    after = {identity(row): row for row in await alarms(h, codes, since)}
    assert set(after) > {identity(row) for row in before}
    assert {after[key]["status"] for key in active} <= {5, 6}
    only_active = await alarms(h, codes, since, status="1,2")
    assert {row["status"] for row in only_active} <= {1, 2}
    warnings = await alarms(h, codes, since, levels="4")
    assert warnings
    assert all(row["lev"] == 4 for row in warnings)
    string_inverters = await alarms(h, codes, since, devTypes="1")
    assert {row["devTypeId"] for row in string_inverters} == {1}
    assert {row["alarmType"] for row in await alarms(h, codes, since, types="3")} == {3}
    name = before[0]["devName"]
    assert {row["devName"] for row in await alarms(h, codes, since, devName=name)} == {name}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"stationCodes": ""}, 20010),
        ({"beginTime": None}, 20012),
        ({"beginTime": ms(EVENING + 1)}, 20023),
        ({"beginTime": ms(EVENING - 31 * DAY) - 1}, 20027),
        ({"beginTime": ms(EVENING - 366 * DAY), "endTime": ms(EVENING - 360 * DAY)}, 20026),
        ({"language": ""}, 20024),
        ({"language": "en_GB"}, 20025),
        ({"status": "active"}, 30030),
    ],
)
async def test_alarm_validation(simulator: Factory, change: Row, code: int) -> None:
    h = await simulator(start=EVENING, **NO_LIMITS)
    await h.login()
    body = {
        "stationCodes": ",".join(await h.plant_codes()),
        "beginTime": ms(EVENING - 31 * DAY),
        "endTime": ms(EVENING),
        "language": "de_DE",
    }
    assert (await h.post("getAlarmList", body))["success"] is True
    answer = await h.post("getAlarmList", {**body, **change})
    assert (answer["success"], answer["failCode"]) == (False, code)
