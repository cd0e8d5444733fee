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
from annotator.formats.lines import MAX_META_DEPTH, iter_lines, too_deep

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
    # OPT_UTC_Z: datetimes as pydantic's JSON mode writes them ("...T10:42:06.123000Z").
    return orjson.dumps(value, option=orjson.OPT_UTC_Z) + b"\n"


def write_header(out: IO[bytes], *, schema: Schema, annotators: Iterable[Annotator]) -> None:
    """The first line: format, version, schema and annotators (by id)."""
    out.write(_header(schema, annotators))


def _header(schema: Schema, annotators: Iterable[Annotator]) -> bytes:
    return _line(
        {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "schema": schema.model_dump(mode="json"),
            "annotators": [
                a.model_dump(mode="json") for a in sorted(annotators, key=lambda a: a.id)
            ],
        }
    )


def _set_key(data: dict[str, Any]) -> tuple[str, str, str]:
    return (data["kind"], data["annotator_id"], data["id"])


def _stance_id(data: dict[str, Any]) -> str:
    return str(data["id"])


def record_line(article: dict[str, Any], sets: list[dict[str, Any]]) -> bytes:
    """One article line from dumped values (``model_dump(mode="json")`` or the same keys with
    ``datetime`` values): sets ordered by kind, annotator and id, stances by id."""
    ordered = sorted(sets, key=_set_key) if len(sets) > 1 else sets
    for data in ordered:
        stances = data["stances"]
        if len(stances) > 1:
            stances.sort(key=_stance_id)
    return _line({"article": article, "sets": ordered})


def write(
    out: IO[bytes],
    *,
    schema: Schema,
    annotators: Iterable[Annotator],
    records: Iterable[tuple[Article, list[AnnotationSet]]],
) -> int:
    """Write a header and one line per article; returns the number of articles written."""
    return write_rows(
        out,
        schema=schema,
        annotators=annotators,
        batches=(
            [
                (
                    article.model_dump(mode="json"),
                    [s.model_dump(mode="json") for s in sets],
                )
            ]
            for article, sets in records
        ),
    )


def write_rows(
    out: IO[bytes],
    *,
    schema: Schema,
    annotators: Iterable[Annotator],
    batches: Iterable[list[tuple[dict[str, Any], list[dict[str, Any]]]]],
) -> int:
    """``write`` from dumped values, a batch of articles at a time (as
    ``storage.export_rows.ExportRows.batches`` reads them); the same bytes as ``write``."""
    write_header(out, schema=schema, annotators=annotators)
    count = 0
    for batch in batches:
        out.write(b"".join([record_line(article, sets) for article, sets in batch]))
        count += len(batch)
    return count


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
        listed = data.get("annotators", [])
        if not isinstance(listed, list):
            raise FormatError(path, '"annotators" must be a list', line=number)
        try:
            schema = Schema.from_dict(data.get("schema"), source="schema")
            annotators = [Annotator.model_validate(a) for a in listed]
        except (InvalidDataError, ValidationError) as error:
            message = explain(error) if isinstance(error, ValidationError) else str(error)
            raise FormatError(path, message, line=number) from None
        if any("\x00" in a.name for a in annotators):
            raise FormatError(path, "an annotator name holds a NUL character", line=number)
        ids = [a.id for a in annotators]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise FormatError(path, f"annotator id {twice[0]} is listed twice", line=number)
        header = Header(schema, annotators)
        break
    if header is None:
        raise FormatError(path, "the file is empty")

    def records() -> Iterator[ArticleRecord]:
        for number, raw in lines:
            if not raw.strip():
                continue
            data = _parse(path, number, raw)
            listed = data.get("sets", [])
            if not isinstance(listed, list):
                raise FormatError(path, '"sets" must be a list', line=number)
            given = data.get("article")
            if isinstance(given, dict) and too_deep(given.get("meta"), MAX_META_DEPTH):
                raise FormatError(
                    path, f"article.meta nests deeper than {MAX_META_DEPTH} levels", line=number
                )
            try:
                article = Article.model_validate(data.get("article"))
                sets = [AnnotationSet.model_validate(s) for s in listed]
            except ValidationError as error:
                raise FormatError(path, explain(error), line=number) from None
            for annotation_set in sets:
                problems = annotation_set.problems_against(article, header.schema)
                if problems:
                    raise FormatError(path, "; ".join(problems), line=number)
            yield ArticleRecord(number, article, sets)

    return header, records()
