"""Dataset exports in blocks, with a worker process: the same files and report as one process."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from annotator.domain.annotations import Mention, SetStatus
from annotator.domain.article import Article
from annotator.services import export_parallel
from annotator.services.exporting import DatasetRequest, export_dataset, parse_splits
from annotator.storage.project import Project
from tests.unit.services.test_native_roundtrip import fill

pytest.importorskip("spacy")


@pytest.fixture
def corpus(project: Project) -> Project:
    """Two dozen articles in three splits: labelled ones (one overlapping pair, one span off
    token boundaries), a Korean one (no blank pipeline: a fallback note), a set not started
    and articles without a set, besides the emoji/CRLF article of ``fill``."""
    fill(project)
    alice = project.annotators.by_name("alice")
    assert alice is not None
    for n in range(24):
        language = "ko" if n == 5 else "en"
        text = f"Story {n}: Kim Lee met Park in Mapo. He said: “Again!”\nNew line {n}."
        article = Article.create(text, title=f"S{n}", language=language)
        project.articles.add(article)
        if n % 7 == 6:
            continue  # no set
        set_id = project.sets.get_or_create(article.id, alice.id).id
        if n == 9:
            continue  # a set not started: skipped
        start = text.index("Kim")
        project.sets.add(set_id, Mention(start=start, end=start + 7, label="PER"))
        project.sets.add(set_id, Mention(start=start + 4, end=start + 16, label="ORG"))
        park = text.index("ark")  # inside the token "Park": expanded
        project.sets.add(set_id, Mention(start=park, end=park + 3, label="PER"))
        project.sets.set_status(set_id, SetStatus.DONE)
    return project


def export(project: Project, fmt: str, out: Path, *, worker: bool) -> dict:
    request = DatasetRequest(
        fmt=fmt,
        out=out,
        splits=parse_splits("train=0.6,dev=0.2,test=0.2"),
        command="annotator export",
    )
    report = export_dataset(project, request)
    assert report.documents  # something was written
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("created_at")
    return {
        "documents": dict(report.documents),
        "written": dict(report.written),
        "dropped": list(report.dropped.items()),
        "notes": report.notes,
        "files": [p.name for p in report.files],
        "manifest": manifest,
    }


def contents(folder: Path) -> dict[str, bytes]:
    """Every data file (a DocBin decompressed: zlib may cut its blocks differently)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.name in ("manifest.json", "README.md"):
            continue
        data = path.read_bytes()
        out[path.name] = zlib.decompress(data) if path.suffix == ".spacy" else data
    return out


def alone_then_tiny_blocks(
    project: Project, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict:
    """The export in one process (into ``tmp_path / "alone"``); then settings for the next:
    tiny blocks, a worker for any size, and at most one block ahead, so that the worker and
    this process both render and results come back out of order."""
    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "0")
    alone = export(project, fmt, tmp_path / "alone", worker=False)
    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "1")
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(export_parallel, "BLOCK_DOCUMENTS", 2)
    monkeypatch.setattr(export_parallel, "AHEAD", 1)
    return alone


