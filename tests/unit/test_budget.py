from pathlib import Path

from solar2prom.core.budget import CallBudget, Governor, Window


def test_sliding_window_waits_for_oldest_call_to_leave() -> None:
    budget = CallBudget("api", [Window(2, 300)])
    assert budget.wait_time(0) == 0
    budget.record(0)
    budget.record(100)
    assert budget.wait_time(150) == 150  # the call at 0 leaves the window at 300
    assert budget.wait_time(300) == 0
    budget.record(300)
    assert budget.wait_time(300) == 100  # now the call at 100 is the one to wait for


def test_min_spacing_and_windows_combine() -> None:
    budget = CallBudget("api", [Window(5, 300)], min_spacing=60)
    budget.record(0)
    assert budget.wait_time(10) == 50
    assert budget.wait_time(60) == 0


def test_exhaust_fills_the_shortest_window_then_escalates() -> None:
    budget = CallBudget("api", [Window(3, 300), Window(10, 86400)])
    budget.record(0)
    budget.exhaust(10)
    assert budget.wait_time(20) == 290
    assert {s.window: s.remaining for s in budget.status(20)} == {"5m": 0, "1d": 6}  # 1 + 3
    # Refused again right after the wait: it was the daily limit after all.
    budget.record(310)
    budget.exhaust(310)
    assert {s.window: s.remaining for s in budget.status(320)} == {"5m": 0, "1d": 0}
    assert budget.wait_time(320) == 310 + 86400 - 320


def test_exhaust_long_after_starts_again_from_the_shortest_window() -> None:
    budget = CallBudget("api", [Window(3, 300), Window(10, 86400)])
    budget.exhaust(0)
    budget.exhaust(5000)
    assert {s.window: s.remaining for s in budget.status(5000)} == {"5m": 0, "1d": 4}  # 3 + 3


def test_zero_limit_never_allows() -> None:
    assert CallBudget("api", [Window(0, 300)]).wait_time(0) == 300


def test_governor_persists_calls_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "budget.json"
    first = Governor(path)
    first.configure("login", [Window(1, 600)], now=0)
    first.record("login", 0)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    second = Governor(path)
    second.configure("login", [Window(1, 600)], now=10)
    assert second.wait_time("login", 10) == 590


def test_governor_ignores_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "budget.json"
    path.write_text("{not json")
    governor = Governor(path)
    governor.configure("x", [Window(1, 60)], now=0)
    assert governor.wait_time("x", 0) == 0
