"""Config files that are not what anyone would write, found by the fuzz tests (tests/fuzz): each
is a `ConfigError` that names the file, line and key — never another exception or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from solar2prom.config import load_config
from solar2prom.core.errors import ConfigError

SOURCE = "sources: [{name: shed, type: apsystems_ecu, host: 192.0.2.60}]\n"


def error(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "solar2prom.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    return str(caught.value)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    message = error(tmp_path, SOURCE.encode() + b"listen: \xff\n")
    assert message.endswith("solar2prom.yml:2: not UTF-8 text")


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!int abc", "!!int"),
        ("!!float x", "!!float"),
        ("!!bool maybe", "!!bool"),
        ("!!timestamp soon", "!!timestamp"),
        ("!!binary abc", "!!binary"),
        ("!!python/object:os.system x", "!!python/object:os.system"),
        ("!local x", "!local"),
    ],
)
def test_a_value_that_does_not_fit_its_tag(tmp_path: Path, value: str, tag: str) -> None:
    message = error(tmp_path, f"{SOURCE}listen: {value}\n")
    assert message.endswith(f":2: listen: the value does not fit its tag {tag}")


def test_an_alias_inside_its_own_anchor(tmp_path: Path) -> None:
    message = error(tmp_path, f"{SOURCE}remote_write: &loop [*loop]\n")
    assert ":2: remote_write[0]: an alias refers to a value that contains it" in message


def test_aliases_that_expand_without_end(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    message = error(tmp_path, SOURCE + "\n".join(levels) + "\n")
    assert message.endswith("solar2prom.yml: more than 100000 values once aliases expand")


def test_secret_files_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "binary.key").write_bytes(b"\xff\xfe\x00")
    text = SOURCE + 'mqtt: {url: "mqtt://127.0.0.1", password_file: binary.key}\n'
    assert error(tmp_path, text).endswith(
        ":2: mqtt.password_file: " + str(tmp_path / "binary.key") + " is not UTF-8 text"
    )
    text = SOURCE + 'mqtt: {url: "mqtt://127.0.0.1", password_file: "a\\0b"}\n'
    assert error(tmp_path, text).endswith(":2: mqtt.password_file: not a valid file name")


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf"])
def test_durations_are_finite(tmp_path: Path, value: str) -> None:
    message = error(tmp_path, SOURCE.replace("}]", f", timeout: {value}}}]"))
    assert ":1: sources[0].timeout:" in message


def test_a_duration_beyond_any_float(tmp_path: Path) -> None:
    message = error(tmp_path, SOURCE.replace("}]", f", timeout: {10**400}}}]"))
    assert ":1: sources[0].timeout: expected a duration" in message


@pytest.mark.parametrize("zone", ["Europe", "America/" + "x" * 300])
def test_a_zone_name_that_is_a_folder_or_too_long(tmp_path: Path, zone: str) -> None:
    message = error(tmp_path, SOURCE.replace("}]", f", timezone: {zone}}}]"))
    assert ":1: sources[0].timezone: unknown time zone" in message
