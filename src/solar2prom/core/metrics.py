"""The vendor-neutral core metrics (SPEC §6.1), the collector health metrics (SPEC §6.2) and
the health of the outputs that keep data (history store, remote write).

Vendor parsers emit readings of the core metrics next to their own `<vendor>_` details; the
shipped dashboard and alerts use only what is declared here.
"""

from __future__ import annotations

from solar2prom.core.model import Metric, MetricType, Scope, Unit

G, C = MetricType.GAUGE, MetricType.COUNTER

# --- site level -------------------------------------------------------------------------------
SITE_INFO = Metric(
    "solar_site_info", "One series per site; value 1.", G, Unit.NONE, Scope.SITE, ("vendor", "name")
)
PRODUCTION_POWER = Metric(
    "solar_production_power_watts", "PV production now.", G, Unit.WATTS, Scope.SITE
)
PRODUCTION_ENERGY_TODAY = Metric(
    "solar_production_energy_today_joules",
    "PV production since local midnight.",
    G,
    Unit.JOULES,
    Scope.SITE,
)
PRODUCTION_ENERGY_TOTAL = Metric(
    "solar_production_energy_joules_total", "Lifetime PV production.", C, Unit.JOULES, Scope.SITE
)
CONSUMPTION_POWER = Metric(
    "solar_consumption_power_watts", "Site consumption now.", G, Unit.WATTS, Scope.SITE
)
CONSUMPTION_ENERGY_TODAY = Metric(
    "solar_consumption_energy_today_joules",
    "Site consumption since local midnight.",
    G,
    Unit.JOULES,
    Scope.SITE,
)
CONSUMPTION_ENERGY_TOTAL = Metric(
    "solar_consumption_energy_joules_total",
    "Lifetime site consumption.",
    C,
    Unit.JOULES,
    Scope.SITE,
)
GRID_POWER = Metric(
    "solar_grid_power_watts",
    "Grid power now: positive imports from the grid, negative exports to it.",
    G,
    Unit.WATTS,
    Scope.SITE,
)
GRID_IMPORT_ENERGY_TOTAL = Metric(
    "solar_grid_import_energy_joules_total",
    "Lifetime energy imported from the grid.",
    C,
    Unit.JOULES,
    Scope.SITE,
)
GRID_EXPORT_ENERGY_TOTAL = Metric(
    "solar_grid_export_energy_joules_total",
    "Lifetime energy exported to the grid.",
    C,
    Unit.JOULES,
    Scope.SITE,
)
BATTERY_POWER = Metric(
    "solar_battery_power_watts",
    "Battery power now: positive discharges, negative charges.",
    G,
    Unit.WATTS,
    Scope.SITE,
)
BATTERY_SOC = Metric(
    "solar_battery_state_of_charge_ratio",
    "Battery state of charge, 0 to 1.",
    G,
    Unit.RATIO,
    Scope.SITE,
)

# --- device level -----------------------------------------------------------------------------
DEVICE_INFO = Metric(
    "solar_device_info",
    "One series per device; value 1. kind is inverter, microinverter, battery, meter, sensor, "
    "gateway or other.",
    G,
    Unit.NONE,
    Scope.DEVICE,
    ("kind", "model", "firmware", "name"),
)
DEVICE_POWER = Metric(
    "solar_device_power_watts",
    "AC output of an inverter; for a battery, positive discharges and negative charges.",
    G,
    Unit.WATTS,
    Scope.DEVICE,
)
DEVICE_ENERGY_TOTAL = Metric(
    "solar_device_energy_joules_total", "Lifetime energy of the device.", C, Unit.JOULES
)
DEVICE_ONLINE = Metric(
    "solar_device_online",
    "1 while the device communicates with its gateway or cloud, else 0.",
    G,
    Unit.NONE,
)
DEVICE_TEMPERATURE = Metric(
    "solar_device_temperature_celsius", "Device temperature.", G, Unit.CELSIUS
)

