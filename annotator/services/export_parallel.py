"""Dataset exports on two processes: blocks of documents rendered here and in a worker.

The writers that tokenise (CoNLL, spaCy) spend most of their time in spaCy's tokenizer, which
holds the GIL, so a second process is what lets an export use a second core. An export is cut
into blocks of documents (article id, set id, whose labels, split); a block is loaded and
rendered by the same code in either process (``render_block``) into plain values (texts,
bytes, arrays) and a report of its own. This process takes the results in block order, merges
the reports in that order and writes the files, so files and report are exactly those of an
export in one process. The worker gets a block only while it keeps up (at most ``AHEAD``
waiting); otherwise this process renders the next block itself, so a busy machine costs
nothing. If the worker cannot start, stops, or fails on a block, that block is rendered here.

The worker (``export_worker``) is a fresh interpreter that opens the project read-only; blocks
and results travel as frames of plain data (JSON headers and bytes, never pickles): each
renderer has ``to_wire`` and ``from_wire`` for its results.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain.annotations import SetStatus
from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.services.export_worker import Wire, WorkerGoneError, WorkerProcess
from annotator.storage.project import Project

#: (article id, set id, whose labels, split) of one document.
Spec = tuple[str, str, str, str]
#: Formats whose documents can be rendered in blocks.
BLOCK_FORMATS = ("conll", "spacy")
#: Exports of fewer documents stay in one process (starting a worker costs about a second).
MIN_DOCUMENTS = 2_000
#: The same for the native JSONL, whose blocks are quick to render.
MIN_ARTICLES_JSONL = 50_000
#: Documents per block.
BLOCK_DOCUMENTS = 128
#: Blocks handed to the worker and not yet back, at most (the worker is kept busy: this
#: process also merges and writes what both render).
AHEAD = 4
#: Rendered blocks waiting for an earlier one, at most (then this process waits).
HOLD = 8
#: Seconds to wait for the worker's block before rendering it here and going on without it.
BLOCK_TIMEOUT = 60.0
#: Environment variable: "0" keeps every export in one process.
WORKERS_VARIABLE = "ANNOTATOR_EXPORT_WORKERS"
SKIPPED_TODO = "sets not started (todo, no labels)"


@dataclass
class Block:
    """Documents to render together, and the articles of the export they stand for."""

    specs: list[Any] = field(default_factory=list)
    #: Articles covered (for progress), including those without a set.
    articles: int = 0


@dataclass
class BlockResult:
    payload: Any
    report: ExportReport
    skipped: Counter[str]


def load_documents(project: Project, specs: list[Spec]) -> tuple[list[ExportDocument], int]:
    """The documents of ``specs`` in order, and how many sets were left out as not started
    (status todo without labels)."""
    if not specs:
        return [], 0
    articles = {a.id: a for a in project.articles.get_many(list({s[0]: 0 for s in specs}))}
    sets = project.sets.load_many([spec[1] for spec in specs])
    documents: list[ExportDocument] = []
    skipped = 0
    for (article_id, _set_id, whose, split), annotation_set in zip(specs, sets, strict=True):
        if annotation_set.count() == 0 and annotation_set.status is SetStatus.TODO:
            skipped += 1
            continue
        documents.append(ExportDocument(articles[article_id], annotation_set, whose, split))
    return documents, skipped


def render_block(project: Project, renderer: Any, fmt: str, specs: list[Any]) -> BlockResult:
    report = ExportReport(format=fmt, out=Path())
    payload, skipped = renderer.render_specs(project, specs, report)
    return BlockResult(payload, report, skipped)


#: Keys of a result frame's header taken by the block's report.
_REPORT_KEYS = ("written", "dropped", "documents", "notes", "skipped")


def _result_to_wire(result: BlockResult, payload: dict[str, Any], parts: list[bytes]) -> Wire:
    """A block's result as a frame: the renderer's ``payload`` header and ``parts``, with the
    block's report and skipped counts (in their order: reports merge in order)."""
    report = result.report
    if set(payload) & set(_REPORT_KEYS):
        raise ValueError(f"a payload key is one of the report's: {sorted(payload)}")
    return {
        **payload,
        "written": [[*key, n] for key, n in report.written.items()],
        "dropped": list(report.dropped.items()),
        "documents": list(report.documents.items()),
        "notes": report.notes,
        "skipped": list(result.skipped.items()),
    }, parts


