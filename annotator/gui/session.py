"""The GUI's view of the open article: wraps the service and re-emits its changes as signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from annotator.domain.annotations import Layer, SetStatus
from annotator.services.annotation import ArticleSession, Removal
from annotator.services.changes import Change
from annotator.storage.annotation_sets import AnyItem


class QtArticleSession(QObject):
    """Every edit goes through here, so each view hears of exactly what changed."""

    changed = Signal(object)  # a services.changes.Change

    def __init__(self, session: ArticleSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = session

    def _emit(self, changes: list[Change]) -> None:
        for change in changes:
            self.changed.emit(change)

    def add(self, item: AnyItem) -> None:
        self._emit([self.service.add(item)])

    def update(self, item: AnyItem) -> None:
        self._emit([self.service.update(item)])

    def remove(self, layer: Layer, item_id: str) -> Removal:
        removal, changes = self.service.remove(layer, item_id)
        self._emit(changes)
        return removal

    def restore(self, removal: Removal) -> None:
        self._emit(self.service.restore(removal))

    def link(self, mention_ids: list[str], entity_id: str | None) -> dict[str, str | None]:
        previous, change = self.service.link(mention_ids, entity_id)
        self._emit([change])
        return previous

    def relink(self, previous: dict[str, str | None]) -> None:
        self._emit(self.service.relink(previous))

    def set_status(self, status: SetStatus) -> None:
        self._emit([self.service.set_status(status)])
