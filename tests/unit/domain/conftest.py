"""Fixtures shared by the domain unit tests (no Qt, no storage)."""

from __future__ import annotations

import pytest

from annotator.domain.article import Article
from annotator.domain.schema import Schema, Topic, default_schema

NEWS_TEXT = (
    'Putin said: "We will not retreat." '
    "The EU condemned the move on Tuesday in Brussels.\n"
    "Seoul stayed silent."
)


@pytest.fixture
def news_schema() -> Schema:
    """The shipped news schema plus one topic, so stances on topics can be checked."""
    data = default_schema().model_dump()
    data["topics"] = [Topic(name="sanctions").model_dump()]
    return Schema.model_validate(data)


@pytest.fixture
def news_article() -> Article:
    return Article.create(NEWS_TEXT, title="EU condemns move")
