"""Project statistics: articles, annotators, labels per layer and label, statuses."""

from __future__ import annotations

from typing import Any

from annotator.domain.annotations import SetKind, SetStatus
from annotator.storage.project import Project


def project_stats(project: Project) -> dict[str, Any]:
    """Everything ``annotator stats`` prints, as plain data (the JSON output is this dict)."""
    annotators = project.annotators.list()
    per_annotator = []
    for annotator in annotators:
        statuses = {str(s): 0 for s in SetStatus}
        for info in project.sets.for_annotator(annotator.id):
            statuses[str(info.status)] += 1
        per_annotator.append(
            {"name": annotator.name, "roles": [str(r) for r in annotator.roles], "sets": statuses}
        )
    status_counts = {str(s): 0 for s in SetStatus}
    status_counts.update(project.sets.status_counts())
    gold = sum(1 for info in project.sets.all_infos() if info.kind is SetKind.GOLD)
    labels = project.sets.label_counts(kind=SetKind.ANNOTATION)
    return {
        "project": project.name,
        "path": str(project.path),
        "articles": project.articles.count(),
        "annotators": per_annotator,
        "status": status_counts,
        "gold_sets": gold,
        "labels": labels,
        "gold_labels": project.sets.label_counts(kind=SetKind.GOLD),
        "totals": {layer: sum(counts.values()) for layer, counts in labels.items()},
        **progress_stats(project),
    }


# -- progress figures for the overview (also in ``annotator stats --json``) ---------------------

#: From least to most advanced: an article is as far as its least advanced annotator's set.
ARTICLE_STATUS_ORDER = (
    SetStatus.TODO,
    SetStatus.NEEDS_REWORK,
    SetStatus.IN_PROGRESS,
    SetStatus.DONE,
    SetStatus.APPROVED,
)

#: How many articles ``unsure_by_article`` lists.
UNSURE_TOP = 20


def article_statuses(project: Project) -> dict[str, SetStatus]:
    """article id -> its status: the least advanced status among its annotators' sets (an
    article nobody opened yet is ``todo``; gold sets do not count)."""
    rank = {status: n for n, status in enumerate(ARTICLE_STATUS_ORDER)}
    out: dict[str, SetStatus] = {
        article_id: SetStatus.TODO for article_id in project.articles.ids()
    }
    seen: set[str] = set()
    for info in project.sets.all_infos():
        if info.kind is not SetKind.ANNOTATION:
            continue
        if info.article_id not in seen:
            seen.add(info.article_id)
            out[info.article_id] = info.status
        elif rank[info.status] < rank[out[info.article_id]]:
            out[info.article_id] = info.status
    return out


def articles_by_status(project: Project) -> dict[str, int]:
    counts = {str(status): 0 for status in ARTICLE_STATUS_ORDER}
    for status in article_statuses(project).values():
        counts[str(status)] += 1
    return counts


def _done_sets(project: Project) -> list[tuple[str, str, str]]:
    """(annotator name, local day, article id) for every annotator's set now done or approved,
    dated by when it was last marked done."""
    names = {a.id: a.name for a in project.annotators.list()}
    when = project.sets.marked_done_at()
    out = []
    for info in project.sets.all_infos():
        if info.kind is SetKind.ANNOTATION and info.id in when:
            day = when[info.id].astimezone().date().isoformat()
            out.append((names.get(info.annotator_id, info.annotator_id), day, info.article_id))
    return out


def done_per_day(project: Project) -> dict[str, dict[str, int]]:
    """annotator -> day (local, ISO) -> sets marked done that day and still done or approved.

    Each annotator's days add up to their done and approved sets.
    """
    out: dict[str, dict[str, int]] = {a.name: {} for a in project.annotators.list()}
    for name, day, _article in _done_sets(project):
        days = out.setdefault(name, {})
        days[day] = days.get(day, 0) + 1
    return {name: dict(sorted(days.items())) for name, days in out.items()}


def unsure_by_article(project: Project, *, limit: int = UNSURE_TOP) -> list[dict[str, Any]]:
    """The articles with the most items flagged unsure by annotators, most first."""
    counts = project.sets.unsure_counts()
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    titles = {s.id: s.display_title for s in project.articles.summaries()} if top else {}
    return [{"article_id": a, "title": titles.get(a, ""), "unsure": n} for a, n in top]


def progress_stats(project: Project) -> dict[str, Any]:
    """The figures the overview adds to ``project_stats``."""
    unsure = project.sets.unsure_counts()
    return {
        "articles_by_status": articles_by_status(project),
        "done_per_day": done_per_day(project),
        "unsure_total": sum(unsure.values()),
        "unsure_by_article": unsure_by_article(project),
    }


# -- the articles behind each figure -------------------------------------------------------------


def articles_with_status(project: Project, status: str) -> list[str]:
    return [a for a, s in article_statuses(project).items() if s == status]


def articles_of_annotator(project: Project, name: str, status: str | None = None) -> list[str]:
    """The articles ``name`` has a set on (with ``status``, if given)."""
    annotator = project.annotators.by_name(name)
    if annotator is None:
        return []
    return sorted(
        info.article_id
        for info in project.sets.for_annotator(annotator.id)
        if status is None or info.status == status
    )


def articles_done_on(project: Project, name: str, day: str | None = None) -> list[str]:
    """The articles ``name`` marked done on ``day`` (any day if None)."""
    return sorted(
        {a for who, d, a in _done_sets(project) if who == name and (day is None or d == day)}
    )


def articles_with_label(project: Project, layer: str, label: str) -> list[str]:
    return project.sets.articles_with_label(layer, label)


def articles_with_unsure(project: Project) -> list[str]:
    counts = project.sets.unsure_counts()
    return [a for a, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
