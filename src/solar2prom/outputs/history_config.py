"""The `history:` and `remote_write:` keys of the configuration file (SPEC §4).

Relative paths are relative to the config file's folder, like `state_dir`: `load_config` calls
`relative_to` on each model. Secrets in files (`password_file`, `bearer_token_file`) are read at
every request, so a rotated token is picked up without a restart.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from solar2prom.durations import Duration

DAY = 86400.0
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Set by the sink itself: the protocol's own headers, and credentials, which have their keys.
_RESERVED_HEADERS = frozenset(
    {
        "content-encoding",
        "content-type",
        "x-prometheus-remote-write-version",
        "user-agent",
        "authorization",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _rebased(path: Path | None, folder: Path) -> Path | None:
    return None if path is None or path.is_absolute() else folder / path


class HistoryConfig(_Strict):
    """`history: {path: solar2prom.db, retention: 400d}`: the embedded SQLite store."""

    path: Path
    # Long enough to compare a day with the same day last year; null keeps everything.
    retention: Duration | None = 400 * DAY

    def relative_to(self, folder: Path) -> HistoryConfig:
        path = _rebased(self.path, folder)
        return self if path is None else self.model_copy(update={"path": path})


class BasicAuth(_Strict):
    username: str = Field(min_length=1)
    password: SecretStr | None = None
    password_file: Path | None = None

    @model_validator(mode="after")
    def _one_password(self) -> BasicAuth:
        if (self.password is None) == (self.password_file is None):
            raise ValueError("give either password or password_file")
        return self


class RemoteWriteConfig(_Strict):
    """One Prometheus remote write 1.0 receiver (Prometheus, VictoriaMetrics, Mimir, ...)."""

    url: str
    basic_auth: BasicAuth | None = None
    bearer_token: SecretStr | None = None
    bearer_token_file: Path | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # Added to every series (not overriding its own labels): tells remote-written series apart
    # from the scraped ones when both end up in the same database.
    external_labels: dict[str, str] = Field(default_factory=dict)
    queue_path: Path | None = None  # default: a file per receiver in the state directory
    max_queue_samples: int = Field(1_000_000, ge=1)
    batch_size: int = Field(1000, ge=1, le=100_000)
    timeout: Duration = 30.0

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("headers")
    @classmethod
    def _own_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        reserved = sorted(h for h in headers if h.lower() in _RESERVED_HEADERS)
        if reserved:
            raise ValueError(f"headers set by solar2prom itself: {', '.join(reserved)}")
        return headers

    @field_validator("external_labels")
    @classmethod
    def _label_names(cls, labels: dict[str, str]) -> dict[str, str]:
        for name, value in labels.items():
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"invalid label name {name!r}")
            if not value:
                raise ValueError(f"label {name} has an empty value")
        return labels

    @model_validator(mode="after")
    def _one_credential(self) -> RemoteWriteConfig:
        given = [self.basic_auth, self.bearer_token, self.bearer_token_file]
        if sum(x is not None for x in given) > 1:
            raise ValueError("give at most one of basic_auth, bearer_token, bearer_token_file")
        return self

    @property
    def display_url(self) -> str:
        """The URL without credentials or query, for logs and the status."""
        url = urlsplit(self.url)
        return urlunsplit((url.scheme, url.netloc.rpartition("@")[2], url.path, "", ""))

    def relative_to(self, folder: Path) -> RemoteWriteConfig:
        update: dict[str, object] = {}
        for key in ("queue_path", "bearer_token_file"):
            path = _rebased(getattr(self, key), folder)
            if path is not None:
                update[key] = path
        if self.basic_auth is not None:
            password_file = _rebased(self.basic_auth.password_file, folder)
            if password_file is not None:
                update["basic_auth"] = self.basic_auth.model_copy(
                    update={"password_file": password_file}
                )
        return self.model_copy(update=update) if update else self
