"""Assignments: the repository, round robin "each article by k annotators", visibility."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from annotator.domain.annotations import Annotator, Role, SetStatus
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError
from annotator.services.assigning import (
    assign_articles,
    assignment_overview,
    plan_round_robin,
    resolve_articles,
    unassign_articles,
    visible_article_ids,
)
from annotator.storage.project import Project


@pytest.fixture
def articles(project: Project) -> list[Article]:
    made = [
        Article.create(
            f"Story number {n} about the deployment.", title=f"Story {n}", external_id=f"wire-{n}"
        )
        for n in range(1, 13)
    ]
    project.articles.add_many(made)
    return made


def test_assign_unassign_and_list(project: Project, articles: list[Article]) -> None:
    alice = project.annotators.add(Annotator(name="alice"))
    bob = project.annotators.add(Annotator(name="bob"))
    added = project.assignments.assign(
        [(articles[2].id, alice.id), (articles[0].id, alice.id), (articles[0].id, bob.id)],
        actor="lead",
    )
    assert len(added) == 3
    # Assigning again changes nothing and says so.
    assert project.assignments.assign([(articles[0].id, alice.id)], actor="lead") == []
    assert project.assignments.articles_of(alice.id) == [articles[0].id, articles[2].id]
    assert project.assignments.annotators_of(articles[0].id) == [alice.id, bob.id]
    assert project.assignments.counts() == {alice.id: 2, bob.id: 1}
    assert project.assignments.is_assigned(articles[2].id, alice.id)
    assert not project.assignments.is_assigned(articles[2].id, bob.id)
    every = project.assignments.all()
    assert (every[0].article_id, every[0].annotator_id) == (articles[0].id, alice.id)
    assert every[0].assigned_by == "lead"

    removed = project.assignments.unassign([(articles[0].id, alice.id), (articles[5].id, bob.id)])
    assert removed == [(articles[0].id, alice.id)]
    assert project.assignments.articles_of(alice.id) == [articles[2].id]

    audit = [(e.action, e.target_id, e.detail["count"]) for e in project.audit.recent(limit=10)]
    assert audit[:3] == [("unassign", alice.id, 1), ("assign", bob.id, 1), ("assign", alice.id, 2)]


def test_assigning_unknown_articles_or_people_is_refused(project: Project, articles) -> None:
    alice = project.annotators.add(Annotator(name="alice"))
    with pytest.raises(InvalidDataError, match="no such article or annotator"):
        project.assignments.assign([(articles[0].id, alice.id), ("missing", alice.id)])
    assert not project.assignments.has_any()  # the whole action rolled back


def test_round_robin_is_balanced_and_deterministic() -> None:
    articles = [f"a{n:02}" for n in range(30)]
    people = ["alice", "bob", "carol", "dan"]
    pairs = plan_round_robin(articles, people, 2)
    assert pairs == plan_round_robin(articles, people, 2)
    per_article = Counter(article for article, _ in pairs)
    assert set(per_article.values()) == {2}
    load = Counter(person for _, person in pairs)
    assert max(load.values()) - min(load.values()) <= 1
    assert sum(load.values()) == 60
    # Pairs of annotators share articles evenly too (agreement needs every pair).
    together = Counter(tuple(sorted(p for a, p in pairs if a == article)) for article in articles)
    assert set(together) == set(combinations(people, 2))
    assert max(together.values()) - min(together.values()) <= 1


def test_round_robin_keeps_existing_assignments_and_fills_the_lightest() -> None:
    articles = ["a1", "a2", "a3", "a4"]
    existing = {"a1": ["alice"], "a2": ["alice", "bob"]}
    load = {"alice": 2, "bob": 1}
    pairs = plan_round_robin(articles, ["alice", "bob", "carol"], 2, existing=existing, load=load)
    assert ("a1", "alice") not in pairs
    assert not [p for p in pairs if p[0] == "a2"]
    per_article = Counter(a for a, _ in pairs)
    assert per_article == {"a1": 1, "a3": 2, "a4": 2}
    final = Counter(load) + Counter(p for _, p in pairs)
    assert max(final.values()) - min(final.values()) <= 1


def test_round_robin_refuses_impossible_requests() -> None:
    with pytest.raises(InvalidDataError, match="needs at least 3 annotators; 2 given"):
        plan_round_robin(["a"], ["alice", "bob"], 3)
    with pytest.raises(InvalidDataError, match="at least 1 annotator"):
        plan_round_robin(["a"], ["alice"], 0)


def test_assign_service_round_robin_over_chosen_articles(project: Project, articles) -> None:
    report = assign_articles(
        project,
        annotators=["alice", "Bob", "carol"],
        per_article=2,
        articles=["1-6"],
        actor="lead",
    )
    assert report.articles == 6 and len(report.added) == 12
    assert report.new_per_annotator == {"alice": 4, "Bob": 4, "carol": 4}
    by_article = project.assignments.by_article()
    assert set(by_article) == {a.id for a in articles[:6]}
    # A second run over all articles keeps the first six and balances the rest.
    again = assign_articles(project, annotators=["alice", "bob", "carol"], per_article=2)
    assert again.kept == 12 and len(again.added) == 12
    assert set(project.assignments.counts().values()) == {8}
    # Without --per-article every named annotator gets every chosen article.
    direct = assign_articles(project, annotators=["dana"], articles=["wire-3", articles[4].id])
    dana = project.annotators.by_name("dana")
    assert dana is not None and len(direct.added) == 2
    assert project.assignments.articles_of(dana.id) == [articles[2].id, articles[4].id]
    assert unassign_articles(project, annotators=["dana"], articles=["3"]) == [
        (articles[2].id, dana.id)
    ]


def test_article_specs_name_what_is_wrong(project: Project, articles) -> None:
    assert resolve_articles(project, ["12", "wire-1", "2-3", "2"]) == [
        articles[0].id,
        articles[1].id,
        articles[2].id,
        articles[11].id,
    ]
    with pytest.raises(InvalidDataError, match=r"'nope', '13-14' \(numbers run from 1 to 12\)"):
        resolve_articles(project, ["1", "nope", "13-14"])


def test_visibility_and_progress(project: Project, articles) -> None:
    assign_articles(project, annotators=["alice"], articles=["1-3"])
    alice = project.annotators.by_name("alice")
    bob = project.annotators.add(Annotator(name="bob"))
    rita = project.annotators.add(Annotator(name="rita", roles=[Role.REVIEWER]))
    assert alice is not None
    assert visible_article_ids(project, alice) == {a.id for a in articles[:3]}
    assert visible_article_ids(project, bob) is None
    assert visible_article_ids(project, rita) is None
    done = project.sets.get_or_create(articles[0].id, alice.id)
    project.sets.set_status(done.id, SetStatus.DONE)
    project.sets.get_or_create(articles[8].id, alice.id)
    overview = assignment_overview(project)
    row = next(r for r in overview.annotators if r.annotator.name == "alice")
    assert row.assigned == 3
    assert row.status[SetStatus.DONE] == 1 and row.status[SetStatus.TODO] == 2
    assert row.unassigned_sets == 1
    assert overview.coverage == {0: 9, 1: 3}
