"""The disk-full simulation of ``tests/reliability`` at length.

    python tests/bench/bench_disk_full.py [--rounds 200] [--actions 200] [--seed 1]

Each round lets the project file grow by only a few pages (a real SQLITE_FULL), runs scripted
annotation actions until and after the disk is full, checks after every refused action that the
file and the session are unchanged, frees the space, goes on, and checks integrity and every
label at the end of the round.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))

from disk_full import run_disk_full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        stats = run_disk_full(
            Path(folder) / "full.annotator",
            rounds=args.rounds,
            actions=args.actions,
            seed=args.seed,
        )
    print(f"{stats.summary()}; nothing lost ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
