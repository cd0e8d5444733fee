"""Plain-text articles: one ``.txt`` file per article, the title from a headline-like first line."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from annotator.domain.article import Article
from annotator.domain.errors import explain
from annotator.formats.errors import FormatError

_MAX_TITLE = 160
_SENTENCE_END = re.compile(r"[.!?:;,\"”’)]$")


def decode(path: Path, data: bytes) -> str:
    """UTF-8 (a BOM is dropped); anything else is refused with the offending byte's offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(
            path, f"not UTF-8 text (invalid byte at offset {error.start}); save it as UTF-8"
        ) from None


def split_title(text: str) -> tuple[str, str]:
    """``(title, body)`` when the first line looks like a headline, else ``("", text)``.

    A headline is a short first line without sentence-final punctuation, followed by more text.
    """
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    body = rest.lstrip("\n")
    if (
        first
        and body.strip()
        and len(first) <= _MAX_TITLE
        and not _SENTENCE_END.search(first)
        and len(first.split()) >= 2
    ):
        return first, body
    return "", text


def read_text_file(path: Path) -> Article:
    """One article from a plain-text file."""
    data = path.read_bytes()
    if not data.strip():
        raise FormatError(path, "the file is empty")
    text = decode(path, data)
    # Normalise line ends first so that a CRLF file's headline is found like an LF one's.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    title, body = split_title(text)
    try:
        return Article.create(body, title=title, external_id=path.stem, meta={"file": path.name})
    except ValidationError as error:
        raise FormatError(path, explain(error)) from None
