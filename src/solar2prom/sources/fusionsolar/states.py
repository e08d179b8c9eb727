"""FusionSolar state enumerations: code -> words, as the SmartPVMS 24.2.0 reference lists them.

A state item is exported twice: the code itself as a gauge (alerting compares numbers), and an
`_info` series carrying the code with its words (dashboards show text). Codes the tables do not
know get the words "unknown" rather than no series, so a firmware that adds a state stays
visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StateTable:
    """Code -> state words; `groups` (optional) sorts the codes into a coarse set."""

    states: Mapping[int, str]
    groups: Mapping[int, str] | None = None

    @property
    def label_names(self) -> tuple[str, ...]:
        """The labels of the `_info` series, after the standard ones."""
        return ("code", "state", "group") if self.groups is not None else ("code", "state")

    def describe(self, code: int) -> tuple[str, ...]:
        """Label values for `label_names`."""
        words = (str(code), self.states.get(code, UNKNOWN))
        if self.groups is None:
            return words
        return (*words, self.groups.get(code, UNKNOWN))


def _grouped(groups: Mapping[str, Mapping[int, str]]) -> tuple[dict[int, str], dict[int, str]]:
    states = {code: words for members in groups.values() for code, words in members.items()}
    group_of = {code: group for group, members in groups.items() for code in members}
    return states, group_of


# Table 5-1 of the reference. The groups follow the code ranges: 0x0000 standby, 0x0100
# starting, 0x0200 on grid, 0x0300 shut down, 0x0400 grid scheduling, 0x0500.. tests and
# diagnostics; 45056 and 49152 are written by a SmartLogger, not by the inverter.
_INVERTER_STATES, _INVERTER_GROUPS = _grouped(
    {
        "standby": {
            0: "Standby: initializing",
            1: "Standby: insulation resistance detecting",
            2: "Standby: irradiation detecting",
            3: "Standby: grid detecting",
            40960: "Standby: no irradiation",
        },
        "starting": {256: "Start"},
        "producing": {
            512: "Grid-connected",
            513: "Grid-connected: power limited",
            514: "Grid-connected: self-derating",
        },
        "shutdown": {
            768: "Shutdown: on fault",
            769: "Shutdown: on command",
            770: "Shutdown: OVGR",
            771: "Shutdown: communication interrupted",
            772: "Shutdown: power limited",
            773: "Shutdown: manual startup required",
            774: "Shutdown: DC switch disconnected",
        },
        "scheduling": {
            1025: "Grid scheduling: cosφ-P curve",
            1026: "Grid scheduling: Q-U curve",
        },
        "testing": {
            1280: "Ready for terminal test",
            1281: "Terminal testing",
            1536: "Inspection in progress",
        },
        "diagnostics": {
            1792: "AFCI self-check",
            2048: "I-V scanning",
            2304: "DC input detection",
        },
        "communication_interrupted": {
            45056: "Communication interrupted (written by SmartLogger)",
        },
        "loading": {49152: "Loading (written by SmartLogger)"},
    }
)
INVERTER_STATE = StateTable(_INVERTER_STATES, _INVERTER_GROUPS)

RUN_STATE = StateTable({0: "Disconnected", 1: "Connected"})
METER_STATUS = StateTable({0: "Offline", 1: "Normal"})
BATTERY_STATUS = StateTable(
    {0: "Offline", 1: "Standby", 2: "Running", 3: "Faulty", 4: "Hibernating"},
)
CHARGE_DISCHARGE_MODE = StateTable(
    {
        0: "None",
        1: "Forced charge/discharge",
        2: "Time-of-use price",
        3: "Fixed charge/discharge",
        4: "Automatic charge/discharge",
        5: "Fully fed to grid",
        6: "TOU",
        7: "Remote scheduling: max. self-consumption",
        8: "Remote scheduling: fully fed to grid",
        9: "Remote scheduling: TOU",
        10: "EMMA",
    },
)
PLANT_HEALTH = StateTable({1: "Disconnected", 2: "Faulty", 3: "Healthy"})
MAINS_STATE = StateTable({0: "Mains unavailable", 1: "Mains available"})
GRID_QUALITY = StateTable(
    {0: "Unknown", 1: "Class 1", 2: "Class 2", 3: "Class 3", 4: "Class 4"},
)
GENSET_STATE = StateTable({0: "Unknown", 1: "Stopped", 2: "Running"})
SSU_POWER_STATE = StateTable({0: "On", 1: "Off"})
LITHIUM_RACK_STATE = StateTable(
    {
        0: "Initial power-on",
        1: "Power-off",
        2: "Float charging",
        3: "Boost charging",
        4: "Discharging",
        5: "Charging",
        6: "Testing",
        7: "Hibernation",
        8: "Standby",
    },
)
