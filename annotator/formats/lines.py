"""Reading line-based files (JSONL) one bounded line at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.formats.errors import FormatError

#: No record of ours comes near this; a longer "line" is a damaged or wrong file.
MAX_LINE_BYTES = 64 * 1024 * 1024


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
