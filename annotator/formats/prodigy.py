"""Prodigy JSONL (``prodigy db-out``): one task per line, code-point offsets.

```
{"text": "...", "tokens": [{"text": "Putin", "start": 0, "end": 5, "id": 0, "ws": true}, ...],
 "spans": [{"start": 0, "end": 5, "token_start": 0, "token_end": 0, "label": "PER"}, ...],
 "relations": [{"head": 11, "child": 0, "label": "SPEAKER",
                "head_span": {"start": 12, "end": 43, ...}, "child_span": {"start": 0, ...}}],
 "answer": "accept", "_annotator_id": "news-alice", "_session_id": "news-alice",
 "meta": {"doc_id": "d1"}}
```

* Only accepted records (``"answer": "accept"`` or no answer) become documents. Rejected and
  ignored ones are skipped (their spans are not checked) and counted in a warning on the first
  document returned; a file with no accepted record at all is an error.
* Spans get ids ``"s0"``, ``"s1"``... in file order. Relations are resolved through
  ``head_span``/``child_span`` (not the token indices ``head``/``child``), matched to a span by
  (start, end) and, if several spans share those, by label. A relation end that is not one of
  the record's spans is an error.
* A span's offsets are checked against its ``text`` if given (if only a UTF-16 reading matches,
  it is used, with a warning), else against its tokens' text (``token_start``..``token_end``,
  inclusive) when the record has tokens.
* annotator = ``_annotator_id``, else ``_session_id``; external_id = ``id``, else
  ``meta["id"]``/``meta["doc_id"]``. ``meta`` keys and Prodigy's ``_input_hash``, ``_task_hash``,
  ``_view_id``, ``_timestamp`` go to metadata. A top-level ``label`` (textcat) becomes
  ``choices["label"]``, an ``accept`` list (choice interface) ``choices["accept"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.domain.offsets import OffsetError, Utf16Index
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan
from annotator.formats.lines import json_records

_ANSWERS = ("accept", "reject", "ignore")
_SKIPPED = {"reject": "rejected", "ignore": "ignored"}
_KEPT_KEYS = ("_input_hash", "_task_hash", "_view_id", "_timestamp")


def read(path: Path) -> list[ForeignDocument]:
    """The accepted records of a Prodigy JSONL file; raises ``FormatError`` on a bad line."""
    documents: list[ForeignDocument] = []
    skipped: dict[str, list[int]] = {"rejected": [], "ignored": []}
    for number, record in _records(path):
        answer = record.get("answer", "accept")
        if answer not in _ANSWERS:
            raise FormatError(
                path,
                f'"answer" must be one of {", ".join(_ANSWERS)}; found {answer!r}',
                line=number,
            )
        if answer == "accept":
            documents.append(_Record(path, number, record).document())
        else:
            skipped[_SKIPPED[answer]].append(number)
    notes = [
        f"whole file: skipped {len(lines)} {kind} record(s) "
        f"(line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})"
        for kind, lines in skipped.items()
        if lines
    ]
    if not documents:
        detail = "; ".join(notes) if notes else "the file is empty"
        raise FormatError(path, f"no accepted Prodigy records to import ({detail})")
    documents[0].warnings.extend(notes)
    return documents


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    return json_records(path)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Record:
    """Reads one accepted record; every error names the file and the line."""

    def __init__(self, path: Path, number: int, record: dict[str, Any]) -> None:
        self.path = path
        self.number = number
        self.record = record
        text = record.get("text")
        if not isinstance(text, str) or not text:
            raise self.fail('expected a non-empty string "text" field')
        self.text = text
        self.index = Utf16Index(text)
        self.doc = ForeignDocument(source=str(path), text=text, line=number)
        #: Each span with the offsets the file gave it, which relations repeat.
        self.given: list[tuple[int, int, ForeignSpan]] = []

    def fail(self, message: str) -> FormatError:
        return FormatError(self.path, message, line=self.number)

    def document(self) -> ForeignDocument:
        record, doc = self.record, self.doc
        annotator = record.get("_annotator_id", record.get("_session_id"))
        doc.annotator = None if annotator is None else str(annotator)
        meta = record.get("meta") or {}
        if not isinstance(meta, dict):
            raise self.fail(f'"meta" must be an object, found {type(meta).__name__}')
        external = record.get("id", meta.get("id", meta.get("doc_id")))
        doc.external_id = None if external is None else str(external)
        doc.metadata = {**meta, **{k: record[k] for k in _KEPT_KEYS if k in record}}
        self._choices()
        tokens = self._list("tokens")
        for position, span in enumerate(self._list("spans")):
            doc.spans.append(self._span(position, span, tokens))
            self.given.append((span["start"], span["end"], doc.spans[-1]))
        for position, relation in enumerate(self._list("relations"), start=1):
            doc.relations.append(self._relation(position, relation))
        return doc

    def _list(self, key: str) -> list[Any]:
        value = self.record.get(key) or []
        if not isinstance(value, list):
            raise self.fail(f'"{key}" must be a list, found {type(value).__name__}')
        return value

    def _choices(self) -> None:
        label = self.record.get("label")
        if isinstance(label, str):
            self.doc.choices["label"] = [label]
        accepted = self.record.get("accept")
        if isinstance(accepted, list):
            self.doc.choices["accept"] = [str(choice) for choice in accepted]

    def _offsets(self, span: Any, what: str) -> tuple[int, int]:
        if not isinstance(span, dict):
            raise self.fail(f"{what}: expected an object, found {span!r}")
        start, end = _as_int(span.get("start")), _as_int(span.get("end"))
        if start is None or end is None:
            raise self.fail(
                f'{what}: expected integer "start" and "end", found '
                f"{span.get('start')!r}, {span.get('end')!r}"
            )
        return start, end

    def _span(self, position: int, span: Any, tokens: list[Any]) -> ForeignSpan:
        what = f"span {position} (s{position})"
        start, end = self._offsets(span, what)
        label = span.get("label")
        if not isinstance(label, str):
            raise self.fail(f'{what}: expected a string "label", found {label!r}')
        quoted = span.get("text")
        if quoted is not None:
            if not isinstance(quoted, str):
                raise self.fail(f'{what}: "text" must be a string')
            start, end = self._match_text(what, start, end, quoted)
        else:
            self._check_bounds(what, start, end)
            self._match_tokens(what, start, end, span, tokens)
        return ForeignSpan(start, end, label, id=f"s{position}", text=self.text[start:end])

    def _check_bounds(self, what: str, start: int, end: int) -> None:
        if not 0 <= start < end <= len(self.text):
            raise self.fail(
                f"{what}: [{start}, {end}) is not a non-empty span inside the text of "
                f"{len(self.text)} characters"
            )

    def _match_text(self, what: str, start: int, end: int, quoted: str) -> tuple[int, int]:
        text = self.text
        fits = 0 <= start < end <= len(text)
        if fits and text[start:end] == quoted:
            return start, end
        try:
            cp_start, cp_end = self.index.span_from_utf16(start, end)
        except OffsetError:
            cp_start = cp_end = -1
        if cp_start >= 0 and text[cp_start:cp_end] == quoted:
            self.doc.warnings.append(
                f"{what}: offsets [{start}, {end}) are UTF-16 code units; "
                f"read as code points [{cp_start}, {cp_end})"
            )
            return cp_start, cp_end
        selected = repr(text[start:end]) if fits else "nothing (outside the text)"
        raise self.fail(f'{what}: "text" is {quoted!r} but [{start}, {end}) selects {selected}')

    def _match_tokens(
        self, what: str, start: int, end: int, span: dict[str, Any], tokens: list[Any]
    ) -> None:
        first, last = span.get("token_start"), span.get("token_end")
        if not tokens or first is None or last is None:
            return
        if not (_is_int(first) and _is_int(last) and 0 <= first <= last < len(tokens)):
            raise self.fail(
                f"{what}: token_start/token_end {first!r}..{last!r} are not tokens of this "
                f"record (it has {len(tokens)})"
            )
        token_start, _ = self._offsets(tokens[first], f"token {first}")
        _, token_end = self._offsets(tokens[last], f"token {last}")
        if self.text[start:end] != self.text[token_start:token_end]:
            raise self.fail(
                f"{what}: [{start}, {end}) selects {self.text[start:end]!r} but its tokens "
                f"{first}..{last} cover {self.text[token_start:token_end]!r}"
            )

    def _relation(self, position: int, relation: Any) -> ForeignRelation:
        what = f"relation {position}"
        if not isinstance(relation, dict):
            raise self.fail(f"{what}: expected an object, found {relation!r}")
        label = relation.get("label", "")
        if not isinstance(label, str):
            raise self.fail(f'{what}: expected a string "label", found {label!r}')
        head = self._resolve(what, relation, "head_span")
        tail = self._resolve(what, relation, "child_span")
        return ForeignRelation(label, head, tail)

    def _resolve(self, what: str, relation: dict[str, Any], key: str) -> str:
        if key not in relation:
            raise self.fail(f'{what}: no "{key}" (expected an object with start and end)')
        start, end = self._offsets(relation[key], f"{what} {key}")
        matches = [span for s, e, span in self.given if (s, e) == (start, end)]
        label = relation[key].get("label")
        if label is not None:
            matches = [s for s in matches if s.label == label]
        if len(matches) != 1:
            problem = "is not one of the record's spans" if not matches else "matches several"
            raise self.fail(
                f"{what}: {key} [{start}, {end}) {self.text[start:end]!r} label {label!r} "
                f"{problem}; expected exactly one span with those offsets"
            )
        return matches[0].id or ""
