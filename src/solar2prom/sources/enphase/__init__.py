"""Enphase Envoy / IQ Gateway on the local network, every firmware family, via pyenphase."""

from solar2prom.sources.enphase.config import EnphaseConfig
from solar2prom.sources.enphase.source import EnphaseSource

__all__ = ["EnphaseConfig", "EnphaseSource"]
