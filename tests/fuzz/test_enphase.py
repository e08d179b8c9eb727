"""Enphase: what the source reads from a gateway, through pyenphase and around it.

Three levels:

- End to end: the gateway simulator serves a capture folder with one answer mutated (or cut
  short, or an HTML page); a fresh source runs its three feeds against it. Every feed returns
  finite readings or raises a `SourceError`; pyenphase's own surprises must not get through.
- The models: the `EnvoyData` pyenphase made from each capture, with values replaced by what
  a gateway may send in their place (pyenphase passes most fields on as the JSON had them),
  fed to the reading functions. Nothing may raise.
- `/inventory.json`, which the source parses itself: the capture mutated, and random JSON.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyenphase import EnvoyData

from solar2prom.core.errors import SourceError
from solar2prom.core.model import Device
from solar2prom.sim.enphase import EnphaseSimulator
from solar2prom.sim.enphase.fixture import FixtureGateway, file_name
from solar2prom.sim.enphase.gateway import Answer
from solar2prom.sources.base import RequestStats, SourceContext
from solar2prom.sources.enphase import EnphaseConfig, EnphaseSource
from solar2prom.sources.enphase.adapter import EnvoyAdapter
from solar2prom.sources.enphase.auth import TokenCache, TokenKeeper
from solar2prom.sources.enphase.inventory import ENDPOINT, parse_inventory
from solar2prom.sources.enphase.parse import (
    Collector,
    device_readings,
    meter_readings,
    site_readings,
)
from tests.conftest import ManualClock
from tests.fuzz.support import (
    Edit,
    bounded,
    check_entities,
    check_readings,
    edited,
    edits,
    json_values,
    mutated,
    vendor_values,
)
from tests.vendors.enphase.conftest import FIXTURES, FOLDERS, config_for

HTML = b"<html><body><h1>Service Unavailable</h1></body></html>"
INVENTORY = json.loads((FIXTURES / "8.3.5169_with_generator" / file_name(ENDPOINT)).read_bytes())


def _json_answers(folder: str) -> dict[str, Any]:
    """The JSON answers of a capture folder, by file name."""
    answers: dict[str, Any] = {}
    for path in sorted((FIXTURES / folder).iterdir()):
        if path.name.endswith(("_log.json", "_readme")) or path.name == "info":
            continue
        try:
            answers[path.name] = json.loads(path.read_bytes())
        except ValueError:
            continue
    return answers


ANSWERS = {folder: _json_answers(folder) for folder in FOLDERS}


class MutatedGateway:
    """A capture folder's gateway, one of whose answers is replaced by `body`."""

    def __init__(self, base: FixtureGateway, name: str, body: bytes) -> None:
        self.base, self.name, self.body = base, name, body
        self.serial, self.firmware, self.timezone = base.serial, base.firmware, base.timezone

    def answer(self, path_qs: str, now: float) -> Answer | None:
        answer = self.base.answer(path_qs, now)
        served = file_name(path_qs)
        # Older captures answer `?details=1` with the plain production.json.
        if not (self.base.folder / served).is_file():
            served = served.removesuffix("_details_1")
        if answer is None or served != self.name:
            return answer
        return Answer(answer.status, self.body, answer.content_type)


@dataclass(repr=False)
class Gateways:
    """Simulators of every capture folder, on one event loop kept for the whole module."""

    runner: asyncio.Runner
    clock: ManualClock
    state: Path
    started: dict[str, EnphaseSimulator] = field(default_factory=dict)

    async def simulator(self, folder: str) -> EnphaseSimulator:
        if folder not in self.started:
            sim = EnphaseSimulator(FIXTURES / folder, self.clock)
            await sim.start()
            self.started[folder] = sim
        return self.started[folder]


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateways]:
    with asyncio.Runner() as runner:
        found = Gateways(runner, ManualClock(), tmp_path_factory.mktemp("enphase"))
        yield found
        for sim in found.started.values():
            runner.run(sim.stop())


async def _poll_every_feed(gateways: Gateways, folder: str, name: str, body: bytes) -> None:
    sim = await gateways.simulator(folder)
    base = sim.gateway.base if isinstance(sim.gateway, MutatedGateway) else sim.gateway
    assert isinstance(base, FixtureGateway)
    sim.gateway = MutatedGateway(base, name, body)
    sim.reset()
    source = EnphaseSource(
        config_for(sim, timeout=1.0), SourceContext(gateways.clock, gateways.state)
    )
    try:
        for feed in source.feeds():
            try:
                result = await feed.poll()
            except SourceError:
                continue
            check_readings(result.readings)
            check_entities((*result.sites, *result.devices))
    finally:
        await source.close()


Breakage = tuple[str, int, str, list[Edit], int]
# (folder, which JSON answer, how it breaks, the changes when mutated, where it is cut short)
breakages = st.tuples(
    st.sampled_from(FOLDERS),
    st.integers(0, 2**16),
    st.sampled_from(("mutated", "mutated", "mutated", "cut", "html", "empty")),
    edits(6),
    st.integers(0, 2**20),
)


