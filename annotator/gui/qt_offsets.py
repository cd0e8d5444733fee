"""The one place where Qt positions (UTF-16 code units) meet our code-point offsets."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor, QTextDocument

from annotator.domain.offsets import Utf16Index


class QtOffsets:
    """Converts between code-point offsets of the article text and Qt document positions."""

    def __init__(self, text: str) -> None:
        self._index = Utf16Index(text)

    def to_qt(self, offset: int) -> int:
        return self._index.to_utf16(offset)

    def from_qt(self, position: int) -> int:
        return self._index.from_utf16(position)

    def selection(self, cursor: QTextCursor) -> tuple[int, int] | None:
        """The cursor's selection as a code-point span, or None when nothing is selected."""
        if not cursor.hasSelection():
            return None
        return self.from_qt(cursor.selectionStart()), self.from_qt(cursor.selectionEnd())

    def cursor_for(self, document: QTextDocument, start: int, end: int) -> QTextCursor:
        """A cursor selecting the code-point span ``[start, end)``."""
        cursor = QTextCursor(document)
        cursor.setPosition(self.to_qt(start))
        cursor.setPosition(self.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor
