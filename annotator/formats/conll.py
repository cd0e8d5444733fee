"""Export to CoNLL-2003 style files: one ``{split}.conll`` per split, one layer as tags.

Layout (what ``spacy convert --converter ner`` and HF's ``conll2003`` loader read)::

    -DOCSTART- -X- O O
    <blank>
    Putin -X- _ B-PER
    said -X- _ O
    ...
    <blank>                      one blank line after every sentence

Four space-separated columns ``TOKEN POS CHUNK TAG`` with the placeholders ``-X- _`` (Label
Studio's CoNLL2003 exporter) and the document line exactly ``-DOCSTART- -X- O O``: spaCy's
converter splits documents on that line only.

* Tokens come from ``spacy.blank(lang)`` (see ``spacy_docbin_writer.BlankPipelines``);
  whitespace tokens are not written and any whitespace inside a token becomes ``_``.
* Sentences end at line breaks in the text and where spaCy's rule-based ``sentencizer`` puts a
  boundary, except inside a tagged span: a span is never cut in two.
* ``options.tag_layer`` chooses the tags: ``entities`` (mention labels), ``quotes`` (quote types)
  or ``cues`` (``CUE``); ``options.scheme`` is ``iob2`` (``B-``/``I-``) or ``bioes`` (also
  ``E-`` and ``S-``). The other layers are not in the file (a note says so).
* One tag sequence cannot hold overlapping spans: the longest wins (ties: the earliest), the
  others are reported; spans off token boundaries are expanded or dropped per ``options.align``.

CoNLL keeps neither the original text nor offsets; export spaCy or Hugging Face for those.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from annotator.domain.annotations import AnnotationSet
from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport, safe_path
from annotator.formats.spacy_docbin_writer import (
    CUE_LABEL,
    Aligner,
    BlankPipelines,
    TokenSpan,
    check_align,
    check_split,
    without_overlaps,
)

FORMAT = "CoNLL"
DOCSTART = "-DOCSTART- -X- O O"
TAG_LAYERS = ("entities", "quotes", "cues")
SCHEMES = ("iob2", "bioes")
#: A sentence: (token text, tag) pairs.
Sentence = list[tuple[str, str]]


def check_tagging(options: ExportOptions) -> None:
    if options.tag_layer not in TAG_LAYERS:
        raise AnnotatorError(
            f"tag layer must be one of {', '.join(TAG_LAYERS)}: {options.tag_layer!r}"
        )
    if options.scheme not in SCHEMES:
        raise AnnotatorError(f"tag scheme must be one of {', '.join(SCHEMES)}: {options.scheme!r}")


def layer_spans(annotation_set: AnnotationSet, tag_layer: str) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` character spans of the tag layer."""
    if tag_layer == "entities":
        return [(m.start, m.end, m.label) for m in annotation_set.mentions]
    if tag_layer == "quotes":
        return [(q.start, q.end, q.quote_type) for q in annotation_set.quotes]
    return [(*q.cue, CUE_LABEL) for q in annotation_set.quotes if q.cue is not None]


def span_tags(length: int, scheme: str, label: str) -> list[str]:
    """The tags of one span of ``length`` (written) tokens."""
    if scheme == "bioes" and length == 1:
        return [f"S-{label}"]
    tags = [f"B-{label}"] + [f"I-{label}"] * (length - 1)
    if scheme == "bioes":
        tags[-1] = f"E-{label}"
    return tags


def _tags(doc: Any, spans: Iterable[TokenSpan], scheme: str) -> list[str]:
    tags = ["O"] * len(doc)
    for span in spans:
        written = [i for i in range(span.start, span.end) if not doc[i].is_space]
        for index, tag in zip(written, span_tags(len(written), scheme, span.label), strict=True):
            tags[index] = tag
    return tags


def _sentences(doc: Any, tags: list[str]) -> list[list[int]]:
    """Indices of the written tokens, grouped in sentences that never cut a tagged span."""
    sentences: list[list[int]] = []
    pending_break = True
    for token in doc:
        pending_break = pending_break or bool(token.is_sent_start)
        if token.is_space:
            pending_break = pending_break or "\n" in token.text
            continue
        continues_span = tags[token.i].startswith(("I-", "E-"))
        if (pending_break and not continues_span) or not sentences:
            sentences.append([])
        sentences[-1].append(token.i)
        pending_break = False
    return sentences


def tagged_sentences(
    nlp: Any, document: ExportDocument, options: ExportOptions, report: ExportReport, target: str
) -> list[Sentence]:
    """The document's sentences with one tag per token; ``target`` names the format in drops."""
    doc = nlp(document.article.text)
    aligner = Aligner(doc, options.align, report)
    what = {"entities": "mention", "quotes": "quote", "cues": "cue"}[options.tag_layer]
    spans = [
        span
        for start, end, label in layer_spans(document.annotation_set, options.tag_layer)
        if (span := aligner.span((start, end), label, what)) is not None
    ]
    kept, rejected = without_overlaps(spans)
    if rejected:
        report.drop(
            f"overlapping {options.tag_layer} span not encodable in {target}", len(rejected)
        )
    for span in kept:
        report.count(document.split, options.tag_layer, span.label)
    tags = _tags(doc, kept, options.scheme)
    return [[(doc[i].text, tags[i]) for i in sentence] for sentence in _sentences(doc, tags)]


def conll_token(text: str, report: ExportReport) -> str:
    """``text`` without whitespace (a column separator) and never empty."""
    if not any(ch.isspace() for ch in text):
        return text
    report.drop("CoNLL token with whitespace inside written with '_' for it")
    return "".join("_" if ch.isspace() else ch for ch in text)


def conll_lines(sentences: Iterable[Sentence], report: ExportReport) -> Iterator[str]:
    """One document: the ``-DOCSTART-`` line, a blank line, then sentences each ending blank."""
    yield DOCSTART
    yield ""
    for sentence in sentences:
        for token, tag in sentence:
            yield f"{conll_token(token, report)} -X- _ {tag}"
        yield ""


class _SplitFiles:
    """One open ``{split}.conll`` per split, created on first use."""

    def __init__(self, out_dir: Path, stack: ExitStack, report: ExportReport) -> None:
        self._out_dir = out_dir
        self._stack = stack
        self._report = report
        self._files: dict[str, TextIO] = {}

    def __getitem__(self, split: str) -> TextIO:
        if split not in self._files:
            path = safe_path(self._out_dir, f"{check_split(split)}.conll")
            handle = path.open("w", encoding="utf-8", newline="\n")
            self._files[split] = self._stack.enter_context(handle)
            self._report.add_file(path)
        return self._files[split]


def _note_other_layers(options: ExportOptions, report: ExportReport) -> None:
    report.notes.append(
        f"CoNLL carries one layer as tags ({options.tag_layer}, {options.scheme.upper()}); "
        "the other layers, entity links and character offsets are not in the file"
    )


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """Write ``{split}.conll`` files into ``out_dir``, streaming ``documents``."""
    check_align(options)
    check_tagging(options)
    pipelines = BlankPipelines(FORMAT, options.lang, report, sentencizer=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    _note_other_layers(options, report)
    with ExitStack() as stack:
        files = _SplitFiles(out_dir, stack, report)
        for document in documents:
            nlp = pipelines.for_article(document.article)
            sentences = tagged_sentences(nlp, document, options, report, FORMAT)
            out = files[document.split]
            out.writelines(line + "\n" for line in conll_lines(sentences, report))
            report.documents[document.split] += 1
