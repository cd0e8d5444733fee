"""Exporting a project: the native JSONL (lossless reference format) and training datasets.

Large exports are rendered in blocks, here and in a worker process (``export_parallel``); the
files are byte for byte those of an export in one process.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from annotator import __version__
from annotator.domain.annotations import SetKind, SetStatus
from annotator.domain.base import utc_now
from annotator.domain.errors import AnnotatorError
from annotator.formats import native_jsonl
from annotator.formats.export_types import (
    LAYERS,
    SPLIT_NAME,
    ExportDocument,
    ExportOptions,
)
from annotator.formats.export_types import ExportReport as WriterReport
from annotator.services import export_parallel
from annotator.services.export_worker import WorkerProcess
from annotator.storage.annotation_sets import SetInfo
from annotator.storage.export_rows import ExportRows
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
    # Rows straight into dicts (no model per item), a block of articles at a time, rendered
    # here and (for a large project) in a worker process too; written in project order.
    pool = export_parallel.start_worker(project, "jsonl", ExportOptions(), project.articles.count())
    try:
        with project.database.scanning():
            ranges = ExportRows(project.database).ranges(batch=LOAD_BATCH)
            articles, sets_written = _write_native(project, out, ranges, pool, progress)
    finally:
        if pool is not None:
            pool.shutdown()
    return ExportReport(out, fmt, articles, sets_written)


def _write_native(
    project: Project,
    out: Path,
    ranges: list[tuple[int, int]],
    pool: WorkerProcess | None,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    """Write the native JSONL of ``project`` block by block: (articles, sets) written."""
    articles = sets_written = 0
    with atomic_output(out) as stream:
        native_jsonl.write_header(
            stream, schema=project.schema, annotators=project.annotators.list()
        )

        def consume(block: export_parallel.Block, result: export_parallel.BlockResult) -> None:
            nonlocal articles, sets_written
            lines, count, sets = result.payload
            stream.write(lines)
            articles += count
            sets_written += sets
            if progress is not None:
                progress(count)

        export_parallel.run_blocks(
            project,
            "jsonl",
            ExportOptions(),
            (export_parallel.Block([span], 0) for span in ranges),
            consume,
            renderer=export_parallel.make_renderer("jsonl", ExportOptions()),
            pool=pool,
        )
    return articles, sets_written


# -- dataset exports: choose sets, split leak-free, hand to a writer, write a manifest -----------

#: format -> (writer module, what it is)
WRITERS = {
    "spacy": ("annotator.formats.spacy_docbin_writer", "spaCy DocBin per split"),
    "conll": ("annotator.formats.conll", "CoNLL-2003 IOB2/BIOES per split"),
    "hf": ("annotator.formats.hf_datasets", "Hugging Face datasets (Parquet + card)"),
    "brat": ("annotator.formats.brat_writer", "brat standoff .txt/.ann"),
    "label-studio": ("annotator.formats.label_studio_writer", "Label Studio tasks"),
    "doccano": ("annotator.formats.doccano_writer", "doccano JSONL"),
    "prodigy": ("annotator.formats.prodigy_writer", "Prodigy JSONL"),
    "quotes": ("annotator.formats.quotes_writer", "quote attribution records"),
    "stances": ("annotator.formats.stances_writer", "stance records and SemEval CSV"),
}
DATASET_FORMATS = tuple(WRITERS)
SPLIT_BY = ("article", "source", "date")
SOURCES_HELP = "gold, annotator:NAME, all or latest"
#: Articles whose sets are listed and loaded together by a dataset export.
LOAD_BATCH = 500


@dataclass(frozen=True)
class DatasetRequest:
    fmt: str
    out: Path
    source: str = "latest"
    splits: tuple[tuple[str, float], ...] = (("all", 1.0),)
    split_by: str = "article"
    seed: int = 13
    options: ExportOptions = field(default_factory=ExportOptions)
    command: str = ""


def parse_splits(text: str | None) -> tuple[tuple[str, float], ...]:
    """``train=0.8,dev=0.1,test=0.1`` -> ((train, .8), (dev, .1), (test, .1)); checked."""
    if not text:
        return (("all", 1.0),)
    pairs: list[tuple[str, float]] = []
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            share = float(value)
        except ValueError:
            share = -1.0
        if not sep or not SPLIT_NAME.match(name) or not 0 < share <= 1:
            raise AnnotatorError(
                f"--split takes name=share pairs like train=0.8,dev=0.1,test=0.1, not {part!r}"
            )
        pairs.append((name, share))
    if len({n for n, _ in pairs}) != len(pairs):
        raise AnnotatorError("--split names a split twice")
    total = sum(share for _, share in pairs)
    if abs(total - 1.0) > 0.001:
        raise AnnotatorError(f"--split shares add up to {total:g}, not 1")
    return tuple(pairs)


def parse_layers(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset(LAYERS)
    layers = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = layers - set(LAYERS)
    if unknown or not layers:
        raise AnnotatorError(
            f"--layers takes some of {', '.join(LAYERS)}, "
            f"not {', '.join(sorted(unknown)) or text!r}"
        )
    return layers


class SplitKey(Protocol):
    """What a split groups an article by (``ArticleKey``, ``ArticleSummary``)."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def published(self) -> str | None: ...


