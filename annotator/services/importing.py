"""Importing articles, and other tools' annotations, into a project.

Each file is imported in one transaction: a file with a bad record adds nothing, and the
report says which file, which line and why. Articles whose normalised text is already in the
project are skipped and reported; annotations already imported are recognised, so importing
the same file twice adds nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson
from pydantic import ValidationError

from annotator.domain.annotations import AnnotationSet, Annotator
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError, InvalidDataError, NotFoundError, explain
from annotator.domain.offsets import normalize_text, text_sha256
from annotator.domain.schema import merge_schemas
from annotator.formats import (
    article_html,
    article_records,
    article_table,
    article_text,
    boilerplate,
    native_jsonl,
)
from annotator.formats.archive import extract_zip
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument
from annotator.services.foreign import LabelPolicy, convert
from annotator.storage.project import Project

ARTICLE_FORMATS = ("txt", "html", "jsonl", "json", "csv")
ANNOTATION_FORMATS = ("native", "label-studio", "doccano", "prodigy", "brat", "spacy")
FORMATS = ("auto", *ARTICLE_FORMATS, *ANNOTATION_FORMATS)
#: Formats read whole into memory refuse files larger than this (JSONL and CSV stream).
MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024
_SUFFIXES = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".spacy": "spacy",
    ".zip": "zip",
    ".ann": "brat",
}

Progress = Callable[[int], None]


class ImportCancelledError(AnnotatorError):
    """The user cancelled; the file in progress was rolled back, earlier files stay."""


@dataclass
class FileReport:
    path: Path
    format: str
    imported: int = 0
    duplicates: list[str] = field(default_factory=list)
    sets: int = 0
    already_imported: int = 0
    schema_added: list[str] = field(default_factory=list)
    trimmed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def reset(self) -> None:
        """Nothing of a failed file stays, so nothing of it is reported as imported."""
        self.imported = self.sets = self.already_imported = 0
        self.duplicates, self.schema_added, self.trimmed = [], [], []


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    cancelled: bool = False

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
    def already_imported(self) -> int:
        return sum(f.already_imported for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]


@dataclass
class ImportOptions:
    fmt: str = "auto"
    mapping: article_records.FieldMapping | None = None
    labels: LabelPolicy = field(default_factory=LabelPolicy)
    annotator: str | None = None
    trim_boilerplate: bool = False
    actor: str | None = None


# -- finding files and formats ------------------------------------------------------------------


def _sniff(path: Path, kind: str) -> str:
    """Tell native, doccano, Prodigy and Label Studio files from plain article records."""
    if kind not in ("jsonl", "json"):
        return kind
    with path.open("rb") as stream:
        head = stream.read(1 << 16)
    if kind == "json":
        return "label-studio" if b'"annotations"' in head and b'"data"' in head else "json"
    first = next((line for line in head.splitlines() if line.strip()), b"")
    if native_jsonl.is_native(first):
        return "native"
    try:
        record = orjson.loads(first)
    except orjson.JSONDecodeError:
        return "jsonl"  # the article reader reports the bad line
    if not isinstance(record, dict):
        return "jsonl"
    if "spans" in record and ("tokens" in record or "answer" in record or "_input_hash" in record):
        return "prodigy"
    if isinstance(record.get("label"), list) or isinstance(record.get("labels"), list):
        return "doccano"
    if isinstance(record.get("entities"), list) and "relations" in record:
        return "doccano"
    if isinstance(record.get("spans"), list):
        return "prodigy"
    return "jsonl"


def collect_files(paths: Iterable[Path], fmt: str = "auto") -> list[tuple[Path, str]]:
    """The files to import with their format; folders are searched recursively."""
    if fmt not in FORMATS:
        raise AnnotatorError(f"unknown import format {fmt!r}; choose one of {', '.join(FORMATS)}")
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            for child in children:
                kind = _kind(child, fmt, in_folder=True)
                if kind is not None:
                    found.append((child, kind))
        elif path.is_file():
            kind = _kind(path, fmt, in_folder=False)
            if kind is None:
                raise AnnotatorError(
                    f"{path}: cannot tell the format from the name; pass --format "
                    f"({', '.join(FORMATS[1:])})"
                )
            found.append((path, kind))
        else:
            raise AnnotatorError(f"{path}: no such file or folder")
    return found


def _kind(path: Path, fmt: str, *, in_folder: bool) -> str | None:
    suffix = path.suffix.lower()
    if fmt != "auto":
        if fmt == "brat":
            return "brat" if suffix == ".txt" and path.with_suffix(".ann").exists() else None
        if in_folder and _SUFFIXES.get(suffix) not in (
            fmt,
            "json" if fmt == "label-studio" else "",
        ):
            return None if suffix not in _SUFFIXES else fmt
        return fmt
    kind = _SUFFIXES.get(suffix)
    if kind == "brat":
        return None  # read with its .txt
    if kind == "txt" and path.with_suffix(".ann").exists():
        return "brat"
    return _sniff(path, kind) if kind else None


# -- importing ------------------------------------------------------------------------------------


def import_paths(
    project: Project,
    paths: Iterable[Path],
    *,
    fmt: str = "auto",
    mapping: article_records.FieldMapping | None = None,
    labels: LabelPolicy | None = None,
    annotator: str | None = None,
    trim_boilerplate: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import every file; a failing file is reported and rolled back, the others go on."""
    options = ImportOptions(
        fmt=fmt,
        mapping=mapping,
        labels=labels or LabelPolicy(),
        annotator=annotator,
        trim_boilerplate=trim_boilerplate,
        actor=actor,
    )
    report = ImportReport()
    for path, kind in collect_files(paths, fmt):
        if cancelled is not None and cancelled():
            report.cancelled = True
            break
        if kind == "zip":
            _import_zip(project, path, options, report, progress, cancelled)
            continue
        file_report = FileReport(path, kind)
        report.files.append(file_report)
        _import_one(project, path, kind, options, file_report, progress, cancelled)
        if file_report.error == "cancelled":
            report.cancelled = True
            break
    return report


