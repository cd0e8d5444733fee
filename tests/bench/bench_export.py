"""Benchmark dataset exports on a generated project (default 100,000 articles, 1,000,000 mentions).

Each export runs as ``annotator export`` in its own process (wall time and peak RSS of the
command). spaCy's blank tokenizer alone over the same texts is timed in the same run, since the
targets for conll and spacy are relative to it.

    python tests/bench/bench_export.py [--articles N] [--mentions-per-article M] [--formats ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_import_export import make_corpus, run_cli

from annotator.domain.annotations import AnnotationSet, Mention, SetStatus
from annotator.runtime import paused_gc
from annotator.storage.project import Project


def label_everything(path: Path, per_article: int) -> int:
    """Give every article ``per_article`` mentions on its first words, as one annotator."""
    total = 0
    with Project.open(path) as project, paused_gc(), project.database.transaction():
        annotator = project.annotators.get_or_create("bench")
        for article in project.articles.iter_all():
            spans, position = [], 0
            text = article.text
            while len(spans) < per_article and position < len(text):
                start = position
                while start < len(text) and not text[start].isalnum():
                    start += 1
                end = start
                while end < len(text) and text[end].isalnum():
                    end += 1
                if end > start:
                    spans.append((start, end))
                position = end + 1
            mentions = [
                Mention(start=s, end=e, label=("PER", "ORG", "GPE")[n % 3])
                for n, (s, e) in enumerate(spans)
            ]
            project.sets.replace(
                AnnotationSet(
                    article_id=article.id,
                    annotator_id=annotator.id,
                    text_sha256=article.sha256,
                    status=SetStatus.DONE,
                    mentions=mentions,
                )
            )
            total += len(mentions)
    return total


def tokenizer_alone(corpus: Path) -> tuple[float, float, float]:
    code = (
        "import sys, time, orjson, spacy\n"
        "nlp = spacy.blank('en')\n"
        "texts = (orjson.loads(l)['text'] for l in open(sys.argv[1], 'rb'))\n"
        "t = time.perf_counter()\n"
        "for doc in nlp.tokenizer.pipe(texts, batch_size=1000): pass\n"
        "print(time.perf_counter() - t)\n"
    )
    code += "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(corpus)], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    inside, peak_kb = result.stdout.split()
    return float(inside), wall, int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--mentions-per-article", type=int, default=10)
    parser.add_argument("--formats", default="jsonl,conll,spacy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        corpus = root / "corpus.jsonl"
        make_corpus(corpus, args.articles)
        project = root / "bench.annotator"
        run_cli("init", str(project))
        run_cli("import", str(project), str(corpus))
        started = time.perf_counter()
        mentions = label_everything(project, args.mentions_per_article)
        print(
            f"project: {args.articles:,} articles, {mentions:,} mentions "
            f"(labelled in {time.perf_counter() - started:.0f} s)"
        )
        tokenize, wall, peak = tokenizer_alone(corpus)
        print(
            f"spaCy blank('en') tokenizer alone: {tokenize:.1f} s inside a process of "
            f"{wall:.1f} s, peak {peak:.0f} MB"
        )
        for fmt in args.formats.split(","):
            out = root / (f"out-{fmt}.jsonl" if fmt == "jsonl" else f"out-{fmt}")
            elapsed, peak = run_cli(
                "export",
                str(project),
                "--format",
                fmt,
                "--out",
                str(out),
                "--split",
                "train=0.8,dev=0.1,test=0.1",
            )
            ratio = f", {elapsed / wall:.2f}x the tokenizer process" if fmt != "jsonl" else ""
            print(f"export {fmt}: {elapsed:.1f} s{ratio}, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
