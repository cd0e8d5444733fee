"""Draws the labels on the article text, one block at a time (see DESIGN.md section 5).

Layers stay readable where they overlap: entity = background colour, quote = underline,
cue = bold, evidence = dotted underline, nested entity = overline. Suggestions are drawn faded
and dashed: a suggested entity = pale label colour with a dashed underline, a suggested quote =
dashed blue underline, a suggested cue = italic with a dashed underline.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from annotator.gui.qt_offsets import QtOffsets
from annotator.gui.span_index import Span, SpanIndex
from annotator.gui.text_view import block_range

QUOTE_COLOR = QColor("#1565c0")
EVIDENCE_COLOR = QColor("#8e24aa")
SUGGESTED_QUOTE_COLOR = QColor(21, 101, 192, 190)
SUGGESTED_QUOTE_TINT = QColor(21, 101, 192, 18)
SUGGESTION_ALPHA = 110


class _Look(NamedTuple):
    label: str | None
    nested: bool
    quote: bool
    cue: bool
    evidence: bool
    suggested: str | None = None  # the label of a suggested entity
    suggested_quote: bool = False
    suggested_cue: bool = False


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
        self._formats: dict[_Look, QTextCharFormat] = {}
        super().__init__(document)

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = {label: QColor(color) for label, color in colors.items()}
        self._formats.clear()
        self.rehighlight()

    def _format(self, key: _Look) -> QTextCharFormat:
        cached = self._formats.get(key)
        if cached is not None:
            return cached
        label, nested, quote, cue, evidence = key[:5]
        fmt = QTextCharFormat()
        self._suggested_format(fmt, key)
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

    def _suggested_format(self, fmt: QTextCharFormat, key: _Look) -> None:
        """Faded and dashed, under whatever real label is there (which draws over it)."""
        if key.suggested is not None:
            color = QColor(self._colors.get(key.suggested, QColor("#dddddd")))
            line = color.darker(170)
            color.setAlpha(SUGGESTION_ALPHA)
            fmt.setBackground(color)
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
            fmt.setUnderlineColor(line)
        if key.suggested_quote and key.suggested is None:
            fmt.setBackground(SUGGESTED_QUOTE_TINT)
        if key.suggested_quote or key.suggested_cue:
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
            fmt.setUnderlineColor(SUGGESTED_QUOTE_COLOR)
        if key.suggested_cue:
            fmt.setFontItalic(True)

    def highlightBlock(self, text: str) -> None:
        offsets = self._offsets
        qt_start, start, end = block_range(self.currentBlock(), offsets)
        if end <= start:
            return
        spans: list[tuple[str, Span]] = list(self._index.overlapping(start, end))
        if not spans:
            return
        # A sweep over the span edges: each piece of text between two edges is drawn from the
        # spans open over it (a few), not by testing every span of the block for every piece
        # (quadratic once suggestions put a span on most words).
        opening: dict[int, list[int]] = {}
        closing: dict[int, list[int]] = {}
        for n, (_, span) in enumerate(spans):
            opening.setdefault(max(span.start, start), []).append(n)
            closing.setdefault(min(span.end, end), []).append(n)
        points = sorted({start, end, *opening, *closing})
        active: set[int] = set()
        for left, right in pairwise(points):
            active.difference_update(closing.get(left, ()))
            active.update(opening.get(left, ()))
            if not active:
                continue
            covering = [spans[n] for n in active]
            mentions = [s for layer, s in covering if layer == "mention"]
            innermost = min(mentions, key=lambda s: s.end - s.start) if mentions else None
            layers = {layer for layer, _ in covering}
            suggested = (
                next(s.style for layer, s in covering if layer == "suggestion")
                if "suggestion" in layers
                else None
            )
            fmt = self._format(
                _Look(
                    innermost.style if innermost else None,
                    len(mentions) > 1,
                    "quote" in layers,
                    "cue" in layers,
                    "evidence" in layers,
                    suggested,
                    "suggested_quote" in layers,
                    "suggested_cue" in layers,
                )
            )
            qt_left = offsets.to_qt(left) - qt_start
            self.setFormat(qt_left, offsets.to_qt(right) - qt_start - qt_left, fmt)
