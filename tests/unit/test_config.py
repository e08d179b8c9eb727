from pathlib import Path

import pytest

from solar2prom.config import NightHours, load_config, parse_listen
from solar2prom.core.errors import ConfigError
from solar2prom.durations import parse_duration
from solar2prom.sources.enphase.config import EnphaseConfig
from solar2prom.sources.fusionsolar import FusionSolarConfig

GOOD = """\
listen: ":9999"
sources:
  - name: roof
    type: fusionsolar
    url: https://eu5.fusionsolar.huawei.com
    username: api-user
    system_code: ${FS_CODE}
    interval: 6m
    night: {mode: hours, sunup: 6, sundown: 21}
    timezone: ${TZ_NAME:-Europe/Berlin}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "solar2prom.yml"
    path.write_text(text)
    return path


def test_a_good_config_loads_with_env_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), env={"FS_CODE": "s3cret"})
    assert config.listen_address.port == 9999
    (source,) = config.sources
    assert isinstance(source, FusionSolarConfig)
    assert source.system_code.get_secret_value() == "s3cret"
    assert source.interval == 360
    assert source.timezone == "Europe/Berlin"
    assert isinstance(source.night, NightHours) and source.night.sunup == 6


def test_secret_from_file(tmp_path: Path) -> None:
    (tmp_path / "code.txt").write_text("from-file\n")
    text = GOOD.replace("system_code: ${FS_CODE}", "system_code_file: code.txt")
    (source,) = load_config(write(tmp_path, text), env={}).sources
    assert isinstance(source, FusionSolarConfig)
    assert source.system_code.get_secret_value() == "from-file"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("username: api-user", "usernme: api-user"), ":6: sources[0].usernme: unknown key"),
        (("    username: api-user\n", ""), ":3: sources[0].username: missing required key"),
        (("interval: 6m", "interval: 60s"), ":8: sources[0].interval: FusionSolar refreshes"),
        (("interval: 6m", "interval: soon"), ":8: sources[0].interval: expected a duration"),
        (("type: fusionsolar", "type: solaredge"), ":4: sources[0].type: unknown or missing"),
        (("sunup: 6", "sunup: 22"), ":9: sources[0].night: sunup must be earlier"),
        (("name: roof", "name: Roof!"), ":3: sources[0].name: String should match"),
        (("Europe/Berlin", "Mars/Olympus"), ":10: sources[0].timezone: unknown time zone"),
        (('listen: ":9999"', 'listen: "nowhere"'), ":1: listen: expected host:port"),
        (
            ("system_code: ${FS_CODE}", "system_code: ${NOPE}"),
            ":7: sources[0].system_code: environment variable NOPE is not set",
        ),
    ],
)
def test_errors_name_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"FS_CODE": "x"})
    assert f"{path}{expected}" in str(info.value)


def test_errors_never_echo_secret_values(tmp_path: Path) -> None:
    text = GOOD.replace("system_code: ${FS_CODE}", "system_code: [not, a, string]")
    text = text.replace("username: api-user", "username: {hunter2: 1}")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env={})
    assert "hunter2" not in str(info.value)
    assert "sources[0].system_code" in str(info.value)


def test_missing_secret_file_and_both_forms(tmp_path: Path) -> None:
    text = GOOD.replace("system_code: ${FS_CODE}", "system_code_file: nowhere.txt")
    with pytest.raises(ConfigError, match=r"system_code_file: cannot read"):
        load_config(write(tmp_path, text), env={})
    text = GOOD.replace("system_code: ${FS_CODE}", "system_code: a\n    system_code_file: b")
    with pytest.raises(ConfigError, match=r"give either system_code or system_code_file"):
        load_config(write(tmp_path, text), env={})


def test_duplicate_names_and_empty_sources(tmp_path: Path) -> None:
    source = GOOD.split("sources:\n")[1]
    with pytest.raises(ConfigError, match="source names must be unique: roof"):
        load_config(write(tmp_path, GOOD + source), env={"FS_CODE": "x"})
    with pytest.raises(ConfigError, match="sources"):
        load_config(write(tmp_path, "sources: []\n"), env={})
    with pytest.raises(ConfigError, match=r"invalid YAML|expected"):
        load_config(write(tmp_path, "sources: [\n"), env={})


def test_durations_and_listen() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("5m") == 300
    assert parse_duration("1.5h") == 5400
    assert parse_duration(42) == 42
    with pytest.raises(ValueError, match="duration"):
        parse_duration(True)
    assert str(parse_listen(":9850")) == ":9850"
    assert parse_listen("[::1]:80").host == "::1"


def test_a_token_file_is_kept_as_a_path_relative_to_the_config(tmp_path: Path) -> None:
    """`token_file` (enphase) is read again whenever the token in use runs out, so the config
    keeps the file, not its content; it must be readable when the config is loaded."""
    text = (
        "sources:\n"
        "  - name: house\n"
        "    type: enphase\n"
        "    url: https://127.0.0.1\n"
        "    token_file: secrets/envoy-token\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"{path}:5: sources\[0\]\.token_file: cannot read "):
        load_config(path)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "envoy-token").write_text("a.b.c\n")
    (source,) = load_config(path).sources
    assert isinstance(source, EnphaseConfig)
    assert source.token_file == tmp_path / "secrets" / "envoy-token"
    assert source.token is None
    both = text + "    token: x.y.z\n"
    with pytest.raises(ConfigError, match=r"give either token or token_file"):
        load_config(write(tmp_path, both))
