"""The FusionSolar simulator, driven over real HTTP on loopback with a hand-moved clock."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import EQUINOX, LOGIN, NO_LIMITS, NOON_UTC, Factory, capture, first_items


def keys_with(items: dict[str, Any], marker: object) -> set[str]:
    return {key for key, value in items.items() if value == marker}


# --- authentication ----------------------------------------------------------------------


async def test_login_returns_token_in_header_and_cookie(simulator: Factory) -> None:
    h = await simulator()
    async with h.http.post(f"{h.base}/thirdData/login", json=LOGIN) as r:
        body = await r.json()
        token = r.headers["xsrf-token"]
        cookie = r.cookies["XSRF-TOKEN"]
    assert body == capture("login__success_params_empty_object")
    assert re.fullmatch(r"x-[a-z0-9]{40,}", token)
    assert cookie.value == token
    assert cookie["secure"]
    assert cookie["path"] == "/"
    assert (await h.post("getStationList", token=token))["failCode"] == 401


@pytest.mark.parametrize(
    "credentials",
    [{"userName": "demo", "systemCode": "wrong"}, {"userName": "nobody", "systemCode": "x"}, {}],
)
async def test_wrong_credentials_answer_an_empty_body(
    simulator: Factory, credentials: dict[str, str]
) -> None:
    h = await simulator()
    async with h.http.post(f"{h.base}/thirdData/login", json=credentials) as r:
        assert r.status == 200
        assert await r.read() == b""
        assert "xsrf-token" not in r.headers
    assert h.sim.stats.apis["login"].empty_bodies == 1


async def test_five_wrong_passwords_lock_the_user_for_30_minutes(simulator: Factory) -> None:
    h = await simulator()
    wrong = {"userName": "demo", "systemCode": "guess"}
    for _ in range(5):
        async with h.http.post(f"{h.base}/thirdData/login", json=wrong) as r:
            assert await r.read() == b""
    h.clock.t += 601  # past the login budget window, still inside the lock
    async with h.http.post(f"{h.base}/thirdData/login", json=LOGIN) as r:
        locked = await r.json()
        assert "xsrf-token" not in r.headers
    assert locked["failCode"] == 20400
    assert locked["success"] is False
    h.clock.t += 1200
    assert await h.login()


async def test_a_good_login_clears_the_wrong_password_streak(simulator: Factory) -> None:
    h = await simulator(enforce_limits=False)
    wrong = {"userName": "demo", "systemCode": "guess"}
    for attempt in range(8):
        if attempt == 4:
            await h.login()
        else:
            async with h.http.post(f"{h.base}/thirdData/login", json=wrong) as r:
                assert await r.read() == b""
    assert await h.login()


async def test_sixth_login_within_ten_minutes_is_refused(simulator: Factory) -> None:
    h = await simulator()
    for _ in range(5):
        await h.login()
        h.clock.t += 60
    async with h.http.post(f"{h.base}/thirdData/login", json=LOGIN) as r:
        assert await r.json() == capture("error__failCode407_access_frequency_is_too_high")
        assert "xsrf-token" not in r.headers
    assert h.sim.stats.violations == 1
    h.clock.t += 301  # the first login leaves the 10-minute window
    assert await h.login()


async def test_a_new_login_invalidates_the_previous_token(simulator: Factory) -> None:
    h = await simulator()
    first = await h.login()
    second = await h.login()
    assert first != second
    relogin = capture("error__failCode305_user_must_relogin")
    assert await h.post("getStationList", token=first) == relogin
    assert (await h.post("getStationList", token=second))["failCode"] == 401


async def test_data_calls_need_the_token_header_in_any_case(simulator: Factory) -> None:
    h = await simulator()
    token = await h.login()
    relogin = capture("error__failCode305_user_must_relogin")
    assert await h.post("stations", {"pageNo": 1, "pageSize": 10}, token="") == relogin
    assert await h.post("stations", {"pageNo": 1, "pageSize": 10}, token="x-forged") == relogin
    page = {"pageNo": 1, "pageSize": 10}
    url = f"{h.base}/thirdData/stations"
    async with h.http.post(url, json=page, headers={"xsrf-token": token}) as r:
        assert (await r.json())["success"] is True


async def test_token_expires_after_30_idle_minutes_and_slides_with_use(simulator: Factory) -> None:
    h = await simulator(**NO_LIMITS)
    await h.login()
    for _ in range(3):  # 87 minutes in total, never idle for 30
        h.clock.t += 29 * 60
        assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["success"] is True
    h.clock.t += 30 * 60
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 305


async def test_logout_ends_the_session(simulator: Factory) -> None:
    h = await simulator()
    token = await h.login()
    answer = await h.post("logout", {"xsrfToken": token})
    assert answer["success"] is True
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 305
    assert (await h.post("logout", {"xsrfToken": token}))["failCode"] == 305


@pytest.mark.parametrize(("state", "code"), [("expired", 20003), ("forbidden", 20002)])
async def test_refused_accounts_fail_at_login(simulator: Factory, state: str, code: int) -> None:
    h = await simulator(account_state=state)
    async with h.http.post(f"{h.base}/thirdData/login", json=LOGIN) as r:
        assert (await r.json())["failCode"] == code
        assert "xsrf-token" not in r.headers


async def test_account_not_authorized_by_owner_fails_data_calls(simulator: Factory) -> None:
    h = await simulator(account_state="not_authorized")
    await h.login()
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 20056


# --- plant and device lists ---------------------------------------------------------------


async def test_stations_pages_through_all_plants(simulator: Factory) -> None:
    h = await simulator(plants=25, devices_per_type={}, **NO_LIMITS)
    await h.login()
    seen = []
    for page in (1, 2, 3, 4):
        answer = await h.post("stations", {"pageNo": page, "pageSize": 10})
        assert answer["success"] is True
        assert answer["message"] == "get plant list success"
        assert "params" not in answer
        data = answer["data"]
        assert (data["pageCount"], data["pageNo"], data["pageSize"], data["total"]) == (
            3,
            page,
            10,
            25,
        )
        seen += data["list"]
    assert len(seen) == len({p["plantCode"] for p in seen}) == 25
    plant = seen[0]
    expected = capture("stations__one_plant_fields_blanked_upstream")["data"]["list"][0]
    assert set(plant) == set(expected)
    assert re.fullmatch(r"NE=\d{8}", plant["plantCode"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", plant["gridConnectionDate"])
    assert isinstance(plant["capacity"], int | float)
    assert seen[9]["latitude"] == seen[9]["longitude"] == ""  # the quirk of unset coordinates


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"pageSize": 10}, 30004),
        ({"pageNo": 0, "pageSize": 10}, 30021),
        ({"pageNo": 1}, 30005),
        ({"pageNo": 1, "pageSize": 25}, 30006),
        ({"pageNo": 1, "pageSize": 10, "gridConnectedStartTime": 0}, 30007),
    ],
)
async def test_stations_validates_its_parameters(
    simulator: Factory, body: dict[str, int], code: int
) -> None:
    h = await simulator()
    await h.login()
    answer = await h.post("stations", body)
    assert (answer["success"], answer["failCode"], answer["data"]) == (False, code, None)
    assert answer["params"]["currentTime"] == int(h.clock.t * 1000)


async def test_legacy_station_list_reports_megawatts(simulator: Factory) -> None:
    h = await simulator(legacy_station_list=True)
    await h.login()
    legacy = (await h.post("getStationList"))["data"]
    current = (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["data"]["list"]
    assert set(legacy[0]) == set(capture("getStationList__one_plant_redacted_upstream")["data"][0])
    assert legacy[0]["capacity"] == pytest.approx(current[0]["capacity"] / 1000)


async def test_dev_list_shapes_and_validation(simulator: Factory) -> None:
    h = await simulator(plants=3, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    assert sorted(by_type) == [1, 10, 17, 38, 39, 47, 62]
    rows = [d for devs in by_type.values() for d in devs]
    assert set(capture("getDevList__dongle_inverter_battery_meter")["data"][0]) <= set(rows[0])
    assert all(isinstance(d["id"], int) and 15 <= len(str(d["id"])) <= 16 for d in rows)
    assert by_type[39][0]["esnCode"] is None
    assert by_type[38][0]["invType"].startswith("SUN2000-")
    assert (await h.post("getDevList", {}))["failCode"] == 20010
    many = ",".join(f"NE={n}" for n in range(101))
    assert (await h.post("getDevList", {"stationCodes": many}))["failCode"] == 20015
    assert (await h.post("getDevList", {"stationCodes": "NE=1"}))["failCode"] == 20007


# --- real-time data -----------------------------------------------------------------------


async def test_device_kpis_have_the_captured_shapes(simulator: Factory) -> None:
    h = await simulator(**NO_LIMITS)
    await h.login()
    by_type = await h.devices()

    answer = await h.realtime(by_type[38], "38")
    assert answer["params"]["devTypeId"] == "38"
    day, night = (row["dataItemMap"] for row in answer["data"])
    expected = capture("getDevRealKpi__type38_residential_inverter")["data"][0]["dataItemMap"]
    assert set(day) == set(expected)
    assert day["inverter_state"] == 512.0
    assert isinstance(day["inverter_state"], float)
    assert day["active_power"] > 0
    assert day["close_time"] == "N/A"
    assert night["inverter_state"] == 40960.0
    assert night["active_power"] == 0.0

    string = (await h.realtime(by_type[1], 1))["data"][0]["dataItemMap"]
    expected = capture("getDevRealKpi__type1_string_inverter_close_time_na")["data"][0]
    extra = set(string) - set(expected["dataItemMap"])
    assert extra == {f"pv{n}_{q}" for n in (25, 26, 27, 28) for q in "ui"}
    assert string["mppt_total_cap"] == pytest.approx(
        sum(string[f"mppt_{n}_cap"] for n in range(1, 11)), abs=0.05
    )
    assert string["mppt_total_cap"] > string["total_cap"]

    battery = (await h.realtime(by_type[39], 39))["data"][0]
    expected = capture("getDevRealKpi__type39_residential_battery")["data"][0]
    assert battery["sn"] == "null"
    assert set(battery["dataItemMap"]) == set(expected["dataItemMap"])
    assert isinstance(battery["dataItemMap"]["battery_status"], float)

    sensor = (await h.realtime(by_type[47], 47))["data"][0]["dataItemMap"]
    expected = capture("getDevRealKpi__type47_power_sensor_na_and_nulls")["data"][0]["dataItemMap"]
    assert set(sensor) == set(expected)
    for marker in ("N/A", None):
        assert keys_with(sensor, marker) == keys_with(expected, marker)
    assert sensor["meter_status"] == 1.0

    meter = (await h.realtime(by_type[17], 17))["data"][0]["dataItemMap"]
    assert meter["grid_frequency"] is None and meter["positive_active_peak"] is None
    assert isinstance(meter["active_cap"], float) and isinstance(meter["a_u"], float)

    emi = (await h.realtime(by_type[10], 10))["data"][0]["dataItemMap"]
    assert emi["radiant_line"] > 0 and emi["horiz_radiant_line"] is None

    dongle = await h.realtime(by_type[62], 62)
    assert [row["dataItemMap"] for row in dongle["data"]] == [{}, {}]


async def test_device_kpis_by_serial_number(simulator: Factory) -> None:
    h = await simulator(**NO_LIMITS)
    await h.login()
    inverter = (await h.devices())[38][0]
    answer = await h.post("getDevRealKpi", {"sns": inverter["esnCode"], "devTypeId": 38})
    assert [(row["devId"], row["sn"]) for row in answer["data"]] == [
        (inverter["id"], inverter["esnCode"])
    ]


async def test_device_kpi_validation(simulator: Factory) -> None:
    h = await simulator(devices_per_type={38: 2, 39: 1, 46: 1}, granted_types={38, 46}, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    mixed = by_type[38] + by_type[39]
    assert (await h.realtime(mixed, 38))["failCode"] == 20006
    assert (await h.realtime(by_type[46], 46))["failCode"] == 20013
    assert (await h.realtime(by_type[39], 39))["failCode"] == 401
    assert (await h.post("getDevRealKpi", {"devTypeId": 38}))["failCode"] == 20005
    ids = ",".join(str(n) for n in range(101))
    assert (await h.post("getDevRealKpi", {"devIds": ids, "devTypeId": 38}))["failCode"] == 20016
    assert (await h.post("getDevRealKpi", {"devIds": "1", "devTypeId": 38}))["failCode"] == 20008


@pytest.mark.parametrize(
    ("codes", "code"),
    [("", 20010), (",".join(f"NE={n}" for n in range(101)), 20014), ("NE=1,NE=2", 20007)],
)
async def test_plant_kpi_validation(simulator: Factory, codes: str, code: int) -> None:
    h = await simulator()
    await h.login()
    assert (await h.post("getStationRealKpi", {"stationCodes": codes}))["failCode"] == code


async def test_interfaces_not_simulated_answer_401(simulator: Factory) -> None:
    h = await simulator()
    await h.login()
    # Offline since 2023 and never granted to newer accounts.
    answer = await h.post("getDevFiveMinutes", {"devIds": "1", "devTypeId": 1})
    assert (answer["failCode"], answer["message"]) == (401, "Invalid access to current interface!")


async def test_plant_kpis_add_up_the_inverters(simulator: Factory) -> None:
    h = await simulator(**NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    inverters = by_type[38][:1] + by_type[1]
    code = inverters[0]["stationCode"]
    kpi = first_items(await h.post("getStationRealKpi", {"stationCodes": code}))
    expected = first_items(capture("getStationRealKpi__one_plant_numeric_values"))
    assert set(kpi) == set(expected)
    assert kpi["real_health_state"] == 3
    devices = [first_items(await h.realtime([d], d["devTypeId"])) for d in inverters]
    assert kpi["day_power"] == pytest.approx(sum(m["day_cap"] for m in devices), abs=0.05)
    assert kpi["total_power"] == pytest.approx(sum(m["total_cap"] for m in devices), abs=0.05)
    assert kpi["month_power"] >= kpi["day_power"]


async def test_plant_kpis_as_strings_like_the_documentation(simulator: Factory) -> None:
    h = await simulator(kpi_as_strings=True)
    await h.login()
    plants = (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["data"]["list"]
    kpi = (await h.post("getStationRealKpi", {"stationCodes": plants[0]["plantCode"]}))["data"]
    items = kpi[0]["dataItemMap"]
    assert items["real_health_state"] == "3"
    assert re.fullmatch(r"\d+\.\d{3}", items["total_power"])


async def test_production_follows_the_sun(simulator: Factory) -> None:
    h = await simulator(start=EQUINOX, devices_per_type={38: 1, 47: 1}, plants=1, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    plant = (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["data"]["list"][0]
    solar_noon = EQUINOX + (12 - plant["longitude"] / 15) * 3600
    for when, producing in ((solar_noon, True), (solar_noon + 12 * 3600, False)):
        h.clock.t = when
        await h.login()
        inverter = (await h.realtime(by_type[38], 38))["data"][0]["dataItemMap"]
        sensor = (await h.realtime(by_type[47], 47))["data"][0]["dataItemMap"]
        if producing:
            assert inverter["active_power"] > 0.1 * plant["capacity"]
            assert inverter["pv1_u"] > 200
        else:
            assert inverter["active_power"] == 0.0
            assert inverter["pv1_i"] == 0.0
            assert sensor["active_power"] < 0  # the household imports at night


async def test_counters_never_decrease_over_a_simulated_day(simulator: Factory) -> None:
    h = await simulator(start=EQUINOX, **NO_LIMITS)
    await h.login()
    by_type = await h.devices()
    codes = ",".join({d["stationCode"] for devs in by_type.values() for d in devs})
    lifetime = ("total_cap", "mppt_1_cap", "mppt_total_cap", "active_cap", "reverse_active_cap")
    first: dict[tuple[Any, str], float] = {}
    last: dict[tuple[Any, str], float] = {}
    for _ in range(26 * 4):
        h.clock.t += 900
        rows = (await h.post("getStationRealKpi", {"stationCodes": codes}))["data"]
        samples = [(row["stationCode"], row["dataItemMap"]) for row in rows]
        for type_id in (1, 38, 47, 17):
            rows = (await h.realtime(by_type[type_id], type_id))["data"]
            samples += [(row["devId"], row["dataItemMap"]) for row in rows]
        for owner, items in samples:
            for key in (*lifetime, "total_power", "month_power"):
                if key in items:
                    assert items[key] >= last.get((owner, key), 0.0), (owner, key)
                    last[owner, key] = items[key]
                    first.setdefault((owner, key), items[key])
    assert len(last) == 15
    grown = {key for key, value in last.items() if value > first[key]}
    assert {key for key in last if key[1] in ("total_power", "total_cap")} <= grown


async def test_day_totals_keep_yesterday_until_production_resumes(simulator: Factory) -> None:
    # Mannheim is UTC+1: 20:00 UTC is evening, 23:30 UTC is just past local midnight.
    h = await simulator(start=EQUINOX, plants=1, devices_per_type={38: 1}, **NO_LIMITS)
    await h.login()
    inverter = (await h.devices())[38]
    code = inverter[0]["stationCode"]

    async def totals() -> tuple[float, float]:
        kpi = first_items(await h.post("getStationRealKpi", {"stationCodes": code}))
        device = first_items(await h.realtime(inverter, 38))
        return kpi["day_power"], device["day_cap"]

    h.clock.t = EQUINOX + 20 * 3600
    await h.login()
    evening = await totals()
    h.clock.t = EQUINOX + 23.5 * 3600
    await h.login()
    assert await totals() == evening
    h.clock.t = EQUINOX + 24 * 3600 + 8 * 3600
    await h.login()
    morning = await totals()
    assert 0 < morning[0] < evening[0]
    assert morning[0] == pytest.approx(morning[1], abs=0.01)


# --- rate limits --------------------------------------------------------------------------


async def test_station_kpis_are_limited_per_five_minutes(simulator: Factory) -> None:
    h = await simulator()
    await h.login()
    code = (await h.plant_codes())[0]
    too_frequent = capture("error__failCode407_access_frequency_is_too_high")
    assert (await h.post("getStationRealKpi", {"stationCodes": code}))["success"] is True
    for offset in (1, 60, 299):
        h.clock.t = NOON_UTC + offset
        assert await h.post("getStationRealKpi", {"stationCodes": code}) == too_frequent
    h.clock.t = NOON_UTC + 300
    assert (await h.post("getStationRealKpi", {"stationCodes": code}))["success"] is True
    assert h.sim.stats.violations == 3
    assert h.sim.stats.apis["getStationRealKpi"].fail_codes[407] == 3


async def test_station_kpis_with_two_plant_batches_still_wait_a_minute(simulator: Factory) -> None:
    h = await simulator(plants=150, devices_per_type={})
    await h.login()
    body = {"stationCodes": (await h.plant_codes())[0]}
    assert (await h.post("getStationRealKpi", body))["success"] is True
    h.clock.t += 59
    assert (await h.post("getStationRealKpi", body))["failCode"] == 407
    h.clock.t += 1
    assert (await h.post("getStationRealKpi", body))["success"] is True
    h.clock.t += 60
    assert (await h.post("getStationRealKpi", body))["failCode"] == 407  # k = 2 per 5 minutes
    h.clock.t += 180
    assert (await h.post("getStationRealKpi", body))["success"] is True


async def test_device_kpis_share_one_budget_across_types(simulator: Factory) -> None:
    h = await simulator(devices_per_type={38: 150, 39: 1, 47: 1})
    await h.login()
    by_type = await h.devices()
    batches = [by_type[38][:100], by_type[38][100:], by_type[39], by_type[47]]
    for devices in batches:  # ⌈150/100⌉ + 1 + 1 = 4 calls per 5 minutes
        assert (await h.realtime(devices, devices[0]["devTypeId"]))["success"] is True
    assert (await h.realtime(by_type[39], 39))["failCode"] == 407
    h.clock.t += 300
    assert (await h.realtime(by_type[39], 39))["success"] is True
    limits = {w["seconds"]: w["calls"] for w in h.sim.api.limiter.to_json()["getDevRealKpi"]}
    assert limits == {300.0: 4}


async def test_daily_budgets(simulator: Factory) -> None:
    h = await simulator(plants=1, devices_per_type={})
    await h.login()
    for _ in range(35):  # ⌈1/100⌉ × 10 + 25 per day
        assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["success"] is True
        h.clock.t += 1
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 407
    # An invalid request still spends the budget: the next getDevList is a minute away.
    assert (await h.post("getDevList", {"stationCodes": "NE=1"}))["failCode"] == 20007
    assert (await h.post("getDevList", {"stationCodes": "NE=1"}))["failCode"] == 407
    h.clock.t += 86400
    await h.login()
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["success"] is True


# --- faults and admin ---------------------------------------------------------------------


async def test_transport_faults(simulator: Factory) -> None:
    h = await simulator()
    url = f"{h.base}/thirdData/getStationList"
    h.sim.faults.http_error_next = 1
    async with h.http.post(url, json={}) as r:
        assert r.status == 503
    h.sim.faults.update({"html_error_next": 1, "html_error_status": 502})
    async with h.http.post(url, json={}) as r:
        assert (r.status, r.content_type) == (502, "text/html")
    h.sim.faults.html_error_status = 200
    h.sim.faults.html_error_next = 1
    async with h.http.post(url, json={}) as r:
        assert (r.status, r.content_type) == (200, "text/html")
    h.sim.faults.quota_403_next = 1
    async with h.http.post(url, json={}) as r:
        assert r.status == 403
        assert json.loads(await r.text()) == capture("getStationList__http403_quota_control")
    h.sim.faults.malformed_json_next = 1
    async with h.http.post(url, json={}) as r:
        with pytest.raises(json.JSONDecodeError):
            json.loads(await r.text())
    h.sim.faults.drop_connection_next = 1
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await h.post("getStationList")
    assert (await h.post("getStationList"))["failCode"] == 305  # faults spent
    faults = h.sim.stats.apis["getStationList"].faults
    assert dict(faults) == {
        "http_error": 1,
        "html_error": 2,
        "quota_403": 1,
        "malformed_json": 1,
        "drop_connection": 1,
    }


async def test_latency_and_error_probability(simulator: Factory) -> None:
    h = await simulator()
    h.sim.faults.update({"latency": 0.2, "http_error_probability": 1.0, "http_error_status": 500})
    started = time.perf_counter()
    async with h.http.post(f"{h.base}/thirdData/stations", json={}) as r:
        assert r.status == 500
    assert time.perf_counter() - started >= 0.2


async def test_a_client_giving_up_on_a_slow_answer_is_no_server_error(
    simulator: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """The request is read before the delay: a client that times out meanwhile leaves the
    simulator nothing to fail on."""
    h = await simulator()
    h.sim.faults.update({"latency": 0.2})
    with pytest.raises(TimeoutError):
        async with h.http.post(
            f"{h.base}/thirdData/stations", json={}, timeout=aiohttp.ClientTimeout(total=0.05)
        ):
            pass
    await asyncio.sleep(0.3)  # the simulator finishes its answer to nobody
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert h.sim.stats.apis["stations"].calls == 1


async def test_forced_305_ends_the_session(simulator: Factory) -> None:
    h = await simulator()
    await h.login()
    h.sim.faults.force_305_next = 1
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 305
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 305
    await h.login()
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["success"] is True


@pytest.mark.parametrize(("mode", "expected"), [("null", None), ("na", "N/A"), ("zero", 0)])
async def test_corrupted_values(simulator: Factory, mode: str, expected: object) -> None:
    h = await simulator(**NO_LIMITS)
    await h.login()
    inverters = (await h.devices())[38][:1]
    h.sim.faults.update({"corrupt_values": mode, "corrupt_keys": ["active_power", "total_cap"]})
    items = (await h.realtime(inverters, 38))["data"][0]["dataItemMap"]
    assert items["active_power"] == items["total_cap"] == expected
    assert isinstance(items["day_cap"], float)
    h.sim.faults.update({"corrupt_values": "string", "corrupt_keys": []})
    items = (await h.realtime(inverters, 38))["data"][0]["dataItemMap"]
    assert all(isinstance(v, str) for v in items.values())


async def test_admin_endpoints(simulator: Factory) -> None:
    h = await simulator()
    async with h.http.post(f"{h.base}/_sim/faults", json={"http_error_next": 2}) as r:
        assert (await r.json())["http_error_next"] == 2
    async with h.http.post(f"{h.base}/_sim/faults", json={"no_such_switch": 1}) as r:
        assert r.status == 400
    async with h.http.post(f"{h.base}/_sim/faults", json={"http_error_probability": 2}) as r:
        assert r.status == 400
    for _ in range(2):
        async with h.http.post(f"{h.base}/thirdData/login", json=LOGIN) as r:
            assert r.status == 503
    await h.login()
    async with h.http.get(f"{h.base}/_sim/stats") as r:
        stats = await r.json()
    assert stats["logins"] == 1
    assert stats["apis"]["login"]["calls"] == 3
    assert stats["apis"]["login"]["http_status"] == {"200": 1, "503": 2}
    assert stats["limits"]["getStationRealKpi"] == [
        {"calls": 1, "seconds": 300.0},
        {"calls": 1, "seconds": 60.0},
    ]
    async with h.http.post(f"{h.base}/_sim/reset") as r:
        assert r.status == 200
    async with h.http.get(f"{h.base}/_sim/stats") as r:
        assert (await r.json())["apis"] == {}
    async with h.http.get(f"{h.base}/_sim/faults") as r:
        assert (await r.json())["http_error_next"] == 0
    assert (await h.post("stations", {"pageNo": 1, "pageSize": 10}))["failCode"] == 305
