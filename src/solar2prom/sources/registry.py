"""The source types a config file may name, each with its config model and its factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solar2prom.config import SourceConfig
from solar2prom.sources import fusionsolar
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
    )
}


def create_source(config: SourceConfig, context: SourceContext) -> Source:
    return SOURCE_TYPES[config.type].create(config, context)
