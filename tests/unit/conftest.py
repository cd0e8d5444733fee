"""Fixtures for the layers below the GUI: real SQLite projects in tmp_path."""

from pathlib import Path

import pytest

from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.storage.project import Project

EMOJI_TEXT = (
    "Seoul 🇰🇷 — 서울디지털재단 posted 👩‍💻 and 🚀.\r\n"
    "Kim Ji-woo said, “We start again.”\r\n"
    "Cafe\u0301 owners agreed."
)


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "test.annotator", schema=default_schema()) as opened:
        yield opened


@pytest.fixture
def emoji_article(project: Project) -> Article:
    article = Article.create(EMOJI_TEXT, title="Emoji test", external_id="emoji-1")
    project.articles.add(article)
    return article
