"""A simulated APsystems ECU (ECU-B by default) on a local TCP port, speaking the 8899 protocol.

Written from the project's APsystems reference (§c) and the real frames only; it never imports
the client it is there to check. All time comes from the `Clock` passed in, so a `ScaledClock`
runs simulated days in seconds.

One request per connection, as the real ECU expects: `APS11` + length + command + payload +
`END\n`. `0001` answers the system info (lifetime, current power, today, inverter counts,
firmware, time zone, MACs; `info_format` "01" or "02"); `0002` + the ECU id the real-time
data of every inverter (records of type `01`, `02`, `03` and `00`, the last for a registered
inverter that never reported); `0030` + the ECU id the signal levels. A request for another
ECU id gets status `01` (no data); a malformed request gets no answer. Connections idle for
15 s are closed.

Values move through the day (`plant`): power follows the sun at the configured place,
inverters are offline at night, counters only grow and "today" restarts at local midnight.
Faults and counters: see `faults`; set them on `EcuSimulator.faults`.
"""

from solar2prom.sim.apsystems_ecu.config import EcuSimConfig, InverterSpec, default_inverters
from solar2prom.sim.apsystems_ecu.faults import EcuFaults, EcuSimStats
from solar2prom.sim.apsystems_ecu.server import EcuSimulator

__all__ = [
    "EcuFaults",
    "EcuSimConfig",
    "EcuSimStats",
    "EcuSimulator",
    "InverterSpec",
    "default_inverters",
]
