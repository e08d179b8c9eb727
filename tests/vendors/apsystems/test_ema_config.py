"""The `apsystems_ema` config keys, and the one-exporter-of-ap_* rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from solar2prom.config import AppConfig
from solar2prom.sources.apsystems.ema import EmaConfig

KEYS = {"type": "apsystems_ema", "authorized_id": "visitor", "system_id": "S", "ecu_id": "E"}


def ema(name: str, **more: object) -> EmaConfig:
    return EmaConfig.model_validate({"name": name, **KEYS, **more})


def test_defaults() -> None:
    config = ema("garage")
    assert config.url == "https://www.apsystemsema.com"
    assert config.poll_interval == 300.0
    assert config.timeout == 10.0
    assert config.vid == ""
    assert config.compat_metrics
    assert "visitor" not in repr(config)
    assert ema("g", interval="15m", timeout="5s").poll_interval == 900.0


@pytest.mark.parametrize(
    "bad",
    [{"authorized_id": ""}, {"url": "www.apsystemsema.com"}, {"system_id": ""}, {"extra": 1}],
)
def test_invalid_keys(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ema("garage", **bad)


def test_only_one_source_exports_the_compat_metrics() -> None:
    AppConfig(sources=(ema("a"), ema("b", compat_metrics=False)))
    with pytest.raises(ValidationError, match=r"ap_\* metrics.*on all but one of: a, c"):
        AppConfig(sources=(ema("a"), ema("b", compat_metrics=False), ema("c")))
