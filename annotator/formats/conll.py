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

* Tokens come from ``spacy.blank(lang)`` (see ``spacy_docbin_writer.BlankPipelines``), of
  which only the tokenizer runs; whitespace tokens are not written and any whitespace inside a
  token becomes ``_``. Documents are tokenised one by one and laid out ``BATCH_DOCUMENTS`` at a
  time (``_Layout``: the per-token work as a few numpy operations per batch, the lines gathered
  as UTF-8 bytes). ``BlockRenderer`` does this for any run of documents, in this process or in
  an export's worker process (``services.export_parallel``); ``ConllFiles`` writes the results.
* Sentences end at line breaks in the text and where spaCy's rule-based ``sentencizer`` puts a
  boundary, except inside a tagged span: a span is never cut in two. The sentencizer's rule is
  applied without running the pipe (see ``_Layout``): after a token that is one of its
  sentence-final characters (``.``, ``!``, ``?``, ``。``...), the next token that is neither
  such a character nor punctuation starts a sentence.
* ``options.tag_layer`` chooses the tags: ``entities`` (mention labels), ``quotes`` (quote types)
  or ``cues`` (``CUE``); ``options.scheme`` is ``iob2`` (``B-``/``I-``) or ``bioes`` (also
  ``E-`` and ``S-``). The other layers are not in the file (a note says so).
* One tag sequence cannot hold overlapping spans: the longest wins (ties: the earliest), the
  others are reported; spans off token boundaries are expanded or dropped per ``options.align``.