def _group_key(key: SplitKey, split_by: str) -> str:
    if split_by == "source":
        return f"source:{key.source}" if key.source else f"article:{key.id}"
    if split_by == "date":
        return f"month:{(key.published or '')[:7] or 'unknown'}"
    return f"article:{key.id}"


def assign_splits(
    keys: Sequence[SplitKey],
    splits: tuple[tuple[str, float], ...],
    *,
    split_by: str = "article",
    seed: int = 13,
) -> dict[str, str]:
    """article id -> split. Whole groups go to one split (no article, outlet or month in two),
    shuffled by ``seed``, each group to the split furthest below its share."""
    if not keys:
        return {}
    if split_by not in SPLIT_BY:
        raise AnnotatorError(f"--split-by takes {', '.join(SPLIT_BY)}, not {split_by!r}")
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(_group_key(key, split_by), []).append(key.id)
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    total = len(keys)
    filled = Counter[str]()
    assignment: dict[str, str] = {}
    for group in order:
        members = groups[group]
        # The split furthest below its share, relatively: every split gets a group before
        # the big one gets its second, so a small test split is not left empty.
        name = max(
            splits,
            key=lambda pair: ((pair[1] * total - filled[pair[0]]) / (pair[1] * total), pair[1]),
        )[0]
        filled[name] += len(members)
        for article_id in members:
            assignment[article_id] = name
    return assignment