def _result_from_wire(fmt: str, header: dict[str, Any], payload: Any) -> BlockResult:
    report = ExportReport(format=fmt, out=Path())
    report.written.update({(s, layer, label): n for s, layer, label, n in header["written"]})
    report.dropped.update(dict(header["dropped"]))
    report.documents.update(dict(header["documents"]))
    report.notes.extend(header["notes"])
    return BlockResult(payload, report, Counter(dict(header["skipped"])))


class _DocumentBlocks:
    """A block of dataset documents: loaded by their specs, then rendered by ``render``."""

    def render(self, documents: list[ExportDocument], report: ExportReport) -> Any:
        raise NotImplementedError

    def render_specs(
        self, project: Project, specs: list[Spec], report: ExportReport
    ) -> tuple[Any, Counter[str]]:
        documents, todo = load_documents(project, specs)
        return self.render(documents, report), Counter({SKIPPED_TODO: todo} if todo else {})


def make_renderer(fmt: str, options: ExportOptions) -> Any:
    """The block renderer of ``fmt`` (``ConllBlocks`` or ``SpacyBlocks``)."""
    if fmt == "jsonl":
        return JsonlBlocks()
    if fmt not in BLOCK_FORMATS:
        raise AnnotatorError(f"{fmt} is not exported in blocks")
    return ConllBlocks(options) if fmt == "conll" else SpacyBlocks(options)


class JsonlBlocks:
    """The native JSONL in blocks: a block is a range of article positions (one spec, the
    first and last position), rendered to its lines, the number of articles and of sets."""

    def render_specs(
        self, project: Project, specs: list[tuple[int, int]], report: ExportReport
    ) -> tuple[tuple[bytes, int, int], Counter[str]]:
        from annotator.formats import native_jsonl
        from annotator.storage.export_rows import ExportRows

        rows = ExportRows(project.database)
        records = [record for first, last in specs for record in rows.between(first, last)]
        lines = b"".join([native_jsonl.record_line(article, sets) for article, sets in records])
        return (lines, len(records), sum(len(sets) for _a, sets in records)), Counter()

    def to_wire(self, result: BlockResult) -> Wire:
        lines, count, sets = result.payload
        return _result_to_wire(result, {"count": count, "sets": sets}, [lines])

    def from_wire(self, wire: Wire) -> BlockResult:
        header, parts = wire
        return _result_from_wire("jsonl", header, (parts[0], header["count"], header["sets"]))


class ConllBlocks(_DocumentBlocks):
    """CoNLL in blocks: a block renders to ``(split, text, documents)`` per batch."""

    def __init__(self, options: ExportOptions) -> None:
        from annotator.formats import conll

        self._conll = conll
        self._renderer = conll.BlockRenderer(options, ExportReport(format="conll", out=Path()))

    def render(self, documents: list[ExportDocument], report: ExportReport) -> Any:
        return list(self._renderer.rendered(documents, report))

    def to_wire(self, result: BlockResult) -> Wire:
        batches = [[split, count] for split, _text, count in result.payload]
        texts = [text for _split, text, _count in result.payload]
        return _result_to_wire(result, {"batches": batches}, texts)

    def from_wire(self, wire: Wire) -> BlockResult:
        header, texts = wire
        pairs = zip(header["batches"], texts, strict=True)
        batches = [(split, text, count) for (split, count), text in pairs]
        return _result_from_wire("conll", header, batches)

    def sink(self, out_dir: Path, options: ExportOptions, report: ExportReport) -> Any:
        return self._conll.ConllFiles(out_dir, options, report)

    def add(self, sink: Any, payload: Any) -> None:
        sink.add(payload)

    def finish(self, sink: Any, *, failed: bool) -> None:
        sink.close()


