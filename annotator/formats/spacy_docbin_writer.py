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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class TokenSpan:
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


def _add_entities(aligner: Aligner, document: ExportDocument, report: ExportReport) -> None:
    doc = aligner.doc
    mentions = mention_token_spans(aligner, document.annotation_set)
    kept, rejected = without_overlaps(mentions)
    doc.spans["mentions"] = _spans(doc, mentions)
    doc.ents = _spans(doc, kept)
    if rejected:
        report.drop(OVERLAP_REASON, len(rejected))
    for span in mentions:
        report.count(document.split, "entities", span.label)


def _add_quotes(aligner: Aligner, document: ExportDocument, report: ExportReport) -> None:
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


def _add_evidence(aligner: Aligner, document: ExportDocument, report: ExportReport) -> None:
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
    aligner = Aligner(doc, options.align, report)
    if "entities" in options.layers:
        _add_entities(aligner, document, report)
    if "quotes" in options.layers:
        _add_quotes(aligner, document, report)
    if "stances" in options.layers:
        _add_evidence(aligner, document, report)
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


class _Shards:
    """The open ``DocBin`` of each split; full ones are written out before the next doc."""

    def __init__(self, out_dir: Path, shard_size: int, report: ExportReport) -> None:
        self._tokens = optional_import("spacy.tokens", FORMAT, "spacy")
        _cache_msgpack_extensions()
        self._out_dir = out_dir
        self._size = max(1, shard_size)
        self._report = report
        self._open: dict[str, Any] = {}
        self._written: dict[str, int] = {}

    def add(self, split: str, doc: Any) -> None:
        current = self._open.get(split)
        if current is not None and len(current) >= self._size:
            self._flush(split, current, f"{split}-{self._written.get(split, 0):03d}.spacy")
            current = None
        if current is None:
            current = self._tokens.DocBin(store_user_data=True)
            self._open[split] = current
        current.add(doc)

    def close(self) -> None:
        for split, current in list(self._open.items()):
            shard = self._written.get(split)
            name = f"{split}.spacy" if shard is None else f"{split}-{shard:03d}.spacy"
            self._flush(split, current, name)
        self._open.clear()

    def _flush(self, split: str, docbin: Any, name: str) -> None:
        path = safe_path(self._out_dir, name)
        docbin.to_disk(path)
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
    for split, doc in docs(documents, pipelines, options, report):
        shards.add(split, doc)
    shards.close()
