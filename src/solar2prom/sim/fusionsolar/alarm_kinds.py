"""The alarms a simulated inverter raises: IDs, names and severities of SUN2000 inverter manuals.

Texts are the simulator's own short English wording. Each kind also says how often it comes
(relative weight), at which local hours it can start, how long it lasts, and whether the device
clears it by itself (status 6) or a user has to (status 5).
"""

from __future__ import annotations

from dataclasses import dataclass

# `lev` (1 is critical) and `alarmType` (1 transposition signal, 5 alarm info).
MAJOR, MINOR, WARNING = 2, 3, 4
EXCEPTION, PROTECTION, NOTIFICATION = 2, 3, 4
# `status`
ACTIVE, ACKNOWLEDGED, CLEARED_BY_USER, CLEARED_BY_DEVICE = 1, 2, 5, 6
LANGUAGES = frozenset(
    {"zh_CN", "en_US", "ja_JP", "it_IT", "nl_NL", "pt_BR", "de_DE", "fr_FR", "es_ES", "pl_PL"}
)


@dataclass(frozen=True)
class AlarmKind:
    alarm_id: int
    name: str
    level: int
    alarm_type: int
    cause: str
    suggestion: str
    weight: float
    hours: tuple[float, float]  # local hours in which it can be raised
    minutes: tuple[float, float]  # shortest and longest duration
    cleared_by_user: bool = False
    needs_meter: bool = False
    per_string: bool = False  # the cause ID names the PV string


KINDS = (
    AlarmKind(
        2032,
        "Grid Loss",
        MAJOR,
        PROTECTION,
        "The grid is down, or the AC circuit or AC switch is open.",
        "1. Check the AC voltage.\n2. Check the AC circuit and the AC switch.",
        3.0,
        (0.0, 24.0),
        (2.0, 90.0),
    ),
    AlarmKind(
        2034,
        "Grid Overvoltage",
        MAJOR,
        PROTECTION,
        "The grid voltage is above the protection threshold.",
        "1. Check whether the grid voltage is within range.\n"
        "2. If it recurs at high output, ask the grid operator about the local voltage.",
        3.0,
        (10.0, 16.0),
        (5.0, 60.0),
    ),
    AlarmKind(
        2036,
        "Grid Overfrequency",
        MAJOR,
        PROTECTION,
        "The grid frequency is above the protection threshold.",
        "1. A short event clears by itself.\n2. If it recurs, contact the grid operator.",
        1.0,
        (0.0, 24.0),
        (1.0, 20.0),
    ),
    AlarmKind(
        2062,
        "Low Insulation Resistance",
        MAJOR,
        EXCEPTION,
        "The insulation between a PV string and ground is low, often from morning damp.",
        "1. Measure the impedance between the PV strings and PE.\n"
        "2. If it clears once the modules are dry, no action is needed.",
        2.0,
        (5.0, 9.0),
        (30.0, 180.0),
    ),
    AlarmKind(
        2015,
        "PV String Loss",
        WARNING,
        EXCEPTION,
        "A PV string delivers no current while the others do.",
        "1. Check the string fuses and connectors.\n2. Check for shading or a damaged module.",
        1.0,
        (8.0, 16.0),
        (60.0, 2880.0),
        per_string=True,
    ),
    AlarmKind(
        2067,
        "Faulty Power Collector",
        MAJOR,
        EXCEPTION,
        "The inverter lost contact with the power meter.",
        "1. Check the RS485 cable to the meter.\n2. Check that the meter is powered.",
        1.0,
        (0.0, 24.0),
        (10.0, 720.0),
        needs_meter=True,
    ),
    AlarmKind(
        61440,
        "Faulty Monitoring Unit",
        MINOR,
        NOTIFICATION,
        "The monitoring unit of the inverter reports a fault.",
        "1. Restart the inverter.\n2. If the alarm stays, contact the installer.",
        0.3,
        (0.0, 24.0),
        (1440.0, 10080.0),
        cleared_by_user=True,
    ),
)
