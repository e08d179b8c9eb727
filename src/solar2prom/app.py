"""Wiring: sources and outputs from a config; start, stop, and the one-shot collect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from solar2prom.config import AppConfig, ListenAddress, NightHours, NightOff, SourceConfig
from solar2prom.core.clock import Clock
from solar2prom.core.files import held_by_this_process
from solar2prom.core.hub import Hub
from solar2prom.core.night import LateBoundSun, NeverSleep, NightPolicy, SunWindow, fixed_hours
from solar2prom.core.poller import SourcePoller
from solar2prom.outputs.history import HistoryStore
from solar2prom.outputs.http import build_app
from solar2prom.outputs.keeping import KeepingStatus
from solar2prom.outputs.mqtt import MqttOutput
from solar2prom.outputs.prometheus import PrometheusOutput, render_outputs
from solar2prom.outputs.remote_write import RemoteWriteSink
from solar2prom.outputs.web_security import protect, server_tls
from solar2prom.sources.base import Source, SourceContext
from solar2prom.sources.registry import create_source

log = logging.getLogger(__name__)


def default_state_dir() -> Path:
    """systemd's StateDirectory, else the XDG state folder."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "solar2prom"


def night_policy(config: SourceConfig, source: Source) -> NightPolicy:
    night = config.night
    if isinstance(night, NightOff):
        return NeverSleep()
    if isinstance(night, NightHours):
        return fixed_hours(night.sunup, night.sundown, config.timezone)
    if config.latitude is not None and config.longitude is not None:
        return SunWindow(config.latitude, config.longitude)
    return LateBoundSun(source.location)


class Application:
    """Every source's poller feeding one hub, and the outputs reading from it."""

    def __init__(self, config: AppConfig, clock: Clock, state_dir: Path | None = None) -> None:
        self.config = config
        self.clock = clock
        self.state_dir = state_dir or config.state_dir or default_state_dir()
        self.hub = Hub()
        self.mqtt = MqttOutput(config.mqtt, self.hub) if config.mqtt is not None else None
        self.history = HistoryStore(config.history, clock) if config.history else None
        self.web_settings = config.web.load() if config.web is not None else None
        self.remote_writers = [
            RemoteWriteSink(remote, clock, self.state_dir) for remote in config.remote_write
        ]
        self.prometheus = PrometheusOutput(self.hub, lambda: render_outputs(self.keeping_status()))
        self.sources: list[Source] = []
        self.pollers: list[SourcePoller] = []
        for source_config in config.sources:
            context = SourceContext(clock=clock, state_dir=self.state_dir / source_config.name)
            source = create_source(source_config, context)
            self.sources.append(source)
            night = night_policy(source_config, source)
            counters = context.state_dir / "counters.json"
            poller = SourcePoller(source, clock, self.hub, night, counters=counters)
            self.pollers.append(poller)
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def hold_state_dir(self) -> contextlib.AbstractContextManager[None]:
        """The state folder for this process alone while the block runs (`StateFolderError`)."""
        return held_by_this_process(self.state_dir)

    async def start(self, listen: ListenAddress | None = None) -> list[str]:
        """Start polling and serving; return the URLs being served."""
        address = listen or self.config.listen_address
        # A bad history path fails here, before the port is bound.
        await self.start_history()
        app = build_app(
            self.hub, self.prometheus, self.clock.now, self.source_names, self.keeping_status
        )
        ssl_context = None
        if self.web_settings is not None:
            protect(app, self.web_settings)
            ssl_context = server_tls(self.web_settings)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, address.host or None, address.port, ssl_context=ssl_context
        )
        await site.start()
        if self.mqtt is not None:
            await self.mqtt.start()
        for poller in self.pollers:
            self._tasks.append(asyncio.create_task(poller.run(), name=poller.source.name))
        return [_url(sock, tls=ssl_context is not None) for sock in self._runner.addresses]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.mqtt is not None:
            await self.mqtt.stop()  # says offline itself: the broker's last will is for crashes
        await self.close_sources()
        await self.close_history()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.prometheus.close()

    async def start_history(self) -> None:
        """Open the history store and the remote write queues: from now on they take every
        snapshot (and the ones already published)."""
        if self.history is not None:
            await self.history.start(self.hub)
        for sink in self.remote_writers:
            await sink.start(self.hub)

    def keeping_status(self) -> KeepingStatus:
        """The history store and remote write receivers (served once `start` opened them)."""
        history = self.history.status() if self.history is not None else None
        return KeepingStatus(history, tuple(sink.status() for sink in self.remote_writers))

    async def close_history(self) -> None:
        """Write what is pending and close; queued remote writes wait on disk for next time."""
        for sink in self.remote_writers:
            await sink.close()
        if self.history is not None:
            await self.history.close()

    async def close_sources(self) -> None:
        for source in self.sources:
            try:
                await source.close()
            except Exception:
                log.exception("closing source %s failed", source.name)

    async def collect(self) -> tuple[bytes, bool]:
        """One full poll of every source (one after another); the exposition and all-ok."""
        all_ok = True
        for poller in self.pollers:
            snapshot = await poller.poll_all()
            all_ok = all_ok and snapshot.health.up
        await self.prometheus.settled()
        return self.prometheus.exposition().body, all_ok


def _url(address: Sequence[object] | str, tls: bool = False) -> str:
    if isinstance(address, str):
        return address
    host, port = str(address[0]), int(str(address[1]))
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    scheme = "https" if tls else "http"
    return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}"