class SpacyBlocks(_DocumentBlocks):
    """spaCy in blocks: a block renders to ``(Rendered, StringStore)`` per document; from the
    worker, ``([Rendered], strings)``: the rows' strings the worker has not sent before."""

    def __init__(self, options: ExportOptions) -> None:
        from annotator.formats import spacy_docbin_writer as writer

        self._writer = writer
        self._np = importlib.import_module("numpy")
        self._renderer = writer.DocRenderer(options, ExportReport(format="spacy", out=Path()))
        self._sent: set[int] = set()
        self._store: Any = None
        self._split: str | None = None

    def render(self, documents: list[ExportDocument], report: ExportReport) -> Any:
        return list(self._renderer.rendered(documents, report))

    def to_wire(self, result: BlockResult) -> Wire:
        """The documents' plain values, and the strings of their rows' ids (ORTH, NORM) that
        the worker has not sent before: the exporting process keeps them in one store."""
        np = self._np
        found: dict[int, Any] = {}
        for rendered, store in result.payload:
            found.setdefault(id(store), [store, []])[1].append(rendered.tokens.ids)
        strings = []
        for store, parts in found.values():
            for string_id in np.unique(np.concatenate(parts)).tolist():
                if string_id not in self._sent:
                    self._sent.add(string_id)
                    strings.append(store[string_id])
        documents = []
        blobs: list[bytes] = []
        for rendered, _store in result.payload:
            tokens = rendered.tokens
            documents.append(
                [
                    rendered.split,
                    [tokens.length, tokens.adler, tokens.size],
                    sorted(rendered.strings),
                    rendered.has_unknown_spaces,
                    rendered.cats,
                ]
            )
            blobs += [
                tokens.deflated,
                np.ascontiguousarray(tokens.ids, dtype="uint64").tobytes(),
                rendered.spaces,
                rendered.user_data,
                rendered.span_groups,
            ]
        return _result_to_wire(result, {"rendered": documents, "strings": strings}, blobs)

    def from_wire(self, wire: Wire) -> BlockResult:
        header, blobs = wire
        np, writer = self._np, self._writer
        documents = []
        for n, (split, sizes, strings, unknown, cats) in enumerate(header["rendered"]):
            deflated, ids, spaces, user_data, span_groups = blobs[5 * n : 5 * n + 5]
            length, adler, size = sizes
            tokens = writer.TokenRows(
                int(length), deflated, int(adler), int(size), np.frombuffer(ids, dtype="uint64")
            )
            documents.append(
                writer.Rendered(
                    split,
                    tokens,
                    spaces,
                    user_data,
                    span_groups,
                    frozenset(strings),
                    bool(unknown),
                    dict(cats),
                )
            )
        return _result_from_wire("spacy", header, (documents, header["strings"]))

    def sink(self, out_dir: Path, options: ExportOptions, report: ExportReport) -> Any:
        out_dir.mkdir(parents=True, exist_ok=True)
        self._store = importlib.import_module("spacy.strings").StringStore()
        return self._writer.Shards(out_dir, options.shard_size, report)

    def add(self, sink: Any, payload: Any) -> None:
        if isinstance(payload, tuple):  # from the worker
            documents, strings = payload
            for string in strings:
                self._store.add(string)
            pairs = [(rendered, self._store) for rendered in documents]
        else:
            pairs = payload
        for rendered, store in pairs:
            # An export's splits come one after another: a split is over when the next starts.
            if self._split is not None and rendered.split != self._split:
                sink.end(self._split)
            self._split = rendered.split
            sink.add(rendered, store)

    def finish(self, sink: Any, *, failed: bool) -> None:
        if failed:
            sink.abandon()
        else:
            sink.close()


