"""Response bodies: the common envelope and the odd-shaped ones copied from real captures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Body = dict[str, Any]

PAGE_LIST_MESSAGE = "get plant list success"

_MESSAGES = {
    401: "Invalid access to current interface!",
    20002: "third-party system is forbidden",
    20003: "third-party system has expired",
    20005: "device ID must not be empty",
    20006: "some devices do not match the device type",
    20007: "the system has none of the requested plant resources",
    20008: "the system has none of the requested device resources",
    20010: "plant list must not be empty",
    20012: "query time must not be empty",
    20013: "wrong device type for this interface",
    20014: "at most 100 plants per query",
    20015: "at most 100 plants per query",
    20016: "at most 100 devices per query",
    20017: "at most 100 devices per query",
    20018: "at most 10 devices per operation",
    20023: "the start time is later than the end time",
    20024: "language must not be empty",
    20025: "invalid language",
    20026: "only the latest 365 days can be queried",
    20027: "the query period must not exceed 31 days",
    20056: "API account not authorized by the plant owner",
    20400: "USER_OR_VALUE_INVALID",
    20403: "login of the third-party user is restricted",
    30004: "pageNo must not be empty",
    30005: "pageSize must not be empty",
    30006: "pageSize must be one of 10, 20, 30, 50, 100",
    30007: "gridConnectedStartTime and gridConnectedEndTime must both be set or both empty",
    30021: "pageNo must be at least 1",
    30030: "incorrect input parameter",
    30031: "at most 10 devices per query",
    30032: "the time range must not exceed 3 days",
}


def millis(now: float) -> int:
    return int(now * 1000)


def relogin() -> Body:
    """Token expired or replaced: the 305 body as captured, without a `success` key."""
    return {"failCode": 305, "immediately": True, "message": "USER_MUST_RELOGIN"}


def too_frequent() -> Body:
    """The 407 body exactly as captured: no `message`, `params` null."""
    return {
        "data": "ACCESS_FREQUENCY_IS_TOO_HIGH",
        "failCode": 407,
        "params": None,
        "success": False,
    }


def success(data: Any, params: Mapping[str, Any], now: float) -> Body:
    return {
        "success": True,
        "failCode": 0,
        "message": None,
        "params": {**params, "currentTime": millis(now)},
        "data": data,
    }


def failure(code: int, params: Mapping[str, Any], now: float) -> Body:
    return {
        "success": False,
        "failCode": code,
        "message": _MESSAGES.get(code),
        "params": {**params, "currentTime": millis(now)},
        "data": None,
    }


def quota_control(api: str) -> Body:
    """The API gateway's HTTP 403 body (a different schema, no failCode)."""
    return {
        "errorCode": "49401021002",
        "exceptionInfo": "Request is rejected by api quotaControl. "
        f"api:ies_PVMSNbiService_thirdData_1.0.78, key:/{api}_POST",
    }
