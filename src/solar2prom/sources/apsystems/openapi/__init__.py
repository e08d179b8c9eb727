"""The official APsystems OpenAPI: signed requests within the account's monthly quota."""

from solar2prom.sources.apsystems.openapi.config import OpenApiConfig
from solar2prom.sources.apsystems.openapi.source import OpenApiSource

__all__ = ["OpenApiConfig", "OpenApiSource"]