def use_worker(fmt: str, documents: int, project: Project) -> bool:
    """Whether an export of ``documents`` in ``fmt`` gets a worker process."""
    least = MIN_ARTICLES_JSONL if fmt == "jsonl" else MIN_DOCUMENTS
    return (
        (fmt in BLOCK_FORMATS or fmt == "jsonl")
        and documents >= least
        and os.environ.get(WORKERS_VARIABLE, "1") != "0"
        and (os.cpu_count() or 1) > 1
        and not getattr(sys, "frozen", False)  # a bundled app has no interpreter to start
        and project.path.is_file()
    )


# -- the worker ----------------------------------------------------------------------------------


def start_worker(
    project: Project, fmt: str, options: ExportOptions, documents: int
) -> WorkerProcess | None:
    """The worker process of an export of ``documents`` in ``fmt`` (None when it gets none, see
    ``use_worker``), started now: it starts Python, imports and opens the project while this
    process prepares the export. ``run_blocks`` shuts it down."""
    if not use_worker(fmt, documents, project):
        return None
    try:
        return WorkerProcess(_worker_path(project), fmt, options)
    except (OSError, WorkerGoneError):  # no interpreter to start: one process
        return None


def _worker_path(project: Project) -> Path:
    """The file the worker opens (read-only): the project's."""
    return project.path


def merge_report(into: ExportReport, part: ExportReport) -> None:
    """Add a block's report to the export's, as if its documents had been written here."""
    into.written.update(part.written)
    into.dropped.update(part.dropped)
    into.documents.update(part.documents)
    into.notes.extend(note for note in part.notes if note not in into.notes)


def run_blocks(
    project: Project,
    fmt: str,
    options: ExportOptions,
    blocks: Iterable[Block],
    consume: Callable[[Block, BlockResult], None],
    *,
    renderer: Any,
    pool: WorkerProcess | None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Render ``blocks`` here and (with ``pool``, from ``start_worker``) in a worker process;
    ``consume`` gets each block with its result, in block order. Shuts ``pool`` down."""
    pending: deque[tuple[Block, Future[Wire] | BlockResult]] = deque()

    def here(block: Block) -> BlockResult:
        return render_block(project, renderer, fmt, block.specs)

    def alone() -> None:  # the worker could not start, stopped or failed: go on without it
        nonlocal pool
        if pool is not None:
            pool.shutdown()
            pool = None

    def take() -> None:
        block, result = pending.popleft()
        if isinstance(result, Future):
            try:
                result = renderer.from_wire(result.result(timeout=BLOCK_TIMEOUT))
            except (WorkerGoneError, TimeoutError, KeyError, TypeError, ValueError):
                # Rendered here instead (a block takes the worker well under a second).
                alone()
                result = here(block)
        consume(block, result)

    def submit(block: Block) -> Future[Wire] | BlockResult:
        if pool is not None:
            try:
                return pool.submit(block.specs)
            except WorkerGoneError:
                alone()
        return here(block)

    try:
        for block in blocks:
            if cancelled is not None and cancelled():
                raise AnnotatorError("export cancelled")
            waiting = sum(isinstance(r, Future) and not r.done() for _b, r in pending)
            pending.append((block, submit(block) if waiting < AHEAD else here(block)))
            while pending and (not isinstance(pending[0][1], Future) or pending[0][1].done()):
                take()
            while len(pending) > HOLD:
                take()
        while pending:
            if cancelled is not None and cancelled():
                raise AnnotatorError("export cancelled")
            take()
    finally:
        if pool is not None:
            pool.shutdown()


def block_specs(
    chosen: Iterator[tuple[str, list[tuple[str, str]], str]], size: int | None = None
) -> Iterator[Block]:
    """Blocks of up to ``size`` (``BLOCK_DOCUMENTS``) documents from ``(article id, [(set id,
    whose)], split)`` in export order (an article's sets stay together); one split a block."""
    size = size or BLOCK_DOCUMENTS
    block = Block()
    split_of_block = None
    for article_id, pairs, split in chosen:
        if block.specs and (split != split_of_block or len(block.specs) + len(pairs) > size):
            yield block
            block = Block()
        split_of_block = split
        block.specs += [(article_id, set_id, whose, split) for set_id, whose in pairs]
        block.articles += 1
    if block.articles:
        yield block