def _import_one(
    project: Project,
    path: Path,
    kind: str,
    options: ImportOptions,
    report: FileReport,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    def tick(n: int = 1) -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelledError("cancelled")
        if progress is not None:
            progress(n)

    try:
        if path.stat().st_size == 0:
            raise FormatError(path, "the file is empty")
        if kind not in ("jsonl", "csv", "native") and path.stat().st_size > MAX_WHOLE_FILE_BYTES:
            size = path.stat().st_size / 1024**3
            raise FormatError(
                path,
                f"the file is too large to read at once ({size:.1f} GB; at most "
                f"{MAX_WHOLE_FILE_BYTES // 1024**2} MB for {kind}); split it, or use JSON Lines",
            )
        with project.database.transaction():
            if kind in ARTICLE_FORMATS:
                _store_articles(project, _article_reader(path, kind, options, report), report, tick)
            elif kind == "native":
                _import_native(project, path, options, report, tick)
            else:
                documents = _foreign_reader(path, kind)
                _import_documents(project, documents, options, report, tick)
    except ImportCancelledError:
        report.reset()
        report.error = "cancelled"
    except (AnnotatorError, OSError) as error:
        report.reset()
        if isinstance(error, AnnotatorError):
            message = str(error)
            # Errors from the project (a clash with what it holds) do not know the file.
            named = str(path.with_suffix("")) in message or str(report.path) in message
            report.error = message if named else f"{path}: {message}"
        else:
            report.error = f"{path}: {error.strerror or error}"


def _import_zip(
    project: Project,
    path: Path,
    options: ImportOptions,
    report: ImportReport,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    try:
        with tempfile.TemporaryDirectory(prefix="annotator-zip-") as folder:
            _import_members(project, path, Path(folder), options, report, progress, cancelled)
    except OSError as error:  # the temporary folder itself (a full disk)
        report.files.append(
            FileReport(path, "zip", error=f"{path}: cannot unpack ({error.strerror or error})")
        )


def _import_members(
    project: Project,
    path: Path,
    folder: Path,
    options: ImportOptions,
    report: ImportReport,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    try:
        extract_zip(path, folder)
        members = collect_files([folder], options.fmt)
    except AnnotatorError as error:
        report.files.append(FileReport(path, "zip", error=str(error)))
        return
    if not members:
        found = sum(1 for p in folder.rglob("*") if p.is_file())
        report.files.append(
            FileReport(
                path,
                "zip",
                error=f"{path}: no file in the archive can be imported ({found} files, none of "
                f"them {', '.join(sorted(set(_SUFFIXES) - {'.zip'}))})",
            )
        )
        return
    for member, kind in members:
        shown = path / member.relative_to(folder)
        if kind == "zip":
            # Unpacking archives inside archives is how zip bombs multiply: refuse, clearly.
            report.files.append(
                FileReport(
                    shown,
                    kind,
                    error=f"{shown}: an archive inside an archive is not imported; unpack it "
                    "and import its files",
                )
            )
            continue
        file_report = FileReport(shown, kind)
        report.files.append(file_report)
        _import_one(project, member, kind, options, file_report, progress, cancelled)
        if file_report.error is not None:
            file_report.error = file_report.error.replace(str(member), str(shown))
        if file_report.error == "cancelled":
            report.cancelled = True
            return


# -- articles -------------------------------------------------------------------------------------


def _article_reader(
    path: Path, kind: str, options: ImportOptions, report: FileReport
) -> Iterator[Article]:
    if kind == "txt":
        article = article_text.read_text_file(path)
        if options.trim_boilerplate:
            article = _trimmed(path, article, report)
        yield article
    elif kind == "html":
        yield article_html.read_html(path)
    elif kind == "jsonl":
        with path.open("rb") as stream:
            for _, article in article_records.read_jsonl(path, stream, options.mapping):
                yield article
    elif kind == "csv":
        for _, article in article_table.read_csv(path, options.mapping):
            yield article
    else:
        data = path.read_bytes()
        if not data.strip():
            raise FormatError(path, "the file is empty")
        for _, article in article_table.read_json_array(path, data, options.mapping):
            yield article


def _trimmed(path: Path, article: Article, report: FileReport) -> Article:
    raw = article_text.decode(path, path.read_bytes())
    text, trimmed = boilerplate.trim(raw.replace("\r\n", "\n").replace("\r", "\n"))
    report.trimmed = trimmed
    if not trimmed:
        return article
    title, body = article_text.split_title(text)
    if not body.strip():
        raise FormatError(
            path, f"nothing is left once the site boilerplate ({len(trimmed)} lines) is removed"
        )
    try:
        return Article.create(body, title=title, external_id=article.external_id, meta=article.meta)
    except ValidationError as error:
        raise FormatError(path, explain(error)) from None


def _store_articles(
    project: Project, articles: Iterator[Article], report: FileReport, tick: Callable[[int], None]
) -> None:
    def counted() -> Iterator[Article]:
        for article in articles:
            report.imported += 1
            tick(1)
            yield article

    duplicates = project.articles.add_many(counted())
    report.imported -= len(duplicates)
    report.duplicates = [_label(a) for a, _ in duplicates]


def _label(article: Article) -> str:
    return article.external_id or article.title or article.sha256[:12]


# -- native JSONL ---------------------------------------------------------------------------------


def _import_native(
    project: Project,
    path: Path,
    options: ImportOptions,
    report: FileReport,
    tick: Callable[[int], None],
) -> None:
    with path.open("rb") as stream:
        header, records = native_jsonl.read(path, stream)
        schema, added = merge_schemas(project.schema, header.schema)
        if added:
            project.schemas.save(schema, note=f"labels added by importing {path.name}")
            report.schema_added = added
        annotator_ids = _map_annotators(project, header.annotators)
        for record in records:
            article_id = _store_article(project, record.article, report)
            for annotation_set in record.sets:
                _store_set(
                    project,
                    path,
                    record.line,
                    annotation_set,
                    article_id,
                    annotator_ids,
                    options.actor,
                )
                report.sets += 1
            tick(1)


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
            f"set {annotation_set.id}: annotator {annotation_set.annotator_id} is not listed in "
            "the header",
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
        same_id = project.sets.info(annotation_set.id)
    except NotFoundError:
        same_id = None
    if same_id is not None and (same_id.article_id, same_id.annotator_id, same_id.kind) != (
        article_id,
        annotator_id,
        annotation_set.kind,
    ):
        # Replacing it would move another article's (or person's) labels here.
        raise FormatError(
            path,
            f"set {annotation_set.id}: the project already has a set with this id on article "
            f"{same_id.article_id}; the file reuses an id",
            line=line,
        )
    try:
        project.sets.replace(mapped, actor=actor)
    except InvalidDataError as error:
        raise FormatError(path, str(error), line=line) from None


# -- other tools' annotations ---------------------------------------------------------------------


def _foreign_reader(path: Path, kind: str) -> list[ForeignDocument]:
    from annotator.formats import brat, doccano, label_studio, prodigy, spacy_docbin

    if kind == "label-studio":
        return label_studio.read(path)
    if kind == "doccano":
        return doccano.read(path)
    if kind == "prodigy":
        return prodigy.read(path)
    if kind == "brat":
        return [brat.read(path)]
    if kind == "spacy":
        return spacy_docbin.read(path)
    raise AnnotatorError(f"{path}: no reader for {kind}")


def _import_documents(
    project: Project,
    documents: list[ForeignDocument],
    options: ImportOptions,
    report: FileReport,
    tick: Callable[[int], None],
) -> None:
    schema = project.schema
    for document in documents:
        name = options.annotator or document.annotator or Path(document.source).stem
        annotator = _annotator_named(project, document, name)
        existing = project.articles.find_by_sha256(text_sha256(normalize_text(document.text)))
        article = project.articles.get(existing) if existing else None
        converted = convert(
            document,
            schema=schema,
            annotator_id=annotator.id,
            policy=options.labels,
            article=article,
        )
        if converted.schema != schema:
            schema, added = merge_schemas(schema, converted.schema)
            project.schemas.save(schema, note=f"labels added by importing {report.path.name}")
            report.schema_added.extend(added)
        report.warnings.extend(f"{document.where}: {w}" for w in converted.warnings)
        if article is None:
            project.articles.add(converted.article)
            report.imported += 1
        else:
            report.duplicates.append(_label(article))
        _store_converted(project, document, converted.annotation_set, report, options.actor)
        tick(1)


def _annotator_named(project: Project, document: ForeignDocument, name: str) -> Annotator:
    """The project's annotator of that name, made if new; a name the file got wrong is an error."""
    if "\x00" in name:
        raise FormatError(
            document.source,
            f"annotator name {name[:40]!r} holds a NUL character",
            line=document.line,
        )
    try:
        return project.annotators.get_or_create(name)
    except ValidationError as error:
        raise FormatError(
            document.source, f"annotator name {name[:40]!r}: {explain(error)}", line=document.line
        ) from None


def _store_converted(
    project: Project,
    document: ForeignDocument,
    annotation_set: AnnotationSet,
    report: FileReport,
    actor: str | None,
) -> None:
    info = project.sets.find(annotation_set.article_id, annotation_set.annotator_id)
    if info is None:
        project.sets.replace(annotation_set, actor=actor)
        report.sets += 1
        return
    current = project.sets.load(info.id)
    if signature(current) == signature(annotation_set):
        report.already_imported += 1  # the same labels: a repeated import adds nothing
        return
    if current.count() == 0:
        project.sets.replace(annotation_set.model_copy(update={"id": info.id}), actor=actor)
        report.sets += 1
        return
    annotator = project.annotators.get(annotation_set.annotator_id).name
    raise FormatError(
        document.source,
        f"{annotator} already has other labels on this article in the project; import under "
        "another name (--annotator NAME)",
        line=document.line,
    )


def signature(annotation_set: AnnotationSet) -> tuple[object, ...]:
    """What a set says, without its ids: equal for two imports of the same labels."""
    mentions = {m.id: m for m in annotation_set.mentions}
    entities = {e.id: e.name for e in annotation_set.entities}
    quotes = {q.id: q for q in annotation_set.quotes}

    def where(mention_id: str | None) -> object:
        mention = mentions.get(mention_id) if mention_id else None
        return None if mention is None else (mention.start, mention.end)

    return (
        sorted(
            (m.start, m.end, m.label, entities.get(m.entity_id or "")) for m in mentions.values()
        ),
        sorted((q.start, q.end, q.quote_type, where(q.speaker_id), q.cue) for q in quotes.values()),
        sorted(
            (
                entities.get(s.holder_id),
                entities.get(s.target_entity_id or ""),
                s.target_topic,
                s.polarity,
                tuple((e.start, e.end) for e in s.evidence),
            )
            for s in annotation_set.stances
        ),
        sorted((d.question, tuple(d.values)) for d in annotation_set.document_labels),
    )


__all__ = ["IO", "ImportReport", "import_paths"]


@dataclass(frozen=True)
class PreviewRow:
    file: str
    format: str
    title: str
    text: str
    labels: int


def preview(
    paths: Iterable[Path],
    *,
    fmt: str = "auto",
    mapping: article_records.FieldMapping | None = None,
    limit: int = 8,
) -> list[PreviewRow]:
    """The first records the import would read, without storing anything.

    Raises the same errors the import would for what it reads, so a wrong mapping shows
    before anything is written.
    """
    options = ImportOptions(fmt=fmt, mapping=mapping)
    rows: list[PreviewRow] = []
    for path, kind in collect_files(paths, fmt):
        if len(rows) >= limit:
            break
        if kind == "zip":
            rows.append(
                PreviewRow(path.name, "zip", "(archive: its files are listed on import)", "", 0)
            )
            continue
        if kind in ARTICLE_FORMATS:
            report = FileReport(path, kind)
            for article in _article_reader(path, kind, options, report):
                rows.append(
                    PreviewRow(path.name, kind, article.display_title, article.text[:160], 0)
                )
                if len(rows) >= limit:
                    break
        elif kind == "native":
            with path.open("rb") as stream:
                _, records = native_jsonl.read(path, stream)
                for record in records:
                    labels = sum(s.count() for s in record.sets)
                    rows.append(
                        PreviewRow(
                            path.name,
                            kind,
                            record.article.display_title,
                            record.article.text[:160],
                            labels,
                        )
                    )
                    if len(rows) >= limit:
                        break
        else:
            for document in _foreign_reader(path, kind)[: limit - len(rows)]:
                title = str(document.metadata.get("title") or document.external_id or "")
                rows.append(
                    PreviewRow(path.name, kind, title, document.text[:160], len(document.spans))
                )
    return rows
