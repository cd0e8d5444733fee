"""Reading line-based files (JSONL) one bounded line at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.formats.errors import FormatError

#: No record of ours comes near this; a longer "line" is a damaged or wrong file.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Metadata kept with an article may nest this deep (JSON readers accept 1024 levels, but the
#: project stores metadata as JSON, which cannot be written deeper than ~250).
MAX_META_DEPTH = 64


def too_deep(value: Any, limit: int = MAX_META_DEPTH) -> bool:
    """Whether lists/objects in ``value`` nest more than ``limit`` levels (checked iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def iter_lines(
    path: Path, stream: IO[bytes], *, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` for each line, never holding more than ``limit`` bytes of one."""
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            raise FormatError(
                path,
                f"line is longer than {limit // (1024 * 1024)} MB; not a JSON Lines file?",
                line=number,
            )
        yield number, raw


def json_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line of a JSON Lines file, streamed.

    A line that is not JSON, or not a JSON object, stops the file with its line number.
    """
    try:
        stream = path.open("rb")
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from None
    with stream:
        for number, line in iter_lines(path, stream):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise FormatError(
                    path, f"invalid JSON ({error.msg}, column {error.colno})", line=number
                ) from None
            if not isinstance(record, dict):
                raise FormatError(
                    path, f"expected a JSON object, found {type(record).__name__}", line=number
                )
            yield number, record
