"""What the outputs that keep data — the history store, remote write — say about themselves:
one status, read by `/healthz`, the status page and `/metrics`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from solar2prom.outputs.history import HistoryStatus
from solar2prom.outputs.remote_write import RemoteWriteStatus


@dataclass(frozen=True, slots=True)
class KeepingStatus:
    history: HistoryStatus | None = None
    remote_write: tuple[RemoteWriteStatus, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The `/healthz` members: `history` and `remote_write`, where configured."""
        status: dict[str, Any] = {}
        if self.history is not None:
            status["history"] = asdict(self.history)
        if self.remote_write:
            status["remote_write"] = [asdict(remote) for remote in self.remote_write]
        return status
