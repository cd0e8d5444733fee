"""Articles: canonical, immutable text with its metadata."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from annotator.domain.article import Article
from annotator.domain.offsets import normalize_text, text_sha256


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- Article.create ---------------------------------------------------------------------------


def test_create_normalises_crlf_and_cr_and_hashes() -> None:
    article = Article.create("Title\r\nFirst line\rSecond line\r\n")
    assert article.text == "Title\nFirst line\nSecond line\n"
    assert article.sha256 == sha("Title\nFirst line\nSecond line\n")


def test_create_normalises_to_nfc_and_hashes_the_normalised_text() -> None:
    article = Article.create("Mu\u0308ller said")
    assert article.text == "Müller said"
    assert len(article.text) == 11
    assert article.sha256 == text_sha256("Müller said")
    assert article.sha256 != text_sha256("Mu\u0308ller said")


def test_create_strips_bom() -> None:
    article = Article.create("\ufeffSeoul, Monday\r\n")
    assert article.text == "Seoul, Monday\n"


def test_create_keeps_metadata_and_makes_ids() -> None:
    first = Article.create("Body", title="T", source="Yonhap", url="https://x.test/1")
    second = Article.create("Body")
    assert (first.title, first.source, first.url) == ("T", "Yonhap", "https://x.test/1")
    assert first.language == "en"
    assert len(first.id) == 26
    assert first.id != second.id
    assert first.sha256 == second.sha256


def test_create_refuses_unknown_metadata() -> None:
    with pytest.raises(ValidationError, match="headline"):
        Article.create("Body", headline="nope")


def test_article_is_frozen() -> None:
    article = Article.create("Body")
    with pytest.raises(ValidationError):
        article.text = "Other"  # type: ignore[misc]


def test_article_round_trips_through_json() -> None:
    article = Article.create("서울 🇰🇷 said\r\n", title="t", meta={"k": [1, "v"]})
    assert Article.model_validate_json(article.model_dump_json()) == article


ALPHABET = ["a", " ", "\r\n", "\r", "\n", "e\u0301", "😀", "🇰🇷", "서울", "\u00a0", "\u2029"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=30).map("".join))
def test_create_is_normalize_then_hash(raw: str) -> None:
    text = normalize_text(raw)
    assume(text.strip())
    article = Article.create(raw)
    assert article.text == text
    assert article.sha256 == text_sha256(text)
    # What create made passes validation again unchanged (e.g. when read back from storage).
    assert Article.model_validate(article.model_dump()) == article


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "\ufeff"])
def test_empty_text_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="text"):
        Article.create(raw)


@pytest.mark.parametrize("raw", [" ", "\n\n", "\r\n\t ", "\u00a0\u2029"])
def test_blank_text_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="article text is empty"):
        Article.create(raw)


def test_wrong_sha256_is_refused() -> None:
    with pytest.raises(ValidationError, match="sha256 does not match the article text"):
        Article(text="Body", sha256=sha("Other"))


@pytest.mark.parametrize("digest", ["", "abc", sha("Body").upper(), sha("Body") + "0"])
def test_malformed_sha256_is_refused(digest: str) -> None:
    with pytest.raises(ValidationError, match="sha256"):
        Article(text="Body", sha256=digest)


@pytest.mark.parametrize("text", ["a\r\nb", "a\rb", "Mu\u0308ller", "\u212b"])
def test_non_normalised_text_is_refused(text: str) -> None:
    # Even with a matching hash: text must be canonical before it is stored.
    with pytest.raises(ValidationError, match="not normalised"):
        Article(text=text, sha256=sha(text))


def test_valid_article_is_accepted() -> None:
    article = Article(text="Müller said", sha256=sha("Müller said"))
    assert article.text == "Müller said"


# -- display_title ----------------------------------------------------------------------------


def test_display_title_prefers_title() -> None:
    assert Article.create("First line\nSecond", title="Headline").display_title == "Headline"


def test_display_title_falls_back_to_first_non_blank_line() -> None:
    assert Article.create("\n\n   First line\nSecond").display_title == "First line"


def test_display_title_is_cut_to_80_characters() -> None:
    line = "x" * 100
    title = Article.create(line + "\nrest").display_title
    assert title == "x" * 80
