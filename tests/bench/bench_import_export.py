"""Benchmark: import N sample-sized articles from JSONL into a new project, export them again."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from annotator.domain.schema import default_schema
from annotator.resources import resource
from annotator.services.exporting import export_project
from annotator.services.importing import import_paths
from annotator.storage.project import Project


def make_corpus(path: Path, count: int, seed: int = 7) -> int:
    """Articles built from the sample paragraphs, shuffled so every text is unique."""
    samples = [
        orjson.loads(line)
        for line in Path(str(resource("samples", "articles.jsonl"))).read_bytes().splitlines()
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
            f"corpus: {args.articles} articles, {chars / args.articles:.0f} chars each on "
            f"average, {corpus.stat().st_size / 1e6:.1f} MB"
        )
        imports, exports = [], []
        for run in range(args.runs):
            path = root / f"run{run}.annotator"
            with Project.create(path, schema=default_schema()) as project:
                started = time.perf_counter()
                report = import_paths(project, [corpus])
                imports.append(time.perf_counter() - started)
                assert report.imported == args.articles, report
                started = time.perf_counter()
                export_project(project, root / f"run{run}.jsonl")
                exports.append(time.perf_counter() - started)
        for name, values in (("import", imports), ("export", exports)):
            print(
                f"{name}: median {statistics.median(values):.2f} s "
                f"(range {min(values):.2f}–{max(values):.2f} s over {len(values)} runs)"
            )


if __name__ == "__main__":
    main()
