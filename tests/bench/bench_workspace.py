"""Benchmark the window: open -> first paint; select + hotkey -> committed -> repainted.

Runs offscreen on a generated article (default 1,000,000 characters with 25,000 mentions) and
on a sample-sized one (10,000 characters with 100 labels). Prints median, p95 and range.

    python tests/bench/bench_workspace.py [--presses 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.domain.annotations import AnnotationSet, Mention, SetStatus
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.gui.main_window import QtMainWindow
from annotator.settings import Preferences
from annotator.storage.project import Project

WORDS = [
    "minister",
    "said",
    "troops",
    "border",
    "council",
    "budget",
    "Seoul",
    "서울",
    "agreed",
    "🚀",
    "protest",
    "union",
    "energy",
    "plant",
    "Halvorsen",
    "deployment",
    "transit",
    "fares",
    "workers",
    "strike",
    "cranes",
]


def make_text(chars: int, rng: random.Random) -> str:
    paragraphs, size = [], 0
    while size < chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(60, 110))]
        paragraph = " ".join(words) + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)[:chars].rstrip() + "."


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isspace() or ch == ".":
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    return spans


class PaintCounter(QObject):
    """Counts paint events of the text viewport, to prove each press was repainted."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench(folder: Path, chars: int, labels: int, presses: int, runs: int) -> None:
    rng = random.Random(chars)
    path = folder / f"bench-{chars}.annotator"
    text = make_text(chars, rng)
    spans = word_spans(text)
    labelled = sorted(rng.sample(range(len(spans)), labels))
    free = [spans[i] for i in sorted(set(range(len(spans))) - set(labelled))]
    with Project.create(path, schema=default_schema()) as project:
        article = Article.create(text, title=f"Bench {chars}")
        project.articles.add(article)
        annotator = project.annotators.get_or_create("bench")
        mentions = [
            Mention(start=spans[i][0], end=spans[i][1], label=rng.choice(["PER", "ORG", "GPE"]))
            for i in labelled
        ]
        project.sets.replace(
            AnnotationSet(
                article_id=article.id,
                annotator_id=annotator.id,
                text_sha256=article.sha256,
                status=SetStatus.IN_PROGRESS,
                mentions=mentions,
            )
        )
    app = QApplication.instance() or QApplication([])
    opens: list[float] = []
    hotkeys: list[float] = []
    for run in range(runs):
        gc.collect()
        with Project.open(path) as project:
            annotator = project.annotators.get_or_create("bench")
            started = time.perf_counter()
            window = QtMainWindow(project, annotator, Preferences(annotator_name="bench"))
            window.resize(1400, 860)
            window.show()
            window.view.viewport().repaint()  # the first paint of the text, synchronously
            opens.append(time.perf_counter() - started)
            print(f"  run {run}: open {1000 * opens[-1]:.0f} ms", flush=True)
            if run == 0:
                counter = PaintCounter()
                window.view.viewport().installEventFilter(counter)
                for n in range(presses):
                    start, end = free[(n * 7919) % len(free)]
                    window.view.select_span(start, end)
                    window.view.centerCursor()
                    app.processEvents()
                    before = counter.paints
                    t0 = time.perf_counter()
                    QTest.keyClick(window.view, Qt.Key.Key_1)
                    # Qt repaints what changed when it gets back to its event loop.
                    app.processEvents()
                    hotkeys.append(time.perf_counter() - t0)
                    assert counter.paints > before, "the press was not repainted"
                assert len(window.session.service.mentions) == labels + presses
                window.view.viewport().removeEventFilter(counter)
            window.close()
            window.deleteLater()
            # processEvents() leaves deferred deletes alone; without this, every run would keep
            # the previous window (and its 1M-character document) alive.
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            del window
    ms = [x * 1000 for x in opens]
    hk = [x * 1000 for x in hotkeys]
    print(
        f"{chars:>9,} chars, {labels:>6,} mentions: open -> first paint "
        f"median {statistics.median(ms):.0f} ms "
        f"(range {min(ms):.0f}–{max(ms):.0f} ms, {runs} runs)"
    )
    print(
        f"{'':>29} hotkey -> committed -> repainted median {statistics.median(hk):.2f} ms, "
        f"p95 {percentile(hk, 0.95):.2f} ms "
        f"(range {min(hk):.2f}–{max(hk):.2f} ms, {presses} presses)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("ANNOTATOR_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-config-"))
    with tempfile.TemporaryDirectory() as folder:
        bench(Path(folder), 1_000_000, 25_000, args.presses, args.runs)
        bench(Path(folder), 10_000, 100, args.presses, args.runs)


if __name__ == "__main__":
    main()
