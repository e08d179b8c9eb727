"""The whole ECU source against a server answering with the real frames of two installations.

Expected values come from `frames.md`, the publishers' notes on each frame. The ECU-R 2160
frames (6 × QT2) were read on two days; the second day's info says "today 0.00 kWh" while
398 W flow, a known firmware fault. The ECU-R-Pro frames (8 × DS3, evening) report a real
time-zone name and four inverters that never reported.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from solar2prom.config import NightOff
from solar2prom.core import metrics as m
from solar2prom.core.hub import Hub
from solar2prom.core.model import DeviceKind, Snapshot
from solar2prom.core.poller import SourcePoller
from solar2prom.sources.apsystems.ecu import EcuConfig, EcuSource
from solar2prom.sources.apsystems.ecu import catalog as ecu
from solar2prom.sources.base import SourceContext
from tests.conftest import ManualClock
from tests.vendors.apsystems.ecu_support import (
    capture_ecu,
    frame_bytes,
    info_fields,
    numbers,
    rows,
    sections,
)

KWH = Decimal(3_600_000)


def value(
    snapshot: Snapshot, metric: str, device: str = "", labels: tuple[str, ...] = ()
) -> object:
    found = [
        r.value
        for r in snapshot.readings
        if (r.metric.name, r.device, r.labels) == (metric, device, labels)
    ]
    return found[0] if found else None


def kwh_field(name: str, field: str) -> float:
    (kwh,) = numbers(info_fields(name)[field])
    return float(kwh * KWH)


def source_for(port: int, clock: ManualClock, state: Path, timezone: str | None) -> EcuSource:
    config = EcuConfig(
        name="captured",
        type="apsystems_ecu",
        host="127.0.0.1",
        port=port,
        timezone=timezone,
        night=NightOff(mode="off"),
    )
    return EcuSource(config, SourceContext(clock, state))


async def test_ecu_r_with_six_qt2_on_two_days(tmp_path: Path) -> None:
    zone = ZoneInfo("Europe/Berlin")
    clock = ManualClock(datetime(2023, 11, 20, 15, 20, tzinfo=zone).timestamp())
    day1, day2 = "info_ecu_r_2160_20231120.hex", "info_ecu_r_2160_20231121_today_zero.hex"
    async with capture_ecu() as server:
        server.script("0001", frame_bytes(day1), frame_bytes(day2))
        server.script("0002", frame_bytes("realtime_qt2_x6_20231120.hex"))
        server.script(
            "0030",
            frame_bytes("signal_qt2_x6_20231120.hex"),
            frame_bytes("signal_qt2_x6_20231121.hex"),
        )
        poller = SourcePoller(
            source_for(server.port, clock, tmp_path, "Europe/Berlin"), clock, Hub()
        )
        first = await poller.poll_all()
        clock.t = datetime(2023, 11, 21, 15, 14, tzinfo=zone).timestamp()
        second = await poller.poll_all()

    fields = info_fields(day1)
    ecu_id = fields["ECU ID"]
    assert [s.id for s in first.sites] == [ecu_id]
    assert value(first, m.PRODUCTION_POWER.name) == float(numbers(fields["current power"])[0])
    assert value(first, m.PRODUCTION_ENERGY_TODAY.name) == kwh_field(day1, "today energy")
    assert value(first, m.PRODUCTION_ENERGY_TOTAL.name) == kwh_field(day1, "lifetime energy")
    assert value(first, ecu.INVERTERS_REGISTERED.name) == int(fields["inverters registered"])
    gateway = next(d for d in first.devices if d.kind is DeviceKind.GATEWAY)
    assert (gateway.model, gateway.firmware) == ("ECU-R", fields["firmware"])
    # The ECU says Etc/GMT-8; its timestamps are the local clock of the configured zone.
    stamp = datetime(2023, 11, 20, 15, 19, 34, tzinfo=zone).timestamp()
    assert value(first, m.DATA_TIMESTAMP.name) == stamp

    section = sections()["realtime_qt2_x6_20231120.hex"]
    for uid, _, _, freq, temp, power, voltage in rows(section):
        watts = [float(w) for w in numbers(power)]
        assert value(first, m.DEVICE_POWER.name, uid) == sum(watts)
        for channel, w in enumerate(watts, start=1):
            assert value(first, ecu.CHANNEL_POWER.name, uid, (str(channel),)) == w
        for phase, volts in zip("abc", numbers(voltage), strict=True):
            assert value(first, ecu.PHASE_VOLTAGE.name, uid, (phase,)) == float(volts)
        assert value(first, ecu.FREQUENCY.name, uid) == float(numbers(freq)[0])
        assert value(first, m.DEVICE_TEMPERATURE.name, uid) == float(numbers(temp)[1])
        assert next(r for r in first.readings if r.device == uid).time == stamp
    for uid, level, _ in rows(sections()["signal_qt2_x6_20231120.hex"]):
        assert value(first, ecu.SIGNAL.name, uid) == int(level) / 255

    # Day two: lifetime grew, "today" reads 0 with 6 inverters online and is dropped.
    assert value(second, m.PRODUCTION_ENERGY_TOTAL.name) == kwh_field(day2, "lifetime energy")
    assert value(second, m.PRODUCTION_ENERGY_TODAY.name) is None
    assert second.rejected == {"implausible": 1}
    assert value(second, m.PRODUCTION_POWER.name) == float(
        numbers(info_fields(day2)["current power"])[0]
    )
    assert server.commands() == ["0001", "0002", "0030"] * 2


async def test_ecu_r_pro_in_the_evening_with_unreported_inverters(tmp_path: Path) -> None:
    info_name = "info_ecu_r_pro_aps12.hex"
    fields = info_fields(info_name)
    zone = ZoneInfo(fields["time zone"])
    clock = ManualClock(datetime(2022, 9, 19, 22, 30, tzinfo=zone).timestamp())
    async with capture_ecu() as server:
        server.script("0001", frame_bytes(info_name))
        server.script("0002", frame_bytes("realtime_ds3_x8_night_unreported.hex"))
        server.script("0030", frame_bytes("signal_ds3_x8.hex"))
        source = source_for(server.port, clock, tmp_path, None)
        snapshot = await SourcePoller(source, clock, Hub()).poll_all()

    assert snapshot.health.up, snapshot.health.last_error
    assert source.timezone() == fields["time zone"] == "Europe/Amsterdam"
    assert snapshot.sites[0].timezone == "Europe/Amsterdam"
    # 0 of 8 online after sunset: today's 9.82 kWh is believable and kept.
    assert value(snapshot, m.PRODUCTION_ENERGY_TODAY.name) == kwh_field(info_name, "today energy")
    assert value(snapshot, m.PRODUCTION_POWER.name) == 0.0
    contact = datetime(2022, 9, 19, 20, 26, 7, tzinfo=zone).timestamp()
    assert value(snapshot, ecu.EMA_CONTACT.name) == contact
    table = rows(sections()["realtime_ds3_x8_night_unreported.hex"])
    assert len(table) == 8
    for uid, online, *_ in table:
        assert value(snapshot, m.DEVICE_ONLINE.name, uid) == float(online)
        assert {r.metric.name for r in snapshot.readings if r.device == uid} == {
            m.DEVICE_ONLINE.name,
            ecu.SIGNAL.name,
        }
    models = {d.model for d in snapshot.devices if d.kind is DeviceKind.MICROINVERTER}
    assert models == {"DS3"}
