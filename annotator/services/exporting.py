"""Exporting a project: the native JSONL (lossless reference format)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from annotator.domain.annotations import AnnotationSet
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError
from annotator.formats import native_jsonl
from annotator.storage.project import Project

EXPORT_FORMATS = ("jsonl",)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    format: str
    articles: int
    sets: int


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside ``path`` and move it into place only on success."""
    if path.is_dir():
        raise AnnotatorError(f"{path}: is a folder; give a file name for the export")
    if not path.parent.exists():
        raise AnnotatorError(f"{path.parent}: no such folder")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_project(
    project: Project,
    out: Path,
    *,
    fmt: str = "jsonl",
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    if fmt not in EXPORT_FORMATS:
        raise AnnotatorError(
            f"unknown export format {fmt!r}; this version writes {', '.join(EXPORT_FORMATS)}"
        )
    sets_written = 0

    def records() -> Iterator[tuple[Article, list[AnnotationSet]]]:
        nonlocal sets_written
        for article in project.articles.iter_all():
            sets = [project.sets.load(info.id) for info in project.sets.for_article(article.id)]
            sets_written += len(sets)
            if progress is not None:
                progress(1)
            yield article, sets

    with atomic_output(out) as stream:
        count = native_jsonl.write(
            stream,
            schema=project.schema,
            annotators=project.annotators.list(),
            records=records(),
        )
    return ExportReport(out, fmt, count, sets_written)
