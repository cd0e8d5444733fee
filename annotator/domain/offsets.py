"""Canonical text and offsets: normalisation, hashing, code point <-> UTF-16 conversion."""

from __future__ import annotations

import hashlib
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate


class OffsetError(ValueError):
    """An offset that cannot be mapped (outside the text or inside a surrogate pair)."""


def normalize_text(raw: str) -> str:
    """The canonical form of an article text: LF line ends and Unicode NFC.

    Applied once, at import, before any annotation exists; never again afterwards.
    """
    # Byte-order marks at the start are encoding debris, however many there are.
    raw = raw.lstrip("\ufeff")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def text_sha256(text: str) -> str:
    """Hex sha256 of the UTF-8 encoding of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_span(text_length: int, start: int, end: int) -> None:
    """Raise ``OffsetError`` unless ``[start, end)`` is a non-empty span inside the text."""
    if start < 0 or end > text_length or start >= end:
        raise OffsetError(
            f"span [{start}, {end}) is not a non-empty span inside a text of "
            f"{text_length} characters"
        )


class Utf16Index:
    """Maps code-point offsets of one text to UTF-16 code units and back.

    Built once per text in O(n); each lookup is O(1) one way and O(log n) the other.
    Texts without astral characters (the common case) need no table at all.
    """

    __slots__ = ("_astral", "_table", "length", "utf16_length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral = any(ord(ch) > 0xFFFF for ch in text)
        if self._astral:
            self._table: Sequence[int] = list(
                accumulate((2 if ord(ch) > 0xFFFF else 1 for ch in text), initial=0)
            )
            self.utf16_length = self._table[-1]
        else:
            self._table = ()
            self.utf16_length = self.length

    def to_utf16(self, offset: int) -> int:
        """The UTF-16 offset of code-point ``offset`` (0..len(text) inclusive)."""
        if not 0 <= offset <= self.length:
            raise OffsetError(f"offset {offset} is outside a text of {self.length} characters")
        return self._table[offset] if self._astral else offset

    def from_utf16(self, offset: int) -> int:
        """The code-point offset of UTF-16 ``offset``; refuses one inside a surrogate pair."""
        if not 0 <= offset <= self.utf16_length:
            raise OffsetError(
                f"UTF-16 offset {offset} is outside a text of {self.utf16_length} code units"
            )
        if not self._astral:
            return offset
        index = bisect_right(self._table, offset) - 1
        if self._table[index] != offset:
            raise OffsetError(f"UTF-16 offset {offset} falls inside a surrogate pair")
        return index

    def span_to_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.to_utf16(start), self.to_utf16(end)

    def span_from_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.from_utf16(start), self.from_utf16(end)
