"""The importer fuzz run, longer: hypothesis cases, every prefix, the whole hostile catalogue.

For each importer (txt, html, JSONL, JSON, CSV, native, Label Studio, doccano, Prodigy, brat,
spaCy, zip): ``--examples`` hypothesis cases (random bytes, truncations, byte edits, other
encodings, hostile JSON values, format-specific mutations), every prefix length of its sample,
and every entry of the deterministic catalogue (each JSON value swapped for 1e400, 10**10000,
100,000 levels of nesting, ...). Each case is imported into a project in a watched sandbox (see
``tests/unit/fuzz/harness.py``). Prints the cases tried and the failures per importer, the
slowest case, and the median and range of the time per case; exits 1 if anything failed.

    python tests/bench/bench_fuzz.py [--examples 2000] [--importers txt csv ...] [--seed N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from tests.unit.fuzz import harness


def run_importer(
    sandbox: harness.Sandbox, importer: harness.Importer, examples: int, seed: int | None
) -> dict[str, float]:
    times: list[float] = []

    def record(verdict: harness.Verdict) -> None:
        times.append(verdict.seconds)

    @settings(
        max_examples=examples,
        derandomize=seed is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(harness.mutations(importer))
    def fuzz(data: bytes) -> None:
        record(sandbox.check(importer, data))

    if seed is not None:
        fuzz = hypothesis_seed(seed)(fuzz)
    started = time.perf_counter()
    fuzz()
    hypothesis_cases = len(times)
    for length in harness.prefixes(importer.sample, None):
        record(sandbox.check(importer, importer.sample[:length]))
    prefix_cases = len(times) - hypothesis_cases
    for _, data in harness.catalogue(importer):
        record(sandbox.check(importer, data))
    catalogue_cases = len(times) - hypothesis_cases - prefix_cases
    return {
        "hypothesis": hypothesis_cases,
        "prefixes": prefix_cases,
        "catalogue": catalogue_cases,
        "seconds": time.perf_counter() - started,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis cases per importer")
    parser.add_argument("--importers", nargs="*", default=list(harness.IMPORTERS))
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: derandomized)"
    )
    args = parser.parse_args()
    failed = 0
    total = 0
    print(
        f"{'importer':<14}{'hypothesis':>11}{'prefixes':>10}{'catalogue':>11}{'failures':>10}"
        f"{'seconds':>9}   per case: median [min, max] ms"
    )
    with tempfile.TemporaryDirectory(prefix="annotator-fuzz-") as folder:
        for name in args.importers:
            importer = harness.IMPORTERS[name]
            sandbox = harness.Sandbox(Path(folder) / name)
            try:
                figures = run_importer(sandbox, importer, args.examples, args.seed)
            finally:
                sandbox.close()
            cases = int(figures["hypothesis"] + figures["prefixes"] + figures["catalogue"])
            total += cases
            failed += len(sandbox.failures)
            print(
                f"{name:<14}{figures['hypothesis']:>11.0f}{figures['prefixes']:>10.0f}"
                f"{figures['catalogue']:>11.0f}{len(sandbox.failures):>10}"
                f"{figures['seconds']:>9.1f}   {figures['median_ms']:.2f} "
                f"[{figures['min_ms']:.2f}, {figures['max_ms']:.0f}]",
                flush=True,
            )
            shown: set[str] = set()
            for verdict in sandbox.failures:
                for problem in verdict.problems:
                    if problem[:80] not in shown:
                        shown.add(problem[:80])
                        print(f"    {problem[:300]}\n      input: {verdict.data[:120]!r}")
    print(f"total: {total} cases, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
