"""The `/thirdData/*` interfaces: authentication, budgets, validation and payloads.

Checks run in this order, each answering on the first failure:

- login: lock (20400) → login budget (407) → credentials (empty body) → account state.
- logout: token in `xsrfToken` or the header (305) → logout budget (407).
- data calls: token (305) → forced 305 fault → interface granted (401) → owner authorization
  (20056) → request body is a JSON object (30030) → budget (407) → parameters → payload.

Budgets are checked after authentication because they belong to the account the token names,
and before parameter validation, so a malformed request still spends a call. Plant lists,
device lists and real-time data live here; history, KPIs and alarms in their own modules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar import render
from solar2prom.sim.fusionsolar.alarms import AlarmApi
from solar2prom.sim.fusionsolar.auth import Account, LoginResult
from solar2prom.sim.fusionsolar.config import DATA_REFUSALS, LOGIN_REFUSALS, FusionSolarSimConfig
from solar2prom.sim.fusionsolar.directory import DEVICES_PER_QUERY, Directory, as_int
from solar2prom.sim.fusionsolar.envelope import (
    PAGE_LIST_MESSAGE,
    Body,
    failure,
    relogin,
    success,
    too_frequent,
)
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.history import HistoryApi
from solar2prom.sim.fusionsolar.inventory import Inventory, PlantSpec
from solar2prom.sim.fusionsolar.kpi import KpiApi
from solar2prom.sim.fusionsolar.limits import RateLimiter, northbound_windows

PAGE_SIZES = frozenset({10, 20, 30, 50, 100})


@dataclass
class Reply:
    """What to send: a JSON body (None = empty body) and a freshly issued token, if any."""

    body: Body | None
    token: str | None = None


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
        self.directory = Directory(config, inventory, now)
        self._data_calls: dict[str, Callable[[Body, float], Body]] = {
            "stations": self._stations,
            "getStationList": self._station_list,
            "getDevList": self._dev_list,
            "getStationRealKpi": self._station_real_kpi,
            "getDevRealKpi": self._dev_real_kpi,
            "getDevHistoryKpi": HistoryApi(self.directory, faults).dev_history_kpi,
            "getAlarmList": AlarmApi(self.directory).alarm_list,
            **KpiApi(self.directory).handlers(),
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
        number = as_int(page_no)
        if number is None or number < 1:
            return failure(30021, body, now)
        if page_size in (None, ""):
            return failure(30005, body, now)
        size = as_int(page_size)
        if size not in PAGE_SIZES:
            return failure(30006, body, now)
        start, end = body.get("gridConnectedStartTime"), body.get("gridConnectedEndTime")
        if (start is None) != (end is None):
            return failure(30007, body, now)
        plants: Iterable[PlantSpec] = self.plants
        if start is not None and end is not None:
            low, high = as_int(start), as_int(end)
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

    def _dev_list(self, body: Body, now: float) -> Body:
        plants = self.directory.requested_plants(body, 20015, now)
        if isinstance(plants, dict):
            return plants
        rows = [render.device_entry(d, p) for p in plants for d in self.directory.devices_of(p)]
        return success(rows, body, now)

    def _station_real_kpi(self, body: Body, now: float) -> Body:
        plants = self.directory.requested_plants(body, 20014, now)
        if isinstance(plants, dict):
            return plants
        rows = []
        for plant in plants:
            state = self.directory.timeline(plant.index).advance(now)
            items = render.plant_items(state, self.config.kpi_as_strings)
            self.faults.corrupt(items)
            rows.append({"stationCode": plant.code, "dataItemMap": items})
        return success(rows, body, now)

    def _dev_real_kpi(self, body: Body, now: float) -> Body:
        accepted = c.ACCEPTED_REALTIME_TYPES
        devices = self.directory.requested_devices(body, accepted, DEVICES_PER_QUERY, now)
        if isinstance(devices, dict):
            return devices
        rows = []
        for dev in devices:
            state = self.directory.timeline(dev.plant).advance(now)
            items = render.device_items(state, dev)
            self.faults.corrupt(items)
            # Devices without a serial answer the string "null", as in the real captures.
            rows.append({"devId": dev.dev_id, "sn": dev.esn or "null", "dataItemMap": items})
        return success(rows, body, now)
