"""The review queue: articles with two or more annotators, most open disagreement first."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.review.review_text import clip
from annotator.services.review import QueueEntry

_HEADERS = ["Article", "Open", "Agreed", "⚑"]


class QtReviewQueue(QWidget):
    """A table of ``QueueEntry`` rows; ``article_chosen(id)`` when one is clicked."""

    article_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[QueueEntry] = []
        self.model = QStandardItemModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("reviewQueue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.clicked.connect(self._on_table_clicked)
        self.table.activated.connect(self._on_table_clicked)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.label)
        layout.addWidget(self.table)
        self.setMinimumWidth(250)

    def show_entries(self, entries: list[QueueEntry]) -> None:
        self.entries = list(entries)
        self.model.clear()
        self.model.setHorizontalHeaderLabels(_HEADERS)
        for entry in self.entries:
            self.model.appendRow(_row(entry))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(_HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        waiting = sum(1 for e in self.entries if e.open)
        self.label.setText(
            f"{len(self.entries)} article(s) with two or more annotators, {waiting} with open "
            "disagreements; most first. Open: undecided / disputed groups. Agreed: share of "
            "groups all annotators agree on."
        )

    def update_entry(self, entry: QueueEntry) -> None:
        """New counts for one article; it keeps its place until the queue is read again."""
        for row, old in enumerate(self.entries):
            if old.article_id == entry.article_id:
                self.entries[row] = entry
                for column, item in enumerate(_row(entry)):
                    self.model.setItem(row, column, item)
                return

    def select(self, article_id: str) -> None:
        for row, entry in enumerate(self.entries):
            if entry.article_id == article_id:
                self.table.selectRow(row)
                return

    def article_ids(self) -> list[str]:
        return [e.article_id for e in self.entries]

    def _on_table_clicked(self, index: QModelIndex) -> None:
        article_id = index.data(Qt.ItemDataRole.UserRole)
        if article_id:
            self.article_chosen.emit(str(article_id))


def _row(entry: QueueEntry) -> list[QStandardItem]:
    cells = [
        QStandardItem(clip(entry.title, 60)),
        QStandardItem(f"{entry.open} / {entry.disputed}"),
        QStandardItem(f"{entry.agreement:.0%}"),
        QStandardItem(str(entry.unsure) if entry.unsure else ""),
    ]
    tip = (
        f"{entry.title}\nannotators: {', '.join(entry.annotators)}\n"
        f"{entry.groups} groups: {entry.agreed} agreed, {entry.partial} partial, "
        f"{entry.conflicts} conflicting; {entry.resolved} decided, {entry.open} open\n"
        f"gold items: {entry.gold_items}"
        + (f"\nsent back for rework: {entry.needs_rework}" if entry.needs_rework else "")
        + (f"\nunsure flags: {entry.unsure}" if entry.unsure else "")
    )
    for item in cells:
        item.setData(entry.article_id, Qt.ItemDataRole.UserRole)
        item.setToolTip(tip)
        if entry.open == 0:
            item.setForeground(Qt.GlobalColor.darkGray)
    return cells
