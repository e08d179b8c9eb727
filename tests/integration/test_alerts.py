"""The alerting rules: real promtool checks them and runs their unit tests, and every alert
has a firing and a non-firing case and a runbook section in docs/alerts.md."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import require_program

ROOT = Path(__file__).parents[2]
RULES = ROOT / "alerts" / "solar2prom.rules.yml"
TESTS = sorted((ROOT / "alerts" / "tests").glob("*.yml"))
RUNBOOK = ROOT / "docs" / "alerts.md"


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_program("promtool"), *args], capture_output=True, text=True, timeout=120
    )


def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", *map(str, TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    cases: defaultdict[str, set[bool]] = defaultdict(set)
    for path in TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases[case["alertname"]].add(bool(case.get("exp_alerts")))
    names = [rule["alert"] for rule in alerts()]
    assert len(names) >= 7
    for name in names:
        assert cases[name] == {True, False}, name


def test_every_alert_has_a_runbook_line_and_link() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    for rule in alerts():
        name = rule["alert"]
        assert f"### {name}" in text, name
        assert rule["annotations"]["runbook_url"].endswith(f"docs/alerts.md#{name.lower()}")
        assert rule["labels"]["severity"] in {"warning", "critical"}


def test_rules_use_core_and_health_metrics_only() -> None:
    text = RULES.read_text()
    assert not re.findall(r"\b(fusionsolar|apsystems|ap)_\w+", text)
    # The one vendor metric: the Envoy token, which only Enphase gateways have.
    assert text.count("enphase_") == text.count("enphase_token_expiry_timestamp_seconds")
