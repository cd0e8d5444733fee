"""Canonical text and offsets: normalisation, hashing, code point <-> UTF-16 conversion."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left


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


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Index:
    """Maps code-point offsets of one text to UTF-16 code units and back.

    Only the positions of astral characters (the ones UTF-16 stores as surrogate pairs) are
    kept, found at C speed: a 1M-character text indexes in milliseconds, and each lookup is a
    bisection over those positions. Texts without astral characters need no lookups at all.
    """

    __slots__ = ("_astral", "_utf16_starts", "length", "utf16_length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        if text.isascii():
            self._astral: list[int] = []
        else:
            self._astral = [match.start() for match in _ASTRAL.finditer(text)]
        # Where each astral character starts in UTF-16: its code-point offset plus the
        # number of astral characters before it.
        self._utf16_starts = [position + n for n, position in enumerate(self._astral)]
        self.utf16_length = self.length + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        """The UTF-16 offset of code-point ``offset`` (0..len(text) inclusive)."""
        if not 0 <= offset <= self.length:
            raise OffsetError(f"offset {offset} is outside a text of {self.length} characters")
        if not self._astral:
            return offset
        return offset + bisect_left(self._astral, offset)

    def from_utf16(self, offset: int) -> int:
        """The code-point offset of UTF-16 ``offset``; refuses one inside a surrogate pair."""
        if not 0 <= offset <= self.utf16_length:
            raise OffsetError(
                f"UTF-16 offset {offset} is outside a text of {self.utf16_length} code units"
            )
        if not self._astral:
            return offset
        before = bisect_left(self._utf16_starts, offset)
        if before and self._utf16_starts[before - 1] + 1 == offset:
            raise OffsetError(f"UTF-16 offset {offset} falls inside a surrogate pair")
        return offset - before

    def span_to_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.to_utf16(start), self.to_utf16(end)

    def span_from_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.from_utf16(start), self.from_utf16(end)


def normalize_with_map(raw: str) -> tuple[str, list[int]]:
    """``normalize_text`` plus where each raw offset lands in the result.

    ``mapping[i]`` is the offset in the normalised text of raw offset ``i`` (0..len(raw)), so
    spans made on the raw text (an imported tool's offsets) move with the text, never re-found
    by searching. NFC is applied per run of characters between starters, which is exactly what
    composition can change; a raw offset inside a composed run maps to the run's start.
    """
    out: list[str] = []
    mapping: list[int] = []
    length = 0
    i = 0
    # Leading byte-order marks vanish.
    while i < len(raw) and raw[i] == "\ufeff":
        mapping.append(0)
        i += 1
    while i < len(raw):
        if raw[i] == "\r":
            mapping.append(length)
            if i + 1 < len(raw) and raw[i + 1] == "\n":
                mapping.append(length)  # the CR of CRLF and its LF both map to the one LF
                i += 1
            out.append("\n")
            length += 1
            i += 1
            continue
        # A run: one character and the combining marks that follow it.
        j = i + 1
        while j < len(raw) and _joins_previous(raw[j]):
            j += 1
        composed = unicodedata.normalize("NFC", raw[i:j])
        if len(composed) == j - i:
            mapping.extend(range(length, length + len(composed)))
        else:
            mapping.extend([length] * (j - i))
        out.append(composed)
        length += len(composed)
        i = j
    mapping.append(length)
    text = "".join(out)
    return text, mapping


def _joins_previous(ch: str) -> bool:
    """Characters NFC may fold into the one before: combining marks, Hangul vowel/final jamo."""
    return (
        bool(unicodedata.combining(ch))
        or "\u1160" <= ch <= "\u11ff"
        or (unicodedata.category(ch) == "Mc")
    )
