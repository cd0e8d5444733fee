"""Articles from JSON Lines records: a text field and metadata fields, mapped by name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import ValidationError

from annotator.domain.article import Article
from annotator.domain.errors import explain
from annotator.formats.errors import FormatError
from annotator.formats.lines import MAX_META_DEPTH, iter_lines, too_deep


@dataclass(frozen=True)
class FieldMapping:
    """Which record field feeds which article field; the first name present wins."""

    text: tuple[str, ...] = ("text", "content", "body")
    title: tuple[str, ...] = ("title", "headline")
    source: tuple[str, ...] = ("source", "outlet", "publisher")
    author: tuple[str, ...] = ("author", "byline", "authors")
    published: tuple[str, ...] = ("date", "published", "published_at", "pubdate")
    url: tuple[str, ...] = ("url", "link")
    language: tuple[str, ...] = ("language", "lang")
    external_id: tuple[str, ...] = ("id", "external_id", "doc_id")
    fixed: dict[str, str] = field(default_factory=dict)

    def with_overrides(self, **names: str | None) -> FieldMapping:
        """A mapping where each given article field reads exactly the named record field."""
        changes = {k: (v,) for k, v in names.items() if v}
        return FieldMapping(**{**self.__dict__, **changes})


_META_FIELDS = ("title", "source", "author", "published", "url", "language", "external_id")


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def article_from_record(
    record: dict[str, Any], mapping: FieldMapping, *, where: str = "record"
) -> Article:
    """Map one record to an article; raises ValueError with a readable reason."""
    used: set[str] = set()

    def pick(names: tuple[str, ...]) -> Any:
        for name in names:
            if name in record:
                used.add(name)
                return record[name]
        return None

    text = pick(mapping.text)
    if text is None:
        raise ValueError(f"no text field (looked for {', '.join(map(repr, mapping.text))})")
    if not isinstance(text, str):
        raise ValueError(f"the text field must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ValueError("the text field is empty")
    if "\x00" in text:
        raise ValueError(
            f"the text field contains a NUL character (U+0000) at offset {text.index(chr(0))}"
        )
    metadata: dict[str, Any] = {}
    for name in _META_FIELDS:
        value = _scalar(pick(getattr(mapping, name)))
        if value is not None:
            metadata[name] = value
    metadata["meta"] = {k: v for k, v in record.items() if k not in used}
    if too_deep(metadata["meta"], MAX_META_DEPTH):
        raise ValueError(
            f"a metadata field nests lists or objects deeper than {MAX_META_DEPTH} levels"
        )
    try:
        return Article.create(text, **metadata)
    except ValidationError as error:
        raise ValueError(explain(error)) from None


def read_jsonl(
    path: Path, stream: IO[bytes], mapping: FieldMapping | None = None
) -> Iterator[tuple[int, Article]]:
    """``(line number, article)`` for each non-blank line; errors name file and line."""
    mapping = mapping or FieldMapping()
    records = 0
    for number, raw in iter_lines(path, stream):
        if not raw.strip():
            continue
        records += 1
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise FormatError(path, f"invalid JSON ({error})", line=number) from None
        if not isinstance(record, dict):
            raise FormatError(
                path, f"expected a JSON object, found {type(record).__name__}", line=number
            )
        try:
            yield number, article_from_record(record, mapping)
        except ValueError as error:
            raise FormatError(path, str(error), line=number) from None
    if records == 0:
        raise FormatError(path, "the file is empty (no records)")
