"""The `history:` and `remote_write:` config models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from solar2prom.outputs.history_config import DAY, HistoryConfig, RemoteWriteConfig


def test_history_defaults_and_durations() -> None:
    assert HistoryConfig(path=Path("h.db")).retention == 400 * DAY
    assert HistoryConfig.model_validate({"path": "h.db", "retention": "30d"}).retention == 30 * DAY
    assert HistoryConfig.model_validate({"path": "h.db", "retention": None}).retention is None
    with pytest.raises(ValidationError, match="duration"):
        HistoryConfig.model_validate({"path": "h.db", "retention": "a year"})
    with pytest.raises(ValidationError, match="Extra inputs"):
        HistoryConfig.model_validate({"path": "h.db", "keep": "1d"})


def test_relative_paths_are_relative_to_the_config_folder() -> None:
    base = Path("/etc/solar2prom")
    assert HistoryConfig(path=Path("h.db")).relative_to(base).path == base / "h.db"
    assert HistoryConfig(path=Path("/var/h.db")).relative_to(base).path == Path("/var/h.db")
    remote = RemoteWriteConfig.model_validate(
        {
            "url": "http://vm:8428/api/v1/write",
            "queue_path": "q.db",
            "basic_auth": {"username": "u", "password_file": "secret"},
        }
    ).relative_to(base)
    assert remote.queue_path == base / "q.db"
    assert remote.basic_auth is not None and remote.basic_auth.password_file == base / "secret"


def test_remote_write_defaults() -> None:
    config = RemoteWriteConfig(url="http://127.0.0.1:8428/api/v1/write")
    assert (config.batch_size, config.max_queue_samples, config.timeout) == (1000, 1_000_000, 30)
    assert config.queue_path is None and config.headers == {}


def test_the_display_url_carries_no_credentials() -> None:
    config = RemoteWriteConfig(url="https://user:pw@mimir.example:443/api/v1/push?token=x")
    assert config.display_url == "https://mimir.example:443/api/v1/push"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"url": "ftp://host/x"}, "http:// or https://"),
        ({"headers": {"content-type": "text/plain"}}, "set by solar2prom itself"),
        ({"headers": {"Authorization": "Bearer x"}}, "set by solar2prom itself"),
        ({"bearer_token": "a", "bearer_token_file": "f"}, "at most one"),
        ({"basic_auth": {"username": "u"}}, "either password or password_file"),
        ({"external_labels": {"__name__": "x"}}, "invalid label name"),
        ({"external_labels": {"job": ""}}, "empty value"),
        ({"batch_size": 0}, "greater than or equal to 1"),
    ],
)
def test_invalid_remote_write_settings_are_refused(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RemoteWriteConfig.model_validate({"url": "http://127.0.0.1:8428/api/v1/write", **extra})
