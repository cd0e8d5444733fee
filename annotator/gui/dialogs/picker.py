"""A keyboard-first list picker: type to filter, arrows to move, Enter to accept."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class QtPickerDialog(QDialog):
    """Choose one of ``choices`` (label, value); the first is selected, Enter accepts it."""

    def __init__(
        self,
        title: str,
        prompt: str,
        choices: list[tuple[str, object]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("pickerDialog")
        self.resize(520, 420)
        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText("Type to filter…")
        self._filter.setObjectName("pickerFilter")
        self._list = QListWidget(self)
        self._list.setObjectName("pickerList")
        for label, value in choices:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            self._list.addItem(item)
        self._list.setCurrentRow(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._list.itemActivated.connect(lambda _item: self.accept())
        self._filter.textChanged.connect(self._on_filter_text_changed)
        self._filter.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt, self))
        layout.addWidget(self._filter)
        layout.addWidget(self._list)
        layout.addWidget(buttons)
        self._filter.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Arrow keys typed into the filter move the list's selection.
        if watched is self._filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move(1 if event.key() == Qt.Key.Key_Down else -1)
                return True
        return super().eventFilter(watched, event)

    def _move(self, step: int) -> None:
        row = self._list.currentRow()
        for _ in range(self._list.count()):
            row = (row + step) % self._list.count()
            if not self._list.item(row).isHidden():
                self._list.setCurrentRow(row)
                return

    def _on_filter_text_changed(self, text: str) -> None:
        needle = text.casefold()
        first = None
        for row in range(self._list.count()):
            item = self._list.item(row)
            hidden = needle not in item.text().casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        if first is not None:
            self._list.setCurrentRow(first)

    def value(self) -> object | None:
        item = self._list.currentItem()
        if item is None or item.isHidden():
            return None
        return item.data(Qt.ItemDataRole.UserRole)

    def labels(self) -> list[str]:
        return [self._list.item(r).text() for r in range(self._list.count())]
