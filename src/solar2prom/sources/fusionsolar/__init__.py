"""Huawei FusionSolar / SmartPVMS Northbound API (`/thirdData`)."""

from solar2prom.sources.fusionsolar.config import FusionSolarConfig
from solar2prom.sources.fusionsolar.source import FusionSolarSource

__all__ = ["FusionSolarConfig", "FusionSolarSource"]
