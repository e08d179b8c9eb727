"""A real Prometheus scrapes `solar2prom run`; real promtool checks the exposition."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import require_program
from tests.integration.conftest import write_config
from tests.integration.helpers import free_port, process, solar2prom, wait_http

LIFETIME = "solar_production_energy_joules_total"


def total(text: str, name: str) -> float | None:
    values = [
        float(s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    ]
    return sum(values) if values else None


def scraping(tmp_path: Path, exporter: int, port: int, *, remote_write: bool = False) -> list[str]:
    """A real Prometheus on `port` scraping solar2prom on `exporter` every second."""
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: solar2prom\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{exporter}']}}]\n"
    )
    command = [
        require_program("prometheus"),
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    return [*command, "--web.enable-remote-write-receiver"] if remote_write else command


def test_promtool_and_node_exporter_take_what_collect_writes(tmp_path: Path, sim_url: str) -> None:
    """`collect -o` for node_exporter's textfile collector: promtool lints it clean, and a real
    node_exporter serves it without an error in its log (a series node_exporter has itself,
    such as `process_start_time_seconds`, would log one at every scrape and be dropped)."""
    promtool = require_program("promtool")
    node_exporter = require_program("prometheus-node-exporter")
    config = write_config(tmp_path, sim_url, free_port())
    out = tmp_path / "textfile" / "solar.prom"
    result = subprocess.run(
        solar2prom("collect", "-c", str(config), "-o", str(out)),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    exposition = out.read_bytes()
    assert b"fusionsolar_inverter_pv_voltage_volts{" in exposition
    lint = subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, check=False
    )
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()

    port = free_port()
    command = [
        node_exporter,
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={out.parent}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    log = tmp_path / "node_exporter.log"
    with process(command, log):
        served = asyncio.run(wait_http(f"http://127.0.0.1:{port}/metrics"))
        again = asyncio.run(wait_http(f"http://127.0.0.1:{port}/metrics"))
    assert total(served, "node_textfile_scrape_error") == 0
    assert total(served, LIFETIME) == total(exposition.decode(), LIFETIME)
    assert again.count("\nprocess_start_time_seconds ") == 1  # node_exporter's own
    assert "level=error" not in log.read_text(), log.read_text()


async def test_prometheus_scrapes_run_and_promql_returns_the_value(
    tmp_path: Path, sim_url: str
) -> None:
    exporter_port, prom_port = free_port(), free_port()
    config = write_config(tmp_path, sim_url, exporter_port)
    prometheus_command = scraping(tmp_path, exporter_port, prom_port)
    metrics_url = f"http://127.0.0.1:{exporter_port}/metrics"
    query = f"http://127.0.0.1:{prom_port}/api/v1/query?query=sum({LIFETIME}{{source='roof'}})"
    with (
        process(solar2prom("run", "-c", str(config)), tmp_path / "run.log"),
        process(prometheus_command, tmp_path / "prometheus.log"),
    ):
        deadline = time.monotonic() + 60
        expected = total(await wait_http(metrics_url), LIFETIME)
        while expected is None:  # the first poll is still running
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            await asyncio.sleep(0.2)
            expected = total(await wait_http(metrics_url), LIFETIME)
        await wait_http(f"http://127.0.0.1:{prom_port}/-/ready")
        stored = None
        async with aiohttp.ClientSession() as http:
            while stored is None and time.monotonic() < deadline:
                async with http.get(query) as response:
                    result = (await response.json())["data"]["result"]
                if result:
                    stored = float(result[0]["value"][1])
                else:
                    await asyncio.sleep(0.5)
        # The next poll is minutes away, so what Prometheus stored is what /metrics serves.
        assert stored == pytest.approx(expected), (tmp_path / "prometheus.log").read_text()
        assert total(await wait_http(metrics_url), "solar_source_up") == 1


async def test_the_history_and_remote_write_health_reach_prometheus(
    tmp_path: Path, sim_url: str
) -> None:
    """The daemon keeps history and remote-writes to the Prometheus that scrapes it: the
    outputs' own series are scraped, pass promtool, and say what really happened."""
    promtool = require_program("promtool")
    exporter_port, prom_port = free_port(), free_port()
    config = write_config(tmp_path, sim_url, exporter_port)
    receiver = f"http://127.0.0.1:{prom_port}/api/v1/write"
    config.write_text(
        config.read_text()
        + "history: {path: history.db}\n"
        + f"remote_write: [{{url: '{receiver}', external_labels: {{job: written}}}}]\n"
    )
    prometheus_command = scraping(tmp_path, exporter_port, prom_port, remote_write=True)
    api = f"http://127.0.0.1:{prom_port}/api/v1/query"

    async def value(promql: str) -> float | None:
        async with aiohttp.ClientSession() as http, http.get(api, params={"query": promql}) as r:
            result = (await r.json())["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    with (
        process(prometheus_command, tmp_path / "prometheus.log"),
        process(solar2prom("run", "-c", str(config)), tmp_path / "run.log"),
    ):
        await wait_http(f"http://127.0.0.1:{prom_port}/-/ready")
        written = 'solar_history_samples_written_total{job="solar2prom"}'
        sent = f'solar_remote_write_samples_sent_total{{job="solar2prom",url="{receiver}"}}'
        # What arrived by remote write, counted by Prometheus itself (job "written").
        arrived = 'count({job="written",__name__=~"solar_.+"})'
        deadline = time.monotonic() + 60
        while not ((await value(sent)) or 0) > 0 or (await value(arrived)) is None:
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            await asyncio.sleep(0.5)
        assert (await value(written) or 0) > 0
        assert await value('solar_history_write_failing{job="solar2prom"}') == 0
        assert await value(f'solar_remote_write_samples_queued{{url="{receiver}"}}') is not None
        # Without an out-of-order window Prometheus refuses backdated history (the plant KPI
        # rows of the day and hour): counted, by reason, nothing else.
        dropped = 'solar_remote_write_samples_dropped_total{job="solar2prom",reason!="too_old"}'
        assert await value(dropped) is None, (tmp_path / "run.log").read_text()[-3000:]
        exposition = (await wait_http(f"http://127.0.0.1:{exporter_port}/metrics")).encode()
    lint = await asyncio.to_thread(
        subprocess.run,
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()
    assert b"\nsolar_history_samples_waiting 0.0\n" in exposition
