"""The MQTT output against a real mosquitto, read back by a real MQTT client.

Snapshots come from the real FusionSolar client polling its simulator (manual clock) and
from a made-up vendor with every device kind and unit. A client subscribes like Home
Assistant would and checks every discovery payload against Home Assistant's rules, every
state against the snapshot, and the availability protocol: `online`, the last will when the
process dies, an explicit `offline` on a clean stop, configs again when Home Assistant says
it is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import ssl
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot, Unit
from solar2prom.core.poller import SourcePoller
from solar2prom.demo import SIMULATORS, Running
from solar2prom.outputs.mqtt import MqttConfig, MqttOutput
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.base import Source, SourceContext
from solar2prom.sources.fusionsolar import FusionSolarConfig, FusionSolarSource
from solar2prom.sources.registry import create_source
from tests.conftest import ManualClock
from tests.integration.conftest import write_config
from tests.integration.helpers import free_port, process, solar2prom
from tests.outputs import synthetic
from tests.outputs.ha_rules import check_device_config, check_state
from tests.outputs.mosquitto import Certificates, make_certificates, mosquitto
from tests.outputs.topics import expected_topic

ROOT = Path(__file__).parents[2]
PREFIX = "homeassistant"
SETTLE = 10.0  # s: the output must have published everything by then


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    with mosquitto(tmp_path / "broker") as port:
        yield port


class Listener:
    """A real MQTT client that records every message on the topics it subscribed to."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.messages: list[aiomqtt.Message] = []

    async def read(self) -> None:
        async for message in self.client.messages:
            self.messages.append(message)

    async def quiet(self, period: float = 0.3) -> None:
        """Wait until nothing arrived for `period` seconds."""
        deadline = time.monotonic() + SETTLE
        seen = -1
        while seen != len(self.messages):
            assert time.monotonic() < deadline, "the broker never went quiet"
            seen = len(self.messages)
            await asyncio.sleep(period)

    async def wait_for(self, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + SETTLE
        while not check():
            assert time.monotonic() < deadline, "expected messages did not arrive"
            await asyncio.sleep(0.05)

    def latest(self, since: int = 0) -> dict[str, aiomqtt.Message]:
        return {str(m.topic): m for m in self.messages[since:]}


@asynccontextmanager
async def listening(
    port: int, *topics: str, tls: ssl.SSLContext | None = None, **auth: str
) -> AsyncIterator[Listener]:
    async with aiomqtt.Client("127.0.0.1", port, tls_context=tls, **auth) as client:  # type: ignore[arg-type]
        listener = Listener(client)
        reader = asyncio.create_task(listener.read())
        for topic in topics or ("#",):
            await client.subscribe(topic, qos=1)
        try:
            yield listener
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def retained(port: int, **kwargs: Any) -> dict[str, aiomqtt.Message]:
    """What the broker keeps: a fresh client receives exactly the retained messages."""
    async with listening(port, **kwargs) as late:
        await late.quiet()
    assert all(m.retain for m in late.messages)
    return late.latest()


def text(message: aiomqtt.Message) -> str:
    payload = message.payload
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def discovery(messages: dict[str, aiomqtt.Message]) -> dict[str, dict[str, Any]]:
    return {t: json.loads(text(m)) for t, m in messages.items() if t.startswith(f"{PREFIX}/")}


def components(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["state_topic"]: c for p in found.values() for c in p["components"].values()}


def check_everything(messages: dict[str, aiomqtt.Message]) -> dict[str, dict[str, Any]]:
    """Every config meets Home Assistant's rules, every state its component's; returns them."""
    found = discovery(messages)
    assert found
    errors = [e for t, p in found.items() for e in check_device_config(t, p, PREFIX)]
    comps = components(found)
    errors += [e for t, m in messages.items() if t in comps for e in check_state(comps[t], text(m))]
    assert errors == []
    ids = [c["unique_id"] for c in comps.values()]
    assert len(ids) == len(set(ids))
    return comps


KWH = 1 / 3.6e6
FACTORS = {Unit.JOULES: KWH, Unit.VAR_SECONDS: KWH, Unit.JOULES_PER_SQUARE_METER: KWH,
           Unit.RATIO: 100.0}  # fmt: skip


def check_states_match(messages: dict[str, aiomqtt.Message], snap: Snapshot) -> int:
    """Every reading published as an entity shows the snapshot's value; returns how many."""
    checked = 0
    for reading in snap.readings:
        topic = expected_topic(reading, snap.source)
        if topic not in messages:
            continue
        payload = text(messages[topic])
        if reading.metric.name.endswith("_timestamp_seconds"):
            got = datetime.fromisoformat(payload).timestamp()
            assert got == pytest.approx(reading.value, abs=1), topic
        elif reading.metric.name.endswith("_info"):
            assert payload == dict(zip(reading.metric.labels, reading.labels, strict=True))["state"]
        else:
            want = reading.value * FACTORS.get(reading.metric.unit, 1.0)
            assert float(payload) == pytest.approx(want, rel=1e-6, abs=1e-6), topic
        checked += 1
    return checked


def fusionsolar(url: str, clock: ManualClock, state: Path) -> FusionSolarSource:
    config = FusionSolarConfig(
        name="roof",
        type="fusionsolar",
        url=url,
        username="demo",
        system_code=SecretStr("demo-secret"),
        night=NightOff(mode="off"),
    )
    return FusionSolarSource(config, SourceContext(clock, state))


async def settled(output: MqttOutput) -> None:
    await asyncio.wait_for(output.settled(), SETTLE)


async def test_fusionsolar_simulator_through_a_real_broker(
    broker: int, clock: ManualClock, tmp_path: Path
) -> None:
    sim = FusionSolarSimulator(FusionSolarSimConfig(plants=3), clock)
    source = fusionsolar(await sim.start(), clock, tmp_path / "state")
    hub = Hub()
    poller = SourcePoller(source, clock, hub)
    config = MqttConfig(url=f"mqtt://127.0.0.1:{broker}", client_id="solar2prom-test")
    output = MqttOutput(config, hub)
    restarted = MqttOutput(config, Hub())
    try:
        await output.start()
        async with listening(broker) as live:
            first = await poller.poll_all()
            await settled(output)
            await live.quiet()
            mark = len(live.messages)
            clock.advance(330)  # the next real-time window
            second = await poller.poll_all()
            await settled(output)
            await live.quiet()
        # State after each poll: every value again, the values of the second poll.
        power = next(r for r in second.readings if r.metric.name == "solar_production_power_watts")
        assert expected_topic(power, "roof") in live.latest(mark)
        assert first.health.last_success != second.health.last_success
        kept = await retained(broker)
        comps = check_everything(kept)
        assert check_states_match(kept, second) > 100
        assert text(kept["solar2prom/status"]) == "online"
        # Every vendor device with values is a Home Assistant device, whatever its kind.
        names = {p["device"]["name"] for p in discovery(kept).values()}
        with_values = {(r.site, r.device) for r in second.readings if r.device}
        assert {d.name for d in second.devices if (d.site, d.id) in with_values} <= names
        assert {d.kind.value for d in second.devices if (d.site, d.id) in with_values} >= {
            "inverter",
            "battery",
            "meter",
        }

        # Home Assistant restarts and says so: every config is sent again.
        async with listening(broker, f"{PREFIX}/device/+/config") as ha:
            await ha.quiet()
            before = len(ha.messages)
            await ha.client.publish(f"{PREFIX}/status", "online")
            await ha.wait_for(lambda: len(ha.messages) - before >= len(discovery(kept)))
            assert all(not m.retain for m in ha.messages[before:])  # sent live, not replayed

        # A clean stop says offline; a restart says online again with the same unique IDs.
        await output.stop()
        assert text((await retained(broker))["solar2prom/status"]) == "offline"
        restarted = MqttOutput(config, hub)
        await restarted.start()
        await settled(restarted)
        again = await retained(broker)
        assert text(again["solar2prom/status"]) == "online"
        assert sorted(c["unique_id"] for c in components(discovery(again)).values()) == sorted(
            c["unique_id"] for c in comps.values()
        )
    finally:
        await output.stop()
        await restarted.stop()
        await source.close()
        await sim.stop()


async def test_every_vendor_of_the_demo_meets_home_assistant_rules(
    broker: int, clock: ManualClock, tmp_path: Path
) -> None:
    """Each simulator the demo runs, polled by its real source: whatever vendors the demo
    has, their sites and devices become valid Home Assistant devices."""
    hub = Hub()
    output = MqttOutput(MqttConfig(url=f"mqtt://127.0.0.1:{broker}"), hub)
    running: list[Running] = []
    sources: list[Source] = []
    try:
        for start in SIMULATORS.values():
            running.append(await start(clock, "127.0.0.1", 0, None))
            config = running[-1].source
            sources.append(create_source(config, SourceContext(clock, tmp_path / config.name)))
            await SourcePoller(sources[-1], clock, hub).poll_all()
        await output.start()
        await settled(output)
        kept = await retained(broker)
    finally:
        await output.stop()
        for source in sources:
            await source.close()
        for simulator in running:
            await simulator.stop()
    check_everything(kept)
    names = {p["device"]["name"] for p in discovery(kept).values()}
    assert len(hub.snapshots) == len(SIMULATORS) >= 2
    for snap in hub.snapshots.values():
        assert snap.health.up, (snap.source, snap.health.last_error)
        assert check_states_match(kept, snap) > 0, snap.source
        with_values = {(r.site, r.device) for r in snap.readings if r.device}
        described = {
            d.name or f"{d.kind.value} {d.id}"
            for d in snap.devices
            if (d.site, d.id) in with_values
        }
        assert described <= names, (snap.source, described - names)


async def test_every_kind_and_unit_and_a_missing_energy_value(broker: int) -> None:
    hub = Hub()
    output = MqttOutput(MqttConfig(url=f"mqtt://127.0.0.1:{broker}"), hub)
    await output.start()
    try:
        async with listening(broker) as live:
            full = synthetic.snapshot()
            hub.publish(full)
            await settled(output)
            await live.quiet()
            mark = len(live.messages)
            hub.publish(synthetic.snapshot(with_energy=False, taken_at=synthetic.NOW + 60))
            await settled(output)
            await live.quiet()
        kept = await retained(broker)
        comps = check_everything(kept)
        assert check_states_match(kept, full) == len(
            [r for r in full.readings if expected_topic(r, "synth") in comps]
        )
        energy = {t for t, c in comps.items() if c.get("device_class") == "energy"}
        assert len(energy) > 10
        after = live.latest(mark)
        assert after, "the second snapshot published nothing"
        assert not energy & set(after), "a missing energy value was published"
        assert all(float(text(live.latest()[t])) > 0 for t in energy)
    finally:
        await output.stop()


async def test_the_last_will_says_offline_when_the_process_dies(
    broker: int, tmp_path: Path
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.outputs.mqtt_child",
        str(broker),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), SETTLE)
        assert line == b"published\n", line + await child.stdout.read()
        assert text((await retained(broker))["solar2prom/status"]) == "online"
        child.send_signal(signal.SIGKILL)  # no goodbye: the broker must send the will
        await child.wait()
        async with listening(broker, "solar2prom/status") as status:
            await status.wait_for(
                lambda: bool(status.messages) and text(status.messages[-1]) == "offline"
            )
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def test_a_new_broker_gets_everything_again(tmp_path: Path) -> None:
    """The broker restarts and forgets its retained messages: the output reconnects by itself
    and publishes status, configs, availability and states again."""
    hub = Hub()
    hub.publish(synthetic.snapshot())
    with mosquitto(tmp_path / "first") as port:
        output = MqttOutput(MqttConfig(url=f"mqtt://127.0.0.1:{port}"), hub)
        await output.start()
        await settled(output)
        before = await retained(port)
    with mosquitto(tmp_path / "second", port=port):
        try:
            async with listening(port, "solar2prom/status") as status:
                await status.wait_for(lambda: bool(status.messages))
            await settled(output)
            after = await retained(port)
        finally:
            await output.stop()
    assert set(after) == set(before)
    assert text(after["solar2prom/status"]) == "online"
    check_everything(after)


