"""Bulk reads for exports: ``ArticleRepository.get_many`` and ``ExportRows`` give exactly what
``get`` and ``AnnotationSetRepository.load`` give, in project order, a batch at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from annotator.domain.annotations import AnnotationSet, Mention, SetStatus
from annotator.domain.article import Article
from annotator.domain.errors import NotFoundError
from annotator.formats import native_jsonl
from annotator.storage.export_rows import ExportRows
from annotator.storage.project import Project
from tests.unit.services.test_native_roundtrip import fill


def add_articles(project: Project, count: int) -> list[Article]:
    articles = [Article.create(f"Story {n}: Kim met Lee.", title=f"S{n}") for n in range(count)]
    project.articles.add_many(articles)
    return articles


def test_get_many_keeps_the_order_asked_for_and_equals_get(project: Project) -> None:
    articles = add_articles(project, 7)
    ids = [a.id for a in articles]
    asked = [ids[5], ids[0], ids[5], ids[3]]
    got = project.articles.get_many(asked)
    assert [a.id for a in got] == asked
    for article in got:
        assert article == project.articles.get(article.id)
        assert article.model_dump() == project.articles.get(article.id).model_dump()
    assert project.articles.get_many([]) == []


def test_get_many_spans_several_queries(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.storage import articles as module

    monkeypatch.setattr(module, "_MANY", 2)
    articles = add_articles(project, 5)
    ids = [a.id for a in reversed(articles)]
    assert [a.id for a in project.articles.get_many(ids)] == ids


def test_get_many_names_an_unknown_id(project: Project) -> None:
    articles = add_articles(project, 2)
    with pytest.raises(NotFoundError, match="no article with id ghost"):
        project.articles.get_many([articles[0].id, "ghost"])


def expected(project: Project) -> list[tuple[dict, list[dict]]]:
    """What the reader must give: each article and its sets dumped by pydantic."""
    out = []
    for article in project.articles.iter_all():
        sets = [project.sets.load(info.id) for info in project.sets.for_article(article.id)]
        out.append((article.model_dump(mode="json"), [s.model_dump(mode="json") for s in sets]))
    return out


def as_json(value: object) -> object:
    """``datetime`` values as the native export writes them (the reader keeps datetimes)."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_UTC_Z))


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_rows_equal_the_models_dumped_in_every_batch_size(project: Project, batch: int) -> None:
    fill(project)  # every layer, provenance, evidence, document labels, a gold set
    add_articles(project, 3)  # without sets
    batches = list(ExportRows(project.database).batches(batch=batch))
    assert all(len(b) <= batch for b in batches)
    rows = [record for b in batches for record in b]
    assert as_json(rows) == as_json(expected(project))
    # Same keys in the same order, so the JSON lines are byte for byte those of pydantic.
    for (article, sets), (want_article, want_sets) in zip(rows, expected(project), strict=True):
        assert list(article) == list(want_article)
        for got, want in zip(sets, want_sets, strict=True):
            assert list(got) == list(want)
            for layer in ("mentions", "entities", "quotes", "stances", "document_labels"):
                for item, want_item in zip(got[layer], want[layer], strict=True):
                    assert list(item) == list(want_item)


def test_mentions_on_one_span_are_ordered_by_id_as_load_orders_them(project: Project) -> None:
    article = add_articles(project, 1)[0]
    annotator = project.annotators.get_or_create("alice")
    mentions = [Mention(id=f"m{n}", start=0, end=5, label="PER") for n in (3, 1, 2)]
    mentions.append(Mention(id="m0", start=6, end=8, label="ORG"))
    project.sets.replace(
        AnnotationSet(
            article_id=article.id,
            annotator_id=annotator.id,
            text_sha256=article.sha256,
            status=SetStatus.DONE,
            mentions=mentions,
        )
    )
    ((_article, (got,)),) = next(ExportRows(project.database).batches())
    assert [m["id"] for m in got["mentions"]] == ["m1", "m2", "m3", "m0"]
    assert as_json([_article, [got]]) == as_json(expected(project)[0])


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 7000, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_native_lines_from_rows_are_the_bytes_pydantic_gives(
    project: Project, moment: datetime
) -> None:
    article = Article.create("Kim met Lee.", created_at=moment)
    project.articles.add(article)
    annotator = project.annotators.get_or_create("alice")
    project.sets.replace(
        AnnotationSet(
            article_id=article.id,
            annotator_id=annotator.id,
            text_sha256=article.sha256,
            created_at=moment,
            updated_at=moment,
            mentions=[Mention(start=0, end=3, label="PER")],
        )
    )
    ((row, sets),) = next(ExportRows(project.database).batches())
    model = project.articles.get(article.id)
    loaded = [project.sets.load(i.id) for i in project.sets.for_article(article.id)]
    assert native_jsonl.record_line(row, sets) == native_jsonl.record_line(
        model.model_dump(mode="json"), [s.model_dump(mode="json") for s in loaded]
    )
