"""Everything solar2prom keeps on disk is private to its user, whatever the umask.

Every vendor runs against its demo simulator (simulated time, 60 times faster), with the
history store and a remote write receiver that is down (so its queue fills), then a backfill
runs. Afterwards no file under the state folder or the history folder is readable by group or
others (token cache, inventories, budgets, cursors, backfill logs, queues, the history
database), and every folder solar2prom made (parents
included) is 0700.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from solar2prom.app import Application
from solar2prom.cli import backfill
from solar2prom.config import AppConfig, NightOff
from solar2prom.demo import SIMULATORS, Running, demo_clock
from solar2prom.outputs.history_config import HistoryConfig, RemoteWriteConfig
from tests.integration.helpers import free_port

WITHIN = 60.0  # s of real time for every source to succeed once


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most services (022): files are world-readable unless made otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(folder: Path) -> dict[str, int]:
    found = {"/": stat.S_IMODE(folder.stat().st_mode)}
    for path in sorted(folder.rglob("*")):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.usefixtures("usual_umask")
async def test_state_and_history_are_private(tmp_path: Path) -> None:
    clock = demo_clock(60.0)
    running: list[Running] = []
    # Neither exists yet, nor do their parents: solar2prom makes them all.
    state = tmp_path / "var" / "lib" / "solar2prom"
    data = tmp_path / "history" / "db"
    try:
        for start in SIMULATORS.values():
            running.append(await start(clock, "127.0.0.1", 0, None))
        config = AppConfig(
            listen="127.0.0.1:0",
            state_dir=state,
            history=HistoryConfig(path=data / "history.db"),
            remote_write=(RemoteWriteConfig(url=f"http://127.0.0.1:{free_port()}/write"),),
            sources=tuple(
                r.source.model_copy(update={"night": NightOff(mode="off")}) for r in running
            ),
        )
        app = Application(config, clock)
        await app.start()

        def settled() -> bool:
            snapshots = app.hub.snapshots
            polled = len(snapshots) == len(running) and all(
                s.health.last_success for s in snapshots.values()
            )
            return polled and app.remote_writers[0].status().queued > 0

        try:
            deadline = time.monotonic() + WITHIN
            while not settled():
                errors = {n: s.health.last_error for n, s in app.hub.snapshots.items()}
                assert time.monotonic() < deadline, errors
                await asyncio.sleep(0.2)
        finally:
            await app.stop()
        now = datetime.fromtimestamp(clock.now(), UTC)
        assert await backfill(config, now - timedelta(hours=2), now, clock) == 0
    finally:
        for r in running:
            await r.stop()
    files = {**modes(state), **{f"history: {k}": v for k, v in modes(data).items()}}
    kinds = {path.name for path in state.rglob("*.json")}
    assert {"token.json", "inventory.json", "budget.json", "backfill.json"} <= kinds
    assert "history: history.db" in files
    assert any(name.startswith("remote_write-") for name in files)
    readable = {name: oct(mode) for name, mode in files.items() if mode & 0o077}
    assert readable == {}
    made = (tmp_path / "var", tmp_path / "history")
    folders = [p for top in made for p in (top, *top.rglob("*")) if p.is_dir()]
    assert {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {
        str(p): "0o700" for p in folders
    }
