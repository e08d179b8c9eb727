"""What the simulated northbound account looks like: its plants, devices, rights and quirks."""

from __future__ import annotations

from dataclasses import dataclass, field

from solar2prom.sim.fusionsolar.catalog import INVENTORY_ONLY_TYPES, SIMULATED_DATA_TYPES

# Account states beyond "ok", with the failCode each produces and where (reference §1, §10).
LOGIN_REFUSALS = {"forbidden": 20002, "expired": 20003, "restricted": 20403}
DATA_REFUSALS = {"not_authorized": 20056}
ACCOUNT_STATES = frozenset({"ok", *LOGIN_REFUSALS, *DATA_REFUSALS})
MAX_HISTORY_DAYS = 90


def _default_devices() -> dict[int, int]:
    return {38: 2, 39: 1, 47: 1, 1: 1, 17: 1, 10: 1, 62: 2}


@dataclass
class FusionSolarSimConfig:
    """One northbound account and everything bound to it.

    `devices_per_type` counts devices of each `devTypeId` in total; device j of a type goes to
    plant j mod `plants`, so the first plants get the widest mix.
    """

    plants: int = 2
    devices_per_type: dict[int, int] = field(default_factory=_default_devices)
    username: str = "demo"
    system_code: str = "demo-secret"
    seed: int = 1
    enforce_limits: bool = True
    granted_types: set[int] | None = None
    kpi_as_strings: bool = False
    legacy_station_list: bool = False
    account_state: str = "ok"
    # Devices upload a sample every 5 minutes; real-time values only change at those instants.
    sample_period: float = 300.0
    token_ttl: float = 1800.0
    # 5-minute data (history, hourly KPIs) reaches back this many local days before the day
    # the simulator was created; earlier days exist only as daily figures (the prehistory).
    history_days: int = 0
    # Alarms each inverter raises per day on average.
    alarm_rate: float = 0.2
    # Accounts created since about 2023 add camelCase keys (PVYield, buyPower...) to plant KPIs.
    kpi_camel_case: bool = True

    def __post_init__(self) -> None:
        if self.plants < 1:
            raise ValueError("plants must be at least 1")
        unknown = set(self.devices_per_type) - SIMULATED_DATA_TYPES - INVENTORY_ONLY_TYPES
        if unknown:
            raise ValueError(f"device types not simulated: {sorted(unknown)}")
        if any(count < 0 for count in self.devices_per_type.values()):
            raise ValueError("device counts must not be negative")
        if self.account_state not in ACCOUNT_STATES:
            raise ValueError(f"account_state must be one of {sorted(ACCOUNT_STATES)}")
        if self.sample_period <= 0 or 3600 % self.sample_period:
            raise ValueError("sample_period must divide one hour")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        # Plants are at least half a year old: the simulated past must not start before them.
        if not 0 <= self.history_days <= MAX_HISTORY_DAYS:
            raise ValueError(f"history_days must be 0..{MAX_HISTORY_DAYS}")
        if self.alarm_rate < 0:
            raise ValueError("alarm_rate must not be negative")
