"""The latest snapshot of every source, and the outputs that want to hear about new ones.

One poll, many consumers (Home Assistant's coordinator pattern): pollers publish here, and
outputs (Prometheus, MQTT, history, status page) subscribe. Nothing here touches a vendor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from solar2prom.core.model import Snapshot

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot], None]


class Hub:
    def __init__(self) -> None:
        self._snapshots: dict[str, Snapshot] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)
        for snapshot in self._snapshots.values():
            listener(snapshot)

    def publish(self, snapshot: Snapshot) -> None:
        self._snapshots[snapshot.source] = snapshot
        for listener in self._listeners:
            try:
                listener(snapshot)
            except Exception:
                # One broken output must not stop the others, nor the poller that published.
                log.exception("output failed to take the snapshot of %s", snapshot.source)

    @property
    def snapshots(self) -> Mapping[str, Snapshot]:
        return self._snapshots
