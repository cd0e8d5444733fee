"""The article list: title, outlet, date and the current annotator's status, filterable."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from annotator.domain.annotations import SetStatus
from annotator.storage.articles import ArticleSummary

_Index = QModelIndex | QPersistentModelIndex
STATUS_COLORS = {
    SetStatus.TODO: "#9e9e9e",
    SetStatus.IN_PROGRESS: "#f9a825",
    SetStatus.DONE: "#2e7d32",
    SetStatus.APPROVED: "#1565c0",
    SetStatus.NEEDS_REWORK: "#c62828",
}
STATUS_TEXT = {
    SetStatus.TODO: "to do",
    SetStatus.IN_PROGRESS: "in progress",
    SetStatus.DONE: "done",
    SetStatus.APPROVED: "approved",
    SetStatus.NEEDS_REWORK: "needs rework",
}


class QtArticleListModel(QAbstractTableModel):
    HEADERS = ("Title", "Outlet", "Date", "Status")

    def __init__(self) -> None:
        super().__init__()
        self._articles: list[ArticleSummary] = []
        self._status: dict[str, SetStatus] = {}
        self._rows: dict[str, int] = {}
        self._team: dict[str, str] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._articles)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        article = self._articles[index.row()]
        status = self.status(article.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                article.display_title,
                article.source,
                article.published or "",
                STATUS_TEXT[status],
            )[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 3:
            return QColor(STATUS_COLORS[status])
        if role == Qt.ItemDataRole.ToolTipRole:
            team = self._team.get(article.id)
            return f"{article.display_title}\n{article.text_length:,} characters" + (
                f"\nAssigned to {team}" if team else ""
            )
        if role == Qt.ItemDataRole.UserRole:
            return article.id
        return None

    def load(
        self,
        articles: list[ArticleSummary],
        status: dict[str, SetStatus],
        team: dict[str, str] | None = None,
    ) -> None:
        """``status``: the annotator's own status per article; ``team``: for reviewers, who
        an article is assigned to and how far each is (shown in the tooltip)."""
        self.beginResetModel()
        self._articles = articles
        self._status = dict(status)
        self._team = dict(team or {})
        self._rows = {a.id: row for row, a in enumerate(articles)}
        self.endResetModel()

    def status(self, article_id: str) -> SetStatus:
        return self._status.get(article_id, SetStatus.TODO)

    def set_status(self, article_id: str, status: SetStatus) -> None:
        self._status[article_id] = status
        row = self._rows.get(article_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 3), self.index(row, 3))

    def row_of(self, article_id: str) -> int | None:
        return self._rows.get(article_id)

    def article_ids(self) -> list[str]:
        return [a.id for a in self._articles]

    def done_count(self) -> int:
        return sum(
            1 for a in self._articles if self.status(a.id) in (SetStatus.DONE, SetStatus.APPROVED)
        )


class QtArticleFilterModel(QSortFilterProxyModel):
    """Filters by status and by the ids a full-text search found."""

    def __init__(self) -> None:
        super().__init__()
        self._statuses: set[SetStatus] | None = None
        self._ids: set[str] | None = None

    def set_statuses(self, statuses: set[SetStatus] | None) -> None:
        self.beginFilterChange()
        self._statuses = statuses
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_ids(self, ids: set[str] | None) -> None:
        self.beginFilterChange()
        self._ids = ids
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, QtArticleListModel)
        article_id = model.index(source_row, 0, source_parent).data(Qt.ItemDataRole.UserRole)
        if self._ids is not None and article_id not in self._ids:
            return False
        return self._statuses is None or model.status(article_id) in self._statuses
