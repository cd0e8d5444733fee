"""Export to spaCy v3 ``DocBin`` files (``.spacy``), one per split or in shards.

Each article becomes a ``Doc`` tokenised by ``spacy.blank(lang)`` (the article's language when
spaCy has a blank pipeline for it without extra packages, else ``options.lang``); no model is
ever loaded or downloaded.

* layer ``entities``: every mention goes to span group ``"mentions"`` (label, ``kb_id`` of its
  entity, ``id`` = entity id); the mentions that do not overlap go to ``doc.ents`` as well,
  chosen greedily longest first (ties: earliest), the others are reported;
* layer ``quotes``: quote spans to span group ``"quotes"`` (label = quote type, ``id`` = quote
  id), cue spans to ``"cues"`` (label ``CUE``);
* layer ``stances``: evidence spans to span group ``"evidence"`` (label = polarity, ``id`` =
  stance id);
* ``doc.user_data["annotator"]`` holds the links with exact character offsets, JSON-ready (lists
  come back as tuples after a DocBin round trip)::

      {"article_id", "title", "language", "annotator", "split",
       "mentions": [{"id", "start", "end", "label", "entity"}],
       "entities": [{"id", "name", "label", "kb_id", "mentions": [[start, end], ...]}],
       "quotes": [{"id", "start", "end", "type", "speaker": [s, e] | None,
                   "speaker_mention": id | None, "cue": [s, e] | None}],
       "stances": [{"id", "holder", "target", "target_kind": "entity" | "topic",
                    "polarity", "evidence": [[s, e], ...]}]}

Files: ``{split}.spacy``; a split with more than ``options.shard_size`` documents is written as
``{split}-000.spacy``, ``{split}-001.spacy``... (``spacy train`` accepts the folder). At most one
shard per split is held in memory.

The blank pipelines, the optional-import helper and the span alignment here are shared with the
CoNLL and Hugging Face writers.
"""

from __future__ import annotations

import importlib
import queue
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from annotator.domain.annotations import AnnotationSet, Mention
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import (
    SPLIT_NAME,
    ExportDocument,
    ExportOptions,
    ExportReport,
    safe_path,
)

FORMAT = "spaCy DocBin"
USER_DATA_KEY = "annotator"
OVERLAP_REASON = "entity overlaps another in doc.ents (kept in span group 'mentions')"
ALIGN_MODES = ("expand", "drop")
CUE_LABEL = "CUE"

JsonSpan = list[int]
JsonObject = dict[str, Any]


