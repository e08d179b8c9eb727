"""Legacy mode: apsystems2prom's environment variables read as one `apsystems_ema` source."""

from __future__ import annotations

import pytest

from solar2prom.config import NightHours, NightOff
from solar2prom.core.errors import ConfigError
from solar2prom.sources.apsystems.ema import EmaConfig
from solar2prom.sources.apsystems.legacy import go_duration, legacy_config

BASE = {"USERNAME": "visitor-id", "SYSTEM_ID": "SYS1", "ECU_ID": "216300000001"}


def source(env: dict[str, str]) -> EmaConfig:
    config = legacy_config(env)
    assert config is not None
    (only,) = config.sources
    assert isinstance(only, EmaConfig)
    return only


def test_not_legacy_without_the_variables() -> None:
    assert legacy_config({}) is None
    # Many desktops set USERNAME: alone it does not mean apsystems2prom.
    assert legacy_config({"USERNAME": "alice", "PATH": "/usr/bin"}) is None


def test_apsystems2prom_defaults() -> None:
    config = legacy_config(BASE)
    assert config is not None
    assert config.listen == ":8080"
    ema = source(BASE)
    assert ema.type == "apsystems_ema"
    assert ema.authorized_id.get_secret_value() == "visitor-id"
    assert (ema.system_id, ema.ecu_id, ema.vid) == ("SYS1", "216300000001", "")
    assert ema.url == "https://www.apsystemsema.com"
    assert ema.interval == 900.0
    assert ema.night == NightOff(mode="off")
    assert ema.compat_metrics
    assert ema.timezone is None


def test_the_seed_compose_environment() -> None:
    env = {
        **BASE,
        "TZ": "Europe/Paris",
        "PORT": "8085",
        "TICK": "5m",
        "SLEEP_NIGHT": "true",
        "SUNUP_HOUR": "7",
        "SUNDOWN_HOUR": "20",
        "VID": "view-1",
        "EMA_URL": "http://127.0.0.1:9999/prefix",
    }
    config = legacy_config(env)
    assert config is not None
    assert config.listen == ":8085"
    ema = source(env)
    assert ema.interval == 300.0
    # apsystems2prom polled through the whole SUNDOWN_HOUR hour.
    assert ema.night == NightHours(mode="hours", sunup=7, sundown=21)
    assert ema.timezone == "Europe/Paris"
    assert ema.vid == "view-1"
    assert ema.url == "http://127.0.0.1:9999/prefix"


def test_prefixed_aliases_win() -> None:
    env = {
        **BASE,
        "APSYSTEMS_USERNAME": "other-visitor",
        "APSYSTEMS_SYSTEM_ID": "SYS2",
        "APSYSTEMS_PORT": "9000",
        "PORT": "8000",
        "APSYSTEMS_TICK": "1h",
        "TICK": "5m",
    }
    config = legacy_config(env)
    assert config is not None and config.listen == ":9000"
    ema = source(env)
    assert ema.authorized_id.get_secret_value() == "other-visitor"
    assert ema.system_id == "SYS2"
    assert ema.interval == 3600.0
    # The prefixed names alone switch legacy mode on too.
    assert legacy_config({"APSYSTEMS_USERNAME": "v", "APSYSTEMS_SYSTEM_ID": "S", "ECU_ID": "E"})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900.0),
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("1.5h", 5400.0),
        ("2h45m0s", 9900.0),
        ("500ms", 0.5),
        ("0", 0.0),
        ("-5m", -300.0),
        ("5", None),
        ("", None),
        ("5 m", None),
        ("m", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    assert go_duration(text) == seconds


@pytest.mark.parametrize("tick", ["", "0", "-5m", "soon", "5"])
def test_an_unusable_tick_is_apsystems2prom_s_default(tick: str) -> None:
    assert source({**BASE, "TICK": tick}).interval == 900.0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLEEP_NIGHT": "1"}, NightHours(mode="hours", sunup=6, sundown=22)),
        ({"SLEEP_NIGHT": "True", "SUNUP_HOUR": "x"}, NightHours(mode="hours", sunup=6, sundown=22)),
        ({"SLEEP_NIGHT": "yes"}, NightOff(mode="off")),  # Go's ParseBool: not a boolean
        ({"SLEEP_NIGHT": "F", "SUNUP_HOUR": "9"}, NightOff(mode="off")),
        ({"SLEEP_NIGHT": "t", "SUNUP_HOUR": "0", "SUNDOWN_HOUR": "23"},
         NightHours(mode="hours", sunup=0, sundown=24)),
    ],
)  # fmt: skip
def test_night_window(env: dict[str, str], expected: NightHours | NightOff) -> None:
    assert source({**BASE, **env}).night == expected


def test_the_time_zone_comes_from_tz() -> None:
    assert source({**BASE, "TZ": ":Europe/Berlin"}).timezone == "Europe/Berlin"
    assert source({**BASE, "TZ": "Europe/Berlin", "APSYSTEMS_TIMEZONE": "+08:00"}).timezone == (
        "+08:00"
    )
    # A POSIX TZ string the zone database does not know: the host's own zone.
    assert source({**BASE, "TZ": "CET-1CEST"}).timezone is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SYSTEM_ID": "S"}, "USERNAME, ECU_ID must be set"),
        ({**BASE, "PORT": "http"}, "PORT must be a port number"),
        ({**BASE, "PORT": "70000"}, "PORT must be a port number"),
        ({**BASE, "SLEEP_NIGHT": "true", "SUNUP_HOUR": "21", "SUNDOWN_HOUR": "6"}, "SUNUP_HOUR"),
        ({**BASE, "SLEEP_NIGHT": "true", "SUNDOWN_HOUR": "24"}, "SUNDOWN_HOUR"),
        ({**BASE, "EMA_URL": "ftp://example"}, "invalid value of EMA_URL"),
    ],
)
def test_invalid_variables_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        legacy_config(env)
    assert "visitor-id" not in str(caught.value)
