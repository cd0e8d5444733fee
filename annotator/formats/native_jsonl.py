"""The native JSONL format: lossless, one header line then one line per article with its sets.

```
{"format": "annotator-jsonl", "version": 1, "schema": {...}, "annotators": [...]}
{"article": {...}, "sets": [{"id": ..., "annotator_id": ..., "mentions": [...], ...}]}
```
Offsets are code points; text is stored as in the project (LF, NFC). Output is deterministic:
the same project always gives the same bytes, so exports can be diffed and round-tripped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import ValidationError

from annotator.domain.annotations import AnnotationSet, Annotator
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError, explain
from annotator.domain.schema import Schema
from annotator.formats.errors import FormatError
from annotator.formats.lines import iter_lines

FORMAT_NAME = "annotator-jsonl"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Header:
    schema: Schema
    annotators: list[Annotator]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    line: int
    article: Article
    sets: list[AnnotationSet]


def _line(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value) + b"\n"


def write(
    out: IO[bytes],
    *,
    schema: Schema,
    annotators: Iterable[Annotator],
    records: Iterable[tuple[Article, list[AnnotationSet]]],
) -> int:
    """Write a header and one line per article; returns the number of articles written."""
    out.write(
        _line(
            {
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "schema": schema.model_dump(mode="json"),
                "annotators": [
                    a.model_dump(mode="json") for a in sorted(annotators, key=lambda a: a.id)
                ],
            }
        )
    )
    count = 0
    for article, sets in records:
        ordered = sorted(sets, key=lambda s: (str(s.kind), s.annotator_id, s.id))
        out.write(
            _line(
                {
                    "article": article.model_dump(mode="json"),
                    "sets": [_dump_set(s) for s in ordered],
                }
            )
        )
        count += 1
    return count


def _dump_set(annotation_set: AnnotationSet) -> dict[str, Any]:
    data = annotation_set.model_dump(mode="json")
    data["stances"].sort(key=lambda s: s["id"])
    return data


def is_native(first_line: bytes) -> bool:
    """Whether a file's first line is a native header."""
    try:
        data = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def _parse(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise FormatError(path, f"invalid JSON ({error})", line=number) from None
    if not isinstance(data, dict):
        raise FormatError(path, "expected a JSON object", line=number)
    return data


def read(path: Path, stream: IO[bytes]) -> tuple[Header, Iterator[ArticleRecord]]:
    """Read the header now and the article lines lazily; every error names file and line."""
    lines = iter_lines(path, stream)
    header: Header | None = None
    for number, raw in lines:
        if not raw.strip():
            continue
        data = _parse(path, number, raw)
        if data.get("format") != FORMAT_NAME:
            raise FormatError(path, f"not an {FORMAT_NAME} header line", line=number)
        if data.get("version") != FORMAT_VERSION:
            raise FormatError(
                path,
                f"format version {data.get('version')!r} is not supported "
                f"(this version reads {FORMAT_VERSION})",
                line=number,
            )
        try:
            schema = Schema.from_dict(data.get("schema"), source="schema")
            annotators = [Annotator.model_validate(a) for a in data.get("annotators", [])]
        except (InvalidDataError, ValidationError) as error:
            message = explain(error) if isinstance(error, ValidationError) else str(error)
            raise FormatError(path, message, line=number) from None
        header = Header(schema, annotators)
        break
    if header is None:
        raise FormatError(path, "the file is empty")

    def records() -> Iterator[ArticleRecord]:
        for number, raw in lines:
            if not raw.strip():
                continue
            data = _parse(path, number, raw)
            try:
                article = Article.model_validate(data.get("article"))
                sets = [AnnotationSet.model_validate(s) for s in data.get("sets", [])]
            except ValidationError as error:
                raise FormatError(path, explain(error), line=number) from None
            for annotation_set in sets:
                problems = annotation_set.problems_against(article, header.schema)
                if problems:
                    raise FormatError(path, "; ".join(problems), line=number)
            yield ArticleRecord(number, article, sets)

    return header, records()