def optional_import(module: str, fmt: str, extra: str) -> Any:
    """``module``, or ``AnnotatorError`` telling the user which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".", 1)[0]
        raise AnnotatorError(
            f"exporting {fmt} needs {package}: pip install 'annotator[{extra}]'"
        ) from None


def check_split(split: str) -> str:
    if not SPLIT_NAME.match(split):
        raise AnnotatorError(
            f"split name {split!r} must be lower-case letters, digits, '_' or '-' "
            "(starting with a letter, at most 32 characters)"
        )
    return split


def check_align(options: ExportOptions) -> None:
    if options.align not in ALIGN_MODES:
        raise AnnotatorError(f"align must be one of {', '.join(ALIGN_MODES)}: {options.align!r}")


class BlankPipelines:
    """One blank spaCy pipeline per language for one export (optionally with a sentencizer)."""

    def __init__(
        self, fmt: str, fallback: str, report: ExportReport, *, sentencizer: bool = False
    ) -> None:
        self._spacy = optional_import("spacy", fmt, "spacy")
        self._fallback = fallback
        self._report = report
        self._sentencizer = sentencizer
        self._by_lang: dict[str, Any] = {}

    def for_article(self, article: Article) -> Any:
        lang = article.language.strip().lower().replace("_", "-").split("-", 1)[0]
        if lang in self._by_lang:
            return self._by_lang[lang]
        nlp = self._load(lang) if lang else None
        if nlp is None:
            nlp = self._fallback_pipeline(lang)
        self._by_lang[lang] = nlp
        return nlp

    def _load(self, lang: str) -> Any:
        try:
            nlp = self._spacy.blank(lang)
        except ImportError:  # unknown code, or a tokenizer needing extra packages (ko, ja, th...)
            return None
        if self._sentencizer:
            nlp.add_pipe("sentencizer")
        return nlp

    def _fallback_pipeline(self, lang: str) -> Any:
        if self._fallback not in self._by_lang:
            nlp = self._load(self._fallback)
            if nlp is None:
                raise AnnotatorError(f"spaCy has no blank pipeline for language {self._fallback!r}")
            self._by_lang[self._fallback] = nlp
        self._report.notes.append(
            f"spaCy has no blank pipeline for language {lang or '(none)'!r} without extra "
            f"packages: tokenised as {self._fallback!r}"
        )
        return self._by_lang[self._fallback]


class TokenSpan(NamedTuple):
    """A span in token indices ``[start, end)`` of a ``Doc``, with its label and item id."""

    start: int
    end: int
    label: str
    item_id: str = ""
    kb_id: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start


def align(
    doc: Any, start: int, end: int, what: str, mode: str, report: ExportReport
) -> tuple[int, int] | None:
    """``(first, last + 1)`` token indices of ``[start, end)``, or None (reported).

    Spans off token boundaries are expanded to whole tokens (``mode == "expand"``) or dropped;
    whitespace tokens at either edge are trimmed. Every change is reported.
    """
    span = doc.char_span(start, end)
    aligned = span is not None
    if not aligned:
        if mode != "expand":
            report.drop(f"{what} span not on token boundaries (dropped)")
            return None
        span = doc.char_span(start, end, alignment_mode="expand")
    first, last = (int(span.start), int(span.end)) if span is not None else (0, 0)
    while first < last and doc[first].is_space:
        first += 1
    while last > first and doc[last - 1].is_space:
        last -= 1
    if first == last:
        report.drop(f"{what} span covers no token (dropped)")
        return None
    if not aligned:
        report.drop(f"{what} span expanded to token boundaries")
    elif (first, last) != (span.start, span.end):
        report.drop(f"{what} span trimmed of whitespace tokens")
    return first, last


class Aligner:
    """Character spans of one ``Doc`` -> ``TokenSpan`` (see ``align``)."""

    def __init__(self, doc: Any, mode: str, report: ExportReport) -> None:
        self.doc = doc
        self._mode = mode
        self._report = report

    def span(
        self, chars: tuple[int, int], label: str, what: str, *, item_id: str = "", kb_id: str = ""
    ) -> TokenSpan | None:
        tokens = align(self.doc, chars[0], chars[1], what, self._mode, self._report)
        if tokens is None:
            return None
        return TokenSpan(tokens[0], tokens[1], label, item_id, kb_id)


def without_overlaps(spans: Iterable[TokenSpan]) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """(kept in text order, rejected): greedily longest first, ties broken by the earliest."""
    kept: list[TokenSpan] = []
    rejected: list[TokenSpan] = []
    taken: set[int] = set()
    for span in sorted(spans, key=lambda s: (-s.length, s.start, s.end)):
        tokens = set(range(span.start, span.end))
        if tokens & taken:
            rejected.append(span)
        else:
            kept.append(span)
            taken |= tokens
    return sorted(kept, key=lambda s: (s.start, s.end)), rejected


def mention_token_spans(aligner: Aligner, annotation_set: AnnotationSet) -> list[TokenSpan]:
    """Every aligned mention; ``item_id`` is its entity's id and ``kb_id`` that entity's."""
    kb_ids = {e.id: e.kb_id or "" for e in annotation_set.entities}
    out: list[TokenSpan] = []
    for mention in annotation_set.mentions:
        entity = mention.entity_id or ""
        chars = (mention.start, mention.end)
        made = aligner.span(
            chars, mention.label, "mention", item_id=entity, kb_id=kb_ids.get(entity, "")
        )
        if made is not None:
            out.append(made)
    return out


def _spans(doc: Any, spans: Iterable[TokenSpan]) -> list[Any]:
    span_class = optional_import("spacy.tokens", FORMAT, "spacy").Span
    return [
        span_class(doc, s.start, s.end, label=s.label, kb_id=s.kb_id, span_id=s.item_id)
        for s in spans
    ]


def _annotate(
    aligner: Aligner, document: ExportDocument, options: ExportOptions, report: ExportReport
) -> tuple[list[TokenSpan] | None, list[TokenSpan]]:
    """The span groups of ``options.layers`` on ``aligner.doc``, reported and counted.

    Returns the entities (the mentions without overlaps, for ``doc.ents``; None without the
    entities layer) and every span put in a group.
    """
    entities: list[TokenSpan] | None = None
    grouped: list[TokenSpan] = []
    if "entities" in options.layers:
        entities, mentions = _add_entities(aligner, document, report)
        grouped += mentions
    if "quotes" in options.layers:
        grouped += _add_quotes(aligner, document, report)
    if "stances" in options.layers:
        grouped += _add_evidence(aligner, document, report)
    return entities, grouped


def _add_entities(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """Span group ``mentions``: (the entities for ``doc.ents``, every mention)."""
    doc = aligner.doc
    mentions = mention_token_spans(aligner, document.annotation_set)
    kept, rejected = without_overlaps(mentions)
    doc.spans["mentions"] = _spans(doc, mentions)
    if rejected:
        report.drop(OVERLAP_REASON, len(rejected))
    for span in mentions:
        report.count(document.split, "entities", span.label)
    return kept, mentions


def _add_quotes(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> list[TokenSpan]:
    quotes: list[TokenSpan] = []
    cues: list[TokenSpan] = []
    for quote in document.annotation_set.quotes:
        chars = (quote.start, quote.end)
        made = aligner.span(chars, quote.quote_type, "quote", item_id=quote.id)
        if made is not None:
            quotes.append(made)
            report.count(document.split, "quotes", quote.quote_type)
        cue = (
            None
            if quote.cue is None
            else aligner.span(quote.cue, CUE_LABEL, "cue", item_id=quote.id)
        )
        if cue is not None:
            cues.append(cue)
            report.count(document.split, "cues", CUE_LABEL)
    aligner.doc.spans["quotes"] = _spans(aligner.doc, quotes)
    aligner.doc.spans["cues"] = _spans(aligner.doc, cues)
    return quotes + cues


def _add_evidence(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> list[TokenSpan]:
    evidence: list[TokenSpan] = []
    for stance in document.annotation_set.stances:
        for item in stance.evidence:
            made = aligner.span(
                (item.start, item.end), stance.polarity, "evidence", item_id=stance.id
            )
            if made is not None:
                evidence.append(made)
        report.count(document.split, "stances", stance.polarity)
    aligner.doc.spans["evidence"] = _spans(aligner.doc, evidence)
    return evidence


def _span_of(mention: Mention | None) -> JsonSpan | None:
    return None if mention is None else [mention.start, mention.end]


def links(document: ExportDocument, layers: frozenset[str]) -> JsonObject:
    """The ``doc.user_data["annotator"]`` value: ids, links and exact char offsets."""
    article, annotation_set = document.article, document.annotation_set
    data: JsonObject = {
        "article_id": article.id,
        "title": article.title,
        "language": article.language,
        "annotator": document.annotator,
        "split": document.split,
    }
    if "entities" in layers:
        data["mentions"] = [
            {"id": m.id, "start": m.start, "end": m.end, "label": m.label, "entity": m.entity_id}
            for m in annotation_set.mentions
        ]
        data["entities"] = [
            {
                "id": e.id,
                "name": e.name,
                "label": e.label,
                "kb_id": e.kb_id,
                "mentions": [
                    [m.start, m.end] for m in annotation_set.mentions if m.entity_id == e.id
                ],
            }
            for e in annotation_set.entities
        ]
    if "quotes" in layers:
        data["quotes"] = _quote_links(annotation_set)
    if "stances" in layers:
        data["stances"] = [
            {
                "id": s.id,
                "holder": s.holder_id,
                "target": s.target_entity_id if s.target_entity_id is not None else s.target_topic,
                "target_kind": "entity" if s.target_entity_id is not None else "topic",
                "polarity": s.polarity,
                "evidence": [[e.start, e.end] for e in s.evidence],
            }
            for s in annotation_set.stances
        ]
    return data


def _quote_links(annotation_set: AnnotationSet) -> list[JsonObject]:
    mentions = {m.id: m for m in annotation_set.mentions}
    return [
        {
            "id": q.id,
            "start": q.start,
            "end": q.end,
            "type": q.quote_type,
            "speaker": _span_of(mentions.get(q.speaker_id or "")),
            "speaker_mention": q.speaker_id,
            "cue": None if q.cue is None else list(q.cue),
        }
        for q in annotation_set.quotes
    ]


def build_doc(
    nlp: Any, document: ExportDocument, options: ExportOptions, report: ExportReport
) -> Any:
    """The ``Doc`` for one document, with entities, span groups and ``user_data``."""
    doc = nlp.make_doc(document.article.text)
    entities, _grouped = _annotate(Aligner(doc, options.align, report), document, options, report)
    if entities is not None:
        doc.ents = _spans(doc, entities)
    doc.user_data[USER_DATA_KEY] = links(document, options.layers)
    return doc


def _cache_msgpack_extensions() -> None:
    """Look up srsly's msgpack encoders and decoders once, not on every serialisation.

    ``DocBin.add`` serialises each span group and the user data separately, and every call
    asks the catalogue registry for all msgpack extensions, scanning the whole function
    registry (and, by default, the installed packages' entry points): three quarters of the
    export time. The set of extensions does not change while we export, so it is read once.
    """
    import srsly  # type: ignore[import-untyped]

    for registry in (srsly.msgpack_encoders, srsly.msgpack_decoders):
        if getattr(registry, "_annotator_cached", False):
            continue
        extensions = dict(registry.get_all())
        registry.get_all = lambda extensions=extensions: dict(extensions)
        registry._annotator_cached = True


#: Raw token rows handed to the compressing thread at a time.
CHUNK_BYTES = 4 << 20
#: Columns a ``Doc`` made by spaCy's own ``Tokenizer`` (and given entities and span groups
#: here) can have set; the tokenizer's special cases may set only ORTH and NORM, so the other
#: ``DocBin`` columns (TAG, POS, DEP, HEAD, LEMMA, MORPH) are zero.
_SET_BY_TOKENIZER = (
    "ORTH",
    "NORM",
    "ENT_IOB",
    "ENT_TYPE",
    "ENT_KB_ID",
    "ENT_ID",
    "SENT_START",
)
_ADLER_BASE = 65521


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from each one's (zlib's own)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (second & 0xFFFF) + _ADLER_BASE - 1
    sum2 += ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + _ADLER_BASE - rem
    if sum1 >= _ADLER_BASE:
        sum1 -= _ADLER_BASE
    if sum1 >= _ADLER_BASE:
        sum1 -= _ADLER_BASE
    if sum2 >= _ADLER_BASE << 1:
        sum2 -= _ADLER_BASE << 1
    if sum2 >= _ADLER_BASE:
        sum2 -= _ADLER_BASE
    return sum1 | (sum2 << 16)


def _deflate(data: bytes, *, last: bool) -> bytes:
    """``data`` as raw deflate blocks, ending byte-aligned (``last``: as the final block)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
    )


