"""Deployment files, checked as far as a machine without a Docker engine can check them.

The image is not built and the compose stack not started here (no Docker engine): the compose
file must parse and point at files that exist, Prometheus's config must pass `promtool check
config`, the systemd unit `systemd-analyze verify`, and the image's health check command must
tell a serving solar2prom from a dead one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import require_program
from tests.integration.helpers import free_port, process, solar2prom, wait_for_line

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def test_compose_file_parses_and_points_at_existing_files() -> None:
    services = compose()["services"]
    assert set(services) == {"solar2prom", "prometheus", "grafana"}
    build = services["solar2prom"]["build"]
    dockerfile = (DEPLOY / build["context"] / build["dockerfile"]).resolve()
    assert dockerfile == (DEPLOY / "Dockerfile").resolve()
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in compose()["volumes"], (name, source)
                continue
            path = (DEPLOY / source).resolve()
            if path.name in ("solar2prom.yml",):  # the user's own, from the example
                path = path.with_name("solar2prom.example.yml")
            assert path.exists(), (name, source)
        for env_file in service.get("env_file", []):
            assert (DEPLOY / f"{env_file}.example").exists(), env_file
    targets = [v.split(":")[1] for v in services["grafana"]["volumes"]]
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/solar2prom.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] in targets
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (ROOT / "dashboards" / Path(home).name).exists()
    datasource = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"


def test_prometheus_config_passes_promtool_with_the_alerting_rules() -> None:
    promtool = require_program("promtool")
    result = subprocess.run(
        [promtool, "check", "config", str(DEPLOY / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "solar2prom.rules.yml" in result.stdout and "SUCCESS" in result.stdout
    # In the compose stack, the relative rule path lands on the mounted alerts folder.
    mounts = dict(v.split(":")[:2] for v in compose()["services"]["prometheus"]["volumes"])
    assert mounts["../alerts"] == "/etc/alerts"
    assert mounts["./prometheus.yml"] == "/etc/prometheus/prometheus.yml"


def test_dockerfile_is_slim_non_root_with_a_healthcheck() -> None:
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert stages and all(stage.endswith("-slim") for stage in stages)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE
    assert "SOLAR2PROM_HEALTHCHECK_URL=http://127.0.0.1:9850/healthz" in DOCKERFILE
    assert "EXPOSE 9850" in DOCKERFILE
    # Only the sources go into the build context: no state, no secrets, no virtualenv.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore and "!src/" in ignore


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK CMD, run with this interpreter instead of the image's."""
    match = re.search(r'CMD \["python", "-c", "(.+)"\]', DOCKERFILE)
    assert match
    return [sys.executable, "-c", match.group(1)]


def test_the_healthcheck_tells_serving_from_dead(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SOLAR2PROM_HEALTHCHECK_URL": f"http://127.0.0.1:{port}/healthz"}
    with process(solar2prom("demo", "--listen", f"127.0.0.1:{port}"), tmp_path / "demo.log"):
        wait_for_line(tmp_path / "demo.log", r"metrics at http://")
        alive = subprocess.run(healthcheck_command(), env=env, capture_output=True, timeout=30)
    dead = subprocess.run(healthcheck_command(), env=env, capture_output=True, timeout=30)
    assert alive.returncode == 0, alive.stderr
    assert dead.returncode != 0


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze")
    binary = shutil.which("solar2prom", path=str(Path(sys.executable).parent))
    assert binary
    # verify insists that ExecStart's program exists: point it at this checkout's command.
    unit = (DEPLOY / "solar2prom.service").read_text()
    unit = unit.replace("/opt/solar2prom/bin/solar2prom", binary)
    (tmp_path / "solar2prom.service").write_text(unit)
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "solar2prom.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "Ignoring" not in result.stderr, result.stderr


def test_example_config_passes_check_config() -> None:
    env = {**os.environ, "FUSIONSOLAR_SYSTEM_CODE": "example"}
    result = subprocess.run(
        solar2prom("check-config", "-c", str(DEPLOY / "solar2prom.example.yml")),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_deploy_docs_say_what_was_not_checked_here() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "no Docker engine" in text
    for name in ("Dockerfile", "docker-compose.yml", "solar2prom.service", "prometheus.yml"):
        assert f"deploy/{name}" in text, name