def _choose_sets(
    project: Project,
    article_id: str,
    source: str,
    *,
    infos: list[SetInfo] | None = None,
    names: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(set id, whose) pairs to export for one article, by the requested source.

    ``infos`` (the article's sets, as ``project.sets.for_article`` lists them) and ``names``
    (annotator id -> name) may be given when already read, as a whole export does in bulk.
    """
    if infos is None:
        infos = project.sets.for_article(article_id)
    if names is None:
        names = {a.id: a.name for a in project.annotators.list()} if infos else {}
    if source == "gold":
        return [(i.id, "gold") for i in infos if i.kind is SetKind.GOLD]
    annotation = [i for i in infos if i.kind is SetKind.ANNOTATION]
    if source.startswith("annotator:"):
        wanted = source.split(":", 1)[1].strip().casefold()
        return [
            (i.id, names[i.annotator_id])
            for i in annotation
            if names[i.annotator_id].casefold() == wanted
        ]
    if source == "all":
        return [(i.id, names[i.annotator_id]) for i in annotation]
    if source == "latest":
        finished = [i for i in annotation if i.status in (SetStatus.DONE, SetStatus.APPROVED)]
        pool = finished or annotation
        if not pool:
            return []
        latest = max(pool, key=lambda i: i.updated_at)
        return [(latest.id, names[latest.annotator_id])]
    raise AnnotatorError(f"--source takes {SOURCES_HELP}, not {source!r}")


@dataclass
class DatasetPlan:
    """What an export would write: documents and labels per split (for the dialog's preview)."""

    documents: Counter[str] = field(default_factory=Counter)
    labels: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    without_set: int = 0


def plan_dataset(project: Project, request: DatasetRequest) -> DatasetPlan:
    keys = project.articles.keys()
    assignment = assign_splits(keys, request.splits, split_by=request.split_by, seed=request.seed)
    counts = project.sets.counts_by_set()
    plan = DatasetPlan()
    for article_id, chosen in _chosen_sets(project, [key.id for key in keys], request.source):
        if not chosen:
            plan.without_set += 1
        split = assignment[article_id]
        for set_id, _whose in chosen:
            plan.documents[split] += 1
            for (layer, label), n in counts.get(set_id, Counter()).items():
                if layer in request.options.layers:
                    plan.labels.setdefault(split, Counter())[(layer, label)] += n
    return plan


def _chosen_sets(
    project: Project, article_ids: list[str], source: str
) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """``(article id, [(set id, whose)])`` for each of ``article_ids`` by ``source`` (see
    ``_choose_sets``): sets listed for ``LOAD_BATCH`` articles at a time, names read once."""
    names = {a.id: a.name for a in project.annotators.list()}
    for start in range(0, len(article_ids), LOAD_BATCH):
        batch = article_ids[start : start + LOAD_BATCH]
        infos = project.sets.infos_for_articles(batch)
        for article_id in batch:
            found = infos.get(article_id, [])
            yield article_id, _choose_sets(project, article_id, source, infos=found, names=names)


def export_dataset(
    project: Project,
    request: DatasetRequest,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> WriterReport:
    """Write a dataset in ``request.fmt`` into the folder ``request.out``, with a manifest."""
    if request.fmt not in WRITERS:
        raise AnnotatorError(
            f"unknown export format {request.fmt!r}; choose one of "
            f"jsonl, {', '.join(DATASET_FORMATS)}"
        )
    if request.source.startswith("annotator:"):
        name = request.source.split(":", 1)[1].strip()
        if project.annotators.by_name(name) is None:
            raise AnnotatorError(f"--source {request.source}: no annotator named {name!r}")
    else:
        _choose_sets(project, "", request.source)  # validates the source name
    out = request.out
    if out.exists() and not out.is_dir():
        raise AnnotatorError(f"{out}: exists and is not a folder; {request.fmt} writes a folder")
    if out.exists() and any(out.iterdir()):
        raise AnnotatorError(f"{out}: the folder is not empty; choose a new or empty folder")
    module = importlib.import_module(WRITERS[request.fmt][0])
    pool = None
    if request.fmt in export_parallel.BLOCK_FORMATS:
        pool = export_parallel.start_worker(
            project, request.fmt, request.options, project.articles.count()
        )
    try:
        with project.database.scanning():
            return _export_dataset(project, request, module, pool, progress, cancelled)
    finally:
        if pool is not None:
            pool.shutdown()


def _export_dataset(
    project: Project,
    request: DatasetRequest,
    module: Any,
    pool: WorkerProcess | None,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> WriterReport:
    out = request.out
    keys = project.articles.keys()
    assignment = assign_splits(keys, request.splits, split_by=request.split_by, seed=request.seed)
    # The article ids of each split in project order: all the export keeps of the keys.
    members: dict[str, list[str]] = {split: [] for split, _share in request.splits}
    for key in keys:
        split = assignment.get(key.id)
        if split in members:
            members[split].append(key.id)
    del keys, assignment
    report = WriterReport(format=request.fmt, out=out)
    skipped: Counter[str] = Counter()

    def chosen() -> Iterator[tuple[str, list[tuple[str, str]], str]]:
        for split, _share in request.splits:
            for article_id, pairs in _chosen_sets(project, members[split], request.source):
                if not pairs:
                    skipped["articles without a set for this source"] += 1
                yield article_id, pairs, split

    def documents() -> Iterator[ExportDocument]:
        # Loaded a block at a time: a few queries per block instead of a dozen per article.
        for block in export_parallel.block_specs(chosen(), LOAD_BATCH):
            loaded, todo = export_parallel.load_documents(project, block.specs)
            if todo:
                skipped[export_parallel.SKIPPED_TODO] += todo
            for document in loaded:
                if cancelled is not None and cancelled():
                    raise AnnotatorError("export cancelled")
                yield document
            if progress is not None:
                progress(block.articles)

    staging = out.with_name(f".{out.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        if request.fmt in export_parallel.BLOCK_FORMATS:
            _write_in_blocks(
                project,
                request,
                report,
                staging,
                export_parallel.block_specs(chosen()),
                skipped,
                pool=pool,
                progress=progress,
                cancelled=cancelled,
            )
        else:
            kwargs = {}
            if request.fmt == "hf":
                kwargs["labels"] = _tag_labels(project, request.options.tag_layer)
            module.write(documents(), staging, request.options, report, **kwargs)
        report.notes.extend(f"{reason}: {count}" for reason, count in sorted(skipped.items()))
        _write_manifest(project, request, report, staging)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.out = out
    report.files = [out / path.relative_to(staging) for path in report.files]
    return report


def _write_in_blocks(
    project: Project,
    request: DatasetRequest,
    report: WriterReport,
    folder: Path,
    blocks: Iterator[export_parallel.Block],
    skipped: Counter[str],
    *,
    pool: WorkerProcess | None,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    """CoNLL or spaCy written block by block (see ``export_parallel``), with a worker process
    in ``pool``: the same files and report as ``module.write`` over the documents."""
    renderer = export_parallel.make_renderer(request.fmt, request.options)
    sink = renderer.sink(folder, request.options, report)

    def consume(block: export_parallel.Block, result: export_parallel.BlockResult) -> None:
        export_parallel.merge_report(report, result.report)
        skipped.update(result.skipped)
        renderer.add(sink, result.payload)
        if progress is not None:
            progress(block.articles)

    try:
        export_parallel.run_blocks(
            project,
            request.fmt,
            request.options,
            blocks,
            consume,
            renderer=renderer,
            pool=pool,
            cancelled=cancelled,
        )
    except BaseException:
        renderer.finish(sink, failed=True)
        raise
    renderer.finish(sink, failed=False)


def _tag_labels(project: Project, tag_layer: str) -> list[str]:
    schema = project.schema
    if tag_layer == "quotes":
        return schema.quote_type_names
    if tag_layer == "cues":
        return ["CUE"]
    return schema.entity_labels


def _write_manifest(
    project: Project, request: DatasetRequest, report: WriterReport, folder: Path
) -> None:
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for (split, layer, label), n in sorted(report.written.items()):
        counts.setdefault(split, {}).setdefault(layer, {})[label] = n
    manifest = {
        "format": request.fmt,
        "description": WRITERS[request.fmt][1],
        "created_at": utc_now().isoformat(timespec="seconds"),
        "tool": f"annotator {__version__}",
        "command": request.command,
        "project": project.name,
        "source": request.source,
        "splits": dict(request.splits),
        "split_by": request.split_by,
        "seed": request.seed,
        "layers": sorted(request.options.layers),
        "documents": dict(report.documents),
        "labels": counts,
        "not_written": dict(report.dropped),
        "notes": report.notes,
        "annotators": sorted({a.name for a in project.annotators.list()}),
        "schema": project.schema.model_dump(mode="json"),
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        f"# {project.name}: {WRITERS[request.fmt][1]}",
        "",
        f"Exported by annotator {__version__} on {manifest['created_at']}"
        + (f" with `{request.command}`" if request.command else "")
        + ".",
        f"Source of labels: {request.source}. Split by {request.split_by}, seed {request.seed}.",
        "",
        "| split | documents | layer | label | count |",
        "| --- | --- | --- | --- | --- |",
    ]
    for split, _ in request.splits:
        for layer, labels in counts.get(split, {}).items():
            for label, n in labels.items():
                lines.append(
                    f"| {split} | {report.documents.get(split, 0)} | {layer} | {label} | {n} |"
                )
    if report.dropped:
        lines += ["", "Not written (and why):", ""]
        lines += [f"- {reason}: {n}" for reason, n in sorted(report.dropped.items())]
    if report.notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in report.notes]
    lines += ["", "The label schema is in manifest.json.", ""]
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")
