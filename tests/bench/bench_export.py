"""Benchmark dataset exports on a generated project (default 100,000 articles, 1,000,000 mentions).

Each export runs as ``annotator export`` in its own process: wall time, CPU time (user + system,
the export's worker process included) and peak RSS of the command and of its worker. spaCy's
blank tokenizer alone over the same texts is timed in the same run, since the targets for conll
and spacy are relative to it: both as wall time (what the target means; on a shared machine it
moves with the load) and as CPU time (steadier under load; an export on two processes can take
less wall time than CPU time). ``--runs`` repeats the tokenizer and each export, alternating,
and prints median and range. ``--workers 0`` keeps every export in one process.

    python tests/bench/bench_export.py [--articles N] [--mentions-per-article M] [--formats ...]
        [--runs R] [--workers 0|1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds, children included
    peak: float  # MB, the process itself
    worker_peak: float  # MB, the largest child process (0 without one)


_USAGE = (
    "import resource, sys\n"
    "def usage():\n"
    "    me = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime\n"
    "    sys.stderr.write(f'\\nUSAGE {cpu} {me.ru_maxrss} {kids.ru_maxrss}\\n')\n"
)
_EXPORT = _USAGE + (
    "import runpy\n"
    "sys.argv = ['annotator', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('annotator', run_name='__main__')\n"
    "except SystemExit as done:\n"
    "    if done.code not in (0, None):\n"
    "        raise\n"
    "finally:\n"
    "    usage()\n"
)
_TOKENIZER = _USAGE + (
    "import orjson, spacy\n"
    "nlp = spacy.blank('en')\n"
    "texts = (orjson.loads(line)['text'] for line in open(sys.argv[1], 'rb'))\n"
    "for doc in nlp.tokenizer.pipe(texts, batch_size=1000):\n"
    "    pass\n"
    "usage()\n"
)


def measured(code: str, *args: str, env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - started
    cpu, peak, worker = result.stderr.rsplit("USAGE", 1)[1].split()[:3]
    return Run(wall, float(cpu), int(peak) / 1024, int(worker) / 1024)


def spread(values: list[float], unit: str = " s", digits: int = 1) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}{unit}"
    return (
        f"{median:.{digits}f}{unit} (range {min(values):.{digits}f}–{max(values):.{digits}f}, "
        f"{len(values)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--mentions-per-article", type=int, default=10)
    parser.add_argument("--formats", default="jsonl,conll,spacy")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", choices=("0", "1"), default="1")
    args = parser.parse_args()
    formats = args.formats.split(",")
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
        tokenizer: list[Run] = []
        exports: dict[str, list[Run]] = {fmt: [] for fmt in formats}
        env = {"ANNOTATOR_EXPORT_WORKERS": args.workers}
        for _run in range(args.runs):
            tokenizer.append(measured(_TOKENIZER, str(corpus)))
            for fmt in formats:
                out = root / (f"out-{fmt}.jsonl" if fmt == "jsonl" else f"out-{fmt}")
                exports[fmt].append(
                    measured(
                        _EXPORT,
                        "export",
                        str(project),
                        "--format",
                        fmt,
                        "--out",
                        str(out),
                        "--split",
                        "train=0.8,dev=0.1,test=0.1",
                        env=env,
                    )
                )
                shutil.rmtree(out) if out.is_dir() else out.unlink()
        print(
            f"spaCy blank('en') tokenizer alone (a whole process): wall "
            f"{spread([r.wall for r in tokenizer])}, CPU {spread([r.cpu for r in tokenizer])}, "
            f"peak {max(r.peak for r in tokenizer):.0f} MB"
        )
        for fmt, runs in exports.items():
            line = f"export {fmt}: wall {spread([r.wall for r in runs])}, "
            line += f"CPU {spread([r.cpu for r in runs])}"
            if fmt != "jsonl":
                walls = [r.wall / t.wall for r, t in zip(runs, tokenizer, strict=True)]
                cpus = [r.cpu / t.cpu for r, t in zip(runs, tokenizer, strict=True)]
                line += (
                    f"; ratio to the tokenizer: wall {spread(walls, 'x', 2)}, "
                    f"CPU {spread(cpus, 'x', 2)}"
                )
            worker = max(r.worker_peak for r in runs)
            line += f"; peak {max(r.peak for r in runs):.0f} MB"
            line += f" + worker {worker:.0f} MB" if worker else " (no worker)"
            print(line)


if __name__ == "__main__":
    main()
