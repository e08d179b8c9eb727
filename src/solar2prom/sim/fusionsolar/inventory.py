"""The plants and devices of the simulated account: identities, places and ratings.

Everything here is drawn from one `random.Random(seed)` in a fixed order, so a seed always
gives the same plant codes, device IDs, names, places and capacities. Shapes follow the real
captures: plant codes `NE=<8 digits>`, 16-digit device IDs sharing the plant's number (and
15-digit ones as in the documentation examples), no serial for batteries and power sensors.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

from solar2prom.sim.fusionsolar import catalog as c
from solar2prom.sim.fusionsolar.config import FusionSolarSimConfig

_YEAR = 365.25 * 86400.0


@dataclass(frozen=True, slots=True)
class Region:
    city: str
    country: str
    latitude: float
    longitude: float
    utc_offset_h: int
    price: float  # per kWh, in the local currency
    voltage: float  # nominal phase voltage
    frequency: float


# Spread over both hemispheres and many time zones, so some plants always see daylight.
REGIONS = (
    Region("Mannheim", "Germany", 49.49, 8.47, 1, 0.30, 230.0, 50.0),
    Region("Brisbane", "Australia", -27.47, 153.03, 10, 0.28, 230.0, 50.0),
    Region("Sevilla", "Spain", 37.39, -5.98, 1, 0.20, 230.0, 50.0),
    Region("Santiago", "Chile", -33.45, -70.67, -4, 160.0, 220.0, 50.0),
    Region("Utrecht", "Netherlands", 52.09, 5.12, 1, 0.28, 230.0, 50.0),
    Region("Shenzhen", "China", 22.54, 114.06, 8, 0.60, 220.0, 50.0),
    Region("Johannesburg", "South Africa", -26.20, 28.05, 2, 3.20, 230.0, 50.0),
    Region("Bristol", "United Kingdom", 51.45, -2.59, 0, 0.25, 230.0, 50.0),
    Region("Sao Paulo", "Brazil", -23.55, -46.63, -3, 0.90, 127.0, 60.0),
    Region("Kuala Lumpur", "Malaysia", 3.14, 101.69, 8, 0.50, 240.0, 50.0),
)
_STREETS = ("Sonnenweg", "Harbour Road", "Calle del Sol", "Main Street", "Lindenlaan", "Ridge Way")
_PEOPLE = ("A. Keller", "J. Smith", "M. Garcia", "L. de Vries", "W. Chen", "N. Dlamini")


@dataclass(frozen=True, slots=True)
class InverterModel:
    name: str
    rated_kw: float
    three_phase: bool
    mppts: int
    strings: int


_MODELS = {
    c.RESIDENTIAL_INVERTER: (
        InverterModel("SUN2000-3KTL-L1", 3.0, False, 2, 2),
        InverterModel("SUN2000-5KTL-L1", 5.0, False, 2, 2),
        InverterModel("SUN2000-6KTL-L1", 6.0, False, 2, 2),
        InverterModel("SUN2000-8KTL-M1", 8.0, True, 2, 2),
        InverterModel("SUN2000-10KTL-M1", 10.0, True, 2, 2),
    ),
    c.STRING_INVERTER: (
        InverterModel("SUN2000-10KTL-M1", 10.0, True, 2, 2),
        InverterModel("SUN2000-30KTL-M3", 30.0, True, 4, 8),
        InverterModel("SUN2000-50KTL-M3", 50.0, True, 4, 8),
        InverterModel("SUN2000-100KTL-M1", 100.0, True, 10, 20),
        InverterModel("SUN2000-330KTL-H1", 300.0, True, 6, 28),
    ),
}
_SOFTWARE = {
    c.STRING_INVERTER: "V100R001C00SPC141",
    c.RESIDENTIAL_INVERTER: "V100R001C00SPC141",
    c.DONGLE: "V100R001C00SPC125",
    c.EMI: "V100R001C10SPC110",
}


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    dev_id: int
    dn: str
    type_id: int
    name: str
    plant: int  # index into Inventory.plants
    esn: str | None
    model: str | None
    software: str | None
    seed: int
    # Inverters: AC rating and DC array; storage: power limit and energy capacity.
    rated_kw: float = 0.0
    dc_kwp: float = 0.0
    capacity_kwh: float = 0.0
    three_phase: bool = True
    mppts: int = 0
    string_weights: tuple[float, ...] = ()
    modules_per_string: int = 0


@dataclass(frozen=True, slots=True)
class PlantSpec:
    index: int
    code: str
    name: str
    address: str
    region: Region
    latitude: float
    longitude: float
    coordinates_known: bool
    capacity_kwp: float
    grid_connected: float  # epoch seconds
    commercial: bool
    contact_person: str | None
    contact_method: str | None
    weather_seed: int

    @property
    def utc_offset_s(self) -> float:
        return self.region.utc_offset_h * 3600.0

    def grid_connection_date(self) -> str:
        zone = timezone(timedelta(hours=self.region.utc_offset_h))
        return datetime.fromtimestamp(self.grid_connected, zone).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Inventory:
    plants: tuple[PlantSpec, ...]
    devices: tuple[DeviceSpec, ...]


class _Ids:
    """Unique device IDs: the plant's NE number plus a sequence, or 15 random digits."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[int] = set()

    def next(self, ne: int, seq: int, documented_style: bool) -> int:
        candidate = self._random() if documented_style else 10**15 + ne + seq
        while candidate in self._used:
            candidate = self._random()
        self._used.add(candidate)
        return candidate

    def _random(self) -> int:
        return self._rng.randrange(10**14, 10**15)


