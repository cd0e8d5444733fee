"""A table of annotation items kept sorted, updated row by row as changes arrive."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from annotator.storage.annotation_sets import AnyItem

Column = tuple[str, Callable[[AnyItem], str]]
_Index = QModelIndex | QPersistentModelIndex


class QtItemTableModel(QAbstractTableModel):
    """Rows are items sorted by ``sort_key``; inserts and removals touch one row each."""

    def __init__(
        self,
        columns: list[Column],
        sort_key: Callable[[AnyItem], tuple[Any, ...]],
        *,
        color: Callable[[AnyItem], str | None] | None = None,
        tooltip: Callable[[AnyItem], str] | None = None,
    ) -> None:
        super().__init__()
        self._columns = columns
        self._sort_key = sort_key
        self._color = color
        self._tooltip = tooltip
        self._keys: list[tuple[Any, ...]] = []
        self._items: list[AnyItem] = []
        self._rows: dict[str, tuple[Any, ...]] = {}

    # -- Qt --------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._columns[index.column()][1](item)
            return f"⚑ {text}" if index.column() == 0 and item.unsure else text
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and self._color:
            color = self._color(item)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tooltip(item) if self._tooltip else ""
            if item.unsure:  # the flag and why, for the annotator and the reviewer
                note = item.note if item.note not in tip else ""
                tip = "\n".join(p for p in (tip, "⚑ unsure", note) if p)
            return tip or None
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][0]
        return None

    # -- ours ------------------------------------------------------------------------------------

    def reset(self, items: Iterable[AnyItem]) -> None:
        self.beginResetModel()
        listed = list(items)
        keys = [self._sort_key(i) for i in listed]
        if any(a > b for a, b in pairwise(keys)):
            order = sorted(range(len(keys)), key=keys.__getitem__)
            keys = [keys[n] for n in order]
            listed = [listed[n] for n in order]
        self._keys = keys
        self._items = listed
        self._rows = {item.id: key for item, key in zip(listed, keys, strict=True)}
        self.endResetModel()

    def upsert(self, item: AnyItem) -> None:
        """Insert or replace one item, keeping the order."""
        if item.id in self._rows:
            row = self.row_of(item.id)
            key = self._sort_key(item)
            if row is not None and self._keys[row] == key:
                self._items[row] = item
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))
                return
            self.remove(item.id)
        key = self._sort_key(item)
        row = bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._keys.insert(row, key)
        self._items.insert(row, item)
        self._rows[item.id] = key
        self.endInsertRows()

    def remove(self, item_id: str) -> None:
        row = self.row_of(item_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._keys[row]
        del self._items[row]
        del self._rows[item_id]
        self.endRemoveRows()

    def refresh_all(self) -> None:
        """Redraw every row (names shown in other rows may have changed)."""
        if self._items:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._items) - 1, len(self._columns) - 1)
            )

    def row_of(self, item_id: str) -> int | None:
        key = self._rows.get(item_id)
        if key is None:
            return None
        row = bisect_left(self._keys, key)
        while row < len(self._items) and self._items[row].id != item_id:
            row += 1
        return row if row < len(self._items) else None

    def item_at(self, row: int) -> AnyItem:
        return self._items[row]

    def items(self) -> list[AnyItem]:
        return list(self._items)
