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
    }
