"""The `/thirdData/*` interfaces: authentication, budgets, validation and payloads.

Checks run in this order, each answering on the first failure:

- login: lock (20400) → login budget (407) → credentials (empty body) → account state.
- logout: token in `xsrfToken` or the header (305) → logout budget (407).
- data calls: token (305) → forced 305 fault → interface granted (401) → owner authorization
  (20056) → request body is a JSON object (30030) → budget (407) → parameters → payload.

Budgets are checked after authentication because they belong to the account the token names,
and before parameter validation, so a malformed request still spends a call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar import render
from solar2prom.sim.fusionsolar.auth import Account, LoginResult
from solar2prom.sim.fusionsolar.config import DATA_REFUSALS, LOGIN_REFUSALS, FusionSolarSimConfig
from solar2prom.sim.fusionsolar.envelope import (
    PAGE_LIST_MESSAGE,
    Body,
    failure,
    relogin,
    success,
    too_frequent,
)
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.inventory import DeviceSpec, Inventory, PlantSpec
from solar2prom.sim.fusionsolar.limits import RateLimiter, northbound_windows
from solar2prom.sim.fusionsolar.plant import PlantState

PAGE_SIZES = frozenset({10, 20, 30, 50, 100})
MAX_PER_QUERY = 100


@dataclass
class Reply:
    """What to send: a JSON body (None = empty body) and a freshly issued token, if any."""

    body: Body | None
    token: str | None = None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _csv(value: object) -> list[str]:
    """Comma-separated request list, blanks dropped, duplicates once, order kept."""
    if not isinstance(value, str):
        return []
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


class NorthboundApi:
    def __init__(
        self, config: FusionSolarSimConfig, inventory: Inventory, faults: Faults, now: float
    ) -> None:
        self.config = config
        self.faults = faults
        self.account = Account(config.username, config.system_code, config.token_ttl, config.seed)
        windows = northbound_windows(config.plants, config.devices_per_type)
        self.limiter = RateLimiter(windows if config.enforce_limits else {})
        self.plants = inventory.plants
        self._plants_by_code = {p.code: p for p in inventory.plants}
        self._devices_by_id = {d.dev_id: d for d in inventory.devices}
        self._devices_by_sn = {d.esn: d for d in inventory.devices if d.esn}
        self._devices_of: list[list[DeviceSpec]] = [[] for _ in inventory.plants]
        for dev in inventory.devices:
            self._devices_of[dev.plant].append(dev)
        self.states = [
            PlantState(p, self._devices_of[p.index], now, config.sample_period)
            for p in inventory.plants
        ]
        self._data_calls: dict[str, Callable[[Body, float], Body]] = {
            "stations": self._stations,
            "getStationList": self._station_list,
            "getDevList": self._dev_list,
            "getStationRealKpi": self._station_real_kpi,
            "getDevRealKpi": self._dev_real_kpi,
        }

    def handle(self, api: str, body: Body | None, token: str | None, now: float) -> Reply:
        if api == "login":
            return self._login(body or {}, now)
        if api == "logout":
            return self._logout(body or {}, token, now)
        if not self.account.check(token, now):
            return Reply(relogin())
        if self.faults.take("force_305"):
            self.account.invalidate()
            return Reply(relogin())
        params = body or {}
        handler = self._data_calls.get(api)
        if handler is None or (api == "getStationList" and not self.config.legacy_station_list):
            return Reply(failure(401, params, now))
        refusal = DATA_REFUSALS.get(self.config.account_state)
        if refusal is not None:
            return Reply(failure(refusal, params, now))
        if body is None:
            return Reply(failure(30030, {}, now))
        if not self.limiter.acquire(api, now):
            return Reply(too_frequent())
        return Reply(handler(body, now))

    def reset(self) -> None:
        self.account.reset()
        self.limiter.reset()

    def _login(self, body: Body, now: float) -> Reply:
        username = body.get("userName")
        if username == self.config.username and self.account.is_locked(now):
            return Reply(failure(20400, {}, now))
        if not self.limiter.acquire("login", now):
            return Reply(too_frequent())
        if self.account.login(username, body.get("systemCode"), now) is not LoginResult.OK:
            return Reply(None)
        refusal = LOGIN_REFUSALS.get(self.config.account_state)
        if refusal is not None:
            self.account.invalidate()
            return Reply(failure(refusal, {}, now))
        # The real success body: `params` is an empty object, the token travels in headers.
        ok: Body = {"success": True, "failCode": 0, "data": None, "params": {}, "message": None}
        return Reply(ok, token=self.account.token)

    def _logout(self, body: Body, header_token: str | None, now: float) -> Reply:
        token = body.get("xsrfToken")
        if not self.account.check(token if isinstance(token, str) else header_token, now):
            return Reply(relogin())
        if not self.limiter.acquire("logout", now):
            return Reply(too_frequent())
        self.account.invalidate()
        return Reply(success(None, {}, now))

    def _stations(self, body: Body, now: float) -> Body:
        page_no, page_size = body.get("pageNo"), body.get("pageSize")
        if page_no in (None, ""):
            return failure(30004, body, now)
        number = _as_int(page_no)
        if number is None or number < 1:
            return failure(30021, body, now)
        if page_size in (None, ""):
            return failure(30005, body, now)
        size = _as_int(page_size)
        if size not in PAGE_SIZES:
            return failure(30006, body, now)
        start, end = body.get("gridConnectedStartTime"), body.get("gridConnectedEndTime")
        if (start is None) != (end is None):
            return failure(30007, body, now)
        plants: Iterable[PlantSpec] = self.plants
        if start is not None and end is not None:
            low, high = _as_int(start), _as_int(end)
            if low is None or high is None:
                return failure(30030, body, now)
            plants = [p for p in plants if low <= p.grid_connected * 1000 <= high]
        selected = list(plants)
        page = selected[(number - 1) * size : number * size]
        data = {
            "list": [render.station_entry(p) for p in page],
            "pageCount": math.ceil(len(selected) / size),
            "pageNo": number,
            "pageSize": size,
            "total": len(selected),
        }
        # The real answer carries no `params` and a fixed message.
        return {"data": data, "failCode": 0, "message": PAGE_LIST_MESSAGE, "success": True}

    def _station_list(self, body: Body, now: float) -> Body:
        return success([render.legacy_station_entry(p) for p in self.plants], body, now)

    def _requested_plants(self, body: Body, too_many: int, now: float) -> list[PlantSpec] | Body:
        codes = _csv(body.get("stationCodes"))
        if not codes:
            return failure(20010, body, now)
        if len(codes) > MAX_PER_QUERY:
            return failure(too_many, body, now)
        plants = [self._plants_by_code[code] for code in codes if code in self._plants_by_code]
        return plants or failure(20007, body, now)

    def _dev_list(self, body: Body, now: float) -> Body:
        plants = self._requested_plants(body, 20015, now)
        if isinstance(plants, dict):
            return plants
        rows = [render.device_entry(d, p) for p in plants for d in self._devices_of[p.index]]
        return success(rows, body, now)

    def _station_real_kpi(self, body: Body, now: float) -> Body:
        plants = self._requested_plants(body, 20014, now)
        if isinstance(plants, dict):
            return plants
        rows = []
        for plant in plants:
            state = self.states[plant.index]
            state.advance(now)
            items = render.plant_items(state, self.config.kpi_as_strings)
            self.faults.corrupt(items)
            rows.append({"stationCode": plant.code, "dataItemMap": items})
        return success(rows, body, now)

    def _dev_real_kpi(self, body: Body, now: float) -> Body:
        type_id = _as_int(body.get("devTypeId"))
        if type_id is None or type_id not in c.ACCEPTED_REALTIME_TYPES:
            return failure(20013, body, now)
        granted = self.config.granted_types
        if granted is not None and type_id not in granted:
            return failure(401, body, now)
        devices = self._requested_devices(body, now)
        if isinstance(devices, dict):
            return devices
        if any(d.type_id != type_id for d in devices):
            return failure(20006, body, now)
        if not devices:
            return failure(20008, body, now)
        rows = []
        for dev in devices:
            state = self.states[dev.plant]
            state.advance(now)
            items = render.device_items(state, dev)
            self.faults.corrupt(items)
            # Devices without a serial answer the string "null", as in the real captures.
            rows.append({"devId": dev.dev_id, "sn": dev.esn or "null", "dataItemMap": items})
        return success(rows, body, now)

    def _requested_devices(self, body: Body, now: float) -> list[DeviceSpec] | Body:
        ids, sns = _csv(body.get("devIds")), _csv(body.get("sns"))
        find: Callable[[str], DeviceSpec | None]
        if ids:
            keys, too_many, find = ids, 20016, self._device_by_id
        elif sns:
            keys, too_many, find = sns, 20017, self._devices_by_sn.get
        else:
            return failure(20005, body, now)
        if len(keys) > MAX_PER_QUERY:
            return failure(too_many, body, now)
        return [dev for dev in map(find, keys) if dev is not None]

    def _device_by_id(self, key: str) -> DeviceSpec | None:
        dev_id = _as_int(key)
        return None if dev_id is None else self._devices_by_id.get(dev_id)