@pytest.mark.parametrize("fmt", ["conll", "spacy"])
def test_blocks_with_a_worker_write_what_one_process_writes(
    corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    alone = alone_then_tiny_blocks(corpus, fmt, tmp_path, monkeypatch)
    used = []
    real = export_parallel.run_blocks

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        used.append(kwargs["pool"])
        return real(*args, **kwargs)

    monkeypatch.setattr(export_parallel, "run_blocks", spy)
    together = export(corpus, fmt, tmp_path / "together", worker=True)
    assert len(used) == 1 and used[0] is not None
    assert used[0].answered > 0  # the worker rendered blocks (not all rendered here)
    assert together == alone
    assert contents(tmp_path / "together") == contents(tmp_path / "alone")
    assert any("tokenised as 'xx'" in note for note in alone["notes"])
    assert "sets not started (todo, no labels): 1" in alone["notes"]
    assert "articles without a set for this source: 4" in alone["notes"]


def test_blocks_in_one_process_write_what_the_writer_writes(
    corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block path against the writer's own ``write`` over the same documents."""
    from annotator.formats import conll
    from annotator.formats.export_types import ExportOptions, ExportReport

    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "0")
    monkeypatch.setattr(export_parallel, "BLOCK_DOCUMENTS", 3)
    request = DatasetRequest(fmt="conll", out=tmp_path / "blocks", source="annotator:alice")
    blocks = export_dataset(corpus, request)
    alice = corpus.annotators.by_name("alice")
    assert alice is not None
    specs = [
        (article_id, info.id, "alice", "all")
        for article_id in corpus.articles.ids()
        for info in corpus.sets.for_article(article_id)
        if info.annotator_id == alice.id
    ]
    documents, skipped = export_parallel.load_documents(corpus, specs)
    assert skipped == 1 and len(documents) == len(specs) - 1
    direct = ExportReport(format="conll", out=tmp_path)
    conll.write(documents, tmp_path / "direct", ExportOptions(), direct)
    assert (tmp_path / "blocks" / "all.conll").read_bytes() == (
        tmp_path / "direct" / "all.conll"
    ).read_bytes()
    assert blocks.written == direct.written and blocks.dropped == direct.dropped


def test_a_worker_that_cannot_start_leaves_the_work_here(
    corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "0")
    alone = export(corpus, "conll", tmp_path / "alone", worker=False)
    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "1")
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(export_parallel, "BLOCK_DOCUMENTS", 2)
    # The worker is told to open a file that is not a project: it stops before any block.
    monkeypatch.setattr(export_parallel, "_worker_path", lambda project: tmp_path / "nothing")
    assert export(corpus, "conll", tmp_path / "here", worker=True) == alone
    assert contents(tmp_path / "here") == contents(tmp_path / "alone")


def test_blocks_hold_one_split_and_whole_articles() -> None:
    chosen = [
        ("a1", [("s1", "alice"), ("s2", "bob")], "train"),
        ("a2", [], "train"),
        ("a3", [("s3", "alice")], "train"),
        ("a4", [("s4", "alice")], "dev"),
    ]
    blocks = list(export_parallel.block_specs(iter(chosen), 2))
    assert [[spec[1] for spec in b.specs] for b in blocks] == [["s1", "s2"], ["s3"], ["s4"]]
    assert [b.articles for b in blocks] == [2, 1, 1]
    assert {spec[3] for spec in blocks[2].specs} == {"dev"}


def test_reports_merge_in_block_order_without_repeating_notes() -> None:
    from annotator.formats.export_types import ExportReport

    total = ExportReport(format="conll", out=Path())
    first = ExportReport(format="conll", out=Path())
    first.drop("b")
    first.drop("a", 2)
    first.notes.append("fallback")
    second = ExportReport(format="conll", out=Path())
    second.drop("c")
    second.drop("a")
    second.notes.append("fallback")
    second.count("train", "entities", "PER", 3)
    for part in (first, second):
        export_parallel.merge_report(total, part)
    assert list(total.dropped.items()) == [("b", 1), ("a", 3), ("c", 1)]
    assert total.notes == ["fallback"]
    assert total.written == {("train", "entities", "PER"): 3}


def test_native_export_with_a_worker_is_byte_identical(
    corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.services import exporting

    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "0")
    alone = exporting.export_project(corpus, tmp_path / "alone.jsonl")
    monkeypatch.setenv(export_parallel.WORKERS_VARIABLE, "1")
    monkeypatch.setattr(export_parallel, "MIN_ARTICLES_JSONL", 0)
    monkeypatch.setattr(exporting, "LOAD_BATCH", 3)  # blocks of three articles
    monkeypatch.setattr(export_parallel, "AHEAD", 1)
    started = []
    real = export_parallel.start_worker
    monkeypatch.setattr(
        export_parallel, "start_worker", lambda *a: started.append(real(*a)) or started[-1]
    )
    progress: list[int] = []
    together = exporting.export_project(
        corpus, tmp_path / "together.jsonl", progress=progress.append
    )
    assert (together.articles, together.sets) == (alone.articles, alone.sets) == (26, 24)
    assert sum(progress) == 26 and len(progress) == 9
    assert (tmp_path / "together.jsonl").read_bytes() == (tmp_path / "alone.jsonl").read_bytes()
    assert started[0] is not None and started[0].answered > 0
