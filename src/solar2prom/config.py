"""The configuration file (SPEC §4): YAML, `${VAR}` expansion, `*_file` secrets, precise errors.

Every error names the file, the line and the key; nothing starts on an invalid config. Values
are never echoed back in errors, since they may be secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from solar2prom.core.errors import ConfigError
from solar2prom.core.timezones import resolve_timezone
from solar2prom.durations import Duration
from solar2prom.outputs.history_config import HistoryConfig, RemoteWriteConfig
from solar2prom.outputs.mqtt_config import MqttConfig
from solar2prom.outputs.web_config import WebConfig

_ENV = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NightSun(_Strict):
    mode: Literal["sun"] = "sun"


class NightHours(_Strict):
    mode: Literal["hours"]
    sunup: int = Field(7, ge=0, le=23)
    sundown: int = Field(20, ge=1, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> NightHours:
        if self.sunup >= self.sundown:
            raise ValueError("sunup must be earlier than sundown")
        return self


class NightOff(_Strict):
    mode: Literal["off"]


Night = Annotated[NightSun | NightHours | NightOff, Field(discriminator="mode")]


class SourceConfig(_Strict):
    """Keys every source takes; each vendor's config adds its own."""

    name: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=64)
    type: str
    interval: Duration | None = None
    night: Night = NightSun()
    timeout: Duration = 30.0
    stale_after: Duration | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            resolve_timezone(value)
        return value

    def exclusive_series(self) -> str | None:
        """Series without a `source` label that this source exports (compatibility names of
        another exporter), which only one source of a config may export; None for most."""
        return None

    @model_validator(mode="after")
    def _both_coordinates(self) -> SourceConfig:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        return self


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_listen(value: str) -> ListenAddress:
    """':9850', '127.0.0.1:9850', '[::1]:9850'; an empty host means every interface."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("expected host:port or :port")
    return ListenAddress(host.strip("[]"), int(port))


class AppConfig(_Strict):
    listen: str = ":9850"
    state_dir: Path | None = None
    history: HistoryConfig | None = None
    remote_write: tuple[RemoteWriteConfig, ...] = ()
    mqtt: MqttConfig | None = None
    web: WebConfig | None = None
    sources: tuple[SourceConfig, ...] = Field(min_length=1)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        names = [s.name for s in sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique: {', '.join(dupes)}")
        exporters: dict[str, list[str]] = {}
        for source in sources:
            series = source.exclusive_series()
            if series is not None:
                exporters.setdefault(series, []).append(source.name)
        for series, owners in exporters.items():
            if len(owners) > 1:
                raise ValueError(
                    f"only one source can export {series}, which carry no source label; "
                    f"turn them off on all but one of: {', '.join(owners)}"
                )
        return sources

    @property
    def listen_address(self) -> ListenAddress:
        return parse_listen(self.listen)


# --- loading ----------------------------------------------------------------------------------

KeyPath = tuple[str | int, ...]
# Far more values than any real config holds; aliases of aliases could expand without end.
MAX_VALUES = 100_000


@dataclass
class _Located:
    """YAML data plus the line (1-based) of every key and item, for error messages."""

    data: Any
    lines: dict[KeyPath, int]


def _key_text(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


class _Loader:
    def __init__(self, file: Path, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.errors: list[str] = []
        self.lines: dict[KeyPath, int] = {}
        self._scalars = yaml.constructor.SafeConstructor()
        self._values = 0
        self._open: set[int] = set()  # collections being built: an alias to one is a loop

    def compose(self) -> yaml.Node | None:
        """The file's YAML tree (None when empty); `ConfigError` for a file that cannot be
        read, is not UTF-8 or is not YAML, naming the line."""
        try:
            content = self.file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{self.file}: cannot read: {exc.strerror}") from exc
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = content.count(b"\n", 0, exc.start) + 1
            raise ConfigError(f"{self.file}:{where}: not UTF-8 text") from None
        try:
            node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise ConfigError(f"{self.file}{line}: {problem}") from exc
        return node

    def error(self, path: KeyPath, message: str) -> None:
        line = self.line_of(path)
        where = f"{self.file}:{line}" if line else str(self.file)
        self.errors.append(f"{where}: {_key_text(path)}: {message}")

    def line_of(self, path: KeyPath) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        self._values += 1
        if self._values > MAX_VALUES:
            raise ConfigError(f"{self.file}: more than {MAX_VALUES} values once aliases expand")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if id(node) in self._open:
                self.error(path, "an alias refers to a value that contains it")
                return None
            self._open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self._open.discard(id(node))
        try:
            value = self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError, LookupError, AttributeError, TypeError):
            # An explicit tag the value does not fit (`!!int abc`), or one safe YAML lacks.
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(path, f"the value does not fit its tag {tag}")
            return None
        if isinstance(value, str):
            return self.expand(value, path)
        return value

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: KeyPath) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            self.lines[child] = key_node.start_mark.line + 1
            if key in result:
                self.error(child, "duplicate key")
            result[key] = self.build(value_node, child)
        return result

    def expand(self, text: str, path: KeyPath) -> str:
        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            self.error(path, f"environment variable {name} is not set")
            return ""

        return _ENV.sub(substitute, text)

    def read_secret_files(
        self, source: dict[str, Any], model: type[BaseModel], path: KeyPath
    ) -> None:
        """`password_file: /run/secrets/x` fills `password` from the file. A model that has
        both keys (`token`, `token_file`) keeps the file and reads it when it needs the secret:
        its path is made absolute here, and checked to be readable."""
        for key in [k for k in source if k.endswith("_file")]:
            field = key.removesuffix("_file")
            if field not in model.model_fields:
                continue
            if key in model.model_fields:
                self._kept_secret_file(source, key, path)
                continue
            if field in source:
                self.error((*path, key), f"give either {field} or {key}, not both")
                continue
            raw = source.pop(key)
            secret_path = self.file.parent / str(raw)
            try:
                source[field] = secret_path.read_text(encoding="utf-8").strip("\r\n")
            except OSError as exc:
                self.error((*path, key), f"cannot read {secret_path}: {exc.strerror}")
            except UnicodeDecodeError:
                self.error((*path, key), f"{secret_path} is not UTF-8 text")
            except ValueError:  # a NUL character in the name
                self.error((*path, key), "not a valid file name")

    def _kept_secret_file(self, source: dict[str, Any], key: str, path: KeyPath) -> None:
        raw = source[key]
        if not isinstance(raw, str):
            return  # the model's own validation names the wrong type
        secret_path = self.file.parent / raw
        try:
            secret_path.read_text(encoding="utf-8")
        except OSError as exc:
            self.error((*path, key), f"cannot read {secret_path}: {exc.strerror}")
        except (UnicodeDecodeError, ValueError):
            self.error((*path, key), f"{secret_path} is not a readable text file")
        source[key] = str(secret_path)

    def validation_errors(self, exc: ValidationError, prefix: KeyPath, data: Any) -> None:
        for err in exc.errors(include_input=False, include_url=False):
            path = list(prefix)
            current = data
            for part in err["loc"]:
                # Tagged unions (night.mode) put the tag in the location: skip it.
                if isinstance(current, dict) and part not in current and isinstance(part, str):
                    if err["type"] == "missing":
                        path.append(part)
                    continue
                path.append(part)
                if isinstance(current, dict):
                    current = current.get(part)
                elif isinstance(current, list) and isinstance(part, int) and part < len(current):
                    current = current[part]
                else:
                    current = None
            self.error(tuple(path), _message(err["type"], err["msg"]))


def _message(kind: str, msg: str) -> str:
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        return "unknown key"
    return msg.removeprefix("Value error, ")


def load_config(file: Path, env: Mapping[str, str] | None = None) -> AppConfig:
    """Read, expand and validate a config file; raise `ConfigError` listing every problem."""
    from solar2prom.sources.registry import SOURCE_TYPES

    loader = _Loader(file, os.environ if env is None else env)
    node = loader.compose()
    if node is None or not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{file}: expected a mapping with at least a 'sources' list")
    data: dict[str, Any] = loader.build(node, ())
    if isinstance(data.get("mqtt"), dict):
        loader.read_secret_files(data["mqtt"], MqttConfig, ("mqtt",))
    raw_sources = data.get("sources")
    sources: list[SourceConfig] = []
    if not isinstance(raw_sources, list):
        loader.error(("sources",), "expected a list of sources")
    else:
        for i, raw in enumerate(raw_sources):
            path: KeyPath = ("sources", i)
            if not isinstance(raw, dict):
                loader.error(path, "expected a mapping")
                continue
            source_type = SOURCE_TYPES.get(str(raw.get("type")))
            if source_type is None:
                known = ", ".join(sorted(SOURCE_TYPES))
                loader.error((*path, "type"), f"unknown or missing source type (known: {known})")
                continue
            loader.read_secret_files(raw, source_type.config, path)
            try:
                sources.append(source_type.config.model_validate(raw))
            except ValidationError as exc:
                loader.validation_errors(exc, path, raw)
    config: AppConfig | None = None
    if not loader.errors:
        try:
            config = AppConfig.model_validate({**data, "sources": sources})
        except ValidationError as exc:
            loader.validation_errors(exc, (), data)
    if config is None or loader.errors:
        raise ConfigError("\n".join(loader.errors))
    if config.state_dir is not None and not config.state_dir.is_absolute():
        config = config.model_copy(update={"state_dir": file.parent / config.state_dir})
    if config.mqtt is not None:
        config = config.model_copy(update={"mqtt": config.mqtt.relative_to(file.parent)})
    if config.web is not None:
        web = config.web.relative_to(file.parent)
        web.load()  # the web config file's problems are the config's: check-config shows them
        config = config.model_copy(update={"web": web})
    if config.history is not None:
        config = config.model_copy(update={"history": config.history.relative_to(file.parent)})
    if config.remote_write:
        remote = tuple(r.relative_to(file.parent) for r in config.remote_write)
        config = config.model_copy(update={"remote_write": remote})
    return config
