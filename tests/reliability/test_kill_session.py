"""SIGKILL a scripted annotation session fifty times: the project always opens, is intact, and
holds every action the session reported as done (and all or nothing of the one in flight)."""

from pathlib import Path

from kill_harness import run_kills


def test_fifty_kills_lose_no_reported_action(tmp_path: Path) -> None:
    path = tmp_path / "kill.annotator"
    stats = run_kills(path, kills=50, min_actions=1_000, seed=2026, max_delay=0.12)
    print(stats.summary())
    assert stats.kills >= 50
    assert stats.actions_done >= 1_000
    # Every kind of kill moment happened: before a commit and after it but before the report.
    assert stats.in_flight_committed + stats.in_flight_lost > 0
    assert stats.items_checked > stats.actions_done // 2
