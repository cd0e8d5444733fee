"""Importing articles (and, from native files, their annotations) into a project.

Each file is imported in one transaction: a file with a bad record adds nothing, and the
report says which file, which line and why. Importing the same file twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from annotator.domain.annotations import AnnotationSet, Annotator
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError, InvalidDataError
from annotator.domain.schema import merge_schemas
from annotator.formats import article_records, article_text, native_jsonl
from annotator.formats.errors import FormatError
from annotator.storage.project import Project

FORMATS = ("auto", "txt", "jsonl")
_SUFFIXES = {".txt": "txt", ".text": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl"}

Progress = Callable[[int], None]


@dataclass
class FileReport:
    path: Path
    format: str
    imported: int = 0
    duplicates: list[str] = field(default_factory=list)
    sets: int = 0
    schema_added: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(len(f.duplicates) for f in self.files)

    @property
    def sets(self) -> int:
        return sum(f.sets for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]


def collect_files(paths: Iterable[Path], fmt: str = "auto") -> list[tuple[Path, str]]:
    """The files to import with their format; folders are searched recursively."""
    if fmt not in FORMATS:
        raise AnnotatorError(f"unknown import format {fmt!r}; choose one of {', '.join(FORMATS)}")
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                kind = _SUFFIXES.get(child.suffix.lower()) if fmt == "auto" else fmt
                if kind is not None and (fmt == "auto" or child.suffix.lower() in _SUFFIXES):
                    found.append((child, kind))
        elif path.is_file():
            kind = _SUFFIXES.get(path.suffix.lower()) if fmt == "auto" else fmt
            if kind is None:
                raise AnnotatorError(
                    f"{path}: cannot tell the format from the name; pass --format txt or jsonl"
                )
            found.append((path, kind))
        else:
            raise AnnotatorError(f"{path}: no such file or folder")
    return found


def import_paths(
    project: Project,
    paths: Iterable[Path],
    *,
    fmt: str = "auto",
    mapping: article_records.FieldMapping | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every file; a failing file is reported and rolled back, the others go on."""
    report = ImportReport()
    for path, kind in collect_files(paths, fmt):
        file_report = FileReport(path, kind)
        report.files.append(file_report)
        try:
            if kind == "txt":
                _import_text(project, path, file_report)
            else:
                _import_jsonl(project, path, file_report, mapping, actor, progress)
        except (AnnotatorError, OSError) as error:
            file_report.error = (
                str(error)
                if isinstance(error, AnnotatorError)
                else (f"{path}: {error.strerror or error}")
            )
            file_report.imported = 0
            file_report.sets = 0
            file_report.duplicates = []
            file_report.schema_added = []
        if progress is not None and kind == "txt":
            progress(1)
    return report


def _import_text(project: Project, path: Path, report: FileReport) -> None:
    article = article_text.read_text_file(path)
    duplicates = project.articles.add_many([article])
    report.imported = 1 - len(duplicates)
    report.duplicates = [_label(a) for a, _ in duplicates]


def _label(article: Article) -> str:
    return article.external_id or article.title or article.sha256[:12]


def _import_jsonl(
    project: Project,
    path: Path,
    report: FileReport,
    mapping: article_records.FieldMapping | None,
    actor: str | None,
    progress: Progress | None,
) -> None:
    with path.open("rb") as stream:
        first = stream.readline()
        while first and not first.strip():
            first = stream.readline()
        if not first:
            raise FormatError(path, "the file is empty")
        stream.seek(0)
        if native_jsonl.is_native(first):
            report.format = "native"
            with project.database.transaction():
                _import_native(project, path, stream, report, actor, progress)
            return
        articles = article_records.read_jsonl(path, stream, mapping)
        with project.database.transaction():
            duplicates = project.articles.add_many(_counted(articles, report, progress))
        report.imported -= len(duplicates)
        report.duplicates = [_label(a) for a, _ in duplicates]


def _counted(
    items: Iterator[tuple[int, Article]], report: FileReport, progress: Progress | None
) -> Iterator[Article]:
    for _, article in items:
        report.imported += 1
        if progress is not None:
            progress(1)
        yield article


def _import_native(
    project: Project,
    path: Path,
    stream: IO[bytes],
    report: FileReport,
    actor: str | None,
    progress: Progress | None,
) -> None:
    header, records = native_jsonl.read(path, stream)
    schema, added = merge_schemas(project.schema, header.schema)
    if added:
        project.schemas.save(schema, note=f"labels added by importing {path.name}")
        report.schema_added = added
    annotator_ids = _map_annotators(project, header.annotators)
    for record in records:
        article_id = _store_article(project, record.article, report)
        for annotation_set in record.sets:
            _store_set(project, path, record.line, annotation_set, article_id, annotator_ids, actor)
            report.sets += 1
        if progress is not None:
            progress(1)


def _map_annotators(project: Project, annotators: list[Annotator]) -> dict[str, str]:
    """File annotator id -> project annotator id; people are matched by id, then by name."""
    mapping: dict[str, str] = {}
    known = {a.id: a for a in project.annotators.list()}
    for annotator in annotators:
        if annotator.id in known:
            mapping[annotator.id] = annotator.id
            continue
        same_name = project.annotators.by_name(annotator.name)
        if same_name is not None:
            mapping[annotator.id] = same_name.id
        else:
            project.annotators.add(annotator)
            mapping[annotator.id] = annotator.id
    return mapping


def _store_article(project: Project, article: Article, report: FileReport) -> str:
    existing = project.articles.find_by_sha256(article.sha256)
    if existing is not None:
        report.duplicates.append(_label(article))
        return existing
    project.articles.add(article)
    report.imported += 1
    return article.id


def _store_set(
    project: Project,
    path: Path,
    line: int,
    annotation_set: AnnotationSet,
    article_id: str,
    annotator_ids: dict[str, str],
    actor: str | None,
) -> None:
    annotator_id = annotator_ids.get(annotation_set.annotator_id)
    if annotator_id is None:
        raise FormatError(
            path,
            f"set {annotation_set.id}: annotator {annotation_set.annotator_id} is not "
            "listed in the header",
            line=line,
        )
    mapped = annotation_set.model_copy(
        update={"article_id": article_id, "annotator_id": annotator_id}
    )
    clash = project.sets.find(article_id, annotator_id, annotation_set.kind)
    if clash is not None and clash.id != annotation_set.id:
        raise FormatError(
            path,
            f"set {annotation_set.id}: this annotator already has other {annotation_set.kind} "
            f"labels on article {article_id} in the project (set {clash.id})",
            line=line,
        )
    try:
        project.sets.replace(mapped, actor=actor)
    except InvalidDataError as error:
        raise FormatError(path, str(error), line=line) from None
