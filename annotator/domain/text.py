"""Pure text helpers used while annotating: word snapping, quotation marks, name similarity."""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher

OPENING_QUOTES = "\"“„«‹「『'‘‚"
CLOSING_QUOTES = "\"”“»›」』'’"


def _is_word_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Letters, marks and digits, and what joins emoji sequences. A hyphen or apostrophe
    # ends a word here: "Vilnius" in "Vilnius-based", "Aasland" in "Aasland's".
    return category[0] in "LMN" or ch in "\u200d\ufe0f_" or ord(ch) > 0xFFFF


def _is_trimmed(ch: str, *, punctuation: bool) -> bool:
    if ch.isspace():
        return True
    return punctuation and unicodedata.category(ch)[0] in "PZ" and ch not in "-"


def snap_to_words(
    text: str, start: int, end: int, *, trim_punctuation: bool = True
) -> tuple[int, int]:
    """Trim whitespace (and punctuation) at the edges, then widen to whole words.

    Returns the span unchanged if trimming would leave nothing.
    """
    s, e = start, end
    while s < e and _is_trimmed(text[s], punctuation=trim_punctuation):
        s += 1
    while e > s and _is_trimmed(text[e - 1], punctuation=trim_punctuation):
        e -= 1
    if s >= e:
        return start, end
    if _is_word_char(text[s]):
        while s > 0 and _is_word_char(text[s - 1]):
            s -= 1
    if _is_word_char(text[e - 1]):
        while e < len(text) and _is_word_char(text[e]):
            e += 1
    # A possessive or trailing hyphen is not part of the name.
    return s, e


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The word around ``offset`` (for double-click), or None on whitespace/punctuation."""
    if not 0 <= offset < len(text) or not _is_word_char(text[offset]):
        if offset > 0 and offset <= len(text) and _is_word_char(text[offset - 1]):
            offset -= 1
        else:
            return None
    s = e = offset
    while s > 0 and _is_word_char(text[s - 1]):
        s -= 1
    while e < len(text) and _is_word_char(text[e]):
        e += 1
    return s, e


def looks_like_direct_quote(text: str, start: int, end: int) -> bool:
    """Whether the span is (or sits just inside) a pair of quotation marks."""
    if end - start >= 2 and text[start] in OPENING_QUOTES and text[end - 1] in CLOSING_QUOTES:
        return True
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(before) and before in OPENING_QUOTES and bool(after) and after in CLOSING_QUOTES


def name_similarity(a: str, b: str) -> float:
    """0..1: how alike two names are ("President Putin" ~ "Vladimir Putin" share a word)."""
    x, y = a.casefold().strip(), b.casefold().strip()
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    words_x, words_y = set(x.split()), set(y.split())
    shared = len(words_x & words_y) / max(1, min(len(words_x), len(words_y)))
    if x in y or y in x:
        shared = max(shared, 0.9)
    return max(shared * 0.95, SequenceMatcher(None, x, y).ratio() * 0.9)
