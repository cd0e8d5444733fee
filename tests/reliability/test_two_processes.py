"""An annotator and a reviewer write to one project from two processes for a few seconds: no
"database is locked" reaches either, and every write each reported is in the file."""

from pathlib import Path

from concurrency_harness import check, make_project, run_sides


def test_two_processes_write_without_locked_errors_or_loss(tmp_path: Path) -> None:
    path = tmp_path / "shared.annotator"
    make_project(path)
    sides = run_sides(path, seconds=4)
    for side in sides:
        assert side.returncode == 0 and not side.errors, (side.role, side.errors)
        print(
            f"{side.role}: {side.writes} writes ({len(side.items)} labels, "
            f"{len(side.comments)} comments, {len(side.statuses)} statuses); "
            f"{side.waited} of {side.transactions} waited for the lock, {side.retries} retries, "
            f"longest wait {side.longest_wait * 1000:.0f} ms"
        )
    annotator, reviewer = sides
    assert annotator.writes > 100 and reviewer.writes > 100
    assert reviewer.comments and reviewer.statuses
    audit = check(path, sides)
    assert audit == {"annotator": annotator.writes, "reviewer": reviewer.writes}
