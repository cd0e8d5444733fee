"""Progress figures of ``annotator stats``: articles by status, done per day, unsure flags."""

from __future__ import annotations

from annotator.domain.annotations import AnnotationSet, Mention, SetStatus
from annotator.domain.article import Article
from annotator.services import stats
from annotator.storage.project import Project


def test_progress_figures(project: Project) -> None:
    articles = [
        Article.create(f"Story {n} about Putin in Moscow.", title=f"S{n}") for n in range(4)
    ]
    for article in articles:
        project.articles.add(article)
    alice = project.annotators.get_or_create("alice")
    bob = project.annotators.get_or_create("bob")
    first = project.sets.get_or_create(articles[0].id, alice.id).id
    project.sets.add(first, Mention(start=0, end=5, label="PER", unsure=True))
    project.sets.add(first, Mention(start=17, end=22, label="PER", unsure=True))
    project.sets.set_status(first, SetStatus.DONE, actor="alice")
    with project.database.transaction() as conn:
        conn.execute(
            "UPDATE audit_log SET at = '2026-05-04T10:00:00.000+00:00' "
            "WHERE target_id = ? AND action = 'status'",
            (first,),
        )
    second = project.sets.get_or_create(articles[0].id, bob.id).id
    project.sets.set_status(second, SetStatus.NEEDS_REWORK)
    reopened = project.sets.get_or_create(articles[1].id, bob.id).id
    project.sets.set_status(reopened, SetStatus.DONE)
    project.sets.set_status(reopened, SetStatus.IN_PROGRESS)  # done, then reopened: not done
    # A set stored as done by an import has no status row: it counts from its updated_at.
    imported = AnnotationSet(
        article_id=articles[2].id,
        annotator_id=bob.id,
        text_sha256=articles[2].sha256,
        status=SetStatus.DONE,
        mentions=[Mention(start=0, end=5, label="ORG", unsure=True)],
    )
    project.sets.replace(imported)

    data = stats.project_stats(project)
    assert data["articles_by_status"] == {
        "todo": 1,
        "needs_rework": 1,  # alice done, bob needs rework: as far as its least advanced set
        "in_progress": 1,
        "done": 1,
        "approved": 0,
    }
    assert data["done_per_day"]["alice"] == {"2026-05-04": 1}
    day = imported.updated_at.astimezone().date().isoformat()
    assert data["done_per_day"]["bob"] == {day: 1}
    assert data["unsure_total"] == 3
    assert data["unsure_by_article"][0] == {
        "article_id": articles[0].id,
        "title": "S0",
        "unsure": 2,
    }
    assert stats.articles_with_status(project, "needs_rework") == [articles[0].id]
    assert stats.articles_done_on(project, "alice", "2026-05-04") == [articles[0].id]
    assert stats.articles_with_label(project, "mentions", "PER") == [articles[0].id]
    assert stats.articles_with_unsure(project) == [articles[0].id, articles[2].id]
    assert stats.articles_of_annotator(project, "bob", "done") == [articles[2].id]
    assert stats.articles_of_annotator(project, "nobody") == []
