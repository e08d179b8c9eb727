"""When each fault happens, and the driver that applies it.

The soak runs from Saturday 25 October 2025, 07:00 in Berlin, to Tuesday 28, 13:00: three
local midnights and the end of summer time (Sunday 26, 03:00 CEST -> 02:00 CET) for every
site, all of them in Central Europe. Faults of a source never overlap, and each is followed by
enough time to recover before the next; faults of different sources do overlap, so that one
failing source is seen not to hold up another. Faults that need a source awake (all but
Enphase's and the ECU's, which poll at night) are placed in daylight, and the OpenAPI ones
early enough that the quota plan still polls after them.

Times are written in Berlin local time, "dd HH:MM".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.soak.checks import Observer
from tests.soak.faults import Fault
from tests.soak.virtual_time import VirtualClock

ZONE = ZoneInfo("Europe/Berlin")


def local(when: str) -> float:
    """'25 10:00' -> epoch seconds of that Berlin wall-clock time in October 2025."""
    day, clock = when.split()
    hour, minute = clock.split(":")
    return datetime(2025, 10, int(day), int(hour), int(minute), tzinfo=ZONE).timestamp()


START = local("25 07:00")
END = local("28 13:00")
SCRAPE_EVERY = 120.0

PLAN: dict[str, list[tuple[str, str]]] = {
    "roof": [
        ("25 10:00", "reset"),
        ("25 11:00", "http_503"),
        ("25 12:00", "html"),
        ("25 13:00", "http_403"),
        ("25 14:00", "truncated"),
        ("25 15:00", "timeout"),
        ("25 16:00", "session_305"),
        ("26 09:00", "nulls"),
        ("26 10:00", "outage"),
        ("26 13:00", "foreign_login"),
        ("26 14:00", "budget_407"),
        ("27 09:00", "na"),
        ("27 10:00", "strings"),
        ("27 11:00", "lifetime_zero"),
        ("27 12:30", "flaky"),
        ("28 10:00", "http_500"),
    ],
    "house": [
        ("25 10:05", "reset"),
        ("25 11:05", "http_503"),
        ("25 12:05", "truncated"),
        ("25 13:05", "timeout"),
        ("25 14:05", "html"),
        ("25 15:05", "revoke"),
        ("25 16:05", "nulls"),
        ("26 10:05", "lifetime_zero"),
        ("26 12:05", "flaky"),
        ("27 00:30", "token_expiry"),
    ],
    "garage": [
        ("25 10:10", "reset"),
        ("25 11:10", "http_503"),
        ("25 12:10", "html"),
        ("25 13:10", "http_403"),
        ("25 14:10", "truncated"),
        ("25 15:10", "timeout"),
        ("25 16:10", "frozen"),
        ("26 10:10", "no_data"),
        ("26 11:10", "nulls"),
        ("26 12:10", "lifetime_zero"),
        ("26 13:10", "flaky"),
        ("27 11:10", "http_500"),
    ],
    "barn": [
        ("25 10:15", "reset"),
        ("25 11:15", "http_503"),
        ("25 12:15", "html"),
        ("25 13:15", "http_403"),
        ("25 14:15", "truncated"),
        ("26 10:15", "timeout"),
        ("26 11:15", "code_5000"),
        ("26 12:15", "busy"),
        ("27 07:30", "nulls"),
        ("27 13:15", "http_500"),
        ("28 07:30", "lifetime_zero"),
    ],
    "shed": [
        ("25 10:20", "reset_once"),
        ("25 11:20", "reset"),
        ("25 12:20", "timeout"),
        ("25 13:20", "truncated"),
        ("25 14:20", "garbage"),
        ("25 15:20", "bad_length"),
        ("25 16:20", "hang"),
        ("26 10:20", "lifetime_zero"),
        ("26 11:20", "no_data"),
        ("26 12:20", "today_zero"),
    ],
    "balcony": [
        ("25 10:25", "http_500"),
        ("25 11:25", "failed"),
        ("25 12:25", "failed_once"),
        ("25 13:25", "truncated"),
        ("25 14:25", "reset"),
        ("25 15:25", "timeout"),
        ("25 16:25", "unreachable"),
        ("26 09:25", "html"),
        ("26 10:25", "nulls"),
        ("26 11:25", "na"),
        ("26 12:25", "empty"),
        ("26 13:25", "lifetime_zero"),
        ("26 14:25", "restart"),
    ],
}


def plan(faults: Mapping[str, Mapping[str, Fault]]) -> list[Fault]:
    """The faults of `PLAN`, each with its start time."""
    planned: list[Fault] = []
    for source, entries in PLAN.items():
        for when, key in entries:
            fault = faults[source][key]
            fault.at = local(when)
            planned.append(fault)
    planned.sort(key=lambda f: f.at)
    return planned


async def run_fault(fault: Fault, clock: VirtualClock, observer: Observer) -> None:
    """Wait for the fault's time, start it, let it last, clear it."""
    await clock.sleep(fault.at - clock.now())
    if fault.arm is not None:
        await fault.arm(fault)
    observer.fault_starting(fault)
    with clock.busy():
        await fault.start()
    counted = fault.counter()
    fault.started = clock.now()
    until = fault.started + fault.duration
    if fault.during is not None:
        await fault.during(until)
    await clock.sleep(until - clock.now())
    fault.fired = fault.counter() - counted
    fault.stop()
    fault.cleared = clock.now()
    observer.fault_cleared(fault)