def build_inventory(config: FusionSolarSimConfig, now: float) -> Inventory:
    rng = random.Random(config.seed)
    ne_numbers = _plant_numbers(rng, config.plants)
    counters: list[dict[str, int]] = [{} for _ in range(config.plants)]
    ids = _Ids(rng)
    devices: list[DeviceSpec] = []
    for type_id, count in config.devices_per_type.items():
        for j in range(count):
            plant = j % config.plants
            label = c.DEVICE_NAMES.get(type_id, "Device")
            counters[plant][label] = counters[plant].get(label, 0) + 1
            seq = sum(counters[plant].values())
            dev_id = ids.next(ne_numbers[plant], seq, plant % 3 == 2)
            name = f"{label}-{counters[plant][label]}"
            devices.append(_device(rng, type_id, j, plant, dev_id, name, now))
    plants = tuple(
        _plant(rng, i, ne_numbers[i], [d for d in devices if d.plant == i], now)
        for i in range(config.plants)
    )
    return Inventory(plants, tuple(devices))


def _plant_numbers(rng: random.Random, count: int) -> list[int]:
    numbers = []
    current = 33_554_432 + rng.randrange(0, 2_000_000)
    for _ in range(count):
        numbers.append(current)
        current += rng.randrange(10_000, 60_000)
    return numbers


def _device(
    rng: random.Random, type_id: int, j: int, plant: int, dev_id: int, name: str, now: float
) -> DeviceSpec:
    has_serial = type_id not in (c.BATTERY, c.POWER_SENSOR)
    year = datetime.fromtimestamp(now, UTC).year % 100
    base = DeviceSpec(
        dev_id=dev_id,
        dn=f"NE={dev_id % 10**9}",
        type_id=type_id,
        name=name,
        plant=plant,
        esn=f"HV{year:02d}{rng.randrange(10**8):08d}" if has_serial else None,
        model=None,
        software=_SOFTWARE.get(type_id),
        seed=rng.randrange(2**31),
        # Power sensors alternate single-phase (as in the real capture) and three-phase.
        three_phase=type_id != c.POWER_SENSOR or j % 2 == 1,
    )
    if type_id in c.INVERTER_TYPES:
        model = rng.choice(_MODELS[type_id])
        return replace(
            base,
            model=model.name,
            rated_kw=model.rated_kw,
            dc_kwp=round(model.rated_kw * rng.uniform(1.05, 1.3), 2),
            three_phase=model.three_phase,
            mppts=model.mppts,
            string_weights=tuple(rng.uniform(0.93, 1.0) for _ in range(model.strings)),
            modules_per_string=rng.randrange(9, 14) if model.rated_kw <= 10 else 20,
        )
    if type_id == c.BATTERY:
        modules = rng.choice((1, 2, 3))
        return replace(base, rated_kw=min(2.5 * modules, 5.0), capacity_kwh=5.0 * modules)
    if type_id == c.ESS:
        capacity = rng.choice((100.0, 200.0))
        return replace(base, rated_kw=capacity / 2, capacity_kwh=capacity)
    return base


def _plant(rng: random.Random, i: int, ne: int, devices: list[DeviceSpec], now: float) -> PlantSpec:
    region = REGIONS[i % len(REGIONS)]
    array = sum(d.dc_kwp for d in devices if d.type_id in c.INVERTER_TYPES)
    capacity = round(array, 2) if array else round(rng.uniform(4.0, 20.0), 1)
    commercial = capacity > 30.0
    kind = "Depot" if commercial else "Home"
    contact = i % 2 == 0
    return PlantSpec(
        index=i,
        code=f"NE={ne}",
        name=f"{region.city} {kind} {i + 1}",
        address=f"{_STREETS[i % len(_STREETS)]} {rng.randrange(1, 200)}, {region.city}, "
        f"{region.country}",
        region=region,
        latitude=round(region.latitude + rng.uniform(-0.3, 0.3), 4),
        longitude=round(region.longitude + rng.uniform(-0.3, 0.3), 4),
        # The real plant list sometimes has empty coordinates.
        coordinates_known=i % 10 != 9,
        capacity_kwp=capacity,
        grid_connected=math.floor(now - rng.uniform(0.5, 6.0) * _YEAR),
        commercial=commercial,
        contact_person=_PEOPLE[i % len(_PEOPLE)] if contact else None,
        contact_method=f"owner{i + 1}@example.com" if contact else None,
        weather_seed=rng.randrange(2**31),
    )
