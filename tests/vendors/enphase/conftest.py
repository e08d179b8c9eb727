"""Fixtures of the Enphase tests: the real captures under tests/data/enphase/, served by the
gateway simulator, and the source run end to end against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from solar2prom.config import NightOff
from solar2prom.core.hub import Hub
from solar2prom.core.model import Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.sim.enlighten import Account, EnlightenSimulator
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sources.base import SourceContext
from solar2prom.sources.enphase import EnphaseConfig, EnphaseSource
from tests.conftest import DATA, ManualClock

FIXTURES = DATA / "enphase"
FOLDERS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
EMAIL, PASSWORD = "owner@example.com", "correct horse battery staple"

Start = Callable[..., Awaitable[EnphaseSimulator]]


@pytest.fixture
async def gateway(clock: ManualClock) -> AsyncIterator[Start]:
    """Starts gateway simulators (a fixture folder name, or None for the built-in one)."""
    started: list[EnphaseSimulator] = []

    async def start(folder: str | None, **options: Any) -> EnphaseSimulator:
        sim = EnphaseSimulator(FIXTURES / folder if folder else None, clock, **options)
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()


@pytest.fixture
async def enlighten(clock: ManualClock) -> AsyncIterator[Callable[..., Awaitable[Cloud]]]:
    """Starts the fake Enlighten service for a gateway simulator."""
    started: list[EnlightenSimulator] = []

    async def start(sim: EnphaseSimulator, **options: Any) -> Cloud:
        mfa = options.pop("mfa", False)
        service = EnlightenSimulator(sim.signer, clock=clock, **options)
        service.add_account(Account(EMAIL, PASSWORD, (sim.serial,), mfa=mfa))
        url = await service.start()
        started.append(service)
        return Cloud(service, url)

    yield start
    for service in started:
        await service.stop()


class Cloud:
    def __init__(self, service: EnlightenSimulator, url: str) -> None:
        self.service, self.url = service, url

    def credentials(self) -> dict[str, Any]:
        return {
            "username": EMAIL,
            "password": SecretStr(PASSWORD),
            "enlighten_url": self.url,
            "entrez_url": self.url,
        }


def config_for(sim: EnphaseSimulator, **keys: Any) -> EnphaseConfig:
    """A source config for `sim`: a pasted token from firmware 7, the envoy user before,
    unless `keys` set credentials."""
    if not {"token", "token_file", "username", "password"} & set(keys):
        keys.update(
            {"token": SecretStr(sim.issue_token())} if sim.tokens else {"username": "envoy"}
        )
    keys.setdefault("timeout", 2.0)
    return EnphaseConfig(
        name="house", type="enphase", url=sim.url, night=NightOff(mode="off"), **keys
    )


class Running:
    """A source and its poller, sharing the manual clock with the simulators."""

    def __init__(self, config: EnphaseConfig, clock: ManualClock, state: Path) -> None:
        self.source = EnphaseSource(config, SourceContext(clock, state))
        self.hub = Hub()
        self.poller = SourcePoller(self.source, clock, self.hub)

    async def poll(self) -> Snapshot:
        return await self.poller.poll_all()


@pytest.fixture
async def run(
    clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Callable[[EnphaseConfig], Running]]:
    """Builds sources (all sharing one state folder, like restarts) and closes them."""
    made: list[Running] = []

    def build(config: EnphaseConfig) -> Running:
        running = Running(config, clock, tmp_path / "state")
        made.append(running)
        return running

    yield build
    for running in made:
        await running.source.close()


def value(
    snapshot: Snapshot, metric: str, device: str = "", labels: tuple[str, ...] = ()
) -> float | None:
    found = [
        r.value
        for r in snapshot.readings
        if r.metric.name == metric and r.device == device and r.labels == labels
    ]
    assert len(found) <= 1, metric
    return found[0] if found else None
