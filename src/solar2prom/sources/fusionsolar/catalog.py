"""What every FusionSolar data item means: the metric it feeds, its scale to SI and its labels.

Tables, not code paths: `DEVICE_TYPES` holds, per `devTypeId` of the SmartPVMS 24.2.0
Northbound reference, every key of its real-time and 5-minute history data lists; `PLANT_ITEMS`
the keys of the real-time plant list. `parse.py` walks these tables; adding a key is adding a
row here.

Conventions: units are converted to SI base units by `Item.scale` (kW -> W, kWh -> J,
% -> ratio, ms -> s, ...); numbered families (`pv1_u` ... `pv28_u`, `mppt_N_cap`, phases, lines)
are one metric with a label; lifetime energies are counters, "today" / "this month" values
gauges. Huawei's own sign conventions are kept in these `fusionsolar_` details (a battery's
`ch_discharge_power` is positive while charging); the vendor-neutral core metrics derived in
`CoreFeed`s and `aggregate.py` follow SPEC §6.1 instead.

Device types the tables do not know (EMMA 23070, Smart Guard 23071, ...) are not dropped:
`parse.device_readings` passes their numeric items through as `GENERIC_ITEM`, and so it does
for keys a known type reports beyond its table (a future `pv29_u`); unknown plant KPIs become
`GENERIC_PLANT_ITEM`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from solar2prom.core import metrics as core
from solar2prom.core.model import DeviceKind, Metric, MetricType, Scope, Unit
from solar2prom.sources.fusionsolar import states
from solar2prom.sources.fusionsolar.states import StateTable

G, C = MetricType.GAUGE, MetricType.COUNTER

KW = 1e3  # kW, kvar, kVA -> W, var, VA
KWH = 3.6e6  # kWh (and the kvarh the reference also labels "kWh" or "kVar") -> J, var·s
PERCENT = 0.01
MS = 1e-3
HOUR = 3600.0
MJ = 1e6  # MJ/m² -> J/m²

PHASES = ("a", "b", "c")
LINES = ("ab", "bc", "ca")


@dataclass(frozen=True, slots=True)
class StateSeries:
    """A state code's descriptive `_info` series."""

    info: Metric
    table: StateTable


