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
``{split}-000.spacy``, ``{split}-001.spacy``... (``spacy train`` accepts the folder). Each file
holds what ``DocBin(store_user_data=True).to_disk`` would write for its documents (it
decompresses to the very same bytes), but is built without ``DocBin``: only the tokenizer runs
(``nlp.make_doc``), and the span groups are serialised without making ``Span`` objects
(``span_groups_bytes``). ``DocRenderer`` makes each document ready in plain values
(``Rendered``: user data and span groups as bytes, and the token rows compressed on their own,
a piece of deflate stream per document: ``TokenRows``), in this process or in an export's
worker process (``services.export_parallel``), so both share the compressing; ``Shards`` only
joins the pieces, and writes each file in a background thread (see ``Deflate`` for the
compressor).

The blank pipelines, the optional-import helper and the span alignment here are shared with the
CoNLL and Hugging Face writers.
"""

from __future__ import annotations

import importlib
import queue
import struct
import threading
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
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
        #: Where fallback notes go (a block export points it at each block's own report).
        self.report = report
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
        self.report.notes.append(
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
    """Character spans of one ``Doc`` -> ``TokenSpan`` (see ``align``).

    With ``bounds`` (every token's start and end offset, and the text), a span on token
    boundaries whose edge tokens are not whitespace is taken as it is, without ``align``.
    """

    def __init__(
        self,
        doc: Any,
        mode: str,
        report: ExportReport,
        bounds: tuple[list[int], list[int], str] | None = None,
    ) -> None:
        self.doc = doc
        self._mode = mode
        self._report = report
        self._bounds = bounds

    def span(
        self, chars: tuple[int, int], label: str, what: str, *, item_id: str = "", kb_id: str = ""
    ) -> TokenSpan | None:
        if self._bounds is not None:
            starts, ends, text = self._bounds
            start, end = chars
            first = bisect_left(starts, start)
            last = bisect_right(starts, end - 1) - 1  # the token holding the last character
            if (
                first < len(starts)
                and starts[first] == start
                and last >= first
                and ends[last] == end
                and not text[start : ends[first]].isspace()
                and not text[starts[last] : end].isspace()
            ):
                return TokenSpan(first, last + 1, label, item_id, kb_id)
        tokens = align(self.doc, chars[0], chars[1], what, self._mode, self._report)
        if tokens is None:
            return None
        return TokenSpan(tokens[0], tokens[1], label, item_id, kb_id)


def without_overlaps(spans: Iterable[TokenSpan]) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """(kept in text order, rejected): greedily longest first, ties broken by the earliest."""
    spans = list(spans)
    if all(a.end <= b.start for a, b in pairwise(spans)):  # in order, apart: all kept
        return spans, []
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


#: Span groups by name, in the order ``doc.spans`` gets them.
Groups = dict[str, list[TokenSpan]]


def _annotate(
    aligner: Aligner, document: ExportDocument, options: ExportOptions, report: ExportReport
) -> tuple[list[TokenSpan] | None, Groups]:
    """The span groups of ``options.layers`` for ``aligner.doc``, reported and counted.

    Returns the entities (the mentions without overlaps, for ``doc.ents``; None without the
    entities layer) and the groups (not yet on the ``Doc``: see ``build_doc``).
    """
    entities: list[TokenSpan] | None = None
    groups: Groups = {}
    if "entities" in options.layers:
        entities, groups["mentions"] = _add_entities(aligner, document, report)
    if "quotes" in options.layers:
        groups["quotes"], groups["cues"] = _add_quotes(aligner, document, report)
    if "stances" in options.layers:
        groups["evidence"] = _add_evidence(aligner, document, report)
    return entities, groups


def _add_entities(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """Span group ``mentions``: (the entities for ``doc.ents``, every mention)."""
    mentions = mention_token_spans(aligner, document.annotation_set)
    kept, rejected = without_overlaps(mentions)
    if rejected:
        report.drop(OVERLAP_REASON, len(rejected))
    for span in mentions:
        report.count(document.split, "entities", span.label)
    return kept, mentions


def _add_quotes(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """Span groups ``quotes`` and ``cues``."""
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
    return quotes, cues


def _add_evidence(
    aligner: Aligner, document: ExportDocument, report: ExportReport
) -> list[TokenSpan]:
    """Span group ``evidence``."""
    evidence: list[TokenSpan] = []
    for stance in document.annotation_set.stances:
        for item in stance.evidence:
            made = aligner.span(
                (item.start, item.end), stance.polarity, "evidence", item_id=stance.id
            )
            if made is not None:
                evidence.append(made)
        report.count(document.split, "stances", stance.polarity)
    return evidence


_PACK_SPAN = struct.Struct(">QQQllll").pack


def span_groups_bytes(
    groups: Groups,
    starts: list[int],
    ends: list[int],
    string_id: Callable[[str], int],
    dumps: Callable[[Any], bytes] | None = None,
) -> bytes:
    """What ``doc.spans.to_bytes()`` gives once ``groups`` are set as ``doc.spans[name] =
    [Span(doc, start, end, label=..., kb_id=..., span_id=...)]``, without making the spans:
    ``starts`` and ``ends`` are the tokens' character offsets, ``string_id`` is
    ``StringStore.add`` (``SpanGroups.to_bytes``, ``SpanGroup.to_bytes`` of spaCy 3);
    ``dumps`` is ``srsly.msgpack_dumps`` or a packer's ``pack`` (see ``msgpack_packer``)."""
    dumps = dumps or optional_import("srsly", FORMAT, "spacy").msgpack_dumps
    if not groups:
        return bytes(dumps([]))
    message: dict[bytes, list[str]] = {}
    for name, spans in groups.items():
        packed = [
            _PACK_SPAN(
                string_id(span.item_id),
                string_id(span.kb_id),
                string_id(span.label),
                span.start,
                span.end,
                starts[span.start],
                ends[span.end - 1],
            )
            for span in spans
        ]
        group = dumps({"name": name, "attrs": {}, "spans": packed})
        message.setdefault(group, []).append(name)
    return bytes(dumps(message))


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
    entities, groups = _annotate(Aligner(doc, options.align, report), document, options, report)
    for name, spans in groups.items():
        doc.spans[name] = _spans(doc, spans)
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


def msgpack_packer() -> Callable[[Any], bytes]:
    """``srsly.msgpack_dumps`` without making a packer on every call (a few per document):
    one packer's ``pack``, for one thread."""
    _cache_msgpack_extensions()
    srsly = optional_import("srsly", FORMAT, "spacy")
    pack: Callable[[Any], bytes] = srsly.msgpack.Packer(use_bin_type=True).pack
    return pack


#: Documents whose string id arrays a shard holds before merging them into one.
MERGE_IDS = 512


class Deflate(NamedTuple):
    """The deflate implementation of an export and its levels: ISA-L's (``isal``, the
    ``spacy`` extra) when installed, four to five times zlib's speed for the same size, else
    zlib's. Both write plain deflate, which ``zlib.decompress`` (``DocBin.from_bytes``) reads."""

    compressobj: Callable[..., Any]
    adler32: Callable[..., int]
    #: Level of the token rows, most of a file (mostly zeros): zlib's 3 takes a third of its
    #: default level's time for files some 6% larger; ISA-L's 1 is as small as zlib's 3.
    rows_level: int
    #: Level of the rest (user data, span groups, strings).
    rest_level: int


def deflate_backend() -> Deflate:
    try:
        from isal import isal_zlib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return Deflate(zlib.compressobj, zlib.adler32, 3, zlib.Z_DEFAULT_COMPRESSION)
    return Deflate(isal_zlib.compressobj, isal_zlib.adler32, 1, 2)


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


def _deflate(data: bytes, *, last: bool, backend: Deflate | None = None) -> bytes:
    """``data`` as raw deflate blocks, ending byte-aligned (``last``: as the final block)."""
    backend = backend or deflate_backend()
    compressor = backend.compressobj(backend.rest_level, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed: bytes = compressor.compress(data)  # before the flush
    ending: bytes = compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return compressed + ending


def _bin_header(length: int) -> bytes:
    """The msgpack header of a ``bin`` of ``length`` bytes (the smallest, as msgpack writes)."""
    if length < 1 << 8:
        return b"\xc4" + length.to_bytes(1, "big")
    if length < 1 << 16:
        return b"\xc5" + length.to_bytes(2, "big")
    return b"\xc6" + length.to_bytes(4, "big")


class BackgroundJobs:
    """One background thread running jobs in order, for work that runs mostly without the GIL
    (zlib, large numpy operations, file writes): it overlaps the tokenizer instead of following
    it. A job's error is raised again in the exporting thread (``submit``, ``close``)."""

    def __init__(self, name: str = "export-jobs") -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
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


@dataclass(frozen=True)
class _Columns:
    """Where things are in a ``DocBin``'s token rows (its ``attrs``)."""

    attrs: list[int]
    #: Rows as ``add_document`` reads them: ORTH, NORM, SENT_START (then SPACY, not a column).
    read_attrs: list[int]
    read: list[int]
    text: list[int]  # ORTH, NORM: the string ids of token texts and norms
    iob: int
    entity: list[int]  # ENT_TYPE, ENT_KB_ID, ENT_ID

    @classmethod
    def of(cls, attrs: list[int]) -> _Columns:
        ids = optional_import("spacy.attrs", FORMAT, "spacy").IDS
        column = {name: attrs.index(ids[name]) for name in _SET_BY_TOKENIZER}
        read = ["ORTH", "NORM", "SENT_START"]
        return cls(
            attrs=attrs,
            read_attrs=[ids[name] for name in [*read, "SPACY"]],
            read=[column[name] for name in read],
            text=[column["ORTH"], column["NORM"]],
            iob=column["ENT_IOB"],
            entity=[column[name] for name in ("ENT_TYPE", "ENT_KB_ID", "ENT_ID")],
        )


class _Shard:
    """One ``DocBin`` being written, holding what ``DocBin`` holds; its token rows come
    compressed, a piece of deflate stream per document (``TokenRows``), and are only joined.

    The file is what ``DocBin(store_user_data=True).to_disk`` writes for the same documents, up
    to how the compressor (``Deflate``) split its output in blocks: it decompresses to the
    very same msgpack bytes.
    """

    def __init__(self, attrs: list[int], worker: BackgroundJobs) -> None:
        self.attrs = attrs
        self._np = optional_import("numpy", FORMAT, "spacy")
        self._worker = worker
        self.count = 0
        self._lengths: list[int] = []
        self._spaces: list[bytes] = []
        self._cats: list[Any] = []
        self._flags: list[dict[str, bool]] = []
        self._span_groups: list[bytes] = []
        self._user_data: list[bytes] = []
        self.strings: set[str] = set()
        self._compressed: list[bytes] = []
        self._adler = zlib.adler32(b"")
        self._token_bytes = 0
        #: The string ids of the rows' ORTH and NORM columns, by their ``StringStore``: the
        #: documents' own, merged (in the background) every ``MERGE_IDS`` documents.
        self._ids: dict[int, tuple[Any, list[Any]]] = {}
        self._merged: dict[int, tuple[Any, Any]] = {}  # touched by the background jobs only

    def add(self, rendered: Rendered, store: Any) -> None:
        """One document as ``DocBin.add`` takes it (see ``Rendered``); ``store`` is the
        ``StringStore`` that knows the strings of its rows' ORTH and NORM ids. The other
        strings go to ``strings``."""
        self.count += 1
        tokens = rendered.tokens
        self._lengths.append(tokens.length)
        self._spaces.append(rendered.spaces)
        self._flags.append({"has_unknown_spaces": rendered.has_unknown_spaces})
        self._cats.append(rendered.cats)
        self._user_data.append(rendered.user_data)
        self._span_groups.append(rendered.span_groups)
        self.strings |= rendered.strings
        self._compressed.append(tokens.deflated)
        self._adler = adler32_combine(self._adler, tokens.adler, tokens.size)
        self._token_bytes += tokens.size
        self._ids.setdefault(id(store), (store, []))[1].append(tokens.ids)
        if self.count % MERGE_IDS == 0:
            self._merge_later()

    def _merge_later(self) -> None:
        """Hand the documents' id arrays to the background, merged into one per store."""
        ids, self._ids = self._ids, {}
        self._worker.submit(lambda: self._merge(ids))

    def _merge(self, ids: dict[int, tuple[Any, list[Any]]]) -> None:
        np = self._np
        for key, (store, arrays) in ids.items():
            merged = self._merged.get(key)
            parts = arrays if merged is None else [merged[1], *arrays]
            self._merged[key] = (store, np.unique(np.concatenate(parts)))

    def finish(self, path: Path) -> None:
        """Write the file (in the background); the shard is done."""
        self._merge_later()
        self._worker.submit(lambda: self._write(path))

    def _write(self, path: Path) -> None:
        np = self._np
        for store, unique in self._merged.values():
            self.strings.update(store[string_id] for string_id in unique.tolist())
        srsly = optional_import("srsly", FORMAT, "spacy")
        pack = srsly.msgpack.Packer(use_bin_type=True)  # as srsly.msgpack_dumps, piece by piece
        # DocBin.to_bytes: zlib(msgpack({version, attrs, tokens, spaces, lengths, strings,
        # cats, flags, span_groups, user_data})), the map written key by key.
        head = [b"\x8a", pack.pack("version"), pack.pack("0.1"), pack.pack("attrs")]
        head += [pack.pack(self.attrs), pack.pack("tokens"), _bin_header(self._token_bytes)]
        prefix = b"".join(head)
        lengths = np.asarray(self._lengths, dtype="int32").tobytes("C")

        def tail() -> Iterator[bytes]:
            yield from (pack.pack("spaces"), pack.pack(b"".join(self._spaces)))
            yield from (pack.pack("lengths"), pack.pack(lengths), pack.pack("strings"))
            yield from (pack.pack(sorted(self.strings)), pack.pack("cats"), pack.pack(self._cats))
            yield from (pack.pack("flags"), pack.pack(self._flags))
            for key, items in (("span_groups", self._span_groups), ("user_data", self._user_data)):
                yield pack.pack(key) + pack.pack_array_header(len(items))
                yield from map(pack.pack, items)

        backend = deflate_backend()
        with path.open("wb") as out:
            out.write(b"\x78\x9c")  # zlib header: deflate, 32 KiB window, default level
            out.write(_deflate(prefix, last=False, backend=backend))
            out.writelines(self._compressed)
            compressor = backend.compressobj(backend.rest_level, zlib.DEFLATED, -zlib.MAX_WBITS)
            adler = adler32_combine(zlib.adler32(prefix), self._adler, self._token_bytes)
            for block in _blocks(tail()):  # a block at a time: never the whole tail in memory
                out.write(compressor.compress(block))
                adler = adler32_combine(adler, zlib.adler32(block), len(block))
            out.write(compressor.flush(zlib.Z_FINISH))
            out.write(adler.to_bytes(4, "big"))


def _blocks(pieces: Iterable[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """``pieces`` joined into blocks of about ``size`` bytes (few zlib calls, little memory)."""
    block = bytearray()
    for piece in pieces:
        block += piece
        if len(block) >= size:
            yield bytes(block)
            block.clear()
    if block:
        yield bytes(block)


class TokenRows(NamedTuple):
    """A document's token rows (every ``DocBin`` column) made ready for a shard: compressed
    on their own (a piece of deflate stream, independent of what comes before or after),
    with what a shard needs to join them."""

    #: Tokens (rows).
    length: int
    #: The rows as raw deflate blocks, ending byte-aligned and not final.
    deflated: bytes
    #: Adler-32 and size of the raw rows.
    adler: int
    size: int
    #: The distinct string ids of the rows' ORTH and NORM columns (a uint64 array).
    ids: Any


class Rendered(NamedTuple):
    """One document made ready for a shard, in plain values (it may be made in another
    process): what ``DocBin.add`` keeps of its ``Doc``."""

    split: str
    tokens: TokenRows
    #: One byte per token: whether a space follows it.
    spaces: bytes
    user_data: bytes
    span_groups: bytes
    #: The strings of the document besides its tokens' texts and norms.
    strings: frozenset[str]
    has_unknown_spaces: bool
    cats: dict[str, float]


class DocRenderer:
    """``ExportDocument`` -> ``Rendered``: tokenised (only the tokenizer runs), aligned and
    serialised as ``build_doc`` and ``DocBin.add`` would; a part of the work that runs the same
    in any process, the shards being written by ``write`` or an export's main process."""

    def __init__(self, options: ExportOptions, report: ExportReport) -> None:
        check_align(options)
        self.options = options
        self.pipelines = BlankPipelines(FORMAT, options.lang, report)
        tokens = optional_import("spacy.tokens", FORMAT, "spacy")
        ids = optional_import("spacy.attrs", FORMAT, "spacy").IDS
        self._tokenizer = optional_import("spacy.tokenizer", FORMAT, "spacy").Tokenizer
        _cache_msgpack_extensions()
        self._dumps = msgpack_packer()
        self.columns = _Columns.of(tokens.DocBin(store_user_data=True).attrs)
        self._spacy_attr = ids["SPACY"]
        #: ORTH, NORM, SENT_START, SPACY, then each token's character offset and length.
        self._read_attrs = [*self.columns.read_attrs, ids["IDX"], ids["LENGTH"]]
        #: ``StringStore.add`` of the entity labels and ids, per store (by its id()).
        self._string_ids: dict[int, dict[str, int]] = {}
        self._np = optional_import("numpy", FORMAT, "spacy")
        deflate = deflate_backend()
        #: One compressor for every document, reset after each (``Z_FULL_FLUSH``): each
        #: document's rows are a piece of deflate stream that any shard can take in any order.
        self._compressor = deflate.compressobj(deflate.rows_level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._adler32 = deflate.adler32

    def _token_rows(self, rows: Any) -> TokenRows:
        """``rows`` (every ``DocBin`` column, uint64) compressed for a shard."""
        np = self._np
        rows = np.ascontiguousarray(rows, dtype="uint64")
        data = rows.data
        deflated = self._compressor.compress(data) + self._compressor.flush(zlib.Z_FULL_FLUSH)
        ids = np.unique(rows[:, self.columns.text])
        return TokenRows(len(rows), deflated, self._adler32(data), rows.nbytes, ids)

    def rendered(
        self, documents: Iterable[ExportDocument], report: ExportReport
    ) -> Iterator[tuple[Rendered, Any]]:
        """Each document made ready, with the ``StringStore`` of its rows' strings."""
        self.pipelines.report = report
        for document in documents:
            split = check_split(document.split)
            nlp = self.pipelines.for_article(document.article)
            if type(nlp.tokenizer) is self._tokenizer:
                yield self._quick(split, nlp, document, report), nlp.vocab.strings
            else:
                doc = build_doc(nlp, document, self.options, report)
                yield self._of_doc(split, doc), doc.vocab.strings

    def _of_doc(self, split: str, doc: Any) -> Rendered:
        """Any ``Doc``, as ``DocBin.add`` takes it."""
        attrs = self.columns.attrs
        rows = doc.to_array(attrs).reshape((len(doc), len(attrs)))
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
        return Rendered(
            split,
            self._token_rows(rows),
            doc.to_array(self._spacy_attr).astype(bool).tobytes(),
            self._dumps(doc.user_data),
            doc.spans.to_bytes(),
            frozenset(texts),
            doc.has_unknown_spaces,
            doc.cats,
        )

    def _quick(
        self, split: str, nlp: Any, document: ExportDocument, report: ExportReport
    ) -> Rendered:
        """``build_doc(nlp, document...)`` the quick way, for a pipeline whose tokenizer is
        spaCy's own ``Tokenizer`` class: its special cases may set only ORTH and NORM, so of the
        ``DocBin`` columns only ``_SET_BY_TOKENIZER`` can be set. ``doc.ents`` is not set: its
        token columns (ENT_IOB, ENT_TYPE, ENT_KB_ID, ENT_ID) are filled as ``Doc.set_ents``
        fills them, and the strings are taken from the spans, not token by token."""
        options = self.options
        text = document.article.text
        doc = nlp.make_doc(text)
        attrs = self._read_attrs
        read = doc.to_array(attrs).reshape((len(doc), len(attrs)))
        starts = read[:, 4].tolist()
        ends = (read[:, 4] + read[:, 5]).tolist()
        aligner = Aligner(doc, options.align, report, (starts, ends, text))
        entities, groups = _annotate(aligner, document, options, report)
        user_data = self._dumps({USER_DATA_KEY: links(document, options.layers)})
        texts = {""}  # the tag, lemma, morph and dep of every token
        for spans in groups.values():  # the span groups' strings
            for span in spans:
                texts.update((span.label, span.kb_id, span.item_id))
        strings = doc.vocab.strings
        known = self._string_ids.setdefault(id(strings), {})

        def string_id(value: str) -> int:
            found = known.get(value)
            if found is None:
                found = known[value] = strings.add(value)
            return found

        columns = self.columns
        rows = self._np.zeros((len(read), len(columns.attrs)), dtype="uint64")
        rows[:, columns.read] = read[:, :3]
        if entities is not None:  # as Doc.set_ents: O outside, B and I with the entity's ids
            rows[:, columns.iob] = 2
            type_, kb_id, ent_id = columns.entity
            for start, end, label, kb, item in self._entity_ids(entities, strings):
                rows[start, columns.iob] = 3
                rows[start + 1 : end, columns.iob] = 1
                rows[start:end, type_] = label
                rows[start:end, kb_id] = kb
                rows[start:end, ent_id] = item
        return Rendered(
            split,
            self._token_rows(rows),
            read[:, 3].astype(bool).tobytes(),
            user_data,
            span_groups_bytes(groups, starts, ends, string_id, self._dumps),
            frozenset(texts),
            doc.has_unknown_spaces,
            doc.cats,
        )

    def _entity_ids(
        self, entities: list[TokenSpan], strings: Any
    ) -> list[tuple[int, int, int, int, int]]:
        """(start, end, label id, kb id, span id) of each entity, as ``Span`` gets the ids."""
        known = self._string_ids.setdefault(id(strings), {})
        out = []
        for span in entities:
            ids = []
            for value in (span.label, span.kb_id, span.item_id):
                found = known.get(value)
                if found is None:
                    found = known[value] = strings.add(value)
                ids.append(found)
            out.append((span.start, span.end, ids[0], ids[1], ids[2]))
        return out


class Shards:
    """The open shard of each split. Takes ``Rendered`` documents in order (from
    ``DocRenderer``, here or in another process). A shard is written out (in the background)
    as soon as it is full, or when its split is ended (``end``: an export whose splits come one
    after another ends each, so that it holds one open shard at a time). Files are named
    ``{split}-NNN.spacy`` and, for a split of one shard, renamed ``{split}.spacy`` at the end."""

    def __init__(self, out_dir: Path, shard_size: int, report: ExportReport) -> None:
        tokens = optional_import("spacy.tokens", FORMAT, "spacy")
        self.attrs: list[int] = tokens.DocBin(store_user_data=True).attrs
        self._out_dir = out_dir
        self._size = max(1, shard_size)
        self._report = report
        self._open: dict[str, _Shard] = {}
        #: The files written (or being written) of each split, in order.
        self._paths: dict[str, list[Path]] = {}
        self._worker = BackgroundJobs("spacy-docbin")

    def add(self, rendered: Rendered, store: Any) -> None:
        """Add one document (counted in ``report.documents``); ``store`` knows its rows'
        ORTH and NORM strings."""
        split = rendered.split
        shard = self._open.get(split)
        if shard is None:
            shard = self._open[split] = _Shard(self.attrs, self._worker)
        shard.add(rendered, store)
        self._report.documents[split] += 1
        if shard.count >= self._size:
            self.end(split)

    def end(self, split: str) -> None:
        """Write out the open shard of ``split`` (a later document of it starts a new one)."""
        shard = self._open.pop(split, None)
        if shard is None:
            return
        paths = self._paths.setdefault(split, [])
        path = safe_path(self._out_dir, f"{split}-{len(paths):03d}.spacy")
        shard.finish(path)
        self._report.add_file(path)
        paths.append(path)

    def close(self) -> None:
        for split in list(self._open):
            self.end(split)
        self._worker.close()
        for split, paths in self._paths.items():
            if len(paths) == 1:
                alone = safe_path(self._out_dir, f"{split}.spacy")
                paths[0].replace(alone)
                self._report.files[self._report.files.index(paths[0])] = alone

    def abandon(self) -> None:
        """Stop after an error: the files in the works are not finished."""
        self._worker.close(abandon=True)


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
    renderer = DocRenderer(options, report)
    out_dir.mkdir(parents=True, exist_ok=True)
    shards = Shards(out_dir, options.shard_size, report)
    try:
        for rendered, store in renderer.rendered(documents, report):
            shards.add(rendered, store)
    except BaseException:
        shards.abandon()
        raise
    shards.close()
