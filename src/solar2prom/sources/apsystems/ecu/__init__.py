"""An APsystems ECU-B / ECU-R / ECU-R-Pro / ECU-C on the LAN, over TCP port 8899."""

from solar2prom.sources.apsystems.ecu.config import EcuConfig
from solar2prom.sources.apsystems.ecu.source import EcuSource

__all__ = ["EcuConfig", "EcuSource"]
