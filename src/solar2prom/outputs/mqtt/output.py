"""The MQTT output: keeps a broker connection and publishes every snapshot the hub announces.

On each (re)connection: `online` on the status topic (whose last will is `offline`), every
device's discovery config (retained), its availability, then the states. After that, per
snapshot: configs only when they changed, availability when it changed, every state. When
Home Assistant announces itself `online` on its status topic, every config is sent again.
A clean stop says `offline` itself, since a broker sends the last will only when a client
disappears without saying goodbye.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any

import aiomqtt

from solar2prom.core.errors import ConfigError
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.outputs.mqtt.discovery import (
    OFFLINE,
    ONLINE,
    HaDevice,
    availability_topic,
    build_devices,
    discovery_payload,
    discovery_topic,
)
from solar2prom.outputs.mqtt_config import MqttConfig

log = logging.getLogger(__name__)

MAX_RETRY = 60.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: str
    qos: int
    retain: bool


def tls_context(config: MqttConfig) -> ssl.SSLContext | None:
    if not config.tls:
        return None
    try:
        context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        if config.cert_file and config.key_file:
            context.load_cert_chain(config.cert_file, config.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"mqtt: cannot load the TLS files: {exc}") from exc
    return context


class MqttOutput:
    def __init__(self, config: MqttConfig, hub: Hub) -> None:
        self.config = config
        self._hub = hub
        self._tls: ssl.SSLContext | None = None
        self._control_qos = max(1, config.qos)  # configs and availability must arrive
        self._pending: dict[str, Snapshot] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # What this output has announced: per source, every device it has seen (their configs
        # stay retained, so a device that vanishes is marked offline, not forgotten) ...
        self._devices: dict[str, dict[str, HaDevice]] = {}
        self._components: dict[str, dict[str, dict[str, Any]]] = {}
        # ... and what the broker holds from this connection, to send only changes.
        self._sent_configs: dict[str, str] = {}
        self._sent_availability: dict[str, str] = {}
        hub.subscribe(self.on_snapshot)

    def on_snapshot(self, snap: Snapshot) -> None:
        self._pending[snap.source] = snap
        self._idle.clear()
        self._wake.set()

    async def start(self) -> None:
        """Connect in the background, reconnecting as needed; ConfigError on bad TLS files."""
        self._tls = tls_context(self.config)
        self._task = asyncio.create_task(self._run(), name="mqtt")

    async def stop(self) -> None:
        """Say `offline`, disconnect cleanly; give up after a while if the broker hangs."""
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def settled(self) -> None:
        """Wait until every snapshot announced so far is published (tests, benchmarks)."""
        await self._idle.wait()

    def _client(self) -> aiomqtt.Client:
        config = self.config
        return aiomqtt.Client(
            config.host,
            config.port,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            identifier=config.client_id,
            will=aiomqtt.Will(config.status_topic, OFFLINE, self._control_qos, retain=True),
            tls_context=self._tls,
        )

    async def _run(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            try:
                async with self._client() as client:
                    log.info(
                        "connected to the MQTT broker %s:%d", self.config.host, self.config.port
                    )
                    delay = 1.0
                    await self._session(client)
            except aiomqtt.MqttError as exc:
                log.warning(
                    "MQTT broker %s:%d: %s; next try in %.0fs",
                    self.config.host,
                    self.config.port,
                    exc,
                    delay,
                )
            except Exception:
                # A bug here must not end MQTT for good, nor take the daemon down with it.
                log.exception("MQTT output failed; next try in %.0fs", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, MAX_RETRY)

    async def _session(self, client: aiomqtt.Client) -> None:
        self._sent_configs.clear()
        self._sent_availability.clear()
        self._pending.update(self._hub.snapshots)  # a new connection gets everything again
        self._idle.clear()
        await client.publish(self.config.status_topic, ONLINE, self._control_qos, retain=True)
        if self.config.discovery:
            await client.subscribe(self.config.home_assistant_status_topic, self._control_qos)
        listener = asyncio.create_task(self._listen(client))
        listener.add_done_callback(lambda _: self._wake.set())
        try:
            while not self._stopping.is_set():
                await self._flush(client)
                await self._wake.wait()
                self._wake.clear()
                if listener.done():
                    listener.result()  # the connection is gone: raises MqttError
            # The broker may be gone already: a stop must not hang on its acknowledgement.
            await client.publish(
                self.config.status_topic, OFFLINE, self._control_qos, retain=True, timeout=2.0
            )
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await listener

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if message.topic.matches(self.config.home_assistant_status_topic) and (
                message.payload in (b"online", "online")
            ):
                log.info("Home Assistant is online: sending the discovery configs again")
                self._sent_configs.clear()
                self._pending.update(self._hub.snapshots)
                self._idle.clear()
                self._wake.set()

    async def _flush(self, client: aiomqtt.Client) -> None:
        while self._pending:
            source = next(iter(self._pending))
            snap = self._pending.pop(source)
            for message in self.messages(snap):
                await client.publish(message.topic, message.payload, message.qos, message.retain)
        self._idle.set()

    def messages(self, snap: Snapshot) -> list[Message]:
        """What one snapshot changes on the broker: configs, availability, then states."""
        config = self.config
        current = {device.object_id: device for device in build_devices(snap, config)}
        known = self._devices.setdefault(snap.source, {})
        known.update(current)
        configs: list[Message] = []
        availability: list[Message] = []
        for oid, device in known.items():
            if oid in current and config.discovery:
                merged = self._components.setdefault(oid, {})
                merged.update(device.components)
                body = discovery_payload(config, device, merged)
                payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
                topic = discovery_topic(config, device)
                if self._sent_configs.get(topic) != payload:
                    self._sent_configs[topic] = payload
                    configs.append(Message(topic, payload, self._control_qos, True))
            # Available while the source still holds values of the device; values withdrawn
            # as stale make Home Assistant show it unavailable, not frozen or 0.
            state = ONLINE if oid in current and current[oid].states else OFFLINE
            topic = availability_topic(device)
            if self._sent_availability.get(topic) != state:
                self._sent_availability[topic] = state
                availability.append(Message(topic, state, self._control_qos, True))
        states = [
            Message(f"{device.root}/{key}", payload, config.qos, config.retain)
            for device in current.values()
            for key, payload in device.states.items()
        ]
        return configs + availability + states
