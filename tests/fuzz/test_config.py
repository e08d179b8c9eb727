"""The config loader, fed random text and bytes, YAML built from its own tokens, and a valid
config of every source type with parts replaced, dropped or re-typed.

Contract: `load_config` returns an `AppConfig` or raises `ConfigError`, nothing else, and an
error never shows a secret's value.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from solar2prom.config import AppConfig, load_config
from solar2prom.core.errors import ConfigError
from tests.fuzz.support import bounded, mutated

CANARY = "canary-secret-4a7f"
ENV = {"SYSTEM_CODE": CANARY, "EMPTY": ""}
SECRET_FILE = "secret.txt"
VALID: dict[str, Any] = {
    "listen": "127.0.0.1:9850",
    "history": {"path": "history.db", "retention": "30d"},
    "mqtt": {"url": "mqtt://127.0.0.1:1883", "username": "u", "password_file": SECRET_FILE},
    "remote_write": [{"url": "http://127.0.0.1:8428/api/v1/write", "bearer_token": CANARY}],
    "sources": [
        {
            "name": "roof",
            "type": "fusionsolar",
            "url": "https://eu5.fusionsolar.huawei.com",
            "username": "api-user",
            "system_code": "${SYSTEM_CODE}",
            "interval": "330s",
            "night": {"mode": "hours", "sunup": 6, "sundown": 21},
            "latitude": 48.1,
            "longitude": 11.6,
        },
        {
            "name": "house",
            "type": "enphase",
            "url": "https://192.0.2.50",
            "token": CANARY,
            "timezone": "Europe/Berlin",
        },
        {"name": "shed", "type": "apsystems_ecu", "host": "192.0.2.60", "port": 8899},
        {"name": "ez1", "type": "apsystems_ez1", "url": "http://192.0.2.61:8050"},
        {
            "name": "garage",
            "type": "apsystems_ema",
            "authorized_id": CANARY,
            "system_id": "AZ12649A3DFF",
            "ecu_id": "216000000000",
            "night": {"mode": "off"},
        },
        {
            "name": "cloud",
            "type": "apsystems_openapi",
            "app_id": "app",
            "app_secret_file": SECRET_FILE,
            "system_id": "AZ12649A3DFF",
            "timeout": 30,
        },
    ],
}
# YAML built from the loader's own vocabulary, in flow style so that most of it parses: keys
# the config knows, explicit tags (the YAML core ones, local and Python ones), anchors and
# aliases (an alias inside its own anchor is a cycle), environment references, file names.
TAGS = ("", "", "", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!binary ", "!!str ")
TAGS += ("!!null ", "!!set ", "!!omap ", "!!map ", "!!seq ", "!local ", "!!python/name:os.sep ")
KEYS = ("sources", "name", "type", "host", "port", "url", "listen", "mqtt", "history")
KEYS += ("interval", "timeout", "night", "mode", "password_file", "token", "token_file", "<<")
KEYS += ("web", "config_file", "timezone", "latitude", "longitude")
WORDS = ("a", "apsystems_ecu", "fusionsolar", "enphase", "h", "mqtt://h", "http://h", "1", "-1")
WORDS += ("1.5", "1e999", ".nan", ".inf", "5m", "2024-13-45", "2024-01-01", "maybe", "~", "%%")
WORDS += ("AAAA", "'q'", '"\\0"', '"${SYSTEM_CODE}"', '"${UNSET}"', SECRET_FILE, "binary.bin")
WORDS += (".", "off", "hours", "sun", "Europe", "Europe/Berlin", "+05:30", "UTC+99")
scalars = st.builds(
    str.__add__,
    st.sampled_from(TAGS),
    st.sampled_from(WORDS) | st.text(string.ascii_letters + string.digits + "-_./$", max_size=6),
)
nodes = st.recursive(
    scalars | st.just("*a"),
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        st.lists(st.tuples(st.sampled_from(KEYS), children), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        ),
        st.tuples(st.sampled_from(TAGS), children).map(lambda t: f"{t[0]}&a {t[1]}"),
    ),
    max_leaves=10,
)
yaml_documents = st.lists(st.tuples(st.sampled_from(KEYS), nodes), min_size=1, max_size=4).map(
    lambda pairs: "".join(f"{key}: {node}\n" for key, node in pairs)
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config")
    (path / SECRET_FILE).write_text(CANARY + "\n")
    (path / "binary.bin").write_bytes(b"\xff\xfe\x00secret")
    return path


def _floats(value: object) -> Iterator[float]:
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _floats(item)


def load(folder: Path, content: str | bytes) -> None:
    """Write `content` as the config file and load it: a config or a `ConfigError`."""
    file = folder / "solar2prom.yml"
    if isinstance(content, str):
        file.write_text(content, encoding="utf-8")
    else:
        file.write_bytes(content)
    try:
        config = bounded(load_config, file, ENV)
    except ConfigError as exc:
        message = str(exc)
    else:
        assert isinstance(config, AppConfig)
        assert all(math.isfinite(v) for v in _floats(config.model_dump())), "an infinite setting"
        return
    assert CANARY not in message, "a secret's value shows in a config error"


def test_the_seed_is_valid(folder: Path) -> None:
    load(folder, yaml.safe_dump(VALID))
    file = folder / "solar2prom.yml"
    assert len(load_config(file, ENV).sources) == len(VALID["sources"])


@given(mutated(VALID, max_changes=6))
def test_valid_config_mutated(folder: Path, document: Any) -> None:
    load(folder, yaml.safe_dump(document, allow_unicode=True))


@given(yaml_documents)
def test_yaml_built_from_config_words(folder: Path, text: str) -> None:
    load(folder, text)


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_random_text_and_bytes(folder: Path, content: str | bytes) -> None:
    load(folder, content)
