"""The `apsystems_openapi` config keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from solar2prom.sources.apsystems.openapi import OpenApiConfig

KEYS = {"type": "apsystems_openapi", "app_id": "a" * 32, "app_secret": "s" * 12, "system_id": "S"}


def openapi(**more: object) -> OpenApiConfig:
    return OpenApiConfig.model_validate({"name": "roof", **KEYS, **more})


def test_defaults() -> None:
    config = openapi()
    assert config.url == "https://api.apsystemsema.com:9282"
    assert config.monthly_quota == 1000
    assert config.signature_method == "HmacSHA256"
    assert config.tick == 300.0
    assert config.summary_interval == 4 * 3600.0
    assert config.inventory_refresh == 7 * 86400.0
    assert config.inverters
    assert config.ecu_ids == ()
    assert "s" * 12 not in repr(config)


@pytest.mark.parametrize(
    "bad",
    [
        {"monthly_quota": 10},
        {"signature_method": "HmacMD5"},
        {"app_secret": ""},
        {"summary_interval": "soon"},
    ],
)
def test_invalid_keys(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        openapi(**bad)