CoNLL keeps neither the original text nor offsets; export spaCy or Hugging Face for those.
"""

from __future__ import annotations

import unicodedata
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

from annotator.domain.annotations import AnnotationSet
from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport, safe_path
from annotator.formats.spacy_docbin_writer import (
    CUE_LABEL,
    Aligner,
    BlankPipelines,
    check_align,
    check_split,
    optional_import,
)

FORMAT = "CoNLL"
DOCSTART = "-DOCSTART- -X- O O"
TAG_LAYERS = ("entities", "quotes", "cues")
SCHEMES = ("iob2", "bioes")
#: A sentence: (token text, tag) pairs.
Sentence = list[tuple[str, str]]
#: Documents tokenised before their lines are laid out and written together.
BATCH_DOCUMENTS = 64
#: The placeholder columns between a token and its tag.
_COLUMNS = " -X- _ "
_INNER_WHITESPACE = "CoNLL token with whitespace inside written with '_' for it"
#: Stand-ins for the common line ends while a batch's text is gathered: control characters
#: that are not whitespace (a text holding them all gets the line ends gathered in full).
_MARKERS = [chr(c) for c in range(1, 32) if not chr(c).isspace()]


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


class _Tools:
    """numpy (it comes with spaCy) and the character tables of the layout, made once."""

    def __init__(self) -> None:
        np = self.np = optional_import("numpy", FORMAT, "spacy")
        attrs = optional_import("spacy.attrs", FORMAT, "spacy")
        pipeline = optional_import("spacy.pipeline", FORMAT, "spacy")
        self.tokenizer_class = optional_import("spacy.tokenizer", FORMAT, "spacy").Tokenizer
        #: The token columns read from each ``Doc``: character offset, trailing space.
        self.columns = [attrs.IDX, attrs.SPACY]
        #: Code point -> ``str.isspace()`` (every whitespace character is below U+3001).
        self.whitespace = np.array([chr(c).isspace() for c in range(0x3001)] + [False])
        #: Code point -> one of the sentencizer's sentence-final characters (each is one).
        finals = [ord(ch) for ch in pipeline.Sentencizer.default_punct_chars]
        self.final = np.zeros(max(finals) + 2, dtype=bool)
        self.final[finals] = True
        #: Code point -> may start a punctuation token (a category P* character, or beyond
        #: the Basic Multilingual Plane: not looked up, so "may").
        self.punctuation = np.array(
            [unicodedata.category(chr(c)).startswith("P") for c in range(0x10000)] + [True]
        )

    def code_points(self, text: str) -> Any:
        return self.np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")

    def text_of(self, codes: Any) -> str:
        codes = self.np.ascontiguousarray(codes, dtype="<u4")
        return str(codes.data, "utf-32-le", "surrogatepass")

    @staticmethod
    def lookup(table: Any, codes: Any) -> Any:
        return table[codes.clip(0, len(table) - 1)]


@cache
def _tools() -> _Tools:
    return _Tools()


#: pipeline -> (its tokenizer, whether that one is ``_clean``).
_CLEAN: weakref.WeakKeyDictionary[Any, tuple[Any, bool]] = weakref.WeakKeyDictionary()


def _clean(nlp: Any) -> bool:
    """Whether every token ``nlp`` makes is all whitespace or has none: spaCy's own tokenizer
    splits the text at whitespace first, so only a special case mixing both breaks that."""
    tokenizer = nlp.tokenizer
    known = _CLEAN.get(nlp)
    if known is not None and known[0] is tokenizer:
        return known[1]
    clean = type(tokenizer) is _tools().tokenizer_class and not any(
        any(ch.isspace() for ch in case) and not case.isspace() for case in tokenizer.rules
    )
    _CLEAN[nlp] = (tokenizer, clean)
    return clean


@dataclass
class _Prepared:
    """One document tokenised, its tag layer aligned: what ``_Layout`` needs of it."""

    document: ExportDocument
    #: (tokens, 2) int64: the character offset of every token and its trailing space (0, 1).
    offsets: Any
    #: The kept spans: ``(first token, last token + 1, label)``.
    spans: list[tuple[int, int, str]]


def _prepare(
    nlp: Any, document: ExportDocument, options: ExportOptions, report: ExportReport, target: str
) -> _Prepared:
    """Tokenise (only the tokenizer runs) and align the tag layer; ``target`` names the format
    in drops. Counts the kept spans.

    Spans are aligned as ``Aligner`` aligns them: a span on token boundaries whose edge tokens
    are not whitespace is taken as it is; any other goes through ``Aligner.span``.
    """
    text = document.article.text
    doc = nlp.make_doc(text)
    offsets = doc.to_array(_tools().columns).reshape((len(doc), 2)).astype("int64")
    chars = layer_spans(document.annotation_set, options.tag_layer)
    spans: list[tuple[int, int, str]] = []
    if chars:
        starts, spaces = offsets[:, 0].tolist(), offsets[:, 1].tolist()
        count, length = len(starts), len(text)

        def end_of(token: int) -> int:  # the next token's offset, less the trailing space
            return int((starts[token + 1] if token + 1 < count else length) - spaces[token])

        aligner: Aligner | None = None
        what = {"entities": "mention", "quotes": "quote", "cues": "cue"}[options.tag_layer]
        for start, end, label in chars:
            first = bisect_left(starts, start)
            last = bisect_right(starts, end - 1) - 1  # the token holding the last character
            if (
                first < count
                and starts[first] == start
                and end_of(last) == end
                and not text[start : end_of(first)].isspace()
                and not text[starts[last] : end].isspace()
            ):
                spans.append((first, last + 1, label))
                continue
            aligner = aligner or Aligner(doc, options.align, report)
            made = aligner.span((start, end), label, what)
            if made is not None:
                spans.append((made.start, made.end, made.label))
    kept, rejected = _without_overlaps(spans)
    if rejected:
        report.drop(f"overlapping {options.tag_layer} span not encodable in {target}", rejected)
    for _start, _end, label in kept:
        report.count(document.split, options.tag_layer, label)
    return _Prepared(document, offsets, kept)


def _without_overlaps(spans: list[tuple[int, int, str]]) -> tuple[list[tuple[int, int, str]], int]:
    """``without_overlaps`` on ``(start, end, label)``: (kept in text order, how many not)."""
    if all(a[1] <= b[0] for a, b in pairwise(spans)):  # in order, apart: all kept
        return spans, 0
    kept: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0], s[1])):
        tokens = range(span[0], span[1])
        if taken.isdisjoint(tokens):
            kept.append(span)
            taken.update(tokens)
    kept.sort(key=lambda s: (s[0], s[1]))
    return kept, len(spans) - len(kept)


class _Layout:
    """Documents tokenised by one pipeline, laid out together: their written tokens (whitespace
    tokens left out), tags and sentences, computed for the whole batch at once.

    Positions are those of the written tokens of the batch, in order. Sentence rule (the same
    as running spaCy's ``sentencizer`` and then breaking at line breaks): a written token starts
    a sentence when it is the first of its document, or when since the previous written token
    (or at it) a token started a sentence by the sentencizer's rule or a whitespace token held
    a line break, unless it continues a tagged span.
    """

    def __init__(self, batch: Sequence[_Prepared], nlp: Any, scheme: str) -> None:
        tools = _tools()
        np = tools.np
        self.scheme = scheme
        texts = [prepared.document.article.text for prepared in batch]
        self.text = "".join(texts)
        self.codes = codes = tools.code_points(self.text)
        counts = [len(prepared.offsets) for prepared in batch]
        token_base = np.cumsum([0, *counts])
        text_base = np.cumsum([0, *map(len, texts)])[:-1]
        offsets = np.concatenate([prepared.offsets for prepared in batch])
        starts = offsets[:, 0] + np.repeat(text_base, counts)
        # A token ends where the next begins, less its trailing space (``Doc`` offsets).
        ends = np.append(starts[1:], len(codes)) - offsets[:, 1]
        self.inner: Any = None  # written tokens with whitespace inside
        if _clean(nlp):
            space = tools.lookup(tools.whitespace, codes[starts.clip(0, len(codes) - 1)])
        else:  # count the whitespace characters of every token
            spaced = tools.lookup(tools.whitespace, codes)
            before = np.concatenate(([0], np.cumsum(spaced)))
            spaces_in = before[ends] - before[starts]
            space = spaces_in == ends - starts
            self.inner = (spaces_in > 0) & ~space
        written = np.flatnonzero(~space)
        self.starts, self.ends = starts[written], ends[written]
        if self.inner is not None:
            self.inner = self.inner[written]
        #: The first position of each document, and the count of positions last.
        self.first = np.searchsorted(written, token_base)
        # Sentence breaks: sentencizer starts and whitespace tokens holding a line break.
        holding = np.searchsorted(starts, np.flatnonzero(codes == ord("\n")), "right") - 1
        newlines = holding[space[holding]]
        sentencizer = self._sentencizer_starts(starts, ends, token_base, nlp.vocab)
        pending = np.searchsorted(written, np.concatenate((sentencizer, newlines)))
        new = np.zeros(len(written), dtype=bool)
        new[pending[pending < len(written)]] = True
        # Spans in positions; a position continuing a span never starts a sentence.
        bounds = [
            bound + int(token_base[n])
            for n, prepared in enumerate(batch)
            for start, end, _label in prepared.spans
            for bound in (start, end)
        ]
        labels = [label for prepared in batch for _start, _end, label in prepared.spans]
        positions = np.searchsorted(written, bounds).tolist()
        #: The kept spans: ``(first position, last position + 1, label)``.
        self.spans = list(zip(positions[0::2], positions[1::2], labels, strict=True))
        for first, last, _label in self.spans:
            new[first + 1 : last] = False
        firsts = self.first[:-1][self.first[:-1] < self.first[1:]]
        new[firsts] = True
        self.new = new

    def _sentencizer_starts(self, starts: Any, ends: Any, token_base: Any, vocab: Any) -> Any:
        """Tokens that start a sentence by the rule of spaCy's ``sentencizer`` (besides the
        first of each document): after a token whose text is one of its sentence-final
        characters, the next token that is neither such a character nor punctuation."""
        tools = _tools()
        np = tools.np
        codes = self.codes
        final = ends - starts == 1
        final[final] = tools.lookup(tools.final, codes[starts[final]])
        token = np.flatnonzero(final)
        if not len(token):
            return token
        # Walk all runs at once: step while on a final character or punctuation (within the
        # document: a run at its end starts nothing).
        end = token_base[np.searchsorted(token_base, token, "right")]
        token = token + 1
        found = []
        known: dict[str, bool] = {}
        text = self.text
        while True:
            within = token < end
            token, end = token[within], end[within]
            if not len(token):
                break
            step = final[token]
            maybe = ~step & tools.lookup(tools.punctuation, codes[starts[token]])
            for n in np.flatnonzero(maybe).tolist():  # the exact test: the lexeme's flag
                word = text[int(starts[token[n]]) : int(ends[token[n]])]
                punct = known.get(word)
                if punct is None:
                    punct = known[word] = bool(vocab[word].is_punct)
                step[n] = punct
            found.append(token[~step])
            token, end = token[step] + 1, end[step]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype="int64")

    def tags(self, first: int, last: int) -> list[str]:
        """The tags of positions ``first`` to ``last - 1``."""
        tags = ["O"] * (last - first)
        for start, end, label in self.spans:
            if first <= start < last:
                tags[start - first : end - first] = span_tags(end - start, self.scheme, label)
        return tags

    def document(self, number: int) -> tuple[list[str], list[str], list[int]]:
        """Tokens, tags and sentence starts (indices into the tokens) of one document."""
        first, last = int(self.first[number]), int(self.first[number + 1])
        text = self.text
        tokens = list(
            map(
                text.__getitem__,
                map(slice, self.starts[first:last].tolist(), self.ends[first:last].tolist()),
            )
        )
        sentences = (_tools().np.flatnonzero(self.new[first:last])).tolist()
        return tokens, self.tags(first, last), sentences

    def sentences(self, number: int) -> list[Sentence]:
        """One document's sentences: (token, tag) pairs."""
        tokens, tags, starts = self.document(number)
        pairs = list(zip(tokens, tags, strict=True))
        return [pairs[a:b] for a, b in pairwise([*starts, len(pairs)])]

    def conll_text(self, report: ExportReport) -> str:
        """``conll_bytes`` as text."""
        return self.conll_bytes(report).decode("utf-8")

    def conll_bytes(self, report: ExportReport) -> bytes:
        """The CoNLL lines of every document of the batch, as ``conll_lines`` gives them, each
        line ending in a newline, in UTF-8; built without a Python step per token: every byte
        is gathered at once from the UTF-8 text and a small table of line ends."""
        tools = _tools()
        np = tools.np
        codes, count = self.codes, len(self.starts)
        starts, ends = self.starts, self.ends
        if self.inner is not None and self.inner.any():  # as ``conll_token`` writes them
            report.drop(_INNER_WHITESPACE, int(np.count_nonzero(self.inner)))
            size = len(codes) + 1
            inside = np.cumsum(
                np.bincount(starts, minlength=size) - np.bincount(ends, minlength=size)
            )
            spaced = tools.lookup(tools.whitespace, codes)
            codes = np.where(spaced & (inside[:-1] > 0), ord("_"), codes)
            data = tools.text_of(codes).encode("utf-8")
        else:
            data = self.text.encode("utf-8")
        if len(data) != len(codes):  # character offsets -> byte offsets
            widths = 1 + (codes >= 0x80).astype("int64") + (codes >= 0x800) + (codes >= 0x10000)
            offsets = np.concatenate(([0], np.cumsum(widths)))
            starts, ends = offsets[starts], offsets[ends]
        # Line ends: 0 the document header, 1 plain, 2 plain closing a sentence (a blank line
        # follows), then the tagged ones as they come. The first three, by far the most, are
        # gathered as one marker byte each (a control character not in the text: in UTF-8 the
        # byte of an ASCII character is never part of another), replaced at the end.
        common = [f"{DOCSTART}\n\n", f"{_COLUMNS}O\n", f"{_COLUMNS}O\n\n"]
        free = [ch for ch in _MARKERS if ch not in self.text][: len(common)]
        markers = free if len(free) == len(common) else common
        closing = np.append(self.new[1:], True)
        line_ends = list(markers)
        numbers: dict[str, int] = {}
        which = closing.astype("int64") + 1
        for first, last, label in self.spans:
            for position, tag in enumerate(span_tags(last - first, self.scheme, label), first):
                line_end = f"{_COLUMNS}{tag}\n" + ("\n" if closing[position] else "")
                number = numbers.get(line_end)
                if number is None:
                    number = numbers[line_end] = len(line_ends)
                    line_ends.append(line_end)
                which[position] = number
        table = [line_end.encode("utf-8") for line_end in line_ends]
        index = "int32" if len(data) + sum(map(len, table)) < 2**31 else "int64"
        lengths = np.array([len(line_end) for line_end in table], dtype=index)
        table_starts = len(data) + np.cumsum(lengths) - lengths
        # Pieces: token, its line end, token, line end...; a header before each document.
        piece_starts = np.empty(2 * count, dtype=index)
        piece_starts[0::2] = starts
        piece_starts[1::2] = table_starts[which]
        piece_lengths = np.empty(2 * count, dtype=index)
        piece_lengths[0::2] = ends - starts
        piece_lengths[1::2] = lengths[which]
        headers = 2 * self.first[:-1]
        piece_starts = np.insert(piece_starts, headers, table_starts[0])
        piece_lengths = np.insert(piece_lengths, headers, lengths[0])
        shift = piece_starts - (np.cumsum(piece_lengths, dtype=index) - piece_lengths)
        gather = np.repeat(shift, piece_lengths)
        gather += np.arange(len(gather), dtype=index)
        source = np.frombuffer(data + b"".join(table), dtype="uint8")
        out: bytes = source[gather].tobytes()
        if markers is not common:  # the rare ones first, while the text is short
            for marker, line_end in sorted(zip(markers, common, strict=True), key=_plain_last):
                out = out.replace(marker.encode(), line_end.encode())
        return out