@dataclass(frozen=True, slots=True)
class MeterPower:
    """A meter's active power field, which is guarded against the 16-bit overflow.

    `fallback` is None for a field that Huawei documents and sends in W. Otherwise the field is
    documented in kW but some meters send W; its unit comes from `ParseOptions.meter_power_unit`
    or, in auto mode, from the plausibility rule in `parse.py`, and `fallback` is what is
    assumed when that rule cannot tell.
    """

    fallback: Literal["W", "kW"] | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One data item: the metric it feeds, the factor to the metric's unit, its label values.

    `labels` gives the values of the metric's first labels; any further label (the plant's
    `currency`) is filled in from what the caller knows.
    """

    metric: Metric
    scale: float = 1.0
    labels: tuple[str, ...] = ()
    states: StateSeries | None = None
    meter_power: MeterPower | None = None


@dataclass(frozen=True, slots=True)
class CoreFeed:
    """A vendor-neutral per-device metric taken from one data item.

    `scale` converts to the core unit and sign. `online` reads the item as a state code whose 0
    means offline / disconnected. A device type may list several feeds of one metric: the first
    whose item has a value wins.
    """

    metric: Metric
    key: str
    scale: float = 1.0
    online: bool = False


@dataclass(frozen=True, slots=True)
class DeviceType:
    type_id: int
    name: str
    kind: DeviceKind
    items: Mapping[str, Item]
    core: tuple[CoreFeed, ...] = ()

    def feeds(self, metric: Metric, labels: tuple[str, ...] = ()) -> bool:
        """Whether a device of this type can report this series."""
        return any(f.metric is metric for f in self.core) or any(
            i.metric is metric and i.labels == labels for i in self.items.values()
        )


# --- helpers building the tables ----------------------------------------------------------------


def _metric(
    name: str,
    help_text: str,
    unit: Unit = Unit.NONE,
    mtype: MetricType = G,
    labels: tuple[str, ...] = (),
    scope: Scope = Scope.DEVICE,
) -> Metric:
    return Metric(f"fusionsolar_{name}", help_text, mtype, unit, scope, labels)


def _state(name: str, help_text: str, table: StateTable, scope: Scope = Scope.DEVICE) -> Item:
    code = _metric(name, f"{help_text} (numeric code; words on {name}_info).", scope=scope)
    info = _metric(
        f"{name}_info",
        f"{help_text}: the code with its description; value 1.",
        labels=table.label_names,
        scope=scope,
    )
    return Item(code, states=StateSeries(info, table))


def _family(keys: Iterable[tuple[str, str]], metric: Metric, scale: float = 1.0) -> dict[str, Item]:
    """One metric for a numbered or per-phase family: (key, label value) pairs."""
    return {key: Item(metric, scale, (value,)) for key, value in keys}


def _phases(pattern: str) -> list[tuple[str, str]]:
    return [(pattern.format(p), p) for p in PHASES]


def _numbered(pattern: str, last: int) -> list[tuple[str, str]]:
    return [(pattern.format(n), str(n)) for n in range(1, last + 1)]


# --- inverters: 1 string inverter, 38 residential inverter ------------------------------------

INVERTER_ACTIVE_POWER = _metric("inverter_active_power_watts", "AC active power.", Unit.WATTS)
INVERTER_PV_VOLTAGE = _metric(
    "inverter_pv_voltage_volts", "Input voltage of PV string N.", Unit.VOLTS, labels=("string",)
)
INVERTER_PV_CURRENT = _metric(
    "inverter_pv_current_amperes",
    "Input current of PV string N.",
    Unit.AMPERES,
    labels=("string",),
)
INVERTER_MPPT_ENERGY = _metric(
    "inverter_mppt_energy_joules_total",
    "Lifetime DC energy of MPPT N.",
    Unit.JOULES,
    C,
    ("mppt",),
)

_INVERTER_COMMON: dict[str, Item] = {
    "inverter_state": _state("inverter_state", "Inverter state", states.INVERTER_STATE),
    "run_state": _state("inverter_run_state", "Inverter connection state", states.RUN_STATE),
    **_family(
        ((f"{line}_u", line) for line in LINES),
        _metric(
            "inverter_line_voltage_volts",
            "Grid line-to-line voltage.",
            Unit.VOLTS,
            labels=("line",),
        ),
    ),
    **_family(
        _phases("{}_u"),
        _metric("inverter_phase_voltage_volts", "Phase voltage.", Unit.VOLTS, labels=("phase",)),
    ),
    **_family(
        _phases("{}_i"),
        _metric(
            "inverter_phase_current_amperes", "Grid phase current.", Unit.AMPERES, labels=("phase",)
        ),
    ),
    "efficiency": Item(
        _metric("inverter_efficiency_ratio", "Conversion efficiency (manufacturer's).", Unit.RATIO),
        PERCENT,
    ),
    "temperature": Item(
        _metric("inverter_temperature_celsius", "Internal temperature.", Unit.CELSIUS)
    ),
    "power_factor": Item(_metric("inverter_power_factor", "Power factor.")),
    "elec_freq": Item(_metric("inverter_grid_frequency_hertz", "Grid frequency.", Unit.HERTZ)),
    "active_power": Item(INVERTER_ACTIVE_POWER, KW),
    "reactive_power": Item(
        _metric("inverter_reactive_power_vars", "Output reactive power.", Unit.VARS), KW
    ),
    "day_cap": Item(
        _metric(
            "inverter_energy_today_joules",
            "Yield today (as the vendor counts the day).",
            Unit.JOULES,
        ),
        KWH,
    ),
    "mppt_power": Item(
        _metric("inverter_dc_input_power_watts", "Total DC input power of the MPPTs.", Unit.WATTS),
        KW,
    ),
    "total_cap": Item(
        _metric("inverter_energy_joules_total", "Lifetime yield.", Unit.JOULES, C), KWH
    ),
    "open_time": Item(
        _metric(
            "inverter_startup_timestamp_seconds", "When the inverter last started.", Unit.SECONDS
        ),
        MS,
    ),
    "close_time": Item(
        _metric(
            "inverter_shutdown_timestamp_seconds",
            "When the inverter last shut down.",
            Unit.SECONDS,
        ),
        MS,
    ),
}


def _inverter(strings: int, mppts: int) -> dict[str, Item]:
    return {
        **_INVERTER_COMMON,
        **_family(_numbered("pv{}_u", strings), INVERTER_PV_VOLTAGE),
        **_family(_numbered("pv{}_i", strings), INVERTER_PV_CURRENT),
        **_family(_numbered("mppt_{}_cap", mppts), INVERTER_MPPT_ENERGY, KWH),
    }


_INVERTER_CORE = (
    CoreFeed(core.DEVICE_POWER, "active_power", KW),
    CoreFeed(core.DEVICE_ENERGY_TOTAL, "total_cap", KWH),
    CoreFeed(core.DEVICE_TEMPERATURE, "temperature"),
    CoreFeed(core.DEVICE_ONLINE, "run_state", online=True),
)

STRING_INVERTER = DeviceType(
    1,
    "string inverter",
    DeviceKind.INVERTER,
    {
        **_inverter(strings=28, mppts=10),
        "mppt_total_cap": Item(
            _metric(
                "inverter_dc_input_energy_joules_total",
                "Lifetime DC input energy.",
                Unit.JOULES,
                C,
            ),
            KWH,
        ),
    },
    _INVERTER_CORE,
)
RESIDENTIAL_INVERTER = DeviceType(
    38, "residential inverter", DeviceKind.INVERTER, _inverter(strings=8, mppts=4), _INVERTER_CORE
)

# --- 10 environmental monitoring instrument ---------------------------------------------------

EMI = DeviceType(
    10,
    "environmental monitoring instrument",
    DeviceKind.SENSOR,
    {
        "temperature": Item(
            _metric("emi_temperature_celsius", "Ambient temperature.", Unit.CELSIUS)
        ),
        "pv_temperature": Item(
            _metric("emi_pv_temperature_celsius", "PV module temperature.", Unit.CELSIUS)
        ),
        "wind_speed": Item(
            _metric("emi_wind_speed_meters_per_second", "Wind speed.", Unit.METERS_PER_SECOND)
        ),
        "wind_direction": Item(
            _metric("emi_wind_direction_degrees", "Wind direction.", Unit.DEGREES)
        ),
        "radiant_total": Item(
            _metric(
                "emi_irradiation_today_joules_per_square_meter",
                "Irradiation today.",
                Unit.JOULES_PER_SQUARE_METER,
            ),
            MJ,
        ),
        "radiant_line": Item(
            _metric(
                "emi_irradiance_watts_per_square_meter",
                "Irradiance.",
                Unit.WATTS_PER_SQUARE_METER,
            )
        ),
        "horiz_radiant_line": Item(
            _metric(
                "emi_horizontal_irradiance_watts_per_square_meter",
                "Horizontal irradiance (documented as not filled in).",
                Unit.WATTS_PER_SQUARE_METER,
            )
        ),
        "horiz_radiant_total": Item(
            _metric(
                "emi_horizontal_irradiation_today_joules_per_square_meter",
                "Horizontal irradiation today (documented as not filled in).",
                Unit.JOULES_PER_SQUARE_METER,
            ),
            MJ,
        ),
        "run_state": _state("emi_run_state", "EMI connection state", states.RUN_STATE),
    },
    (CoreFeed(core.DEVICE_ONLINE, "run_state", online=True),),
)

# --- meters: 17 grid meter, 47 power sensor ---------------------------------------------------
# "positive" / "negative" are the meter's own directions; by Huawei's convention positive is
# export to the grid (unverified across meter models), so the core metrics map them that way.

METER_ACTIVE_POWER = _metric(
    "meter_active_power_watts",
    "Active power at the meter; by Huawei's convention positive exports to the grid.",
    Unit.WATTS,
)
METER_PHASE_VOLTAGE = _metric(
    "meter_phase_voltage_volts", "Phase voltage.", Unit.VOLTS, labels=("phase",)
)
METER_PHASE_CURRENT = _metric(
    "meter_phase_current_amperes", "Phase current.", Unit.AMPERES, labels=("phase",)
)
METER_ACTIVE_ENERGY = _metric(
    "meter_active_energy_joules_total",
    "Lifetime active energy by direction; by Huawei's convention positive is export.",
    Unit.JOULES,
    C,
    ("direction",),
)
_METER_PHASE_ACTIVE_POWER = _metric(
    "meter_phase_active_power_watts", "Active power of one phase.", Unit.WATTS, labels=("phase",)
)
_METER_PHASE_REACTIVE_POWER = _metric(
    "meter_phase_reactive_power_vars",
    "Reactive power of one phase (documented as not filled in).",
    Unit.VARS,
    labels=("phase",),
)
_METER_REACTIVE_POWER = _metric("meter_reactive_power_vars", "Reactive power.", Unit.VARS)
_METER_APPARENT_POWER = _metric(
    "meter_apparent_power_volt_amperes", "Total apparent power.", Unit.VOLT_AMPERES
)
_METER_REACTIVE_ENERGY = _metric(
    "meter_reactive_energy_var_seconds_total",
    "Lifetime reactive energy by direction (documented as not filled in on power sensors).",
    Unit.VAR_SECONDS,
    C,
    ("direction",),
)
_TOU_ACTIVE = _metric(
    "meter_tou_active_energy_joules_total",
    "Time-of-use active energy register by direction and tariff period (documented as not "
    "filled in).",
    Unit.JOULES,
    C,
    ("direction", "period"),
)
_TOU_REACTIVE = _metric(
    "meter_tou_reactive_energy_var_seconds_total",
    "Time-of-use reactive energy register by direction and tariff period (documented as not "
    "filled in).",
    Unit.VAR_SECONDS,
    C,
    ("direction", "period"),
)

_DIRECTIONS = {"positive": "positive", "reverse": "negative"}
# The vendor's key suffixes for the tariff periods, as the reference explains them.
_PERIODS = {"peak": "peak", "power": "shoulder", "valley": "off_peak", "top": "sharp"}


def _tou(kind: str, metric: Metric) -> dict[str, Item]:
    return {
        f"{direction}_{kind}_{suffix}": Item(metric, KWH, (sign, period))
        for direction, sign in _DIRECTIONS.items()
        for suffix, period in _PERIODS.items()
    }


_METER_COMMON: dict[str, Item] = {
    **_family(
        ((f"{line}_u", line) for line in LINES),
        _metric(
            "meter_line_voltage_volts", "Grid line-to-line voltage.", Unit.VOLTS, labels=("line",)
        ),
    ),
    **_family(_phases("{}_u")[1:], METER_PHASE_VOLTAGE),
    **_family(_phases("{}_i")[1:], METER_PHASE_CURRENT),
    "power_factor": Item(_metric("meter_power_factor", "Power factor.")),
    "grid_frequency": Item(_metric("meter_grid_frequency_hertz", "Grid frequency.", Unit.HERTZ)),
    "active_cap": Item(METER_ACTIVE_ENERGY, KWH, ("positive",)),
    "reverse_active_cap": Item(METER_ACTIVE_ENERGY, KWH, ("negative",)),
    "forward_reactive_cap": Item(_METER_REACTIVE_ENERGY, KWH, ("positive",)),
    "reverse_reactive_cap": Item(_METER_REACTIVE_ENERGY, KWH, ("negative",)),
    **_family(_phases("reactive_power_{}"), _METER_PHASE_REACTIVE_POWER, KW),
    "total_apparent_power": Item(_METER_APPARENT_POWER, KW),
    **_tou("active", _TOU_ACTIVE),
    **_tou("reactive", _TOU_REACTIVE),
}

GRID_METER = DeviceType(
    17,
    "grid meter",
    DeviceKind.METER,
    {
        **_METER_COMMON,
        "a_u": Item(METER_PHASE_VOLTAGE, labels=("a",)),
        "a_i": Item(METER_PHASE_CURRENT, labels=("a",)),
        "active_power": Item(METER_ACTIVE_POWER, meter_power=MeterPower(fallback="kW")),
        "reactive_power": Item(_METER_REACTIVE_POWER, KW),
        **{
            key: Item(_METER_PHASE_ACTIVE_POWER, labels=(p,), meter_power=MeterPower(fallback="kW"))
            for key, p in _phases("active_power_{}")
        },
    },
)
POWER_SENSOR = DeviceType(
    47,
    "power sensor",
    DeviceKind.METER,
    {
        **_METER_COMMON,
        "meter_status": _state("meter_status", "Power sensor status", states.METER_STATUS),
        "run_state": _state("meter_run_state", "Meter connection state", states.RUN_STATE),
        # The power sensor names its phase A values differently from the grid meter.
        "meter_u": Item(METER_PHASE_VOLTAGE, labels=("a",)),
        "meter_i": Item(METER_PHASE_CURRENT, labels=("a",)),
        "active_power": Item(METER_ACTIVE_POWER, meter_power=MeterPower()),
        "reactive_power": Item(_METER_REACTIVE_POWER),
        # Documented kW, but sent in W (tijsverkoyen/HomeAssistant-FusionSolar#252).
        **{
            key: Item(_METER_PHASE_ACTIVE_POWER, labels=(p,), meter_power=MeterPower(fallback="W"))
            for key, p in _phases("active_power_{}")
        },
    },
    (
        CoreFeed(core.DEVICE_ONLINE, "meter_status", online=True),
        CoreFeed(core.DEVICE_ONLINE, "run_state", online=True),
    ),
)

# --- storage: 39 residential battery, 41 C&I / utility ESS --------------------------------------
# Huawei's ch_discharge_power is positive while charging; the core metrics count discharging
# as positive, hence the negative scale of the core feed.

BATTERY_SOC = _metric("battery_state_of_charge_ratio", "State of charge.", Unit.RATIO)
ESS_SOC = _metric("ess_state_of_charge_ratio", "State of charge.", Unit.RATIO)


def _storage(prefix: str, soc: Metric) -> dict[str, Item]:
    """Items a residential battery and an ESS share."""
    return {
        "ch_discharge_power": Item(
            _metric(
                f"{prefix}_charge_discharge_power_watts",
                "Charge/discharge power, Huawei's sign: positive charges (unverified).",
                Unit.WATTS,
            )
        ),
        "battery_soc": Item(soc, PERCENT),
        # Documented without a unit; read as percent like the SOC (LG batteries only).
        "battery_soh": Item(
            _metric(f"{prefix}_state_of_health_ratio", "State of health.", Unit.RATIO), PERCENT
        ),
        # Documented "Charged energy"; captured values look like today's totals, so a gauge.
        "charge_cap": Item(
            _metric(f"{prefix}_charged_energy_joules", "Charged energy.", Unit.JOULES), KWH
        ),
        "discharge_cap": Item(
            _metric(f"{prefix}_discharged_energy_joules", "Discharged energy.", Unit.JOULES), KWH
        ),
        "run_state": _state(f"{prefix}_run_state", "Connection state", states.RUN_STATE),
    }


BATTERY = DeviceType(
    39,
    "residential battery",
    DeviceKind.BATTERY,
    {
        **_storage("battery", BATTERY_SOC),
        "battery_status": _state("battery_status", "Battery status", states.BATTERY_STATUS),
        "max_charge_power": Item(
            _metric("battery_max_charge_power_watts", "Maximum charge power.", Unit.WATTS)
        ),
        "max_discharge_power": Item(
            _metric("battery_max_discharge_power_watts", "Maximum discharge power.", Unit.WATTS)
        ),
        "busbar_u": Item(_metric("battery_voltage_volts", "Battery voltage.", Unit.VOLTS)),
        "ch_discharge_model": _state(
            "battery_charge_discharge_mode",
            "Charge/discharge mode",
            states.CHARGE_DISCHARGE_MODE,
        ),
    },
    (
        CoreFeed(core.DEVICE_POWER, "ch_discharge_power", -1.0),
        CoreFeed(core.DEVICE_ONLINE, "battery_status", online=True),
        CoreFeed(core.DEVICE_ONLINE, "run_state", online=True),
    ),
)
ESS = DeviceType(
    41,
    "C&I / utility ESS",
    DeviceKind.BATTERY,
    _storage("ess", ESS_SOC),
    (
        CoreFeed(core.DEVICE_POWER, "ch_discharge_power", -1.0),
        CoreFeed(core.DEVICE_ONLINE, "run_state", online=True),
    ),
)

# --- Power-M scenario ---------------------------------------------------------------------------
# Telecom-site power systems; their sign conventions are undocumented, so they feed no core
# metric.

MAINS = DeviceType(
    60001,
    "mains (Power-M)",
    DeviceKind.METER,
    {
        "mains_state": _state("mains_state", "Mains availability", states.MAINS_STATE),
        "ac_voltage": Item(_metric("mains_voltage_volts", "AC voltage.", Unit.VOLTS)),
        "ac_current": Item(_metric("mains_current_amperes", "AC current.", Unit.AMPERES)),
        "active_power": Item(_metric("mains_active_power_watts", "Active power.", Unit.WATTS), KW),
        "ac_frequency": Item(_metric("mains_frequency_hertz", "AC frequency.", Unit.HERTZ)),
        "grid_quality_grade": _state(
            "mains_grid_quality_grade", "Power grid quality level", states.GRID_QUALITY
        ),
        "total_energy_consumption": Item(
            _metric(
                "mains_energy_consumption_joules_total",
                "Lifetime energy drawn from the mains.",
                Unit.JOULES,
                C,
            ),
            KWH,
        ),
        "supply_duration_per_total": Item(
            _metric(
                "mains_supply_duration_seconds_total",
                "Lifetime time the mains supplied power.",
                Unit.SECONDS,
                C,
            ),
            HOUR,
        ),
    },
)
GENSET = DeviceType(
    60003,
    "genset (Power-M)",
    DeviceKind.OTHER,
    {
        "running_state": _state(
            "genset_running_state", "Genset running state", states.GENSET_STATE
        ),
        "output_power": Item(_metric("genset_output_power_watts", "Output power.", Unit.WATTS), KW),
        "load_rate": Item(_metric("genset_load_ratio", "Load rate.", Unit.RATIO), PERCENT),
    },
)
SSU_GROUP = DeviceType(
    60043,
    "SSU group (Power-M)",
    DeviceKind.OTHER,
    {
        "total_output_current": Item(
            _metric("ssu_group_output_current_amperes", "Total output current.", Unit.AMPERES)
        ),
        "total_output_power": Item(
            _metric("ssu_group_output_power_watts", "Total output power.", Unit.WATTS), KW
        ),
        "total_output_energy": Item(
            _metric(
                "ssu_group_output_energy_joules_total", "Lifetime output energy.", Unit.JOULES, C
            ),
            KWH,
        ),
    },
)
SSU = DeviceType(
    60044,
    "SSU (Power-M)",
    DeviceKind.OTHER,
    {
        "input_voltage": Item(_metric("ssu_input_voltage_volts", "Input voltage.", Unit.VOLTS)),
        "output_voltage": Item(_metric("ssu_output_voltage_volts", "Output voltage.", Unit.VOLTS)),
        "output_current": Item(
            _metric("ssu_output_current_amperes", "Output current.", Unit.AMPERES)
        ),
        "on_off_state": _state("ssu_power_state", "SSU power-on/off state", states.SSU_POWER_STATE),
    },
)
POWER_CONVERTER = DeviceType(
    60092,
    "power converter (Power-M)",
    DeviceKind.INVERTER,
    {
        "total_runtime": Item(
            _metric("power_converter_runtime_seconds_total", "Lifetime runtime.", Unit.SECONDS, C),
            HOUR,
        ),
        "pv_input_voltage": Item(
            _metric("power_converter_pv_input_voltage_volts", "PV input voltage.", Unit.VOLTS)
        ),
        "pv_input_current": Item(
            _metric("power_converter_pv_input_current_amperes", "PV input current.", Unit.AMPERES)
        ),
        "pv_input_power": Item(
            _metric("power_converter_pv_input_power_watts", "PV input power.", Unit.WATTS), KW
        ),
        "inverter_voltage": Item(
            _metric("power_converter_inverter_voltage_volts", "Inverter voltage.", Unit.VOLTS)
        ),
        "inverter_frequency": Item(
            _metric("power_converter_inverter_frequency_hertz", "Inverter frequency.", Unit.HERTZ)
        ),
        "ac_output_voltage": Item(
            _metric("power_converter_ac_output_voltage_volts", "AC output voltage.", Unit.VOLTS)
        ),
        "ac_output_current": Item(
            _metric("power_converter_ac_output_current_amperes", "AC output current.", Unit.AMPERES)
        ),
        # The reference gives "kW" as this frequency's unit, a slip: it is read as Hz.
        "ac_output_frequency": Item(
            _metric("power_converter_ac_output_frequency_hertz", "AC output frequency.", Unit.HERTZ)
        ),
        "ac_output_apparent_power": Item(
            _metric(
                "power_converter_ac_output_apparent_power_volt_amperes",
                "AC output apparent power.",
                Unit.VOLT_AMPERES,
            ),
            KW,
        ),
    },
)
LITHIUM_RACK = DeviceType(
    60014,
    "lithium battery rack (Power-M)",
    DeviceKind.BATTERY,
    {
        "battery_state": _state(
            "lithium_rack_state", "Lithium battery rack state", states.LITHIUM_RACK_STATE
        ),
        "soc": Item(
            _metric("lithium_rack_state_of_charge_ratio", "State of charge.", Unit.RATIO),
            PERCENT,
        ),
        "charge_discharge_power": Item(
            _metric(
                "lithium_rack_charge_discharge_power_watts",
                "Charge/discharge power (sign undocumented).",
                Unit.WATTS,
            ),
            KW,
        ),
        "total_discharge": Item(
            _metric(
                "lithium_rack_discharged_energy_joules_total",
                "Lifetime discharged energy.",
                Unit.JOULES,
                C,
            ),
            KWH,
        ),
        "voltage": Item(_metric("lithium_rack_voltage_volts", "Voltage.", Unit.VOLTS)),
        "current": Item(_metric("lithium_rack_current_amperes", "Current.", Unit.AMPERES)),
        "remaining_backup_time": Item(
            _metric(
                "lithium_rack_remaining_backup_seconds",
                "Remaining power reserve duration.",
                Unit.SECONDS,
            ),
            HOUR,
        ),
        "total_discharge_times": Item(
            _metric("lithium_rack_discharges_total", "Lifetime number of discharges.", mtype=C)
        ),
        "total_capacity": Item(
            _metric("lithium_rack_capacity_joules", "Total capacity.", Unit.JOULES), KWH
        ),
        "average_temperature": Item(
            _metric("lithium_rack_temperature_celsius", "Average temperature.", Unit.CELSIUS)
        ),
    },
)
AC_DISTRIBUTION = DeviceType(
    60010,
    "AC output power distribution (Power-M)",
    DeviceKind.OTHER,
    {
        "ac_voltage": Item(_metric("ac_distribution_voltage_volts", "AC voltage.", Unit.VOLTS)),
        "ac_current": Item(_metric("ac_distribution_current_amperes", "AC current.", Unit.AMPERES)),
        "ac_frequency": Item(
            _metric("ac_distribution_frequency_hertz", "AC frequency.", Unit.HERTZ)
        ),
        "active_power": Item(
            _metric("ac_distribution_active_power_watts", "Active power.", Unit.WATTS), KW
        ),
        "total_load_active_power": Item(
            _metric(
                "ac_distribution_load_active_power_watts", "Total load active power.", Unit.WATTS
            ),
            KW,
        ),
    },
)

DEVICE_TYPES: Mapping[int, DeviceType] = {
    t.type_id: t
    for t in (
        STRING_INVERTER,
        RESIDENTIAL_INVERTER,
        EMI,
        GRID_METER,
        POWER_SENSOR,
        BATTERY,
        ESS,
        MAINS,
        GENSET,
        SSU_GROUP,
        SSU,
        POWER_CONVERTER,
        LITHIUM_RACK,
        AC_DISTRIBUTION,
    )
}

# Types `getDevList` returns that have no data API of their own: only their kind matters.
_OTHER_KINDS: Mapping[int, DeviceKind] = {
    2: DeviceKind.GATEWAY,  # SmartLogger
    13: DeviceKind.GATEWAY,  # protocol converter
    37: DeviceKind.GATEWAY,  # Pinnet SmartLogger
    62: DeviceKind.GATEWAY,  # Dongle
    63: DeviceKind.GATEWAY,  # distributed SmartLogger
}


def device_kind(type_id: int) -> DeviceKind:
    known = DEVICE_TYPES.get(type_id)
    return known.kind if known is not None else _OTHER_KINDS.get(type_id, DeviceKind.OTHER)


GENERIC_ITEM = _metric(
    "device_data_item",
    "A numeric data item of a device type or key the catalog does not know, passed through "
    "unconverted.",
    labels=("type", "item"),
)
GENERIC_PLANT_ITEM = _metric(
    "plant_data_item",
    "A numeric plant KPI the catalog does not know, passed through unconverted.",
    labels=("item",),
    scope=Scope.SITE,
)

# --- plant real-time KPIs -----------------------------------------------------------------------

PLANT_ITEMS: Mapping[str, Item] = {
    "day_power": Item(core.PRODUCTION_ENERGY_TODAY, KWH),
    "total_power": Item(core.PRODUCTION_ENERGY_TOTAL, KWH),
    "month_power": Item(
        _metric(
            "plant_energy_this_month_joules",
            "Yield this month.",
            Unit.JOULES,
            scope=Scope.SITE,
        ),
        KWH,
    ),
    "day_income": Item(
        _metric(
            "plant_revenue_today_currency",
            "Revenue today, in the plant's currency.",
            Unit.CURRENCY,
            labels=("currency",),
            scope=Scope.SITE,
        )
    ),
    "total_income": Item(
        _metric(
            "plant_revenue_currency_total",
            "Lifetime revenue, in the plant's currency.",
            Unit.CURRENCY,
            C,
            ("currency",),
            Scope.SITE,
        )
    ),
    "real_health_state": _state(
        "plant_health_state", "Plant health", states.PLANT_HEALTH, Scope.SITE
    ),
}


def all_items() -> Iterable[Item]:
    yield from PLANT_ITEMS.values()
    for device_type in DEVICE_TYPES.values():
        yield from device_type.items.values()


def vendor_metrics() -> tuple[Metric, ...]:
    """Every `fusionsolar_` metric the catalog can produce, each once, in table order."""
    found: dict[str, Metric] = {}
    for item in all_items():
        found.setdefault(item.metric.name, item.metric)
        if item.states is not None:
            found.setdefault(item.states.info.name, item.states.info)
    found[GENERIC_ITEM.name] = GENERIC_ITEM
    found[GENERIC_PLANT_ITEM.name] = GENERIC_PLANT_ITEM
    return tuple(m for m in found.values() if m.name.startswith("fusionsolar_"))
