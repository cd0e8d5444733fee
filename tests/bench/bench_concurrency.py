"""Two processes, one project, for a minute: an annotator labelling and a reviewer writing gold
labels, comments and statuses as fast as they can (a few ms of think time).

Prints the writes each side reported, how many of its transactions waited for the other's
lock, the retries after a busy timeout and the longest wait; then checks every reported write
against the file (nothing lost, nothing extra). The suite runs the same for 5 seconds.

    python tests/bench/bench_concurrency.py [--seconds 60] [--pause 0.004] [--seed 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "reliability"))

from concurrency_harness import check, make_project, run_sides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=0.004, help="longest think time, s")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shared.annotator"
        make_project(path)
        started = time.monotonic()
        sides = run_sides(path, seconds=args.seconds, seed=args.seed, pause=args.pause)
        elapsed = time.monotonic() - started
        failed = False
        for side in sides:
            print(
                f"{side.role:9}: {side.writes} writes ({side.writes / args.seconds:.0f}/s: "
                f"{len(side.items)} labels, {len(side.comments)} comments, "
                f"{len(side.statuses)} statuses); {side.waited} of {side.transactions} "
                f"transactions waited for the lock, {side.retries} retries after a busy "
                f"timeout, longest wait {side.longest_wait * 1000:.0f} ms"
            )
            for error in side.errors:
                failed = True
                print(f"  ERROR: {error}")
        if failed:
            raise SystemExit(1)
        audit = check(path, sides)
        print(
            f"checked against the file: audit rows per side {audit}, nothing lost "
            f"({elapsed:.0f} s in all)"
        )


if __name__ == "__main__":
    main()
