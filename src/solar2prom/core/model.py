"""The vendor-neutral data model every source produces and every output consumes.

A vendor parser turns what its API said into `Reading`s of declared `Metric`s (values already in
SI base units), plus the `Site`s and `Device`s it saw. The poller merges the results of a
source's feeds into one `Snapshot`, which is all an output ever sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Labels every metric of a scope carries, in this order, before its own labels.
_SCOPE_LABELS: dict[str, tuple[str, ...]] = {
    "global": (),
    "source": ("source",),
    "site": ("source", "site"),
    "device": ("source", "site", "device"),
}


class MetricType(StrEnum):
    GAUGE = "gauge"
    COUNTER = "counter"


class Unit(StrEnum):
    """The unit a metric's value is in: SI base units, converted once in the vendor parser."""

    NONE = ""
    WATTS = "watts"
    JOULES = "joules"
    VOLTS = "volts"
    AMPERES = "amperes"
    HERTZ = "hertz"
    CELSIUS = "celsius"
    RATIO = "ratio"
    SECONDS = "seconds"
    VOLT_AMPERES = "volt_amperes"
    VARS = "vars"  # reactive power, volt-amperes reactive
    VAR_SECONDS = "var_seconds"  # reactive energy, the reactive analogue of joules
    WATTS_PER_SQUARE_METER = "watts_per_square_meter"
    JOULES_PER_SQUARE_METER = "joules_per_square_meter"
    METERS_PER_SECOND = "meters_per_second"
    DEGREES = "degrees"  # compass direction
    DBM = "dbm"
    CURRENCY = "currency"  # money in the plant's own currency
    COUNT = "count"


class Scope(StrEnum):
    """Which of the standard labels a metric carries.

    GLOBAL carries none: only for compatibility series whose names and labels another
    exporter fixed (apsystems2prom's `ap_*`).
    """

    GLOBAL = "global"
    SOURCE = "source"
    SITE = "site"
    DEVICE = "device"


class DeviceKind(StrEnum):
    INVERTER = "inverter"
    MICROINVERTER = "microinverter"
    BATTERY = "battery"
    METER = "meter"
    SENSOR = "sensor"
    GATEWAY = "gateway"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric family: name, type, help text, unit and the labels its series carry."""

    name: str
    help: str
    type: MetricType = MetricType.GAUGE
    unit: Unit = Unit.NONE
    scope: Scope = Scope.DEVICE
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _METRIC_NAME.match(self.name):
            raise ValueError(f"invalid metric name {self.name!r}")
        # GLOBAL compatibility names were fixed by another exporter (apsystems2prom's gauge
        # `ap_total`); every metric of our own follows the rule.
        if self.scope is not Scope.GLOBAL and (
            (self.type is MetricType.COUNTER) != self.name.endswith("_total")
        ):
            raise ValueError(f"{self.name}: counters and only counters end in _total")
        for label in self.labels:
            if not _LABEL_NAME.match(label) or label.startswith("__"):
                raise ValueError(f"{self.name}: invalid label name {label!r}")
        if set(self.labels) & set(_SCOPE_LABELS[self.scope.value]):
            raise ValueError(f"{self.name}: label clashes with a standard label")

    @property
    def label_names(self) -> tuple[str, ...]:
        return _SCOPE_LABELS[self.scope.value] + self.labels


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one series. `labels` holds the values of `metric.labels`, in order."""

    metric: Metric
    value: float
    site: str = ""
    device: str = ""
    labels: tuple[str, ...] = ()
    time: float | None = None  # the vendor's sample time (epoch s), where it gives one

    @property
    def key(self) -> tuple[str, str, str, tuple[str, ...]]:
        """Identity of the series within one source."""
        return (self.metric.name, self.site, self.device, self.labels)


@dataclass(frozen=True, slots=True)
class Site:
    """A plant / system: the vendor's ID, its name, and where it is (for sunrise and sunset)."""

    id: str
    name: str
    vendor: str
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None  # an IANA name, or a fixed offset like "+08:00"
    extra: tuple[tuple[str, str], ...] = ()  # more labels for solar_site_info (capacity, ...)


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    site: str
    kind: DeviceKind
    model: str = ""
    firmware: str = ""
    name: str = ""
    serial: str = ""


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What one successful poll of one feed saw, and what it dropped (reason -> count).

    `readings` are the current state, exported as they are. `history` holds past samples
    (each with its `time`) fetched by this poll — for the history store and remote write only,
    never for the live exposition.
    """

    sites: tuple[Site, ...] = ()
    devices: tuple[Device, ...] = ()
    readings: tuple[Reading, ...] = ()
    rejected: Mapping[str, int] = field(default_factory=dict)
    history: tuple[Reading, ...] = ()


class SourceState(StrEnum):
    STARTING = "starting"
    UP = "up"
    DOWN = "down"
    ASLEEP = "asleep"


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """Calls left in one vendor budget window, for the status page and the health metrics."""

    api: str
    window: str  # e.g. "5m", "1d", "month"
    limit: int
    remaining: int


@dataclass(frozen=True, slots=True)
class SourceHealth:
    state: SourceState = SourceState.STARTING
    up: bool = False
    last_success: float | None = None
    poll_duration: float | None = None
    next_poll: float | None = None
    last_error: str | None = None
    budgets: tuple[BudgetStatus, ...] = ()
    notes: tuple[str, ...] = ()  # lasting conditions in plain words ("no rights to batteries")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known about one source at one moment: the only thing outputs consume."""

    source: str
    vendor: str
    taken_at: float
    health: SourceHealth = field(default_factory=SourceHealth)
    sites: tuple[Site, ...] = ()
    devices: tuple[Device, ...] = ()
    readings: tuple[Reading, ...] = ()
    requests: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (endpoint, result)
    rejected: Mapping[str, int] = field(default_factory=dict)  # reason -> readings dropped
    # Past samples delivered by the poll that produced this snapshot (empty otherwise).
    history: tuple[Reading, ...] = ()
