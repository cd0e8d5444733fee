"""Draws the labels on the article text, one block at a time (see DESIGN.md section 5).

Layers stay readable where they overlap: entity = background colour, quote = underline,
cue = bold, evidence = dotted underline, nested entity = overline.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from annotator.gui.qt_offsets import QtOffsets
from annotator.gui.span_index import Span, SpanIndex

QUOTE_COLOR = QColor("#1565c0")
EVIDENCE_COLOR = QColor("#8e24aa")


class QtLabelHighlighter(QSyntaxHighlighter):
    def __init__(
        self,
        document: QTextDocument,
        index: SpanIndex,
        offsets: QtOffsets,
        colors: dict[str, str],
    ) -> None:
        # The index and offsets must exist before the base class attaches to the document,
        # because attaching may highlight at once.
        self._index = index
        self._offsets = offsets
        self._colors = {label: QColor(color) for label, color in colors.items()}
        self._formats: dict[tuple[str | None, bool, bool, bool, bool], QTextCharFormat] = {}
        super().__init__(document)

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = {label: QColor(color) for label, color in colors.items()}
        self._formats.clear()
        self.rehighlight()

    def _format(
        self, label: str | None, nested: bool, quote: bool, cue: bool, evidence: bool
    ) -> QTextCharFormat:
        key = (label, nested, quote, cue, evidence)
        cached = self._formats.get(key)
        if cached is not None:
            return cached
        fmt = QTextCharFormat()
        if label is not None:
            fmt.setBackground(self._colors.get(label, QColor("#dddddd")))
            # Pastel backgrounds need dark text in a dark theme too.
            fmt.setForeground(QColor("#111111"))
        if nested:
            fmt.setFontOverline(True)
        if quote:
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QUOTE_COLOR)
        if evidence:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(EVIDENCE_COLOR)
            fmt.setFontUnderline(True)
        if cue:
            fmt.setFontWeight(QFont.Weight.Bold)
        self._formats[key] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock()
        qt_start = block.position()
        offsets = self._offsets
        start = offsets.from_qt(qt_start)
        # ``text`` arrives as a Python str (code points); the block's length is in UTF-16 units.
        end = offsets.from_qt(qt_start + block.length() - 1)
        if end <= start:
            return
        spans: list[tuple[str, Span]] = list(self._index.overlapping(start, end))
        if not spans:
            return
        edges = {start, end}
        for _, span in spans:
            edges.add(max(span.start, start))
            edges.add(min(span.end, end))
        points = sorted(edges)
        for left, right in pairwise(points):
            covering = [(layer, s) for layer, s in spans if s.start <= left and s.end >= right]
            if not covering:
                continue
            mentions = [s for layer, s in covering if layer == "mention"]
            innermost = min(mentions, key=lambda s: s.end - s.start) if mentions else None
            fmt = self._format(
                innermost.style if innermost else None,
                len(mentions) > 1,
                any(layer == "quote" for layer, _ in covering),
                any(layer == "cue" for layer, _ in covering),
                any(layer == "evidence" for layer, _ in covering),
            )
            qt_left = offsets.to_qt(left) - qt_start
            self.setFormat(qt_left, offsets.to_qt(right) - qt_start - qt_left, fmt)
