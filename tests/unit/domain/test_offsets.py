"""Canonical text and offsets: normalisation, hashing, code point <-> UTF-16 conversion."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.domain.offsets import (
    OffsetError,
    Utf16Index,
    check_span,
    normalize_text,
    normalize_with_map,
    text_sha256,
)

PROPERTY = settings(max_examples=300, deadline=None)

# Pieces of news text that are hard for offsets: astral emoji, flags (two regional
# indicators), ZWJ sequences, combining marks, CJK/Hangul, RTL, odd spaces and every
# kind of line end. Joined at random, so combining marks also land after emoji/CJK/CR.
PIECES = [
    "a",
    "Z",
    "7",
    " ",
    ".",
    '"',
    "said",
    "😀",
    "🚀",
    "🇰🇷",
    "🇷🇺",
    "👩\u200d💻",
    "e\u0301",  # e + combining acute (NFC: é)
    "\u0308",  # lone combining diaeresis
    "\u212b",  # ANGSTROM SIGN (NFC: Å)
    "\u1100\u1161",  # Hangul jamo (NFC: 가)
    "서울",
    "北京",
    "مرحبا",  # Arabic
    "שלום",  # Hebrew
    "\u00a0",  # NBSP
    "\u2029",  # PARAGRAPH SEPARATOR
    "\r",
    "\n",
    "\r\n",
]
ASTRAL = ["😀", "🚀", "🇰🇷", "👩\u200d💻", "𝒳"]

mixed_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
# Any text without lone surrogates (those cannot be encoded as UTF-16 at all).
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
texts = st.one_of(mixed_text, any_text)
raw_texts = st.tuples(st.sampled_from(["", "\ufeff"]), mixed_text).map("".join)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- normalize_text ---------------------------------------------------------------------------


@PROPERTY
@given(raw_texts)
def test_normalize_text_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once


@PROPERTY
@given(raw_texts)
def test_normalized_text_has_no_cr_and_is_nfc(raw: str) -> None:
    text = normalize_text(raw)
    assert "\r" not in text
    assert unicodedata.is_normalized("NFC", text)
    assert not text.startswith("\ufeff")


@PROPERTY
@given(raw_texts)
def test_normalize_text_keeps_every_line_break(raw: str) -> None:
    # CRLF, lone CR and LF each become exactly one LF; nothing else is a break here.
    expected_lines = len(re.split(r"\r\n|\r|\n", raw))
    assert len(normalize_text(raw).split("\n")) == expected_lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\r\n\r\nb", "a\n\nb"),
        ("a\r\rb", "a\n\nb"),
        ("a\n\rb", "a\n\nb"),  # LF then CR is two line ends, not one
        ("line\r\n", "line\n"),
    ],
)
def test_normalize_text_line_ends(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_composes_to_nfc() -> None:
    assert normalize_text("Mu\u0308ller") == "Müller"
    assert len(normalize_text("Mu\u0308ller")) == 6
    assert normalize_text("cafe\u0301") == "café"
    assert normalize_text("\u212b") == "\u00c5"
    assert normalize_text("\u1100\u1161") == "가"


def test_normalize_text_keeps_nbsp_paragraph_separator_and_rtl() -> None:
    text = "a\u00a0b\u2029שלום مرحبا 서울 北京 👩\u200d💻 🇰🇷"
    assert normalize_text(text) == text


def test_normalize_text_strips_a_leading_bom_only() -> None:
    assert normalize_text("\ufeffHello") == "Hello"
    assert normalize_text("\ufeff\r\nHello\r\n") == "\nHello\n"
    # U+FEFF inside the text is a zero-width no-break space, not a BOM: kept.
    assert normalize_text("a\ufeffb") == "a\ufeffb"


def test_normalize_text_is_idempotent_with_two_leading_boms() -> None:
    once = normalize_text("\ufeff\ufeffHello")
    assert normalize_text(once) == once


# -- text_sha256 ------------------------------------------------------------------------------


def test_text_sha256_known_values() -> None:
    assert text_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@PROPERTY
@given(texts)
def test_text_sha256_is_hex_sha256_of_utf8(text: str) -> None:
    digest = text_sha256(text)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_text_sha256_tells_nfd_from_nfc() -> None:
    # The hash is of the exact text: that is why text must be normalised before hashing.
    assert text_sha256("Mu\u0308ller") != text_sha256("Müller")
    assert text_sha256(normalize_text("Mu\u0308ller")) == text_sha256("Müller")


# -- check_span ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(0, 1), (0, 10), (9, 10), (3, 7)])
def test_check_span_accepts_non_empty_spans_inside(start: int, end: int) -> None:
    check_span(10, start, end)  # raises on failure
    assert 0 <= start < end <= 10


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 0), (5, 5), (6, 5), (-1, 3), (0, 11), (10, 11), (11, 12)],
)
def test_check_span_refuses_empty_reversed_or_outside(start: int, end: int) -> None:
    with pytest.raises(OffsetError, match=rf"span \[{start}, {end}\).*text of 10 characters"):
        check_span(10, start, end)


@PROPERTY
@given(
    st.integers(0, 50),
    st.integers(-5, 60),
    st.integers(-5, 60),
)
def test_check_span_property(length: int, start: int, end: int) -> None:
    valid = 0 <= start < end <= length
    if valid:
        check_span(length, start, end)
    else:
        with pytest.raises(OffsetError):
            check_span(length, start, end)


def test_offset_error_is_a_value_error() -> None:
    assert issubclass(OffsetError, ValueError)


# -- Utf16Index: properties -----------------------------------------------------------------


@PROPERTY
@given(texts)
def test_to_utf16_counts_utf16_code_units(text: str) -> None:
    index = Utf16Index(text)
    assert index.length == len(text)
    assert index.utf16_length == utf16_len(text)
    for i in range(len(text) + 1):
        assert index.to_utf16(i) == utf16_len(text[:i])


@PROPERTY
@given(texts)
def test_from_utf16_inverts_to_utf16(text: str) -> None:
    index = Utf16Index(text)
    for i in range(len(text) + 1):
        assert index.from_utf16(index.to_utf16(i)) == i


@PROPERTY
@given(texts)
def test_every_utf16_offset_is_a_boundary_or_inside_a_surrogate_pair(text: str) -> None:
    index = Utf16Index(text)
    boundaries = {index.to_utf16(i) for i in range(len(text) + 1)}
    for unit in range(index.utf16_length + 1):
        if unit in boundaries:
            assert index.to_utf16(index.from_utf16(unit)) == unit
        else:
            with pytest.raises(OffsetError, match="inside a surrogate pair"):
                index.from_utf16(unit)


@PROPERTY
@given(mixed_text, st.sampled_from(ASTRAL), mixed_text)
def test_offset_inside_a_surrogate_pair_raises(before: str, astral: str, after: str) -> None:
    text = before + astral + after
    index = Utf16Index(text)
    for i, ch in enumerate(text):
        if ord(ch) > 0xFFFF:
            high_surrogate_at = index.to_utf16(i)
            assert index.to_utf16(i + 1) == high_surrogate_at + 2
            with pytest.raises(OffsetError):
                index.from_utf16(high_surrogate_at + 1)


@PROPERTY
@given(texts, st.data())
def test_spans_round_trip_through_utf16(text: str, data: st.DataObject) -> None:
    assume(len(text) >= 1)
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    index = Utf16Index(text)
    u_start, u_end = index.span_to_utf16(start, end)
    encoded = text.encode("utf-16-le")
    assert encoded[2 * u_start : 2 * u_end].decode("utf-16-le") == text[start:end]
    assert index.span_from_utf16(u_start, u_end) == (start, end)


@PROPERTY
@given(texts, st.integers(1, 10))
def test_out_of_range_offsets_raise(text: str, beyond: int) -> None:
    index = Utf16Index(text)
    for bad in (-beyond, len(text) + beyond):
        with pytest.raises(OffsetError, match="outside a text"):
            index.to_utf16(bad)
    for bad in (-beyond, index.utf16_length + beyond):
        with pytest.raises(OffsetError, match="outside a text"):
            index.from_utf16(bad)
    with pytest.raises(OffsetError):
        index.span_to_utf16(0, len(text) + beyond)
    with pytest.raises(OffsetError):
        index.span_from_utf16(-beyond, 0)


# -- Utf16Index: worked examples ------------------------------------------------------------


def test_flag_before_word() -> None:
    text = "Putin 🇷🇺 said"
    start = text.index("said")
    assert (start, start + 4) == (9, 13)
    index = Utf16Index(text)
    assert index.span_to_utf16(9, 13) == (11, 15)
    assert index.span_from_utf16(11, 15) == (9, 13)
    assert index.length == 13
    assert index.utf16_length == 15
    # Each regional indicator is its own surrogate pair: 7 and 9 are inside one.
    for inside in (7, 9):
        with pytest.raises(OffsetError):
            index.from_utf16(inside)


def test_doccano_style_emoji_before_word() -> None:
    # A browser tool (JavaScript strings, UTF-16) sends "Seoul" after an emoji as [10, 15).
    text = "I 😀 love Seoul."
    cp_start = text.index("Seoul")
    assert (cp_start, cp_start + 5) == (9, 14)
    index = Utf16Index(text)
    assert index.span_from_utf16(10, 15) == (9, 14)
    assert text[slice(*index.span_from_utf16(10, 15))] == "Seoul"
    assert index.span_to_utf16(9, 14) == (10, 15)
    # Text before the emoji is the same in both units; "love" after it is shifted by one.
    assert index.span_to_utf16(0, 1) == (0, 1)
    assert index.span_to_utf16(4, 8) == (5, 9)
    # Using UTF-16 offsets as code points would select the wrong characters.
    assert text[10:15] != "Seoul"
    with pytest.raises(OffsetError, match="surrogate pair"):
        index.from_utf16(3)


def test_zwj_sequence_and_bmp_only_text() -> None:
    text = "👩\u200d💻 coder"
    index = Utf16Index(text)
    # 👩 (2 units) + ZWJ (1) + 💻 (2) = 5 units for 3 code points.
    assert index.to_utf16(3) == 5
    assert index.from_utf16(5) == 3
    bmp = Utf16Index("서울 北京 שלום e\u0301")
    assert [bmp.to_utf16(i) for i in range(bmp.length + 1)] == list(range(bmp.length + 1))
    assert bmp.utf16_length == bmp.length


def test_empty_text_index() -> None:
    index = Utf16Index("")
    assert index.length == index.utf16_length == 0
    assert index.to_utf16(0) == 0
    assert index.from_utf16(0) == 0
    with pytest.raises(OffsetError):
        index.to_utf16(1)


# -- normalize_with_map ------------------------------------------------------------------------

_RAW = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            " ",
            "e\u0301",
            "u\u0308",
            "\r\n",
            "\r",
            "\n",
            "😀",
            "서",
            "\u1100\u1161",
            "\u1100\u1161\u11a8",
            "é",
            "\ufeff",
            "x\u0301\u0323",
        ]
    ),
    max_size=30,
).map("".join)


@given(_RAW)
def test_normalize_with_map_gives_the_normalised_text_and_a_monotone_map(raw: str) -> None:
    text, mapping = normalize_with_map(raw)
    assert text == normalize_text(raw)
    assert len(mapping) == len(raw) + 1
    assert mapping[0] == 0 and mapping[-1] == len(text)
    assert all(a <= b for a, b in pairwise(mapping))


def test_normalize_with_map_moves_spans_after_crlf_and_combining_marks() -> None:
    raw = "Mu\u0308ller said\r\nKim Ji-woo 😀 agreed."
    text, mapping = normalize_with_map(raw)
    start = raw.index("Kim")
    end = start + len("Kim Ji-woo")
    assert text[mapping[start] : mapping[end]] == "Kim Ji-woo"
    start = raw.index("agreed")
    assert text[mapping[start] : mapping[start + 6]] == "agreed"