def _bin_header(length: int) -> bytes:
    """The msgpack header of a ``bin`` of ``length`` bytes (the smallest, as msgpack writes)."""
    if length < 1 << 8:
        return b"\xc4" + length.to_bytes(1, "big")
    if length < 1 << 16:
        return b"\xc5" + length.to_bytes(2, "big")
    return b"\xc6" + length.to_bytes(4, "big")


class _Worker:
    """One background thread running jobs in order. The shards' zlib work runs there: zlib
    releases the GIL, so compression overlaps the tokenizer instead of following it."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="spacy-docbin", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def close(self, *, abandon: bool = False) -> None:
        """Wait for the jobs (or skip the ones left, with ``abandon``); raise the first error."""
        self._abandoned = abandon
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None and not abandon:
            raise self._error

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None and not self._abandoned:
                try:
                    job()
                except BaseException as error:  # raised again in the exporting thread
                    self._error = error


class _Shard:
    """One ``DocBin`` being written, holding what ``DocBin`` holds except the token rows: those
    are compressed as they come (in the worker), as one piece of the file's deflate stream.

    The file is what ``DocBin(store_user_data=True).to_disk`` writes for the same documents, up
    to how zlib split its output in blocks: it decompresses to the very same msgpack bytes.
    """

    def __init__(self, attrs: list[int], string_columns: list[int], worker: _Worker) -> None:
        self.attrs = attrs
        self._string_columns = string_columns
        self._worker = worker
        self.count = 0
        self._lengths: list[int] = []
        self._spaces: list[bytes] = []
        self._cats: list[Any] = []
        self._flags: list[dict[str, bool]] = []
        self._span_groups: list[bytes] = []
        self._user_data: list[bytes] = []
        self.strings: set[str] = set()
        self._pending: list[Any] = []
        #: The ``StringStore`` of each document of ``_pending``, for its rows' string ids.
        self._pending_stores: list[Any] = []
        self._pending_bytes = 0
        self._token_bytes = 0
        # Touched by the worker only:
        self._compressor = zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS
        )
        self._compressed: list[bytes] = []
        self._adler = zlib.adler32(b"")
        #: The string ids in the rows' ORTH and NORM columns, by their ``StringStore``.
        self._ids: dict[int, tuple[Any, set[int]]] = {}

    def add(self, doc: Any, rows: Any, spaces: bytes, user_data: bytes) -> None:
        """One document as ``DocBin.add`` takes it: its token rows (the ``attrs`` columns),
        trailing spaces (one byte per token) and serialised user data. Its strings go to
        ``strings``, but for the token texts and norms: the worker takes those from the rows."""
        self.count += 1
        self._lengths.append(len(rows))
        self._spaces.append(spaces)
        self._flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
        self._cats.append(doc.cats)
        self._user_data.append(user_data)
        self._span_groups.append(doc.spans.to_bytes())
        self._pending.append(rows)
        self._pending_stores.append(doc.vocab.strings)
        self._pending_bytes += rows.nbytes
        if self._pending_bytes >= CHUNK_BYTES:
            self._send()

    def _send(self) -> None:
        if self._pending:
            rows, stores = self._pending, self._pending_stores
            chunk = b"".join(rows)
            self._token_bytes += len(chunk)
            self._pending, self._pending_stores, self._pending_bytes = [], [], 0
            self._worker.submit(lambda: self._compress(chunk, rows, stores))

    def _compress(self, chunk: bytes, rows: list[Any], stores: list[Any]) -> None:
        self._compressed.append(self._compressor.compress(chunk))
        self._adler = zlib.adler32(chunk, self._adler)
        numpy = optional_import("numpy", FORMAT, "spacy")
        by_store: dict[int, list[Any]] = {}
        for store, doc_rows in zip(stores, rows, strict=True):
            by_store.setdefault(id(store), []).append(doc_rows[:, self._string_columns])
            if id(store) not in self._ids:
                self._ids[id(store)] = (store, set())
        for key, columns in by_store.items():
            self._ids[key][1].update(numpy.unique(numpy.concatenate(columns)).tolist())

    def finish(self, path: Path) -> None:
        """Write the file (in the worker, after the shard's last rows); the shard is done."""
        self._send()
        self._worker.submit(lambda: self._write(path))

    def _write(self, path: Path) -> None:
        for store, ids in self._ids.values():
            self.strings.update(store[string_id] for string_id in ids)
        srsly = optional_import("srsly", FORMAT, "spacy")
        numpy = optional_import("numpy", FORMAT, "spacy")
        dumps = srsly.msgpack_dumps
        # DocBin.to_bytes: zlib(msgpack({version, attrs, tokens, spaces, lengths, strings,
        # cats, flags, span_groups, user_data})), the map written key by key.
        head = [b"\x8a", dumps("version"), dumps("0.1"), dumps("attrs"), dumps(self.attrs)]
        head += [dumps("tokens"), _bin_header(self._token_bytes)]
        lengths = numpy.asarray(self._lengths, dtype="int32").tobytes("C")
        tail = [dumps("spaces"), dumps(b"".join(self._spaces)), dumps("lengths"), dumps(lengths)]
        tail += [dumps("strings"), dumps(sorted(self.strings)), dumps("cats"), dumps(self._cats)]
        tail += [dumps("flags"), dumps(self._flags), dumps("span_groups")]
        tail += [dumps(self._span_groups), dumps("user_data"), dumps(self._user_data)]
        prefix, suffix = b"".join(head), b"".join(tail)
        adler = adler32_combine(zlib.adler32(prefix), self._adler, self._token_bytes)
        adler = adler32_combine(adler, zlib.adler32(suffix), len(suffix))
        with path.open("wb") as out:
            out.write(b"\x78\x9c")  # zlib header: deflate, 32 KiB window, default level
            out.write(_deflate(prefix, last=False))
            out.writelines(self._compressed)
            out.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
            out.write(_deflate(suffix, last=True))
            out.write(adler.to_bytes(4, "big"))


class _Shards:
    """The open shard of each split; a full one is written out before the next doc."""

    def __init__(self, out_dir: Path, shard_size: int, report: ExportReport) -> None:
        tokens = optional_import("spacy.tokens", FORMAT, "spacy")
        self._np = optional_import("numpy", FORMAT, "spacy")
        ids = optional_import("spacy.attrs", FORMAT, "spacy").IDS
        _cache_msgpack_extensions()
        self._dumps = optional_import("srsly", FORMAT, "spacy").msgpack_dumps
        self._attrs: list[int] = tokens.DocBin(store_user_data=True).attrs
        self._spacy_attr = ids["SPACY"]
        column = {name: self._attrs.index(ids[name]) for name in _SET_BY_TOKENIZER}
        self._text_columns = [column["ORTH"], column["NORM"]]
        self._read = [column["ORTH"], column["NORM"], column["SENT_START"]]
        self._read_attrs = [ids["ORTH"], ids["NORM"], ids["SENT_START"], ids["SPACY"]]
        self._entity_columns = [column[n] for n in ("ENT_TYPE", "ENT_KB_ID", "ENT_ID")]
        self._iob = column["ENT_IOB"]
        self._out_dir = out_dir
        self._size = max(1, shard_size)
        self._report = report
        self._open: dict[str, _Shard] = {}
        self._written: dict[str, int] = {}
        self._worker = _Worker()

    def _shard(self, split: str) -> _Shard:
        current = self._open.get(split)
        if current is not None and current.count >= self._size:
            self._flush(split, current, f"{split}-{self._written.get(split, 0):03d}.spacy")
            current = None
        if current is None:
            current = self._open[split] = _Shard(self._attrs, self._text_columns, self._worker)
        return current

    def add(self, split: str, doc: Any) -> None:
        """Add any ``Doc``, as ``DocBin.add`` does."""
        shard = self._shard(split)
        rows = doc.to_array(self._attrs).reshape((len(doc), len(self._attrs)))
        texts: set[str] = set()
        for token in doc:
            texts.update(
                (
                    token.text,
                    token.tag_,
                    token.lemma_,
                    token.norm_,
                    str(token.morph),
                    token.dep_,
                    token.ent_type_,
                    token.ent_kb_id_,
                    token.ent_id_,
                )
            )
        strings = doc.vocab.strings
        for group in doc.spans.values():
            for span in group:
                texts.add(span.label_)
                if span.kb_id in strings:
                    texts.add(span.kb_id_)
                if span.id in strings:
                    texts.add(span.id_)
        shard.strings |= texts
        spaces = doc.to_array(self._spacy_attr).astype(bool).tobytes()
        shard.add(doc, rows, spaces, self._dumps(doc.user_data))

    def add_document(
        self,
        split: str,
        nlp: Any,
        document: ExportDocument,
        options: ExportOptions,
        report: ExportReport,
    ) -> None:
        """Add ``build_doc(nlp, document...)`` the quick way, for a pipeline whose tokenizer is
        spaCy's own ``Tokenizer`` class: its special cases may set only ORTH and NORM, so of the
        ``DocBin`` columns only ``_SET_BY_TOKENIZER`` can be set. ``doc.ents`` is not set: its
        token columns (ENT_IOB, ENT_TYPE, ENT_KB_ID, ENT_ID) are filled as ``Doc.set_ents``
        fills them, and the strings are taken from the spans, not token by token."""
        np = self._np
        shard = self._shard(split)
        doc = nlp.make_doc(document.article.text)
        aligner = Aligner(doc, options.align, report)
        entities, grouped = _annotate(aligner, document, options, report)
        user_data = self._dumps({USER_DATA_KEY: links(document, options.layers)})
        read = doc.to_array(self._read_attrs).reshape((len(doc), len(self._read_attrs)))
        rows = np.zeros((len(doc), len(self._attrs)), dtype="uint64")
        for source, column in enumerate(self._read):
            rows[:, column] = read[:, source]
        texts = {""}  # the tag, lemma, morph and dep of every token
        if entities is not None:
            self._fill_entities(rows, entities, doc.vocab.strings)
        for span in grouped:  # the span groups' strings
            texts.update((span.label, span.kb_id, span.item_id))
        shard.strings |= texts
        shard.add(doc, rows, read[:, 3].astype(bool).tobytes(), user_data)

    def _fill_entities(self, rows: Any, entities: list[TokenSpan], strings: Any) -> None:
        """The columns ``doc.ents = entities`` sets: ENT_IOB 2 (O) but 3 (B) and 1 (I) in an
        entity, ENT_TYPE, ENT_KB_ID and ENT_ID the ids of its label, kb id and span id."""
        np = self._np
        rows[:, self._iob] = 2
        if not entities:
            return
        starts = np.array([span.start for span in entities])
        lengths = np.array([span.end - span.start for span in entities])
        tokens = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(
            int(lengths.sum())
        )
        rows[tokens, self._iob] = 1
        rows[starts, self._iob] = 3
        values = [
            [strings.add(span.label), strings.add(span.kb_id), strings.add(span.item_id)]
            for span in entities
        ]
        rows[tokens[:, None], self._entity_columns] = np.repeat(
            np.array(values, dtype="uint64"), lengths, axis=0
        )

    def close(self) -> None:
        for split, current in list(self._open.items()):
            shard = self._written.get(split)
            name = f"{split}.spacy" if shard is None else f"{split}-{shard:03d}.spacy"
            self._flush(split, current, name)
        self._open.clear()
        self._worker.close()

    def abandon(self) -> None:
        """Stop after an error: the files in the works are not finished."""
        self._worker.close(abandon=True)

    def _flush(self, split: str, shard: _Shard, name: str) -> None:
        path = safe_path(self._out_dir, name)
        shard.finish(path)
        self._report.add_file(path)
        self._written[split] = self._written.get(split, 0) + 1
        del self._open[split]


def docs(
    documents: Iterable[ExportDocument],
    pipelines: BlankPipelines,
    options: ExportOptions,
    report: ExportReport,
) -> Iterator[tuple[str, Any]]:
    for document in documents:
        split = check_split(document.split)
        doc = build_doc(pipelines.for_article(document.article), document, options, report)
        report.documents[split] += 1
        yield split, doc


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """Write ``{split}.spacy`` (or shards) into ``out_dir``, streaming ``documents``."""
    check_align(options)
    pipelines = BlankPipelines(FORMAT, options.lang, report)
    out_dir.mkdir(parents=True, exist_ok=True)
    shards = _Shards(out_dir, options.shard_size, report)
    tokenizer = optional_import("spacy.tokenizer", FORMAT, "spacy").Tokenizer
    try:
        for document in documents:
            split = check_split(document.split)
            nlp = pipelines.for_article(document.article)
            if type(nlp.tokenizer) is tokenizer:
                shards.add_document(split, nlp, document, options, report)
            else:
                shards.add(split, build_doc(nlp, document, options, report))
            report.documents[split] += 1
    except BaseException:
        shards.abandon()
        raise
    shards.close()
