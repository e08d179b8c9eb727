"""What the simulated OpenAPI account and its system look like."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EcuSpec:
    """An ECU, its two-input micro-inverters, and whether a meter is activated on it."""

    eid: str
    inverters: int = 3
    meter: bool = False
    first_inverter_uid: int = 703000000101


def _default_ecus() -> tuple[EcuSpec, ...]:
    return (EcuSpec("216300000002", inverters=3, meter=True),)


@dataclass
class OpenApiSimConfig:
    """One OpenAPI account (App Id and Secret) with one system.

    The defaults are the demo's: one ECU with a meter and three DS3-like inverters (six 400 W
    panels) near Berlin. Identifiers are invented.
    """

    app_id: str = "demo0000000000000000000000000001"
    app_secret: str = "demo-secret1"
    system_id: str = "DEMOSYSTEM0002"
    ecus: tuple[EcuSpec, ...] = field(default_factory=_default_ecus)
    timezone: str = "Europe/Berlin"
    latitude: float = 52.52
    longitude: float = 13.40
    panel_peak_w: float = 400.0
    lifetime_base_kwh: float = 5559.2
    # A household's load around a base, with morning and evening peaks (meter ECUs only).
    base_load_w: float = 250.0
    monthly_quota: int = 1000
    # Calendar months for the quota are counted in this zone (the vendor's is not documented).
    quota_timezone: str = "+08:00"
    # More calls than this within a minute answer 7002.
    max_per_minute: int = 30
    # Signed timestamps further than this from the server's clock are refused (4000).
    timestamp_tolerance: float = 900.0
    # A slot shows this long after it ended.
    upload_delay: float = 90.0
    # The service sometimes labels its JSON as application/octet-stream.
    octet_stream: bool = False
    seed: int = 2

    def __post_init__(self) -> None:
        if not self.ecus:
            raise ValueError("a system needs at least one ECU")
        if len({e.eid for e in self.ecus}) != len(self.ecus):
            raise ValueError("ECU ids must be unique")
        if self.monthly_quota < 0 or self.max_per_minute < 1:
            raise ValueError("monthly_quota must be >= 0 and max_per_minute >= 1")
