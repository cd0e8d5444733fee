"""Articles: canonical, immutable text with its metadata."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Self

from pydantic import Field, JsonValue, ValidationInfo, model_validator

from annotator.domain.base import DomainModel, utc_now
from annotator.domain.ids import new_id
from annotator.domain.offsets import normalize_text, text_sha256


class Article(DomainModel):
    """One news article. ``text`` is normalised (LF, NFC) and never changes once annotated."""

    id: str = Field(default_factory=new_id, min_length=1)
    text: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    title: str = ""
    source: str = ""
    author: str = ""
    published: str | None = None
    url: str = ""
    language: str = "en"
    external_id: str | None = None
    meta: dict[str, JsonValue] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _text_is_canonical(self, info: ValidationInfo) -> Self:
        if self.text.isspace():
            raise ValueError("article text is empty")
        if info.context and info.context.get("canonical_text") is self.text:
            return self  # made by create(), which normalised and hashed this very text
        if "\r" in self.text or not unicodedata.is_normalized("NFC", self.text):
            raise ValueError("article text is not normalised (CR line ends or not NFC)")
        if text_sha256(self.text) != self.sha256:
            raise ValueError("sha256 does not match the article text")
        return self

    @classmethod
    def create(cls, raw_text: str, **metadata: Any) -> Article:
        """Normalise raw text once and hash it: the only way new text enters a project."""
        text = normalize_text(raw_text)
        return cls.model_validate(
            {"text": text, "sha256": text_sha256(text), **metadata},
            context={"canonical_text": text},
        )

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        first_line = self.text.lstrip().split("\n", 1)[0]
        return first_line[:80]
