"""Fixtures of the integration tests: the simulator as its own process, and config files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import free_port, process, solar2prom, wait_for_line

CONFIG = """\
listen: "127.0.0.1:{port}"
state_dir: state
sources:
  - name: roof
    type: fusionsolar
    url: {sim_url}
    username: demo
    system_code: ${{SIM_CODE}}
    night: {{mode: "off"}}
"""


@pytest.fixture
def sim_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`solar2prom sim fusionsolar` as its own process."""
    monkeypatch.setenv("SIM_CODE", "demo-secret")
    log = tmp_path / "sim.log"
    with process(solar2prom("sim", "fusionsolar", "--listen", f"127.0.0.1:{free_port()}"), log):
        yield wait_for_line(log, r"simulator at (http://\S+)").group(1)


def write_config(tmp_path: Path, sim_url: str, port: int) -> Path:
    path = tmp_path / "solar2prom.yml"
    path.write_text(CONFIG.format(port=port, sim_url=sim_url))
    return path
