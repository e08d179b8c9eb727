"""`solar2prom demo` and `solar2prom sim`: the built-in simulators, alone or wired to the exporter.

The demo's simulated clock starts at 10:00 UTC today, so the simulated plants (mostly in
Europe) are producing when it starts, and runs `--speed` times faster than real time.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from solar2prom.app import Application
from solar2prom.config import AppConfig, ListenAddress
from solar2prom.core.clock import ScaledClock
from solar2prom.signals import wait_for_signal
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from solar2prom.sources.fusionsolar import FusionSolarConfig

log = logging.getLogger(__name__)


def demo_clock(speed: float) -> ScaledClock:
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    return ScaledClock(start=start.timestamp(), speed=speed)


async def run_demo(listen: ListenAddress, speed: float) -> int:
    clock = demo_clock(speed)
    sim_config = FusionSolarSimConfig()
    simulator = FusionSolarSimulator(sim_config, clock)
    sim_url = await simulator.start()
    state_dir = Path(tempfile.mkdtemp(prefix="solar2prom-demo-"))
    source = FusionSolarConfig(
        name="demo-fusionsolar",
        type="fusionsolar",
        url=sim_url,
        username=sim_config.username,
        system_code=SecretStr(sim_config.system_code),
    )
    app = Application(AppConfig(listen=str(listen), sources=(source,)), clock, state_dir)
    try:
        urls = await app.start()
        for url in urls:
            print(f"solar2prom demo: metrics at {url}/metrics, status page at {url}/", flush=True)
        print(
            f"simulated FusionSolar API at {sim_url} (speed x{speed:g}); Ctrl-C stops", flush=True
        )
        await wait_for_signal()
    finally:
        await app.stop()
        await simulator.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
    return 0


async def run_simulator(vendor: str, listen: ListenAddress, speed: float) -> int:
    config = FusionSolarSimConfig()
    simulator = FusionSolarSimulator(config, ScaledClock(speed=speed))
    url = await simulator.start(listen.host or "127.0.0.1", listen.port)
    print(
        f"{vendor} simulator at {url} (user {config.username!r}, system code "
        f"{config.system_code!r}); Ctrl-C stops",
        flush=True,
    )
    try:
        await wait_for_signal()
    finally:
        await simulator.stop()
    return 0
