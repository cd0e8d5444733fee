"""The crash harness at length: SIGKILL a scripted annotation session N times at random moments.

After every kill the project must open, pass ``PRAGMA integrity_check`` and hold every action
the session reported as done. The suite runs 50 kills (``tests/reliability``); this runs as many
as asked for and prints how many actions each run completed (median and range).

    python tests/bench/bench_kill.py [--kills 500] [--actions 20000] [--max-delay 0.3] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "reliability"))

from kill_harness import run_kills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500, help="kills to survive")
    parser.add_argument("--actions", type=int, default=20_000, help="reported actions to verify")
    parser.add_argument("--max-delay", type=float, default=0.3, help="longest run, seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kill.annotator"

        def progress(stats) -> None:
            if stats.runs % 50 == 0:
                print(f"  {stats.kills} kills, {stats.actions_done} actions verified", flush=True)

        stats = run_kills(
            path,
            kills=args.kills,
            min_actions=args.actions,
            seed=args.seed,
            max_delay=args.max_delay,
            report=progress,
        )
        print(stats.summary())
        print(f"project file at the end: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
