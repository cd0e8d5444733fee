"""Prodigy JSONL (the shape ``prodigy db-out`` writes and ``db-in`` reads): ``{split}.jsonl``.

```
{"text": "...", "meta": {"article_id": "01J...", "title": "...", "split": "train"},
 "_annotator_id": "ann", "answer": "accept",
 "tokens": [{"text": "Kim", "start": 11, "end": 14, "id": 4, "ws": true}, ...],
 "spans": [{"start": 11, "end": 21, "text": "Kim Ji-woo", "label": "PER",
            "token_start": 4, "token_end": 7}, ...],
 "relations": [{"head": 20, "child": 15, "label": "SPEAKER",
                "head_span": {"start": ..., "end": ..., "token_start": ..., "token_end": ...,
                              "label": "direct"},
                "child_span": {...}}],
 "accept": ["news"]}
```

Spans follow the shared plan (``label_studio_writer.plan_document``): mentions by entity type,
quotes by quote type, ``CUE`` spans; relations ``SPEAKER``, ``CUE`` and ``COREF``. Offsets are
code points; each span carries its ``text``.

Tokens come from ``spacy.blank`` (the article's language, else ``options.lang``; only the
tokenizer, no model) when spaCy is installed. A token that a span edge falls inside is split
there, so every span covers whole tokens and nothing is moved. Relations need token indices
(``head``/``child`` are the last tokens of the two spans): without spaCy no tokens and no
relations are written, and the report counts them. No ``_input_hash``/``_task_hash``: Prodigy
computes its own (``db-in --rehash``).

Prodigy cannot hold, and ``report.dropped`` counts: stances (a span has no attributes for the
polarity), notes, unsure flags, and document labels beyond the first question met (written as
the choice answers ``accept``; our reader imports them as question ``accept``: import with
``--map accept=QUESTION``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.formats.interchange import ForeignRelation, ForeignSpan
from annotator.formats.label_studio_writer import (
    Capacity,
    Plan,
    SplitFiles,
    first_question,
    plan_document,
)

PRODIGY = Capacity("Prodigy", attributes=False, notes=False)

#: (start, end, whitespace follows) for each token of a text.
Tokenize = Callable[[str], list[tuple[int, int, bool]]]


def _spacy_blank(lang: str) -> Tokenize | None:
    """spaCy's tokenizer for ``lang``, or None if spaCy or that language is not available."""
    try:
        import spacy
    except ImportError:
        return None
    try:
        nlp = spacy.blank(lang)
    except (ImportError, ValueError, KeyError):
        return None

    def tokenize(text: str) -> list[tuple[int, int, bool]]:
        nlp.max_length = max(nlp.max_length, len(text) + 1)
        return [(t.idx, t.idx + len(t.text), bool(t.whitespace_)) for t in nlp.make_doc(text)]

    return tokenize


class _Tokenizers:
    """spaCy tokenizers per language, loaded once; what was used goes into the report notes."""

    def __init__(self, fallback: str) -> None:
        self.fallback = fallback
        self.loaded: dict[str, Tokenize | None] = {}
        self.used: Counter[str] = Counter()
        self.split_tokens = 0

    def _get(self, lang: str) -> Tokenize | None:
        if lang not in self.loaded:
            self.loaded[lang] = _spacy_blank(lang)
        return self.loaded[lang]

    def for_language(self, lang: str) -> tuple[str, Tokenize] | None:
        """The tokenizer of ``lang``, else of its primary subtag ("en" of "en-GB"), else the
        fallback language's."""
        for candidate in (lang, lang.split("-")[0], self.fallback):
            tokenize = self._get(candidate) if candidate else None
            if tokenize is not None:
                self.used[candidate] += 1
                return candidate, tokenize
        return None

    def notes(self) -> list[str]:
        notes = []
        if self.used:
            langs = ", ".join(f"{lang!r} ({n})" for lang, n in sorted(self.used.items()))
            notes.append(f"Prodigy: tokens from spacy.blank: {langs} document(s)")
        if self.split_tokens:
            notes.append(
                f"Prodigy: {self.split_tokens} spaCy token(s) split where a span edge fell "
                "inside them, so every span covers whole tokens"
            )
        return notes


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """One accepted Prodigy task per document in ``{split}.jsonl``."""
    tokenizers = _Tokenizers(options.lang)
    question: str | None = None
    with SplitFiles(out_dir, ".jsonl", report) as files:
        for document in documents:
            plan = plan_document(document, options, report, PRODIGY)
            values, question = first_question(plan, question, report, 'Prodigy\'s "accept"')
            record = _Record(document, plan, tokenizers, report).build(values)
            files.write(document.split, orjson.dumps(record) + b"\n")
            report.documents[document.split] += 1
    report.notes.extend(tokenizers.notes())
    if question is not None:
        report.notes.append(
            f'Prodigy: "accept" holds the answers to the document question {question!r}; our '
            f"import reads them as 'accept': import with --map accept={question}"
        )


