"""Assigning articles to annotators: direct, or "each article by k annotators" round robin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from annotator.domain.annotations import Annotator, Role, SetKind, SetStatus
from annotator.domain.errors import InvalidDataError
from annotator.storage.project import Project


@dataclass(frozen=True)
class AssignmentReport:
    """What an assignment run changed."""

    added: list[tuple[str, str]]
    """New (article id, annotator id) pairs."""
    kept: int
    """Pairs that were assigned already and stay as they were."""
    articles: int
    """Articles considered."""
    annotators: list[Annotator]
    new_per_annotator: dict[str, int] = field(default_factory=dict)
    """Annotator name -> articles newly assigned to them."""


def plan_round_robin(
    article_ids: Sequence[str],
    annotator_ids: Sequence[str],
    per_article: int,
    *,
    existing: Mapping[str, Collection[str]] | None = None,
    load: Mapping[str, int] | None = None,
) -> list[tuple[str, str]]:
    """The (article, annotator) pairs that give every article ``per_article`` of the annotators.

    Deterministic: articles are taken in the order given and filled one person at a time with
    the annotator who holds the fewest assignments (``load`` counts what they hold already),
    then who has shared the fewest articles with those already on this one (so every pair of
    annotators overlaps about equally, which pairwise agreement needs), then the next in a
    cursor that rotates through ``annotator_ids``. Existing assignments (``existing``:
    article -> annotators) count toward ``per_article`` and are never repeated or removed.
    """
    order = list(dict.fromkeys(annotator_ids))
    if per_article < 1:
        raise InvalidDataError(f"each article needs at least 1 annotator, not {per_article}")
    if per_article > len(order):
        raise InvalidDataError(
            f"each article by {per_article} annotators needs at least {per_article} annotators; "
            f"{len(order)} given"
        )
    position = {a: n for n, a in enumerate(order)}
    counts = {a: int((load or {}).get(a, 0)) for a in order}
    shared: Counter[tuple[str, str]] = Counter()
    for people in (existing or {}).values():
        known = sorted(a for a in people if a in position)
        shared.update(_pair(a, b) for a, b in combinations(known, 2))
    cursor = 0
    pairs: list[tuple[str, str]] = []
    for article_id in article_ids:
        on = [a for a in (existing or {}).get(article_id, ()) if a in position]
        if len(on) >= per_article:
            continue
        added: list[str] = []
        while len(on) < per_article:
            start = cursor
            pick = min(
                (a for a in order if a not in on),
                key=lambda a: (
                    counts[a],
                    sum(shared[_pair(a, b)] for b in on),
                    (position[a] - start) % len(order),
                ),
            )
            for other in on:
                shared[_pair(pick, other)] += 1
            on.append(pick)
            added.append(pick)
            counts[pick] += 1
        pairs.extend((article_id, a) for a in added)
        cursor = (position[added[-1]] + 1) % len(order)
    return pairs


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def resolve_annotators(
    project: Project, names: Sequence[str], *, create: bool, actor: str | None = None
) -> list[Annotator]:
    """The annotators named (case does not matter); new names are added if ``create``."""
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise InvalidDataError("no annotator named; give names like --annotators alice,bob")
    seen: dict[str, Annotator] = {}
    for name in cleaned:
        annotator = project.annotators.by_name(name)
        if annotator is None:
            if not create:
                known = ", ".join(a.name for a in project.annotators.list()) or "none yet"
                raise InvalidDataError(f"no annotator named {name!r} (known: {known})")
            annotator = project.annotators.get_or_create(name, roles=[Role.ANNOTATOR])
        seen.setdefault(annotator.id, annotator)
    return list(seen.values())


def resolve_articles(project: Project, specs: Sequence[str]) -> list[str]:
    """Article ids for ``specs``: article ids, external ids, or numbers and ranges in project
    order (``7``, ``1-50``). The result keeps project order and has no repeats."""
    order = project.articles.ids()
    index = {article_id: n for n, article_id in enumerate(order)}
    chosen: set[str] = set()
    unknown: list[str] = []
    for raw in specs:
        spec = raw.strip()
        if not spec:
            continue
        if spec in index:
            chosen.add(spec)
            continue
        by_external = project.articles.find_by_external_id(spec)
        if by_external:
            chosen.update(by_external)
            continue
        numbers = _number_range(spec, len(order))
        if numbers is None:
            unknown.append(spec)
            continue
        chosen.update(order[n - 1] for n in numbers)
    if unknown:
        raise InvalidDataError(
            f"no article with the id, external id or number {', '.join(map(repr, unknown))} "
            f"(numbers run from 1 to {len(order)})"
        )
    return sorted(chosen, key=index.__getitem__)


def _number_range(spec: str, count: int) -> range | None:
    first, dash, last = spec.partition("-")
    if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
        return None
    start = int(first)
    stop = int(last) if dash else start
    if not 1 <= start <= stop <= count:
        return None
    return range(start, stop + 1)


def plan_pairs(
    project: Project,
    people: Sequence[Annotator],
    article_ids: Sequence[str],
    per_article: int | None,
) -> tuple[list[tuple[str, str]], int]:
    """What assigning ``article_ids`` to ``people`` would add, unwritten: the new
    (article id, annotator id) pairs, and how many of the wanted pairs exist already."""
    existing = project.assignments.by_article()
    ids = [a.id for a in people]
    if per_article is None:
        wanted = [(article, a) for article in article_ids for a in ids]
    else:
        wanted = plan_round_robin(
            article_ids, ids, per_article, existing=existing, load=project.assignments.counts()
        )
    fresh = [(art, a) for art, a in wanted if a not in existing.get(art, ())]
    chosen = set(ids)
    kept = sum(1 for art in article_ids for a in existing.get(art, ()) if a in chosen)
    return fresh, kept


def assign_articles(
    project: Project,
    *,
    annotators: Sequence[str],
    per_article: int | None = None,
    articles: Sequence[str] | None = None,
    actor: str | None = None,
) -> AssignmentReport:
    """Assign ``articles`` (all when None) to the named annotators (added when new).

    With ``per_article`` each article gets that many of them (round robin, balanced, keeping
    what is assigned already); without it every named annotator gets every article.
    One transaction for the whole run.
    """
    people = resolve_annotators(project, annotators, create=True, actor=actor)
    article_ids = resolve_articles(project, articles) if articles else project.articles.ids()
    fresh, kept = plan_pairs(project, people, article_ids, per_article)
    added = project.assignments.assign(fresh, actor=actor)
    names = {a.id: a.name for a in people}
    per_person = Counter(names[a] for _, a in added)
    return AssignmentReport(
        added=added,
        kept=kept,
        articles=len(article_ids),
        annotators=people,
        new_per_annotator={a.name: per_person.get(a.name, 0) for a in people},
    )


def unassign_articles(
    project: Project,
    *,
    annotators: Sequence[str],
    articles: Sequence[str] | None = None,
    actor: str | None = None,
) -> list[tuple[str, str]]:
    """Take articles (all when None) back from the named annotators; their labels stay."""
    people = resolve_annotators(project, annotators, create=False)
    chosen = set(resolve_articles(project, articles)) if articles else None
    pairs = [
        (article_id, person.id)
        for person in people
        for article_id in project.assignments.articles_of(person.id)
        if chosen is None or article_id in chosen
    ]
    return project.assignments.unassign(pairs, actor=actor)


def visible_article_ids(project: Project, annotator: Annotator) -> set[str] | None:
    """The articles an annotator's list shows: the assigned ones, or None for all.

    Reviewers see every article; so does an annotator with no assignment (a project that does
    not use assignments, or a person not yet given any).
    """
    if Role.REVIEWER in annotator.roles:
        return None
    assigned = project.assignments.articles_of(annotator.id)
    return set(assigned) if assigned else None


@dataclass(frozen=True)
class AnnotatorProgress:
    """One annotator's work on their assigned articles."""

    annotator: Annotator
    assigned: int
    status: dict[SetStatus, int]
    """Status of their own set on each assigned article (no set yet counts as to do)."""
    unassigned_sets: int
    """Sets they have on articles not assigned to them (work done before an unassignment)."""


