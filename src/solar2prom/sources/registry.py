"""The source types a config file may name, each with its config model and its factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solar2prom.config import SourceConfig
from solar2prom.sources import enphase, fusionsolar
from solar2prom.sources.apsystems import ecu, ema, ez1, openapi
from solar2prom.sources.base import Source, SourceContext


@dataclass(frozen=True, slots=True)
class SourceType:
    name: str
    config: type[SourceConfig]
    # Any: each factory takes its own config subclass, which Callable cannot express covariantly.
    create: Callable[[Any, SourceContext], Source]


SOURCE_TYPES: dict[str, SourceType] = {
    t.name: t
    for t in (
        SourceType("fusionsolar", fusionsolar.FusionSolarConfig, fusionsolar.FusionSolarSource),
        SourceType("enphase", enphase.EnphaseConfig, enphase.EnphaseSource),
        SourceType("apsystems_ecu", ecu.EcuConfig, ecu.EcuSource),
        SourceType("apsystems_ez1", ez1.Ez1Config, ez1.Ez1Source),
        SourceType("apsystems_ema", ema.EmaConfig, ema.EmaSource),
        SourceType("apsystems_openapi", openapi.OpenApiConfig, openapi.OpenApiSource),
    )
}


def create_source(config: SourceConfig, context: SourceContext) -> Source:
    return SOURCE_TYPES[config.type].create(config, context)
