"""The article under review with every annotator's labels at once, agreed and disputed apart.

Agreed (and already decided) mentions keep their entity colour as a background, as in the
annotation window. Disputed units are drawn in the colour of the annotator who has them (text
colour and a wavy underline); where different annotators' versions overlap, in the conflict
colour. Quotes are underlined (solid when agreed, dashed when disputed), cues bold, evidence
dotted. The highlighter finds a block's marks by bisection, like the annotation view.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QToolTip, QWidget

from annotator.gui.qt_offsets import QtOffsets
from annotator.gui.span_index import LayerSpans, Span
from annotator.gui.text_view import QtTextView, block_range

#: Annotator colours: dark enough to read as text colour, distinct from each other.
ANNOTATOR_COLORS = (
    "#1565c0",  # blue
    "#e65100",  # orange
    "#2e7d32",  # green
    "#6a1b9a",  # purple
    "#00838f",  # teal
    "#ad1457",  # pink
    "#5d4037",  # brown
    "#283593",  # indigo
    "#827717",  # olive
)
CONFLICT_COLOR = "#d50000"
QUOTE_COLOR = "#1565c0"
EVIDENCE_COLOR = "#8e24aa"

#: Mark layers. A disputed mark's style is the owner's index ("0", "1", ...); an agreed
#: mention's style is its entity type; an agreed quote's style is "agreed".
LAYERS = ("agreed", "disputed", "quote", "cue", "evidence")


def annotator_color(index: int) -> str:
    return ANNOTATOR_COLORS[index % len(ANNOTATOR_COLORS)]


class _ReviewHighlighter(QSyntaxHighlighter):
    def __init__(
        self,
        document: QTextDocument,
        layers: dict[str, LayerSpans],
        offsets: QtOffsets,
        label_colors: dict[str, str],
    ) -> None:
        self._layers = layers
        self._offsets = offsets
        self._labels = {k: QColor(v) for k, v in label_colors.items()}
        self._formats: dict[tuple[object, ...], QTextCharFormat] = {}
        super().__init__(document)

    def _format(
        self,
        label: str | None,
        disputed: str | None,
        quote: str | None,
        cue: bool,
        evidence: bool,
        nested: bool,
    ) -> QTextCharFormat:
        key = (label, disputed, quote, cue, evidence, nested)
        cached = self._formats.get(key)
        if cached is not None:
            return cached
        fmt = QTextCharFormat()
        if label is not None:
            fmt.setBackground(self._labels.get(label, QColor("#dddddd")))
            fmt.setForeground(QColor("#111111"))
        if nested:
            fmt.setFontOverline(True)
        if quote is not None:
            fmt.setFontUnderline(True)
            if quote == "agreed":
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                fmt.setUnderlineColor(QColor(QUOTE_COLOR))
            else:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
                fmt.setUnderlineColor(QColor(_color_of(quote)))
        if evidence and quote is None:
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(QColor(EVIDENCE_COLOR))
        if disputed is not None:
            color = QColor(_color_of(disputed))
            fmt.setForeground(color)
            fmt.setFontWeight(QFont.Weight.DemiBold)
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(color)
        if cue:
            fmt.setFontWeight(QFont.Weight.Bold)
        self._formats[key] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:
        offsets = self._offsets
        qt_start, start, end = block_range(self.currentBlock(), offsets)
        if end <= start:
            return
        spans = [
            (name, span)
            for name, layer in self._layers.items()
            for span in layer.overlapping(start, end)
        ]
        if not spans:
            return
        edges = {start, end}
        for _, span in spans:
            edges.add(max(span.start, start))
            edges.add(min(span.end, end))
        for left, right in pairwise(sorted(edges)):
            covering = [(n, s) for n, s in spans if s.start <= left and s.end >= right]
            if not covering:
                continue
            agreed = [s for n, s in covering if n == "agreed"]
            disputed = {s.style for n, s in covering if n == "disputed"}
            quotes = {s.style for n, s in covering if n == "quote"}
            innermost = min(agreed, key=lambda s: s.end - s.start) if agreed else None
            fmt = self._format(
                innermost.style if innermost and not disputed else None,
                _merge(disputed),
                _merge(quotes),
                any(n == "cue" for n, _ in covering),
                any(n == "evidence" for n, _ in covering),
                len(agreed) > 1,
            )
            qt_left = offsets.to_qt(left) - qt_start
            self.setFormat(qt_left, offsets.to_qt(right) - qt_start - qt_left, fmt)


def _merge(styles: set[str]) -> str | None:
    """One style for overlapping marks: the same owner's, "agreed", or a conflict."""
    if not styles:
        return None
    if len(styles) == 1:
        return next(iter(styles))
    if styles == {"agreed"}:
        return "agreed"
    return "conflict"


def _color_of(style: str) -> str:
    if style.isdigit():
        return annotator_color(int(style))
    return CONFLICT_COLOR


class QtReviewTextView(QtTextView):
    """Read-only article text; ``mark_clicked(key)`` gives the key of the smallest mark clicked."""

    mark_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewText")
        self.layers = {name: LayerSpans() for name in LAYERS}
        self._highlighter: _ReviewHighlighter | None = None
        self.describe: Callable[[list[tuple[str, Span]]], str] = lambda spans: ""

    def load(self, text: str, marks: dict[str, list[Span]], label_colors: dict[str, str]) -> None:
        self.layers = {name: LayerSpans() for name in LAYERS}
        for name, spans in marks.items():
            self.layers[name].bulk_load(spans)

        def highlight(document: QTextDocument) -> None:
            self._highlighter = _ReviewHighlighter(
                document, self.layers, self.offsets, label_colors
            )

        self._show_text(text, highlight)

    def remark(self, marks: dict[str, list[Span]]) -> None:
        """New marks on the same text (after a decision), keeping the scroll position."""
        bar = self.verticalScrollBar()
        position = bar.value()
        for name in LAYERS:
            self.layers[name].bulk_load(marks.get(name, []))
        if self._highlighter is not None:
            self._highlighter.rehighlight()
        bar.setValue(position)

    def show_current(self, ranges: list[tuple[int, int]], *, scroll: bool = True) -> None:
        self.setExtraSelections(self._marked(ranges))
        if ranges and scroll:
            self._move_to(ranges[0][0], center=True)

    def marks_at(self, point: QPoint) -> list[tuple[str, Span]]:
        offset = self.offset_at(point)
        if offset is None:
            return []
        return [
            (name, span)
            for name, layer in self.layers.items()
            for span in layer.overlapping(offset, offset + 1)
        ]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if event.buttons() != Qt.MouseButton.NoButton:
            return
        marks = self.marks_at(event.position().toPoint())
        tip = self.describe(marks) if marks else ""
        if tip:
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self._clicked(event):
            marks = self.marks_at(event.position().toPoint())
            if marks:
                _name, span = min(marks, key=lambda pair: pair[1].end - pair[1].start)
                self.mark_clicked.emit(span.key)
