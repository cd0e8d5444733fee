"""Benchmark suggestions: opening a 10,000-character article -> its suggestions are ready.

In-process and offscreen, on a project of a few hundred labelled articles (so propagation has
a real lexicon to match). Prints median and range of: building the lexicon from the project
(once per window), the engine alone on the article, and the window opening the article until
its suggestions are computed and until its first paint with them.

    python tests/bench/bench_suggestions.py [--articles 300] [--runs 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from annotator.domain.annotations import AnnotationSet, Mention, SetStatus
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.gui.main_window import QtMainWindow
from annotator.gui.suggestions import SuggestionSettings
from annotator.resources import resource
from annotator.services.propagation import EntityLexicon
from annotator.services.quote_finder import _classify, _name_runs
from annotator.services.suggestions import SuggestionEngine
from annotator.settings import Preferences
from annotator.storage.project import Project


def sample_texts() -> list[str]:
    texts = []
    for name in ("articles.jsonl", "quotes.jsonl"):
        for line in resource("samples", name).read_text("utf-8").splitlines():
            texts.append(json.loads(line)["text"])
    return texts


FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zofia",
]
LAST = [
    "Berg",
    "Costa",
    "Dahl",
    "Eriksen",
    "Farah",
    "Gomez",
    "Haddad",
    "Ito",
    "Jensen",
    "Kovac",
    "Lund",
    "Mensah",
    "Novak",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Sato",
    "Tanaka",
    "Umar",
    "Varga",
    "Weiss",
    "Xu",
    "Yilmaz",
    "Zhou",
]
BODIES = [
    "Institute",
    "Council",
    "Union",
    "Foundation",
    "Agency",
    "Commission",
    "Network",
    "Alliance",
]


def archive_paragraph(i: int) -> str:
    """Names that differ from article to article, so the lexicon has thousands of forms."""
    people = [f"{FIRST[(i + k) % 26]} {LAST[(i * 7 + k * 3) % 25]}" for k in range(8)]
    body = f"{LAST[i % 25]} {BODIES[i % len(BODIES)]}"
    return (
        f"Also at the meeting were {', '.join(people[:-1])} and {people[-1]}, "
        f"who spoke for the {body}."
    )


def labelled(text: str) -> list[Mention]:
    """What an annotator would have marked: the capitalised names, PER/ORG/GPE by rule."""
    return [
        Mention(start=s, end=e, label=_classify(text, s, e))
        for s, e, _title in _name_runs(text)
        if e - s > 2
    ]


def build(path: Path, articles: int) -> tuple[str, int, int]:
    texts = sample_texts()
    paragraphs = [p for n, text in enumerate(texts)
                  for p in (*text.splitlines(), archive_paragraph(1000 + n))]  # fmt: skip
    target_text = ""
    n = 0
    while len(target_text) < 10_000:
        target_text += paragraphs[n % len(paragraphs)] + "\n"
        n += 1
    mentions = 0
    with Project.create(path, schema=default_schema()) as project:
        person = project.annotators.get_or_create("alice")
        first = Article.create(texts[0] + "\n(first)", title="A first article")
        project.articles.add(first)
        for i in range(articles):
            text = texts[i % len(texts)] + "\n" + archive_paragraph(i)
            article = Article.create(text, title=f"Labelled {i}")
            project.articles.add(article)
            found = labelled(article.text)
            mentions += len(found)
            project.sets.replace(
                AnnotationSet(
                    article_id=article.id,
                    annotator_id=person.id,
                    text_sha256=article.sha256,
                    status=SetStatus.DONE,
                    mentions=found,
                )
            )
        target = Article.create(target_text, title="Target, 10k characters")
        project.articles.add(target)
    return target.id, len(target.text), mentions


def summary(name: str, values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return (
        f"{name}: median {statistics.median(ms):.1f} ms "
        f"(range {min(ms):.1f}–{max(ms):.1f} ms, {len(ms)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("ANNOTATOR_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-config-"))
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.annotator"
        target_id, length, mentions = build(path, args.articles)
        print(f"project: {args.articles} labelled articles, {mentions:,} mentions; "
              f"target article {length:,} characters")  # fmt: skip
        lexicon_times, engine_times, ready_times, paint_times = [], [], [], []
        counts = []
        with Project.open(path) as project:
            article = project.articles.get(target_id)
            for _ in range(args.runs):
                t0 = time.perf_counter()
                lexicon = EntityLexicon.from_project(project)
                lexicon_times.append(time.perf_counter() - t0)
            print(f"lexicon: {len(lexicon):,} surface forms")
            engine = SuggestionEngine(project.schema, lexicon)
            for _ in range(args.runs * 3):
                t0 = time.perf_counter()
                found = engine.suggest(article.text)
                engine_times.append(time.perf_counter() - t0)
            counts.append(len(found))
            annotator = project.annotators.get_or_create("bench")
            plain_times: list[float] = []
            for enabled in (False, True):
                # Without suggestions first: what opening costs anyway, to compare with.
                SuggestionSettings(enabled=enabled).save()
                for _run in range(args.runs):
                    gc.collect()
                    window = QtMainWindow(project, annotator, Preferences(annotator_name="bench"))
                    window.resize(1400, 860)
                    window.show()
                    app.processEvents()
                    t0 = time.perf_counter()
                    window.open_article(target_id)
                    ready = time.perf_counter() - t0
                    window.view.viewport().repaint()  # first paint (dashed suggestions if on)
                    painted = time.perf_counter() - t0
                    if enabled:
                        assert window.suggestions.items, "no suggestions"
                        ready_times.append(ready)
                        paint_times.append(painted)
                        counts.append(len(window.suggestions.items))
                    else:
                        plain_times.append(painted)
                    window.close()
                    window.deleteLater()
                    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                    del window
    print(summary("lexicon from the project (once per window)", lexicon_times))
    print(summary("engine on the 10k article (propagation + quotes)", engine_times))
    print(summary("open article -> suggestions ready", ready_times))
    print(summary("open article -> first paint with suggestions", paint_times))
    print(summary("open article -> first paint, suggestions off (baseline)", plain_times))
    print(f"suggestions on the article: {counts[0]} (window: {counts[-1]}); target <= 50 ms")


if __name__ == "__main__":
    main()
