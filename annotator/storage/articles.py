"""The article repository: canonical texts, metadata, duplicates by hash, full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json, load_time

_COLUMNS = (
    "id, text, sha256, title, source, author, published, url, language, external_id, meta, "
    "created_at"
)
#: Ids per ``IN (...)`` list of ``get_many`` (well below SQLite's limit on parameters).
_MANY = 500


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """What lists show of an article, without its text."""

    id: str
    position: int
    title: str
    source: str
    published: str | None
    external_id: str | None
    text_length: int
    display_title: str


class ArticleKey(NamedTuple):
    """What a dataset split groups an article by (see ``services.exporting.assign_splits``)."""

    id: str
    source: str
    published: str | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: str
    title: str
    snippet: str


def _article(row: tuple[Any, ...]) -> Article:
    (id_, text, sha, title, source, author, published, url, lang, ext, meta, created) = row
    return Article.model_construct(
        id=id_,
        text=text,
        sha256=sha,
        title=title,
        source=source,
        author=author,
        published=published,
        url=url,
        language=lang,
        external_id=ext,
        meta=load_json(str(meta)),
        created_at=load_time(str(created)),
    )


_ARTICLE_FIELDS = tuple(Article.model_fields)


def _trusted_article(row: tuple[Any, ...]) -> Article:
    """``_article`` without ``model_construct``'s per-field work (a tenth of its cost, for bulk
    reads): the same values, every field set, straight from the table's checked columns."""
    values = dict(zip(_ARTICLE_FIELDS, row, strict=True))
    values["meta"] = load_json(str(values["meta"]))
    values["created_at"] = load_time(str(values["created_at"]))
    article = Article.__new__(Article)
    object.__setattr__(article, "__dict__", values)
    object.__setattr__(article, "__pydantic_fields_set__", set(_ARTICLE_FIELDS))
    object.__setattr__(article, "__pydantic_extra__", None)
    object.__setattr__(article, "__pydantic_private__", None)
    return article


class ArticleRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    def add(self, article: Article) -> bool:
        """Store an article; False (and nothing stored) if the same text is already there."""
        return self.add_many([article]) == []

    def add_many(self, articles: Iterable[Article]) -> list[tuple[Article, str]]:
        """Store articles in one transaction; return the duplicates as (article, existing id)."""
        duplicates: list[tuple[Article, str]] = []
        with self._database.transaction() as conn:
            (position,) = conn.execute("SELECT COALESCE(MAX(position), 0) FROM articles").fetchone()
            for article in articles:
                try:
                    cursor = conn.execute(
                        "INSERT INTO articles (id, position, text, text_length, sha256, title, "
                        "source, author, published, url, language, external_id, meta, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (sha256) DO NOTHING",
                        (
                            article.id,
                            position + 1,
                            article.text,
                            len(article.text),
                            article.sha256,
                            article.title,
                            article.source,
                            article.author,
                            article.published,
                            article.url,
                            article.language,
                            article.external_id,
                            dump_json(article.meta),
                            dump_time(article.created_at),
                        ),
                    )
                except sqlite3.IntegrityError:
                    raise InvalidDataError(
                        f"article id {article.id} already exists with another text"
                    ) from None
                if cursor.rowcount == 0:  # the same text is already in the project
                    existing = conn.execute(
                        "SELECT id FROM articles WHERE sha256 = ?", (article.sha256,)
                    ).fetchone()
                    duplicates.append((article, existing[0]))
                    continue
                position += 1
                conn.execute(
                    "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                    (cursor.lastrowid, article.title, article.text),
                )
        return duplicates

    def get(self, article_id: str) -> Article:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id}")
        return _article(row)

    def get_many(self, article_ids: Sequence[str]) -> list[Article]:
        """The articles of ``article_ids`` in that order (repeats included), a query per
        ``_MANY`` ids; an unknown id raises ``NotFoundError``."""
        found: dict[str, Article] = {}
        unique = list(dict.fromkeys(article_ids))
        for start in range(0, len(unique), _MANY):
            chunk = unique[start : start + _MANY]
            marks = ", ".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = _trusted_article(row)
        missing = [article_id for article_id in unique if article_id not in found]
        if missing:
            raise NotFoundError(f"no article with id {missing[0]}")
        return [found[article_id] for article_id in article_ids]

    def find_by_sha256(self, sha256: str) -> str | None:
        row = self._conn.execute("SELECT id FROM articles WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else str(row[0])

    def find_by_external_id(self, external_id: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT id FROM articles WHERE external_id = ? ORDER BY position", (external_id,)
        )
        return [str(r[0]) for r in rows]

    def text_length(self, article_id: str) -> int:
        row = self._conn.execute(
            "SELECT text_length FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id}")
        return int(row[0])

    def iter_all(self, *, batch: int = 500) -> Iterator[Article]:
        """Every article in project order, streamed (a large project never sits in memory)."""
        last = 0
        while True:
            rows = self._conn.execute(
                f"SELECT position, {_COLUMNS} FROM articles WHERE position > ? "
                "ORDER BY position LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _article(row[1:])
            last = rows[-1][0]

    def summaries(self) -> list[ArticleSummary]:
        rows = self._conn.execute(
            "SELECT id, position, title, source, published, external_id, text_length, "
            "substr(text, 1, 120) FROM articles ORDER BY position"
        )
        out = []
        for id_, pos, title, source, published, ext, length, head in rows:
            display = title or str(head).lstrip().split("\n", 1)[0][:80]
            out.append(ArticleSummary(id_, pos, title, source, published, ext, length, display))
        return out

    def keys(self) -> list[ArticleKey]:
        """Every article's id, source and publication date in project order: what an export
        needs of 100,000 articles (a tenth of ``summaries``'s memory, and no text read)."""
        rows = self._conn.execute("SELECT id, source, published FROM articles ORDER BY position")
        return [ArticleKey(*row) for row in rows]

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def ids(self) -> list[str]:
        return [str(r[0]) for r in self._conn.execute("SELECT id FROM articles ORDER BY position")]

    def search(self, query: str, *, limit: int = 200) -> list[SearchHit]:
        """Full-text search over titles and texts; words are matched as prefixes."""
        words = [w.replace('"', '""') for w in query.split() if w.strip()]
        if not words:
            return []
        match = " ".join(f'"{w}"*' for w in words)
        rows = self._conn.execute(
            "SELECT a.id, a.title, snippet(articles_fts, 1, '[', ']', '…', 12) "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [SearchHit(str(i), str(t), str(s)) for i, t, s in rows]
