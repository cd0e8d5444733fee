"""doccano JSONL exports: one JSON object per line, offsets in UTF-16 code units.

Shapes read (all may carry ``id``, ``user``/``annotator`` and extra keys, kept as metadata):

```
{"text": "...", "label": [[0, 5, "PER"], ...]}                  sequence labelling
{"text": "...", "labels": [[0, 5, "PER"], ...]}                 older exports
{"text": "...", "entities": [{"id": 1, "start_offset": 0, "end_offset": 5, "label": "PER"}],
 "relations": [{"id": 2, "from_id": 1, "to_id": 3, "type": "SPEAKER"}]}   with relations
{"text": "...", "entities": [[0, 5, "PER"]], "cats": ["against"]}         intent + slots
{"text": "...", "label": ["against"]}                            text classification
```

doccano counts offsets like JavaScript: UTF-16 code units (doccano issue #2290: in
``"👨🏻‍🚒 firemen drive firetrucks"`` it gives 22,32 where Python has 19,29). They are converted
with ``Utf16Index``; an offset inside a surrogate pair or past the end is refused. Projects with
"count grapheme clusters as one character" enabled cannot be told apart and are not supported.

Span ids are the entity ids (dict form) or ``"s1"``, ``"s2"``... (list form, in file order);
relations name the entity ids. Document labels (``cats``, ``category``, or a ``label`` list of
strings) become ``choices["category"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.domain.offsets import OffsetError, Utf16Index
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan
from annotator.formats.lines import json_records

_KNOWN = frozenset(
    {
        "text",
        "label",
        "labels",
        "entities",
        "relations",
        "cats",
        "category",
        "id",
        "user",
        "annotator",
    }
)


def read(path: Path) -> list[ForeignDocument]:
    """One document per non-blank line; raises ``FormatError`` on the first bad line."""
    documents = [_document(path, number, record) for number, record in _records(path)]
    if not documents:
        raise FormatError(path, "the file is empty; expected one doccano JSON object per line")
    return documents


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    return json_records(path)


class _Line:
    """One record's reading context: raises errors that name the file and line."""

    def __init__(self, path: Path, number: int, text: str) -> None:
        self.path = path
        self.number = number
        self.text = text
        self.index = Utf16Index(text)

    def fail(self, message: str) -> FormatError:
        return FormatError(self.path, message, line=self.number)

    def offset(self, value: Any, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{what}: expected an integer offset, found {value!r}")
        return value

    def span(self, start: Any, end: Any, label: Any, span_id: str, what: str) -> ForeignSpan:
        start, end = self.offset(start, what), self.offset(end, what)
        if not isinstance(label, str):
            raise self.fail(f"{what}: expected a string label, found {label!r}")
        if not 0 <= start < end:
            raise self.fail(f"{what}: [{start}, {end}) is not a non-empty span")
        try:
            cp_start, cp_end = self.index.span_from_utf16(start, end)
        except OffsetError as error:
            raise self.fail(
                f"{what} [{start}, {end}): {error} (doccano offsets are UTF-16 code units; "
                f"this text has {self.index.utf16_length})"
            ) from None
        return ForeignSpan(cp_start, cp_end, label, id=span_id, text=self.text[cp_start:cp_end])


def _document(path: Path, number: int, record: dict[str, Any]) -> ForeignDocument:
    text = record.get("text")
    if not isinstance(text, str):
        raise FormatError(path, 'expected a string "text" field', line=number)
    if not text:
        raise FormatError(path, 'the "text" field is empty', line=number)
    line = _Line(path, number, text)
    annotator = record.get("user", record.get("annotator"))
    document = ForeignDocument(
        source=str(path),
        text=text,
        line=number,
        annotator=None if annotator is None else str(annotator),
        external_id=None if record.get("id") is None else str(record["id"]),
        metadata={k: v for k, v in record.items() if k not in _KNOWN},
    )
    for key in ("label", "labels"):
        if key in record:
            _read_label_list(line, key, record[key], document)
    if "entities" in record:
        _read_entities(line, record["entities"], document)
    if "relations" in record:
        _read_relations(line, record["relations"], document)
    for key in ("cats", "category"):
        # doccano writes "cats": [] when nothing was chosen: that is no answer, not a question.
        if key in record and (values := _categories(line, key, record[key])):
            document.choices.setdefault("category", []).extend(values)
    return document


def _list(line: _Line, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise line.fail(f'"{key}" must be a list, found {type(value).__name__}')
    return value


def _categories(line: _Line, key: str, value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else _list(line, key, value)
    if not all(isinstance(v, str) for v in values):
        raise line.fail(f'"{key}" must be a list of category names')
    return values


def _read_label_list(line: _Line, key: str, value: Any, document: ForeignDocument) -> None:
    items = _list(line, key, value)
    if items and all(isinstance(item, str) for item in items):
        document.choices.setdefault("category", []).extend(items)
        return
    for item in items:
        document.spans.append(_triple(line, key, item, len(document.spans) + 1))


def _triple(line: _Line, key: str, item: Any, position: int) -> ForeignSpan:
    what = f'"{key}" item {position}'
    if not isinstance(item, list) or len(item) != 3:
        raise line.fail(f"{what}: expected [start, end, label], found {item!r}")
    return line.span(item[0], item[1], item[2], f"s{position}", what)


def _read_entities(line: _Line, value: Any, document: ForeignDocument) -> None:
    for position, item in enumerate(_list(line, "entities", value), start=1):
        if isinstance(item, list):
            document.spans.append(_triple(line, "entities", item, len(document.spans) + 1))
            continue
        if not isinstance(item, dict):
            raise line.fail(f"entity {position}: expected an object, found {item!r}")
        entity_id = str(item["id"]) if item.get("id") is not None else f"s{position}"
        document.spans.append(
            line.span(
                item.get("start_offset"),
                item.get("end_offset"),
                item.get("label"),
                entity_id,
                f"entity {entity_id}",
            )
        )


def _read_relations(line: _Line, value: Any, document: ForeignDocument) -> None:
    known = {span.id for span in document.spans}
    for position, item in enumerate(_list(line, "relations", value), start=1):
        if not isinstance(item, dict):
            raise line.fail(f"relation {position}: expected an object, found {item!r}")
        what = f"relation {item.get('id', position)}"
        ends = []
        for key in ("from_id", "to_id"):
            if item.get(key) is None or str(item[key]) not in known:
                raise line.fail(f'{what}: "{key}" {item.get(key)!r} is not an entity id here')
            ends.append(str(item[key]))
        label = item.get("type", item.get("label"))
        if not isinstance(label, str):
            raise line.fail(f'{what}: expected a string "type", found {label!r}')
        document.relations.append(ForeignRelation(label, ends[0], ends[1]))
