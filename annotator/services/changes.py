"""What an operation changed, so each view refreshes only that."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from annotator.domain.annotations import Layer


class ChangeKind(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"
    STATUS = "status"
    SCHEMA = "schema"


@dataclass(frozen=True)
class Change:
    """One layer's items added, updated or removed in one set, and the text ranges touched."""

    kind: ChangeKind
    layer: Layer | None
    set_id: str
    ids: tuple[str, ...] = ()
    ranges: tuple[tuple[int, int], ...] = field(default=())
