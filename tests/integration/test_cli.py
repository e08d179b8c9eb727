"""The `solar2prom` command as a user runs it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.integration.conftest import write_config
from tests.integration.helpers import free_port, process, solar2prom, wait_for_line, wait_http


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(solar2prom(*args), capture_output=True, text=True, timeout=120)


def test_check_config_ok_and_errors(tmp_path: Path, sim_url: str) -> None:
    config = write_config(tmp_path, sim_url, free_port())
    ok = run("check-config", "-c", str(config))
    assert ok.returncode == 0
    assert "OK, 1 source(s)" in ok.stdout
    config.write_text(config.read_text().replace("username: demo", "user: demo"))
    bad = run("check-config", "-c", str(config))
    assert bad.returncode == 2
    assert f"{config}:7: sources[0].user: unknown key" in bad.stderr
    assert f"{config}:4: sources[0].username: missing required key" in bad.stderr


def test_collect_exits_1_and_still_writes_up_0_when_a_source_fails(tmp_path: Path) -> None:
    dead_url = f"http://127.0.0.1:{free_port()}"
    config = write_config(tmp_path, dead_url, free_port())
    out = tmp_path / "solar.prom"
    result = subprocess.run(
        solar2prom("collect", "-c", str(config), "-o", str(out)),
        capture_output=True,
        text=True,
        timeout=120,
        env={"SIM_CODE": "x", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "roof: login: connection failed" in result.stderr
    assert 'solar_source_up{source="roof"} 0.0' in out.read_text()


def test_discover_lists_plants_and_devices(tmp_path: Path, sim_url: str) -> None:
    config = write_config(tmp_path, sim_url, free_port())
    text = run("discover", "-c", str(config))
    assert text.returncode == 0, text.stderr
    assert "source roof:" in text.stdout
    assert "  site NE=" in text.stdout
    assert "inverter" in text.stdout
    as_json = run("discover", "-c", str(config), "--json")
    found = json.loads(as_json.stdout)["roof"]
    assert {d["kind"] for d in found["devices"]} >= {"inverter", "battery", "meter"}
    assert all(d["site"] in {s["id"] for s in found["sites"]} for d in found["devices"])


def test_one_process_at_a_time_per_state_folder(tmp_path: Path, sim_url: str) -> None:
    """A backfill (or collect, discover, a second daemon) next to the running daemon would be
    a second session of the same account spending the same budget: refused, naming the
    daemon; a killed daemon leaves no stale lock behind."""
    config = write_config(tmp_path, sim_url, free_port())
    config.write_text(config.read_text() + "history: {path: history.db}\n")
    log = tmp_path / "run.log"
    with process(solar2prom("run", "-c", str(config)), log) as daemon:
        wait_for_line(log, "serving http://")
        others = (
            ("backfill", "--since", "2026-01-01"),
            ("collect",),
            ("discover",),
            ("run", "--listen", f"127.0.0.1:{free_port()}"),
        )
        for command, *extra in others:
            refused = run(command, "-c", str(config), *extra)
            assert refused.returncode == 1, (command, refused.stderr)
            assert (
                f"another solar2prom process (pid {daemon.pid}) is using the state folder "
                f"{tmp_path / 'state'}: two at once would share one vendor session"
            ) in refused.stderr, command
            assert "Traceback" not in refused.stderr
        daemon.kill()
        daemon.wait()
    found = run("discover", "-c", str(config))
    assert found.returncode == 0, found.stderr


async def test_demo_serves_every_vendor(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    sources = ("demo-fusionsolar", "demo-enphase", "demo-ecu", "demo-ez1")
    with process(solar2prom("demo", "--listen", f"127.0.0.1:{port}", "--speed", "60"), log):
        wait_for_line(log, r"metrics at http://127\.0\.0\.1:\d+/metrics")
        deadline = time.monotonic() + 90
        text = await wait_http(f"http://127.0.0.1:{port}/metrics")
        while not all(f'solar_source_up{{source="{s}"}} 1.0' in text for s in sources):
            assert time.monotonic() < deadline, log.read_text() + text[-3000:]
            await asyncio.sleep(0.5)
            text = await wait_http(f"http://127.0.0.1:{port}/metrics")
        page = await wait_http(f"http://127.0.0.1:{port}/")
        health = json.loads(await wait_http(f"http://127.0.0.1:{port}/healthz"))
    for source in sources:
        assert f'solar_site_info{{source="{source}"' in text
        assert f'solar_device_power_watts{{source="{source}"' in text or source == "demo-ez1"
        assert source in page
        assert health["sources"][source]["state"] == "up"
    assert "fusionsolar_inverter_pv_voltage_volts{" in text
    assert "enphase_" in text
    assert "\nsolar_history_write_failing 0.0\n" in text
    assert "Kept data" in page and "History store" in page
    assert "apsystems_ecu_" in text


def test_a_backfill_that_meets_a_full_disk_says_so(tmp_path: Path, sim_url: str) -> None:
    """The files solar2prom writes may not grow past 256 KiB (the shell's `ulimit -f`): the
    first batch of history does not fit, as on a full disk."""
    config = write_config(tmp_path, sim_url, free_port())
    config.write_text(config.read_text() + "history: {path: history.db}\n")
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    command = solar2prom("backfill", "-c", str(config), "--since", since)
    full = subprocess.run(
        ["bash", "-c", 'ulimit -f 256 && exec "$@"', "-", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert full.returncode == 1, full.stderr
    assert "roof: writing the fetched history failed: OperationalError: " in full.stderr
    assert "(free space, then run the same command again to resume)" in full.stderr
    assert "Traceback" not in full.stderr
