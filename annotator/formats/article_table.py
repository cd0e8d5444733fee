"""Articles from a CSV file or a JSON array of records, mapped like JSONL records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import orjson

from annotator.domain.article import Article
from annotator.formats.article_records import FieldMapping, article_from_record
from annotator.formats.errors import FormatError


def read_csv(path: Path, mapping: FieldMapping | None = None) -> Iterator[tuple[int, Article]]:
    """``(line, article)`` per row; the header row names the fields. Errors name the line."""
    mapping = mapping or FieldMapping()
    csv.field_size_limit(64 * 1024 * 1024)
    with path.open("rb") as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(stream)
        try:
            if reader.fieldnames is None:
                raise FormatError(path, "the file is empty")
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise FormatError(path, "more cells than header columns", line=line)
                record = {k: v for k, v in row.items() if v != ""}
                try:
                    yield line, article_from_record(record, mapping)
                except ValueError as error:
                    raise FormatError(path, str(error), line=line) from None
        except UnicodeDecodeError as error:
            raise FormatError(
                path, f"not UTF-8 text (invalid byte at offset {error.start})"
            ) from None
        except csv.Error as error:
            raise FormatError(path, f"not valid CSV ({error})", line=reader.line_num) from None


def read_json_array(
    path: Path, data: bytes, mapping: FieldMapping | None = None
) -> Iterator[tuple[int, Article]]:
    """``(index, article)`` for a JSON array of article records (index counts from 1)."""
    mapping = mapping or FieldMapping()
    try:
        records = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise FormatError(path, f"invalid JSON ({error})") from None
    if not isinstance(records, list):
        raise FormatError(path, "expected a JSON array of article records")
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise FormatError(path, f"record {number}: expected a JSON object")
        try:
            yield number, article_from_record(record, mapping)
        except ValueError as error:
            raise FormatError(path, f"record {number}: {error}") from None