def split_tokens(
    tokens: list[tuple[int, int, bool]], edges: Iterable[int]
) -> tuple[list[tuple[int, int, bool]], int]:
    """``tokens`` cut at every edge that falls inside one; and how many tokens were cut."""
    cuts = sorted(set(edges))
    out: list[tuple[int, int, bool]] = []
    cut = 0
    for start, end, space in tokens:
        inside = cuts[bisect_right(cuts, start) : bisect_left(cuts, end)]
        bounds = [start, *inside, end]
        cut += 1 if inside else 0
        for n in range(len(bounds) - 1):
            out.append((bounds[n], bounds[n + 1], space and n == len(bounds) - 2))
    return out, cut


class _Record:
    def __init__(
        self, document: ExportDocument, plan: Plan, tokenizers: _Tokenizers, report: ExportReport
    ) -> None:
        self.document = document
        self.plan = plan
        self.report = report
        self.tokens: list[tuple[int, int, bool]] | None = None
        chosen = tokenizers.for_language(document.article.language)
        if chosen is not None:
            edges = [e for s in plan.document.spans for e in (s.start, s.end)]
            self.tokens, cut = split_tokens(chosen[1](plan.text), edges)
            tokenizers.split_tokens += cut
        self.starts = [start for start, _, _ in self.tokens or []]
        self.ends = [end for _, end, _ in self.tokens or []]

    def build(self, accept: list[str]) -> dict[str, Any]:
        article = self.document.article
        record: dict[str, Any] = {
            "text": self.plan.text,
            "meta": {"article_id": article.id, "title": article.title, "split": self.plan.split},
            "_annotator_id": self.document.annotator,
            "answer": "accept",
        }
        if self.tokens is not None:
            text = self.plan.text
            record["tokens"] = [
                {"text": text[s:e], "start": s, "end": e, "id": n, "ws": ws}
                for n, (s, e, ws) in enumerate(self.tokens)
            ]
        record["spans"] = self._spans()
        record["relations"] = self._relations()
        if accept:
            record["accept"] = accept
        return record

    def _token_range(self, start: int, end: int) -> tuple[int, int] | None:
        """The first and last token of ``[start, end)`` if tokens cover exactly that."""
        first = bisect_left(self.starts, start)
        last = bisect_right(self.ends, end) - 1
        if first <= last and self.starts[first] == start and self.ends[last] == end:
            return first, last
        return None

    def _span(self, span: ForeignSpan) -> dict[str, Any]:
        out: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label}
        if self.tokens is not None:
            tokens = self._token_range(span.start, span.end)
            if tokens is not None:
                out["token_start"], out["token_end"] = tokens
        return out

    def _spans(self) -> list[dict[str, Any]]:
        spans = []
        for span in self.plan.document.spans:
            out = self._span(span)
            if self.tokens is not None and "token_start" not in out:
                self.report.drop(
                    "span starting or ending on the space after a token: written without "
                    "token_start/token_end (Prodigy shows it by tokens)"
                )
            spans.append({**out, "text": span.text})
        return spans

    def _relations(self) -> list[dict[str, Any]]:
        relations = self.plan.document.relations
        if self.tokens is None:
            if relations:
                self.report.drop(
                    "relation: Prodigy relations need token indices and spaCy is not "
                    "installed to make tokens; not written",
                    len(relations),
                )
            return []
        keys = Counter((s.start, s.end, s.label) for s in self.plan.document.spans)
        out = []
        for relation in relations:
            head, child = self.plan.span(relation.head), self.plan.span(relation.tail)
            if keys[(head.start, head.end, head.label)] > 1 or (
                keys[(child.start, child.end, child.label)] > 1
            ):
                self.report.drop(
                    "relation: another span has the same offsets and label, and Prodigy "
                    "relations name spans by those; not written"
                )
                continue
            made = self._relation(relation, head, child)
            if made is None:
                self.report.drop("relation: one of its spans has no tokens; not written")
                continue
            out.append(made)
        return out

    def _relation(
        self, relation: ForeignRelation, head: ForeignSpan, child: ForeignSpan
    ) -> dict[str, Any] | None:
        head_span, child_span = self._span(head), self._span(child)
        if "token_end" not in head_span or "token_end" not in child_span:
            return None
        return {
            "head": head_span["token_end"],
            "child": child_span["token_end"],
            "label": relation.label.upper(),
            "head_span": head_span,
            "child_span": child_span,
        }
