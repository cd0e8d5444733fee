"""The comparison tree: per layer, each group in a row, every annotator's version in its column."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel

from annotator.domain.annotations import Layer
from annotator.gui.review.review_text import STATUS_COLORS, STATUS_TEXT, cell, group_title
from annotator.gui.review.review_text_view import annotator_color
from annotator.services.review import ArticleReview
from annotator.services.review_units import Group, Unit

GROUP_ROLE = Qt.ItemDataRole.UserRole + 1

_LAYER_TITLES = {
    Layer.MENTION: "Mentions",
    Layer.QUOTE: "Quotes",
    Layer.STANCE: "Stances",
    Layer.DOCUMENT_LABEL: "Document labels",
}


class QtComparisonModel(QStandardItemModel):
    """Rebuilt from an ``ArticleReview`` after each decision (an article has tens of groups)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, QPersistentModelIndex] = {}
        self._order: list[str] = []

    def load(self, review: ArticleReview, *, disputed_only: bool = False) -> None:
        """Every group of the review; ``disputed_only`` hides groups all annotators agree on
        (the layer rows still count them)."""
        self.clear()
        self._rows = {}
        self._order = []
        names = [a.name for a in review.annotators]
        self.setHorizontalHeaderLabels(
            ["Item", "Status", *[f"{n + 1} · {name}" for n, name in enumerate(names)], "Gold"]
        )
        for column, _name in enumerate(names):
            header = QStandardItem(f"{column + 1} · {names[column]}")
            header.setForeground(QBrush(QColor(annotator_color(column))))
            font = QFont()
            font.setBold(True)
            header.setFont(font)
            self.setHorizontalHeaderItem(2 + column, header)
        root = self.invisibleRootItem()
        for layer, title in _LAYER_TITLES.items():
            groups = [g for g in review.groups if g.layer is layer]
            if not groups:
                continue
            disputed = sum(1 for g in groups if g.disputed)
            open_ = sum(1 for g in groups if g.disputed and not g.resolved)
            parent = QStandardItem(
                f"{title} ({len(groups)}: {len(groups) - disputed} agreed, "
                f"{disputed} disputed, {open_} open)"
            )
            parent.setEditable(False)
            font = parent.font()
            font.setBold(True)
            parent.setFont(font)
            filler = [QStandardItem("") for _ in range(len(names) + 2)]
            for item in filler:
                item.setEditable(False)
            root.appendRow([parent, *filler])
            for group in groups:
                if disputed_only and not group.disputed:
                    continue
                parent.appendRow(self._row(review, group))
                index = self.index(parent.rowCount() - 1, 0, parent.index())
                self._rows[group.id] = QPersistentModelIndex(index)
                self._order.append(group.id)

    def _row(self, review: ArticleReview, group: Group) -> list[QStandardItem]:
        title = QStandardItem(group_title(review, group))
        status_text = STATUS_TEXT[group.status]
        if group.rejected:
            status_text += " · ✗ rejected"
        elif group.gold:
            variant = group.gold_variant()
            status_text += " · ✓ gold" if variant is not None else " · ✓ gold (edited)"
        if group.unsure_units:
            status_text += " · ⚑"
        status = QStandardItem(status_text)
        background = QBrush(QColor(STATUS_COLORS[group.status]))
        if group.resolved:
            background = QBrush(QColor("#eef2f5"))
        status.setBackground(background)
        tips = [f"{review.name(u.owner)}: {review.describe(u)}" for u in _units(group)]
        tips += [f"gold: {review.describe(u)}" for u in group.gold]
        tips += [f"⚑ {review.name(u.owner)}: {u.note or 'unsure'}" for u in group.unsure_units]
        row = [title, status]
        for column, annotator in enumerate(review.annotators):
            item = QStandardItem(cell(review, group, group.version(annotator.id)))
            item.setForeground(QBrush(QColor(annotator_color(column))))
            row.append(item)
        gold = QStandardItem(cell(review, group, group.gold) if group.gold else "")
        if group.rejected:
            gold.setText("✗ left out")
        row.append(gold)
        for item in row:
            item.setEditable(False)
            item.setData(group.id, GROUP_ROLE)
            item.setToolTip("\n".join(tips))
        if group.resolved:
            font = title.font()
            font.setItalic(True)
            title.setFont(font)
        return row

    def index_of(self, group_id: str) -> QModelIndex:
        persistent = self._rows.get(group_id)
        if persistent is None or not persistent.isValid():
            return QModelIndex()
        return self.index(persistent.row(), persistent.column(), persistent.parent())

    def group_ids(self) -> list[str]:
        """Groups in the order the tree shows them."""
        return list(self._order)


def _units(group: Group) -> list[Unit]:
    return [u for v in group.variants for u in v.units]