def _plain_last(pair: tuple[str, str]) -> bool:
    return pair[1] == f"{_COLUMNS}O\n"


def tagged_sentences(
    nlp: Any, document: ExportDocument, options: ExportOptions, report: ExportReport, target: str
) -> list[Sentence]:
    """The document's sentences with one tag per token; ``target`` names the format in drops."""
    layout = _Layout([_prepare(nlp, document, options, report, target)], nlp, options.scheme)
    return layout.sentences(0)


def tagged_documents(
    documents: Iterable[ExportDocument],
    pipelines: BlankPipelines,
    options: ExportOptions,
    report: ExportReport,
    target: str,
) -> Iterator[tuple[ExportDocument, list[Sentence]]]:
    """Each document with its sentences as ``tagged_sentences`` gives them, in order; the
    documents are laid out ``BATCH_DOCUMENTS`` at a time."""
    for nlp, _split, batch in batches(documents, pipelines, options, report, target):
        layout = _Layout(batch, nlp, options.scheme)
        for number, prepared in enumerate(batch):
            yield prepared.document, layout.sentences(number)


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
        self._files: dict[str, BinaryIO] = {}

    def __getitem__(self, split: str) -> BinaryIO:
        if split not in self._files:
            path = safe_path(self._out_dir, f"{check_split(split)}.conll")
            handle = path.open("wb")
            self._files[split] = self._stack.enter_context(handle)
            self._report.add_file(path)
        return self._files[split]


