"""What the annotation view and the reviewer's view share: read-only article text addressed in
code points, a fresh document per article, the current item marked, clicks told from drags."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextDocumentLayout, QPlainTextEdit, QTextEdit, QWidget

from annotator.gui.qt_offsets import QtOffsets

CURRENT_COLOR = QColor(255, 200, 0, 110)


def block_range(block: QTextBlock, offsets: QtOffsets) -> tuple[int, int, int]:
    """A text block's (Qt position, first code point, end code point). A highlighter's
    ``text`` is code points, but the block's position and length are UTF-16 units."""
    qt_start = block.position()
    return (
        qt_start,
        offsets.from_qt(qt_start),
        offsets.from_qt(qt_start + block.length() - 1),
    )


class QtTextView(QPlainTextEdit):
    """Read-only text in code points; subclasses draw their marks with a highlighter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setMouseTracking(True)
        self.offsets = QtOffsets("")
        self._text = ""
        self._document: QTextDocument | None = None
        self._press: QPoint | None = None

    @property
    def text(self) -> str:
        return self._text

    def _show_text(self, text: str, highlight: Callable[[QTextDocument], object]) -> None:
        """Show ``text`` in a new document, ``highlight`` attaching its highlighter before the
        document is shown (one highlight pass, at first paint)."""
        self._text = text
        self.offsets = QtOffsets(text)
        document = QTextDocument(self)
        document.setDocumentLayout(QPlainTextDocumentLayout(document))
        document.setDefaultFont(self.font())
        document.setPlainText(text)
        self.setExtraSelections([])
        highlight(document)
        # Qt deletes the editor's own first document when replaced; ours we delete ourselves.
        previous = self._document
        self.setDocument(document)
        self._document = document
        if previous is not None:
            previous.deleteLater()

    def _marked(self, ranges: list[tuple[int, int]]) -> list[QTextEdit.ExtraSelection]:
        """The current item's ranges as transient marks (ExtraSelections)."""
        marks = []
        for start, end in ranges:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = self.offsets.cursor_for(self.document(), start, end)
            fmt = QTextCharFormat()
            fmt.setBackground(CURRENT_COLOR)
            selection.format = fmt
            marks.append(selection)
        return marks

    def _move_to(self, offset: int, *, center: bool) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_qt(offset))
        self.setTextCursor(cursor)
        if center:
            self.centerCursor()
        else:
            self.ensureCursorVisible()

    def offset_at(self, point: QPoint) -> int | None:
        """The code point of the character under ``point`` (None past the text)."""
        cursor = self.cursorForPosition(point)
        try:
            offset = self.offsets.from_qt(cursor.position())
        except ValueError:
            return None
        # cursorForPosition snaps to the nearest gap; look at the character under the mouse.
        if point.x() < self.cursorRect(cursor).x() and offset > 0:
            offset -= 1
        return offset

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def _clicked(self, event: QMouseEvent) -> bool:
        """Whether a mouse release ends a left click (not a drag that selects text)."""
        point = event.position().toPoint()
        moved = self._press is not None and (point - self._press).manhattanLength() > 3
        return event.button() == Qt.MouseButton.LeftButton and not moved

    def set_point_size(self, size: int) -> None:
        font = QFont(self.font())
        font.setPointSize(size)
        self.setFont(font)
        self.document().setDefaultFont(font)