def tls_client(certs: Certificates) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certs.ca))


async def test_tls_and_password(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    certs = make_certificates(tmp_path / "pki")
    users = {"solar": "s3cret", "reader": "r3ad"}
    with mosquitto(tmp_path / "broker", users=users, tls=certs) as port:
        config = MqttConfig(
            url=f"mqtts://127.0.0.1:{port}",
            username="solar",
            password=SecretStr("s3cret"),
            ca_file=certs.ca,
        )
        hub = Hub()
        hub.publish(synthetic.snapshot())
        output = MqttOutput(config, hub)
        wrong = {"password": SecretStr("wrong"), "client_id": "refused"}
        refused = MqttOutput(config.model_copy(update=wrong), Hub())
        await output.start()
        await refused.start()
        try:
            await settled(output)
            kept = await retained(port, tls=tls_client(certs), username="reader", password="r3ad")
            check_everything(kept)
            assert text(kept["solar2prom/status"]) == "online"
            await asyncio.sleep(0.3)
        finally:
            await output.stop()
            started = time.monotonic()
            await refused.stop()
            assert time.monotonic() - started < 2  # a stop does not wait out the retry delay
    refusals = [
        r for r in caplog.records if r.levelno == logging.WARNING and "next try" in r.message
    ]
    assert refusals
    assert all(
        "wrong" not in r.getMessage() and "s3cret" not in r.getMessage() for r in caplog.records
    )


async def test_solar2prom_run_with_an_mqtt_section(tmp_path: Path, sim_url: str) -> None:
    """The config file's `mqtt:` keys (a password read from a file) drive the daemon's output."""
    with mosquitto(tmp_path / "broker", users={"solar": "pw-from-file"}) as port:
        config = write_config(tmp_path, sim_url, free_port())
        (tmp_path / "mqtt.secret").write_text("pw-from-file\n")
        config.write_text(
            config.read_text() + f"mqtt:\n  url: mqtt://127.0.0.1:{port}\n"
            "  username: solar\n  password_file: mqtt.secret\n  client_id: run-test\n"
        )
        auth = {"username": "solar", "password": "pw-from-file"}
        log = tmp_path / "run.log"
        with process(solar2prom("run", "-c", str(config)), log):
            async with listening(port, **auth) as live:
                await live.wait_for(lambda: any("/roof/NE=" in str(m.topic) for m in live.messages))
                await live.quiet()
            kept = await retained(port, **auth)
            check_everything(kept)
            assert text(kept["solar2prom/status"]) == "online"
        # SIGTERM: a clean stop, so solar2prom said offline itself.
        assert text((await retained(port, **auth))["solar2prom/status"]) == "offline"
        assert "pw-from-file" not in log.read_text()
