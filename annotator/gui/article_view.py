"""The article text: read-only, drawn by the label highlighter, selections in code points."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.gui.highlighter import QtLabelHighlighter
from annotator.gui.span_index import SUGGESTION_LAYERS, Span, SpanIndex
from annotator.gui.text_view import QtTextView

FIND_COLOR = QColor(255, 235, 59, 160)


class QtArticleView(QtTextView):
    """Shows one article; emits ``span_clicked(layer, key)`` when a label is clicked, and
    ``suggestion_clicked(key)`` when a suggestion is (a label under the mouse wins)."""

    span_clicked = Signal(str, str)
    suggestion_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setObjectName("articleView")
        self.index = SpanIndex()
        self._highlighter: QtLabelHighlighter | None = None
        self._current: list[QTextEdit.ExtraSelection] = []
        self._found: list[QTextEdit.ExtraSelection] = []
        self.describe_span = lambda layer, span: f"{layer}: {span.style}"
        self.describe_suggestion = lambda layer, span: f"suggested {span.style}"

    # -- content ---------------------------------------------------------------------------------

    def load(self, text: str, spans: dict[str, list[Span]], colors: dict[str, str]) -> None:
        """Show a new article with its spans (one highlight pass, at first paint)."""
        self.index = SpanIndex()
        for layer, layer_spans in spans.items():
            self.index.layers[layer].bulk_load(layer_spans)
        self._current, self._found = [], []

        def highlight(document: QTextDocument) -> None:
            self._highlighter = QtLabelHighlighter(document, self.index, self.offsets, colors)

        self._show_text(text, highlight)

    def set_colors(self, colors: dict[str, str]) -> None:
        if self._highlighter is not None:
            self._highlighter.set_colors(colors)

    def set_suggestions(self, spans: dict[str, list[Span]]) -> None:
        """Show a new set of suggestions, redrawing only the blocks whose drawing changed."""
        self.refresh_ranges(self.index.replace_suggestions(spans))

    def refresh_ranges(self, ranges: Iterable[tuple[int, int]]) -> None:
        """Redraw only the blocks that the given code-point ranges touch."""
        if self._highlighter is None:
            return
        document = self.document()
        done: set[int] = set()
        for start, end in ranges:
            block = document.findBlock(self.offsets.to_qt(start))
            last = document.findBlock(self.offsets.to_qt(max(start, end - 1))).blockNumber()
            while block.isValid() and block.blockNumber() <= last:
                if block.blockNumber() not in done:
                    done.add(block.blockNumber())
                    self._highlighter.rehighlightBlock(block)
                block = block.next()

    # -- selection -------------------------------------------------------------------------------

    def selection_span(self) -> tuple[int, int] | None:
        """The selected text as code-point offsets into the stored article text."""
        return self.offsets.selection(self.textCursor())

    def select_span(self, start: int, end: int) -> None:
        self.setTextCursor(self.offsets.cursor_for(self.document(), start, end))

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def show_current(self, ranges: list[tuple[int, int]], *, scroll: bool = True) -> None:
        """Mark the current item (transient, so an ExtraSelection), scrolling to it if asked."""
        if not ranges and not self._current:
            return  # nothing to clear: spare the full repaint setExtraSelections causes
        self._current = self._marked(ranges)
        self.setExtraSelections(self._current + self._found)
        if ranges and scroll:
            self._move_to(ranges[0][0], center=False)

    # -- find ------------------------------------------------------------------------------------

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """Mark every case-insensitive occurrence; returns their code-point spans."""
        self._found = []
        hits: list[tuple[int, int]] = []
        if needle:
            haystack, target = self._text.casefold(), needle.casefold()
            # casefold can change lengths (ß -> ss); only then fall back to a plain search.
            if len(haystack) != len(self._text):
                haystack, target = self._text, needle
            position = haystack.find(target)
            while position != -1 and len(hits) < 10_000:
                hits.append((position, position + len(target)))
                position = haystack.find(target, position + max(1, len(target)))
        fmt = QTextCharFormat()
        fmt.setBackground(FIND_COLOR)
        for start, end in hits:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = self.offsets.cursor_for(self.document(), start, end)
            selection.format = fmt
            self._found.append(selection)
        self.setExtraSelections(self._current + self._found)
        return hits

    # -- mouse -----------------------------------------------------------------------------------

    def spans_at(self, point: QPoint) -> list[tuple[str, Span]]:
        offset = self.offset_at(point)
        return [] if offset is None else self.index.at(offset)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if event.buttons() != Qt.MouseButton.NoButton:
            return
        spans = self.spans_at(event.position().toPoint())
        if spans:
            lines = [
                self.describe_suggestion(layer, span)
                if layer in SUGGESTION_LAYERS
                else self.describe_span(layer, span)
                for layer, span in spans
            ]
            QToolTip.showText(event.globalPosition().toPoint(), "\n".join(lines), self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self._clicked(event) and not self.textCursor().hasSelection():
            everything = self.spans_at(event.position().toPoint())
            spans = [(layer, s) for layer, s in everything if layer not in SUGGESTION_LAYERS]
            if spans:
                # The smallest span under the mouse is the one the user means.
                layer, span = min(spans, key=lambda pair: pair[1].end - pair[1].start)
                self.span_clicked.emit(layer, span.key)
            elif everything:
                layer, span = min(everything, key=lambda pair: pair[1].end - pair[1].start)
                self.suggestion_clicked.emit(span.key)
