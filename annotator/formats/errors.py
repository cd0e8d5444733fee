"""The error every reader raises for bad input: which file, which line, what was expected."""

from __future__ import annotations

from pathlib import Path

from annotator.domain.errors import AnnotatorError


class FormatError(AnnotatorError):
    """Bad input in a file; the message starts with ``file:line:`` where a line is known."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
