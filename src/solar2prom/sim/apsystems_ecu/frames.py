"""Reply frames built from the reference's byte tables (§c.3–c.6), and request parsing.

A frame is `APS` + version + four ASCII digits (the length of everything but the final
newline) + the four-digit command + the body + `END` + newline. Integers are big-endian,
dates and inverter UIDs packed BCD, the ECU id and type codes ASCII.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from solar2prom.sim.apsystems_ecu.config import SILENT, TWO_CHANNEL, EcuSimConfig
from solar2prom.sim.apsystems_ecu.plant import EcuSample, InverterSample

INFO, REALTIME, SIGNAL = "0001", "0002", "0030"
_REQUEST = re.compile(rb"^APS(\d\d)(\d{4})(\d{4})(\d*)END\n$")
_FILLER = bytes([0xD0] * 7)  # "last contact with EMA" as ECU-B and ECU-R send it: no date


def frame(command: str, body: bytes, version: str = "11") -> bytes:
    length = 3 + 2 + 4 + 4 + len(body) + 3
    return b"APS" + version.encode() + f"{length:04d}{command}".encode() + body + b"END\n"


def _bcd(digits: str) -> bytes:
    return bytes.fromhex(digits)


@dataclass(frozen=True, slots=True)
class Request:
    command: str
    ecu_id: str


def parse_request(raw: bytes) -> Request | None:
    """A well-formed request (length field right, a 12-digit id where one belongs), or None."""
    match = _REQUEST.match(raw)
    if match is None or int(match.group(2)) != len(raw) - 1:
        return None
    command, payload = match.group(3).decode(), match.group(4).decode()
    if command == INFO and not payload:
        return Request(command, "")
    if command in (REALTIME, SIGNAL) and len(payload) == 12:
        return Request(command, payload)
    return None


def system_info(config: EcuSimConfig, sample: EcuSample, lifetime_zero: bool = False) -> bytes:
    lifetime = 0 if lifetime_zero else int(sample.lifetime_wh // 100)  # 0.1 kWh
    energies = struct.pack(">III", lifetime, sample.power_w, int(sample.today_wh // 10))
    body = config.ecu_id.encode() + config.info_format.encode() + energies
    counts = struct.pack(">HH", len(config.inverters), sample.online)
    firmware = f"{len(config.firmware):03d}{config.firmware}".encode()
    if config.info_format == "02":
        # Counts at 39 and 41, the firmware's length at 49: six bytes between are not described.
        return frame(INFO, body + counts + bytes(6) + firmware)
    zone = f"{len(config.reported_timezone):03d}{config.reported_timezone}".encode()
    macs = config.ethernet_mac + config.wireless_mac
    return frame(INFO, body + _FILLER + counts + b"10" + firmware + zone + macs)


def _record(inverter: InverterSample) -> bytes:
    spec = inverter.spec
    head = _bcd(spec.uid) + bytes([int(inverter.online)]) + spec.type_code.encode()
    if spec.type_code == SILENT:
        return head
    powers, voltages = inverter.channel_power_w, inverter.ac_voltage_v
    if spec.type_code == TWO_CHANNEL:
        values = [powers[0], voltages[0], powers[1], voltages[1]]
    elif len(voltages) == 3:
        values = [powers[0], voltages[0], powers[1], voltages[1], powers[2], voltages[2]]
        values.append(powers[3])
    else:
        values = [powers[0], voltages[0], powers[1], powers[2], powers[3]]
    fields = [inverter.frequency_raw, inverter.temperature_raw, *values]
    return head + struct.pack(f">{len(fields)}H", *fields)


def realtime(sample: EcuSample) -> bytes:
    body = b"0001" + struct.pack(">H", len(sample.inverters))
    body += _bcd(sample.local_time.strftime("%Y%m%d%H%M%S"))
    return frame(REALTIME, body + b"".join(_record(i) for i in sample.inverters))


def realtime_no_data() -> bytes:
    """Status `01`: no data for the ECU id asked (or none yet)."""
    return frame(REALTIME, b"0101" + struct.pack(">H", 0))


def signal(config: EcuSimConfig) -> bytes:
    body = b"".join(_bcd(i.uid) + bytes([i.signal]) for i in config.inverters)
    return frame(SIGNAL, b"00" + body)


def signal_no_data() -> bytes:
    return frame(SIGNAL, b"01")