def broken_answer(breakage: Breakage) -> tuple[str, bytes]:
    """The answer file to replace and the body to serve instead."""
    folder, which, how, changes, cut = breakage
    names = sorted(ANSWERS[folder])
    name = names[which % len(names)]
    original = ANSWERS[folder][name]
    if how == "mutated":
        return name, json.dumps(edited(original, changes)).encode()
    if how == "cut":
        raw = json.dumps(original).encode()
        return name, raw[: cut % len(raw)]
    return name, HTML if how == "html" else b""


@settings(deadline=None)  # a whole source against a server: timed by `wait_for` instead
@given(breakages)
def test_the_source_against_broken_answers(gateways: Gateways, breakage: Breakage) -> None:
    name, body = broken_answer(breakage)
    poll = _poll_every_feed(gateways, breakage[0], name, body)
    gateways.runner.run(asyncio.wait_for(poll, 30))


# --- the models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    data: EnvoyData
    inventory: Any
    multiphase: bool


class Captures(dict[str, Capture]):
    def __repr__(self) -> str:  # Hypothesis shows the arguments of a failing example
        return f"Captures({', '.join(self)})"


@pytest.fixture(scope="module")
def captures(gateways: Gateways) -> Captures:
    """What pyenphase made of each capture folder, read once through the adapter."""

    async def read(folder: str) -> Capture:
        sim = await gateways.simulator(folder)
        if isinstance(sim.gateway, MutatedGateway):
            sim.gateway = sim.gateway.base
        config: EnphaseConfig = config_for(sim)
        keeper = TokenKeeper(
            configured=config.token.get_secret_value() if config.token else None,
            enlighten=None,
            cache=TokenCache(gateways.state / f"{folder}-token.json"),
            clock=gateways.clock,
        )
        adapter = EnvoyAdapter(config, keeper=keeper, stats=RequestStats(), clock=gateways.clock)
        try:
            await adapter.connect()
            data = await adapter.update()
            inventory = await adapter.get_json(ENDPOINT)
            return Capture(data, inventory, adapter.envoy.phase_count > 1)
        finally:
            await adapter.close()

    return Captures({folder: gateways.runner.run(read(folder)) for folder in FOLDERS})


def _fields(model: object) -> Iterator[tuple[object, str]]:
    """Every (model, attribute) below `model` holding a value pyenphase took from the gateway's
    JSON as it was (`EnvoyData`'s own attributes are containers pyenphase built)."""
    children: list[object] = []
    if isinstance(model, EnvoyData):
        children = [getattr(model, f.name) for f in dataclasses.fields(model) if f.name != "raw"]
    elif dataclasses.is_dataclass(model) and not isinstance(model, type):
        for f in dataclasses.fields(model):
            value = getattr(model, f.name)
            if value is None or (
                isinstance(value, int | float | str) and not isinstance(value, enum.Enum)
            ):
                yield model, f.name
            else:
                children.append(value)
    elif isinstance(model, dict):
        children = list(model.values())
    for child in children:
        yield from _fields(child)


ModelEdit = tuple[int, object]
model_edits = st.lists(st.tuples(st.integers(0, 2**16), vendor_values), min_size=1, max_size=8)


def changed(capture: Capture, models: list[ModelEdit], raw: list[Edit]) -> EnvoyData:
    """A copy of the capture's `EnvoyData` with model attributes and raw answers changed."""
    data = copy.deepcopy(capture.data)
    slots = list(_fields(data))
    for index, value in models:
        model, name = slots[index % len(slots)]
        setattr(model, name, copy.deepcopy(value))
    changed_raw = edited(data.raw, raw)
    data.raw = changed_raw if isinstance(changed_raw, dict) else {}
    return data


@given(st.sampled_from(FOLDERS), model_edits, st.lists(edits(), max_size=1), edits(6))
def test_reading_functions_on_changed_models(
    captures: Captures,
    folder: str,
    models: list[ModelEdit],
    raw: list[list[Edit]],
    inventory: list[Edit],
) -> None:
    capture = captures[folder]
    envoy = changed(capture, models, raw[0] if raw else [])
    listed = edited(capture.inventory, inventory) if capture.inventory is not None else None

    def read() -> tuple[Collector, list[Device]]:
        out = Collector("122300000000")
        site_readings(out, envoy)
        meters = meter_readings(out, envoy.ctmeters, envoy.ctmeters_phases, capture.multiphase)
        return out, meters + device_readings(out, envoy, parse_inventory(listed))

    out, devices = bounded(read)
    check_readings(out.readings)
    check_entities(devices)


# --- /inventory.json -----------------------------------------------------------------------------


@given(mutated(INVENTORY, max_changes=8) | json_values)
def test_inventory(body: Any) -> None:
    listed = bounded(parse_inventory, body)
    for entry in listed:
        assert entry.serial and entry.serial == entry.serial.strip()
        assert all(isinstance(v, bool) for v in entry.flags.values())
    out = Collector("122300000000")
    check_entities(device_readings(out, EnvoyData(), listed))
    check_readings(out.readings)
