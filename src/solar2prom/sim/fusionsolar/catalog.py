"""Device types, the interfaces that take each, and their data-item keys (SmartPVMS 24.2)."""

from __future__ import annotations

STRING_INVERTER = 1
EMI = 10
GRID_METER = 17
RESIDENTIAL_INVERTER = 38
BATTERY = 39
ESS = 41
POWER_SENSOR = 47
DONGLE = 62

INVERTER_TYPES = frozenset({STRING_INVERTER, RESIDENTIAL_INVERTER})
STORAGE_TYPES = frozenset({BATTERY, ESS})
METER_TYPES = frozenset({GRID_METER, POWER_SENSOR})

# Types the real-time device API documents (incl. Power-M and EMMA); they also make up the
# getDevRealKpi budget Σ⌈n_t/100⌉.
REALTIME_TYPES = frozenset(
    {1, 10, 17, 38, 39, 41, 47, 60001, 60003, 60043, 60044, 60092, 60014, 60010, 23070}
)
# A dongle is not documented for getDevRealKpi, yet a real capture shows it answering with an
# empty dataItemMap instead of an error.
ACCEPTED_REALTIME_TYPES = REALTIME_TYPES | {DONGLE}
# Types of the historical device data list: the real-time ones but the SSU and the power
# converter (and EMMA, newer than the list).
HISTORY_TYPES = REALTIME_TYPES - {60044, 60092, 23070}
# Real-time keys the historical data list leaves out.
HISTORY_MISSING_KEYS = ("run_state",)
HISTORY_MISSING_BY_TYPE = {ESS: ("battery_soh",)}
# getDevKpiDay / Month / Year: inverters and storage only.
KPI_DEVICE_TYPES = frozenset({STRING_INVERTER, RESIDENTIAL_INVERTER, BATTERY, ESS})
# Types the simulator can place in a plant: those with simulated data, plus devices that only
# appear in getDevList (SmartLogger, optimizer, dongle, ...).
SIMULATED_DATA_TYPES = frozenset({1, 10, 17, 38, 39, 41, 47})
INVENTORY_ONLY_TYPES = frozenset({2, 8, 13, 16, 22, 37, 40, 45, 46, 62, 63, 70})

STRING_COUNT = {STRING_INVERTER: 28, RESIDENTIAL_INVERTER: 8}
MPPT_COUNT = {STRING_INVERTER: 10, RESIDENTIAL_INVERTER: 4}

TIME_OF_USE_KEYS = tuple(
    f"{direction}_{kind}_{band}"
    for kind in ("active", "reactive")
    for direction in ("reverse", "positive")
    for band in ("peak", "power", "valley", "top")
)
PHASE_REACTIVE_KEYS = ("reactive_power_a", "reactive_power_b", "reactive_power_c")

# "Invalid field. The default value is null." in the reference: always JSON null.
NULL_KEYS: dict[int, tuple[str, ...]] = {
    EMI: ("horiz_radiant_line", "horiz_radiant_total"),
    GRID_METER: (*PHASE_REACTIVE_KEYS, "grid_frequency", *TIME_OF_USE_KEYS),
    POWER_SENSOR: (
        "forward_reactive_cap",
        "reverse_reactive_cap",
        *PHASE_REACTIVE_KEYS,
        "total_apparent_power",
        *TIME_OF_USE_KEYS,
    ),
}
# A single-phase power sensor answers "N/A" for everything about phases B and C (and for the
# per-phase powers), as in the real capture.
SINGLE_PHASE_NA_KEYS = (
    "ab_u",
    "bc_u",
    "ca_u",
    "b_u",
    "c_u",
    "b_i",
    "c_i",
    "active_power_a",
    "active_power_b",
    "active_power_c",
)

DEVICE_NAMES = {
    STRING_INVERTER: "Inverter",
    RESIDENTIAL_INVERTER: "Inverter",
    EMI: "EMI",
    GRID_METER: "GridMeter",
    BATTERY: "Battery",
    ESS: "ESS",
    POWER_SENSOR: "Meter",
    DONGLE: "Dongle",
}
