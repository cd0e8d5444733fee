"""Benchmark: import N sample-sized articles from JSONL into a new project, export them again.

The import runs as a user runs it, ``annotator import`` in its own process, so its wall time
and peak memory (max RSS) are the command's own. Defaults: 10,000 articles, 3 runs; issue
targets use ``--articles 100000``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson


def make_corpus(path: Path, count: int, seed: int = 7) -> int:
    """Articles built from the sample paragraphs, shuffled so every text is unique."""
    from annotator.resources import resource as bundled

    samples = [
        orjson.loads(line)
        for line in Path(str(bundled("samples", "articles.jsonl"))).read_bytes().splitlines()
    ]
    paragraphs = [p for s in samples for p in s["text"].split("\n") if p]
    rng = random.Random(seed)
    total = 0
    with path.open("wb") as out:
        for n in range(count):
            body: list[str] = []
            while sum(map(len, body)) < 3000:
                body.append(rng.choice(paragraphs))
            text = f"Dispatch {n}. " + "\n".join(body)
            total += len(text)
            record = {
                "id": f"bench-{n}",
                "title": f"Story {n}",
                "source": "Bench Wire",
                "date": "2026-11-28",
                "text": text,
            }
            out.write(orjson.dumps(record) + b"\n")
    return total


_MEASURED = (
    "import resource, runpy, sys\n"
    "sys.argv = ['annotator', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('annotator', run_name='__main__')\n"
    "except SystemExit as done:\n"
    "    if done.code not in (0, None):\n"
    "        raise\n"
    "finally:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    sys.stderr.write(f'\\nPEAK_KB {peak}\\n')\n"
)


def run_cli(*args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``annotator`` command in a fresh process."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args], check=True, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    peak_kb = int(result.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return elapsed, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        corpus = root / "corpus.jsonl"
        chars = make_corpus(corpus, args.articles)
        print(
            f"corpus: {args.articles:,} articles, {chars / args.articles:.0f} chars each on "
            f"average, {corpus.stat().st_size / 1e6:.1f} MB"
        )
        imports, exports, peaks = [], [], []
        for run in range(args.runs):
            project = root / f"run{run}.annotator"
            run_cli("init", str(project))
            elapsed, peak = run_cli("import", str(project), str(corpus))
            imports.append(elapsed)
            peaks.append(peak)
            elapsed, _ = run_cli(
                "export", str(project), "--format", "jsonl", "--out", str(root / f"run{run}.jsonl")
            )
            exports.append(elapsed)
        for name, values in (
            ("import (whole command)", imports),
            ("export (whole command)", exports),
        ):
            print(
                f"{name}: median {statistics.median(values):.2f} s "
                f"(range {min(values):.2f}–{max(values):.2f} s over {len(values)} runs)"
            )
        print(f"import peak memory (max RSS): {max(peaks):.0f} MB")


if __name__ == "__main__":
    main()
