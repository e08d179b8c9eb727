"""`solar2prom demo` and `solar2prom sim`: the built-in simulators, alone or wired to the exporter.

Each simulator starter returns what is running, a line telling a person how to use it, and
the source config that points solar2prom at it. The demo starts them all on loopback with one
simulated clock, which starts at 10:00 UTC today (so the simulated sites, mostly in Europe,
are producing) and runs `--speed` times faster than real time.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from solar2prom.app import Application
from solar2prom.config import AppConfig, ListenAddress, SourceConfig
from solar2prom.core.clock import Clock, ScaledClock
from solar2prom.outputs.history_config import HistoryConfig
from solar2prom.signals import wait_for_signal
from solar2prom.sim.apsystems_ecu import EcuSimulator
from solar2prom.sim.apsystems_ema import EmaSimConfig, EmaSimulator
from solar2prom.sim.apsystems_ez1 import Ez1Simulator
from solar2prom.sim.apsystems_openapi import OpenApiSimConfig, OpenApiSimulator
from solar2prom.sim.enphase import SystemConfig
from solar2prom.sim.enphase.standalone import PASSWORD as ENPHASE_PASSWORD
from solar2prom.sim.enphase.standalone import USERNAME as ENPHASE_USERNAME
from solar2prom.sim.enphase.standalone import DemoInstallation
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.apsystems.ecu import EcuConfig
from solar2prom.sources.apsystems.ema import EmaConfig
from solar2prom.sources.apsystems.ez1 import Ez1Config
from solar2prom.sources.apsystems.openapi import OpenApiConfig
from solar2prom.sources.enphase import EnphaseConfig
from solar2prom.sources.fusionsolar import FusionSolarConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Running:
    description: str
    source: SourceConfig
    stop: Callable[[], Awaitable[None]]


Starter = Callable[[Clock, str, int, Path | None], Awaitable[Running]]


async def start_fusionsolar(clock: Clock, host: str, port: int, _: Path | None) -> Running:
    config = FusionSolarSimConfig()
    simulator = FusionSolarSimulator(config, clock)
    url = await simulator.start(host, port)
    source = fusionsolar_source(simulator, url)
    description = (
        f"fusionsolar simulator at {url} (user {config.username!r}, system code "
        f"{config.system_code!r})"
    )
    return Running(description, source, simulator.stop)


async def start_enphase(clock: Clock, host: str, port: int, fixture: Path | None) -> Running:
    installation = DemoInstallation(clock, fixture)
    url = await installation.start(host, port)
    system = SystemConfig()
    source = EnphaseConfig(
        name="demo-enphase",
        type="enphase",
        url=url,
        username=ENPHASE_USERNAME,
        password=SecretStr(ENPHASE_PASSWORD),
        enlighten_url=installation.enlighten_url,
        entrez_url=installation.enlighten_url,
        latitude=system.latitude,
        longitude=system.longitude,
    )
    return Running(installation.describe(), source, installation.stop)


async def start_ema(clock: Clock, host: str, port: int, _: Path | None) -> Running:
    simulator = EmaSimulator(EmaSimConfig(), clock)
    url = await simulator.start(host, port)
    config = simulator.config
    source = ema_source(simulator, url)
    description = (
        f"apsystems_ema simulator at {url} (Authorized ID {config.authorized_id!r}, system "
        f"{config.system_id}, ECU {config.ecu_id}, view {config.vid}, "
        f"{len(simulator.panels)} panels)"
    )
    return Running(description, source, simulator.stop)


async def start_openapi(clock: Clock, host: str, port: int, _: Path | None) -> Running:
    simulator = OpenApiSimulator(OpenApiSimConfig(), clock)
    url = await simulator.start(host, port)
    config = simulator.config
    source = openapi_source(simulator, url)
    description = (
        f"apsystems_openapi simulator at {url} (App Id {config.app_id!r}, secret "
        f"{config.app_secret!r}, system {config.system_id})"
    )
    return Running(description, source, simulator.stop)


async def start_ecu(clock: Clock, host: str, port: int, _: Path | None) -> Running:
    simulator = EcuSimulator(clock=clock)
    url = await simulator.start(host, port)
    config = simulator.config
    source = ecu_source(simulator)
    description = (
        f"apsystems_ecu simulator at {url} (ECU id {config.ecu_id}, "
        f"{len(config.inverters)} inverters)"
    )
    return Running(description, source, simulator.stop)


async def start_ez1(clock: Clock, host: str, port: int, _: Path | None) -> Running:
    simulator = Ez1Simulator(clock=clock)
    url = await simulator.start(host, port)
    config = simulator.config
    source = ez1_source(simulator, url)
    return Running(
        f"apsystems_ez1 simulator at {url} (device {config.device_id})", source, simulator.stop
    )


# --- a source config pointing at each simulator: the demo's, and (with its own name and keys)
# the soak's. `keys` are further config keys of the source.


def fusionsolar_source(
    sim: FusionSolarSimulator, url: str, name: str = "demo-fusionsolar", **keys: Any
) -> FusionSolarConfig:
    account = sim.config
    return FusionSolarConfig(
        name=name,
        type="fusionsolar",
        url=url,
        username=account.username,
        system_code=SecretStr(account.system_code),
        **keys,
    )


def ema_source(sim: EmaSimulator, url: str, name: str = "demo-ema", **keys: Any) -> EmaConfig:
    system = sim.config
    return EmaConfig(
        name=name,
        type="apsystems_ema",
        url=url,
        authorized_id=SecretStr(system.authorized_id),
        system_id=system.system_id,
        ecu_id=system.ecu_id,
        vid=system.vid,
        timezone=system.timezone,
        latitude=system.latitude,
        longitude=system.longitude,
        **keys,
    )


def openapi_source(
    sim: OpenApiSimulator, url: str, name: str = "demo-openapi", **keys: Any
) -> OpenApiConfig:
    account = sim.config
    return OpenApiConfig(
        name=name,
        type="apsystems_openapi",
        url=url,
        app_id=account.app_id,
        app_secret=SecretStr(account.app_secret),
        system_id=account.system_id,
        latitude=account.latitude,
        longitude=account.longitude,
        **keys,
    )


def ecu_source(sim: EcuSimulator, name: str = "demo-ecu", **keys: Any) -> EcuConfig:
    ecu = sim.config
    return EcuConfig(
        name=name,
        type="apsystems_ecu",
        host=sim.host,
        port=sim.port,
        timezone=ecu.timezone,
        latitude=ecu.latitude,
        longitude=ecu.longitude,
        **keys,
    )


def ez1_source(sim: Ez1Simulator, url: str, name: str = "demo-ez1", **keys: Any) -> Ez1Config:
    device = sim.config
    return Ez1Config(
        name=name,
        type="apsystems_ez1",
        url=url,
        timezone=device.timezone,
        latitude=device.latitude,
        longitude=device.longitude,
        **keys,
    )


SIMULATORS: dict[str, Starter] = {
    "fusionsolar": start_fusionsolar,
    "enphase": start_enphase,
    "apsystems_ema": start_ema,
    "apsystems_openapi": start_openapi,
    "apsystems_ecu": start_ecu,
    "apsystems_ez1": start_ez1,
}


def demo_clock(speed: float) -> ScaledClock:
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    return ScaledClock(start=start.timestamp(), speed=speed)


async def run_demo(listen: ListenAddress, speed: float) -> int:
    clock = demo_clock(speed)
    running: list[Running] = []
    state_dir = Path(tempfile.mkdtemp(prefix="solar2prom-demo-"))
    app: Application | None = None
    try:
        for start in SIMULATORS.values():
            running.append(await start(clock, "127.0.0.1", 0, None))
        sources = tuple(r.source for r in running)
        # A history store too, so the status page and /metrics show that part as well.
        history = HistoryConfig(path=state_dir / "history.db")
        config = AppConfig(listen=str(listen), history=history, sources=sources)
        app = Application(config, clock, state_dir)
        urls = await app.start()
        for url in urls:
            print(f"solar2prom demo: metrics at {url}/metrics, status page at {url}/", flush=True)
        for r in running:
            print(f"  {r.description.splitlines()[0]}", flush=True)
        print(f"simulated time runs x{speed:g}; Ctrl-C stops", flush=True)
        await wait_for_signal()
    finally:
        if app is not None:
            await app.stop()
        for r in running:
            await r.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
    return 0


async def run_simulator(
    vendor: str, listen: ListenAddress, speed: float, fixture: Path | None = None
) -> int:
    running = await SIMULATORS[vendor](
        ScaledClock(speed=speed), listen.host or "127.0.0.1", listen.port, fixture
    )
    print(f"{running.description}\nCtrl-C stops", flush=True)
    try:
        await wait_for_signal()
    finally:
        await running.stop()
    return 0
