"""What the simulated EMA system looks like: its identifiers, panels, place and quirks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class EmaSimConfig:
    """One EMA system with visitor access on, and the view `vid` showing all its panels.

    The defaults are the demo's: four two-input micro-inverters (eight 420 W panels) near
    Paris. Identifiers are invented; inverter UIDs start with 70 like DS3 inverters' do.
    """

    authorized_id: str = "demo-visitor"
    system_id: str = "DEMOSYSTEM0001"
    ecu_id: str = "216300000001"
    vid: str = "DEMOVIEW0001"
    timezone: str = "Europe/Paris"
    latitude: float = 48.86
    longitude: float = 2.35
    inverters: int = 4
    panel_peak_w: float = 420.0
    first_inverter_uid: int = 703000000001
    lifetime_base_kwh: float = 4200.0
    # A slot shows on EMA this long after it ended (the ECU's upload and EMA's processing).
    upload_delay: float = 90.0
    # How EMA says "no data for that day yet": HTTP 204, or HTTP 200 with empty lists.
    no_data_answer: Literal["204", "empty"] = "204"
    # Non-browser User-Agents get HTTP 403, as on the real site.
    require_browser: bool = True
    session_ttl: float = 1800.0
    seed: int = 1

    def __post_init__(self) -> None:
        if self.inverters < 1:
            raise ValueError("inverters must be at least 1")
        if self.no_data_answer not in ("204", "empty"):
            raise ValueError("no_data_answer must be '204' or 'empty'")
        if self.upload_delay < 0 or self.session_ttl <= 0:
            raise ValueError("upload_delay must be >= 0 and session_ttl > 0")
