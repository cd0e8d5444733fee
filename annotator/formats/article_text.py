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
    """UTF-8 (a BOM is dropped), or UTF-16 with a BOM; anything else is refused with the offset.

    A NUL byte is refused too: text files hold none, binary files and UTF-16 without a
    byte-order mark do, and SQLite's text functions would stop at it.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FormatError(
                path, f"not valid UTF-16 text (bad bytes at offset {error.start}); save it as UTF-8"
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            hint = (
                " (UTF-32?)" if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else ""
            )
            raise FormatError(
                path,
                f"not UTF-8 text{hint} (invalid byte at offset {error.start}); save it as UTF-8",
            ) from None
    check_no_nul(path, text)
    return text


def check_no_nul(path: Path, text: str, *, line: int | None = None, what: str = "the text") -> None:
    """Refuse a text holding U+0000: a binary file, or UTF-16 read as UTF-8."""
    position = text.find("\x00")
    if position >= 0:
        raise FormatError(
            path,
            f"{what} contains a NUL character at offset {position}: a binary file, or UTF-16 "
            "text without a byte-order mark? Save it as UTF-8",
            line=line,
        )


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