@dataclass(frozen=True)
class AssignmentOverview:
    annotators: list[AnnotatorProgress]
    coverage: dict[int, int]
    """Number of assignees -> number of articles with that many."""
    articles: int


def assignment_overview(project: Project) -> AssignmentOverview:
    """Per annotator: assigned articles and the status of each; articles by assignee count."""
    by_article = project.assignments.by_article()
    statuses: dict[tuple[str, str], SetStatus] = {
        (info.article_id, info.annotator_id): info.status
        for info in project.sets.all_infos()
        if info.kind is SetKind.ANNOTATION
    }
    assigned_pairs = {(art, a) for art, people in by_article.items() for a in people}
    rows: list[AnnotatorProgress] = []
    for person in project.annotators.list():
        mine = [art for art, people in by_article.items() if person.id in people]
        status = Counter(statuses.get((art, person.id), SetStatus.TODO) for art in mine)
        extra = sum(1 for (art, a) in statuses if a == person.id and (art, a) not in assigned_pairs)
        rows.append(
            AnnotatorProgress(
                annotator=person,
                assigned=len(mine),
                status={s: status.get(s, 0) for s in SetStatus},
                unassigned_sets=extra,
            )
        )
    total = project.articles.count()
    coverage = Counter(len(people) for people in by_article.values())
    coverage[0] = total - len(by_article)
    return AssignmentOverview(
        annotators=rows, coverage=dict(sorted(coverage.items())), articles=total
    )


_STATUS_WORDS = {
    SetStatus.TODO: "to do",
    SetStatus.IN_PROGRESS: "in progress",
    SetStatus.DONE: "done",
    SetStatus.APPROVED: "approved",
    SetStatus.NEEDS_REWORK: "needs rework",
}


def article_list_scope(
    project: Project, annotator: Annotator
) -> tuple[set[str] | None, dict[str, str]]:
    """What the article list shows this person: the article ids (None for all, see
    ``visible_article_ids``), and for reviewers a line per article naming who it is assigned
    to with each one's status ("alice: done, bob: to do"). Annotators get no such lines: they
    see only their own work."""
    visible = visible_article_ids(project, annotator)
    if Role.REVIEWER not in annotator.roles:
        return visible, {}
    names = {a.id: a.name for a in project.annotators.list()}
    statuses = {
        (info.article_id, info.annotator_id): info.status
        for info in project.sets.all_infos()
        if info.kind is SetKind.ANNOTATION
    }
    team = {
        article_id: ", ".join(
            f"{names.get(a, a)}: {_STATUS_WORDS[statuses.get((article_id, a), SetStatus.TODO)]}"
            for a in people
        )
        for article_id, people in project.assignments.by_article().items()
    }
    return visible, team
