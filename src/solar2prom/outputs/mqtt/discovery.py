"""A snapshot as Home Assistant devices: discovery configs and plain state messages.

Pure functions, no network. Every source becomes one device carrying its health (diagnostic
entities), every site one device with the site's values, every vendor device one device with
its own values; sites hang under their source and devices under their site (`via_device`).
Each value has its own state topic with a bare payload, so the same topics serve Home
Assistant, Jeedom and any MQTT client, and a value the vendor did not report is simply not
published: its entity keeps its last state instead of showing 0.

Series that are not entities: compatibility series without the standard labels (scope
`global`), `_info` series (their value is always 1; those with a `state` label become a text
entity), and metrics with more than one label of their own (alarm-like series whose label
sets come and go would leave a trail of dead entities).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from solar2prom import __version__
from solar2prom.core.model import Device, DeviceKind, Reading, Scope, Site, Snapshot
from solar2prom.outputs.mqtt.entities import (
    BINARY_SENSOR,
    CONNECTIVITY,
    MEASUREMENT,
    TEXT,
    Kind,
    describe,
    format_number,
    is_core,
)
from solar2prom.outputs.mqtt.naming import entity_name, object_id, state_key, topic_level
from solar2prom.outputs.mqtt_config import MqttConfig

ORIGIN = {
    "name": "solar2prom",
    "sw_version": __version__,
    "support_url": "https://github.com/solar2prom/solar2prom",
}
DIAGNOSTIC = "diagnostic"
ONLINE, OFFLINE = "online", "offline"
SOURCE_STATES = ["starting", "up", "down", "asleep"]


@dataclass(slots=True)
class HaDevice:
    """One Home Assistant device: its discovery identity, entities and current states."""

    object_id: str
    root: str  # state topics are `<root>/<component id>`
    info: dict[str, Any]
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, component: dict[str, Any], state: str | None) -> None:
        # Home Assistant puts the device name in front of every entity name, and strips (with
        # a warning) an entity name that already starts with it: "Inverter" + "Inverter state".
        name, device_name = component["name"], str(self.info["name"])
        if name.lower().startswith(device_name.lower()) and len(name) > len(device_name):
            rest = name[len(device_name) :].lstrip()
            component["name"] = rest[:1].upper() + rest[1:]
        component["unique_id"] = f"{self.object_id}_{key}"
        component["state_topic"] = f"{self.root}/{key}"
        self.components[key] = component
        if state is not None:
            self.states[key] = state


def _sensor(
    name: str, kind: Kind, enabled: bool = True, diagnostic: bool = False
) -> dict[str, Any]:
    component: dict[str, Any] = {"platform": kind.platform, "name": name}
    optional = {
        "device_class": kind.device_class,
        "unit_of_measurement": kind.unit,
        "state_class": kind.state_class,
        "suggested_display_precision": kind.precision,
        "entity_category": DIAGNOSTIC if diagnostic else None,
        "enabled_by_default": None if enabled else False,
    }
    component.update({k: v for k, v in optional.items() if v is not None})
    if kind.platform == BINARY_SENSOR:
        component.update(payload_on="1", payload_off="0")
    return component


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _health_device(snap: Snapshot, config: MqttConfig) -> HaDevice:
    health = snap.health
    device = HaDevice(
        object_id=object_id("solar2prom", snap.source),
        root=f"{config.base_topic}/{topic_level(snap.source)}",
        info={
            "name": f"solar2prom {snap.source}",
            "manufacturer": "solar2prom",
            "model": f"{snap.vendor} source",
            "sw_version": __version__,
        },
    )
    timestamp = Kind(device_class="timestamp", timestamp=True)
    enum = {"platform": "sensor", "device_class": "enum", "options": SOURCE_STATES}
    state = health.state.value
    device.add("state", {**enum, "name": "State", "entity_category": DIAGNOSTIC}, state)
    device.add("up", _sensor("Polling", CONNECTIVITY, diagnostic=True), "1" if health.up else "0")
    stamps = (("last_success", "Last success", health.last_success),
              ("next_poll", "Next poll", health.next_poll))  # fmt: skip
    for key, name, epoch in stamps:
        device.add(key, _sensor(name, timestamp, diagnostic=True), _iso(epoch) if epoch else None)
    device.add(
        "last_error",
        _sensor("Last error", TEXT, diagnostic=True),
        (health.last_error or "none")[:255],  # Home Assistant keeps at most 255 characters
    )
    duration = Kind(device_class="duration", unit="s", state_class=MEASUREMENT, precision=1)
    poll = health.poll_duration
    device.add(
        "poll_duration",
        _sensor("Poll duration", duration, diagnostic=True),
        None if poll is None else format_number(poll),
    )
    calls = Kind(unit="calls", state_class=MEASUREMENT)
    for budget in health.budgets:
        device.add(
            f"budget-{object_id(budget.api)}-{object_id(budget.window)}",
            _sensor(f"Calls left {budget.api} per {budget.window}", calls, diagnostic=True),
            str(budget.remaining),
        )
    return device


def _site_device(snap: Snapshot, site: Site, parent: HaDevice) -> HaDevice:
    return HaDevice(
        object_id=object_id("solar2prom", snap.source, site.id),
        root=f"{parent.root}/{topic_level(site.id)}",
        info={
            "name": site.name or site.id,
            "manufacturer": site.vendor,
            "model": "site",
            "via_device": parent.object_id,
        },
    )


def _vendor_device(snap: Snapshot, device: Device, parent: HaDevice) -> HaDevice:
    info: dict[str, Any] = {
        "name": device.name or f"{device.kind.value} {device.id}",
        "manufacturer": snap.vendor,
        "model": device.model or device.kind.value,
        "via_device": parent.object_id,
    }
    if device.firmware:
        info["sw_version"] = device.firmware
    if device.serial:
        info["serial_number"] = device.serial
    return HaDevice(
        object_id=object_id("solar2prom", snap.source, device.site, device.id),
        root=f"{parent.root}/{topic_level(device.id)}",
        info=info,
    )


def _add_reading(device: HaDevice, reading: Reading, prefixes: tuple[str, ...]) -> None:
    metric = reading.metric
    labels = tuple(zip(metric.labels, reading.labels, strict=True))
    if metric.name.endswith("_info"):
        if "state" not in metric.labels:
            return
        text = dict(labels)["state"]
        name = entity_name(metric, prefixes, ()) + " text"
        device.add(metric.name, _sensor(name, TEXT, enabled=is_core(metric)), text[:255])
        return
    currency = None
    if "currency" in metric.labels:
        currency = dict(labels)["currency"] or None
        labels = tuple((k, v) for k, v in labels if k != "currency")
    if len(labels) > 1:
        return
    kind = describe(metric, currency)
    key = state_key(metric, labels, kind)
    name = entity_name(metric, prefixes, labels)
    device.add(key, _sensor(name, kind, enabled=is_core(metric)), kind.payload(reading.value))


def build_devices(snap: Snapshot, config: MqttConfig) -> list[HaDevice]:
    """The Home Assistant devices of one snapshot, source first, then sites, then devices."""
    source = _health_device(snap, config)
    known_sites = {site.id: site for site in snap.sites}
    known_devices = {(device.site, device.id): device for device in snap.devices}
    sites: dict[str, HaDevice] = {}
    devices: dict[tuple[str, str], HaDevice] = {}

    # A reading may name a site or device the feed did not describe: it still gets a device.
    def site_of(site_id: str) -> HaDevice:
        if site_id not in sites:
            site = known_sites.get(site_id) or Site(site_id, site_id, snap.vendor)
            sites[site_id] = _site_device(snap, site, source)
        return sites[site_id]

    def device_of(site_id: str, device_id: str) -> HaDevice:
        key = (site_id, device_id)
        if key not in devices:
            device = known_devices.get(key) or Device(device_id, site_id, DeviceKind.OTHER)
            devices[key] = _vendor_device(snap, device, site_of(site_id))
        return devices[key]

    for site in snap.sites:
        site_of(site.id)
    vendor = f"{snap.vendor}_"
    for reading in snap.readings:
        scope = reading.metric.scope
        if scope is Scope.DEVICE:
            target = device_of(reading.site, reading.device)
            _add_reading(target, reading, ("solar_device_", "solar_", vendor))
        elif scope is Scope.SITE:
            _add_reading(site_of(reading.site), reading, ("solar_", vendor))
        elif scope is Scope.SOURCE:
            _add_reading(source, reading, ("solar_", vendor))
    built = [source, *sites.values(), *devices.values()]
    return [device for device in built if device.components]


def discovery_topic(config: MqttConfig, device: HaDevice) -> str:
    return f"{config.discovery_prefix}/device/{device.object_id}/config"


def availability_topic(device: HaDevice) -> str:
    return f"{device.root}/availability"


def discovery_payload(
    config: MqttConfig, device: HaDevice, components: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Device-based discovery (Home Assistant 2024.11+): one retained config per device."""
    return {
        "device": {"identifiers": [device.object_id], **device.info},
        "origin": ORIGIN,
        "availability_mode": "all",
        "availability": [
            {"topic": config.status_topic},
            {"topic": availability_topic(device)},
        ],
        "qos": config.qos,
        "components": components,
    }