# --- health of the collector ------------------------------------------------------------------
SOURCE_UP = Metric(
    "solar_source_up",
    "1 if the last poll of the source succeeded, else 0.",
    G,
    Unit.NONE,
    Scope.SOURCE,
)
SOURCE_LAST_SUCCESS = Metric(
    "solar_source_last_success_timestamp_seconds",
    "When the last poll of the source succeeded.",
    G,
    Unit.SECONDS,
    Scope.SOURCE,
)
SOURCE_POLL_DURATION = Metric(
    "solar_source_poll_duration_seconds",
    "How long the last poll of the source took.",
    G,
    Unit.SECONDS,
    Scope.SOURCE,
)
SOURCE_REQUESTS = Metric(
    "solar_source_requests_total",
    "Requests sent to the vendor, by endpoint and result.",
    C,
    Unit.NONE,
    Scope.SOURCE,
    ("endpoint", "result"),
)
SOURCE_REJECTED = Metric(
    "solar_source_rejected_readings_total",
    "Vendor readings dropped instead of exported, by reason.",
    C,
    Unit.NONE,
    Scope.SOURCE,
    ("reason",),
)
SOURCE_BUDGET_REMAINING = Metric(
    "solar_source_budget_remaining_calls",
    "Calls left in a vendor budget window before the vendor would refuse them.",
    G,
    Unit.NONE,
    Scope.SOURCE,
    ("api", "window"),
)
SOURCE_BUDGET_LIMIT = Metric(
    "solar_source_budget_limit_calls",
    "Calls a vendor allows in a budget window.",
    G,
    Unit.NONE,
    Scope.SOURCE,
    ("api", "window"),
)
DATA_TIMESTAMP = Metric(
    "solar_data_timestamp_seconds",
    "The vendor's own sample time of the site's latest data.",
    G,
    Unit.SECONDS,
    Scope.SITE,
)

# --- the exporter itself ----------------------------------------------------------------------
# The name every exporter uses: `<program>_build_info`. The process series (the client
# library's `ProcessCollector`) are added at scrape time by the Prometheus output.
BUILD_INFO = Metric(
    "solar2prom_build_info",
    "The running solar2prom: its version and Python's; value 1.",
    G,
    Unit.NONE,
    Scope.GLOBAL,
    ("version", "python"),
)

# --- the outputs' own health (no source: they serve every source) ----------------------------
# GLOBAL scope: labels are only the metric's own.
HISTORY_WRITTEN = Metric(
    "solar_history_samples_written_total",
    "Samples written to the history store since solar2prom started.",
    C,
    Unit.NONE,
    Scope.GLOBAL,
)
HISTORY_WAITING = Metric(
    "solar_history_samples_waiting",
    "Samples of failed writes to the history store, kept to write with the next batch.",
    G,
    Unit.NONE,
    Scope.GLOBAL,
)
HISTORY_DROPPED = Metric(
    "solar_history_samples_dropped_total",
    "Samples the history store could not write and gave up.",
    C,
    Unit.NONE,
    Scope.GLOBAL,
)
HISTORY_FAILING = Metric(
    "solar_history_write_failing",
    "1 while the last write to the history store failed, else 0.",
    G,
    Unit.NONE,
    Scope.GLOBAL,
)
HISTORY_LAST_WRITE = Metric(
    "solar_history_last_write_timestamp_seconds",
    "When the history store last wrote a batch.",
    G,
    Unit.SECONDS,
    Scope.GLOBAL,
)
REMOTE_WRITE_SENT = Metric(
    "solar_remote_write_samples_sent_total",
    "Samples a remote write receiver took since solar2prom started.",
    C,
    Unit.NONE,
    Scope.GLOBAL,
    ("url",),
)
REMOTE_WRITE_DROPPED = Metric(
    "solar_remote_write_samples_dropped_total",
    "Samples given up for a remote write receiver, by reason.",
    C,
    Unit.NONE,
    Scope.GLOBAL,
    ("url", "reason"),
)
REMOTE_WRITE_QUEUED = Metric(
    "solar_remote_write_samples_queued",
    "Samples waiting for a remote write receiver (on disk, and in memory while the disk is full).",
    G,
    Unit.NONE,
    Scope.GLOBAL,
    ("url",),
)
REMOTE_WRITE_RETRIES = Metric(
    "solar_remote_write_retries_total",
    "Requests to a remote write receiver that will be sent again (5xx, 429, timeouts).",
    C,
    Unit.NONE,
    Scope.GLOBAL,
    ("url",),
)
REMOTE_WRITE_LAST_SUCCESS = Metric(
    "solar_remote_write_last_success_timestamp_seconds",
    "When a remote write receiver last took a batch.",
    G,
    Unit.SECONDS,
    Scope.GLOBAL,
    ("url",),
)
