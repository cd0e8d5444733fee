"""Pack and merge timings, 500 articles x 50 mentions: python -m tests.bench.bench_packing

Prints median and range of: pack; first merge (sets new to the project); merging the same file
again (all unchanged, nothing written); merge after editing every set in both files' common
items (item-by-item updates through the repository).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from annotator.domain.annotations import AnnotationSet, Annotator, Mention
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.services.packing import Outcome, merge_packs, pack_for_annotator
from annotator.storage.project import Project

ARTICLES = 500
MENTIONS = 50
RUNS = 3


def build(root: Path) -> tuple[Path, Path]:
    main = root / "main.annotator"
    with Project.create(main, schema=default_schema()) as project:
        words = " ".join(f"Word{n}" for n in range(MENTIONS * 2))
        articles = [
            Article.create(f"Story {a}. {words}", title=f"Story {a}") for a in range(ARTICLES)
        ]
        project.articles.add_many(articles)
        alice = project.annotators.add(Annotator(name="alice"))
        project.assignments.assign([(a.id, alice.id) for a in articles])
        pack = root / "alice.pack"
        pack_for_annotator(project, annotator="alice", out=pack)
    with Project.open(pack) as packed:
        for article in articles:
            offset = len(f"Story {article.title[6:]}. ")
            mentions, position = [], offset
            for n in range(MENTIONS):
                word = f"Word{2 * n}"
                start = article.text.index(word, position)
                mentions.append(Mention(start=start, end=start + len(word), label="PER"))
                position = start + len(word)
            packed.sets.replace(
                AnnotationSet(
                    article_id=article.id,
                    annotator_id=alice.id,
                    text_sha256=article.sha256,
                    mentions=mentions,
                )
            )
    return main, pack


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_once(root: Path) -> dict[str, float]:
    main_path, pack = build(root)
    out: dict[str, float] = {}
    with Project.open(main_path) as project:
        out["pack"] = timed(
            partial(pack_for_annotator, project, annotator="alice", out=root / "b.pack")
        )
        out["merge new"] = timed(partial(merge_packs, project, [pack]))
        out["merge again"] = timed(partial(merge_packs, project, [pack]))
    with Project.open(pack) as packed:
        for info in packed.sets.all_infos():
            first = packed.sets.load(info.id).mentions[0]
            packed.sets.update(info.id, first.model_copy(update={"label": "ORG"}))
    with Project.open(main_path) as project:
        start = time.perf_counter()
        report = merge_packs(project, [pack])
        out["merge edited"] = time.perf_counter() - start
        assert report.ok and report.files[0].count(Outcome.UPDATED) == ARTICLES
    return out


def main() -> int:
    results: dict[str, list[float]] = {}
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            for name, seconds in run_once(Path(folder)).items():
                results.setdefault(name, []).append(seconds)
    print(f"{ARTICLES} articles x {MENTIONS} mentions, {RUNS} runs")
    for name, values in results.items():
        print(
            f"  {name:<13} median {statistics.median(values):6.2f} s  "
            f"range {min(values):.2f}-{max(values):.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