def _note_other_layers(options: ExportOptions, report: ExportReport) -> None:
    report.notes.append(
        f"CoNLL carries one layer as tags ({options.tag_layer}, {options.scheme.upper()}); "
        "the other layers, entity links and character offsets are not in the file"
    )


class BlockRenderer:
    """Documents -> the text of their ``{split}.conll`` lines, batch by batch: the part of the
    work that runs the same in any process (``ConllFiles`` writes the texts in order)."""

    def __init__(self, options: ExportOptions, report: ExportReport) -> None:
        check_align(options)
        check_tagging(options)
        self.options = options
        self.pipelines = BlankPipelines(FORMAT, options.lang, report)

    def rendered(
        self, documents: Iterable[ExportDocument], report: ExportReport
    ) -> Iterator[tuple[str, bytes, int]]:
        """``(split, UTF-8 text, documents)`` per batch, in order."""
        self.pipelines.report = report
        scheme = self.options.scheme
        for nlp, split, batch in batches(documents, self.pipelines, self.options, report, FORMAT):
            yield split, _Layout(batch, nlp, scheme).conll_bytes(report), len(batch)


class ConllFiles:
    """The open ``{split}.conll`` files of an export; takes rendered texts in order."""

    def __init__(self, out_dir: Path, options: ExportOptions, report: ExportReport) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        _note_other_layers(options, report)
        self._report = report
        self._stack = ExitStack()
        self._files = _SplitFiles(out_dir, self._stack, report)

    def add(self, rendered: Iterable[tuple[str, bytes, int]]) -> None:
        for split, text, count in rendered:
            self._files[split].write(text)
            self._report.documents[split] += count

    def close(self) -> None:
        self._stack.close()


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """Write ``{split}.conll`` files into ``out_dir``, streaming ``documents``."""
    renderer = BlockRenderer(options, report)
    files = ConllFiles(out_dir, options, report)
    try:
        files.add(renderer.rendered(documents, report))
    finally:
        files.close()


def batches(
    documents: Iterable[ExportDocument],
    pipelines: BlankPipelines,
    options: ExportOptions,
    report: ExportReport,
    target: str,
) -> Iterator[tuple[Any, str, list[_Prepared]]]:
    """``(pipeline, split, prepared documents)``: up to ``BATCH_DOCUMENTS`` consecutive
    documents of one split tokenised by one pipeline, in order."""
    batch: list[_Prepared] = []
    current: tuple[Any, str] | None = None
    for document in documents:
        nlp = pipelines.for_article(document.article)
        if batch and (current != (nlp, document.split) or len(batch) >= BATCH_DOCUMENTS):
            assert current is not None
            yield current[0], current[1], batch
            batch = []
        current = (nlp, document.split)
        batch.append(_prepare(nlp, document, options, report, target))
    if batch:
        assert current is not None
        yield current[0], current[1], batch
