"""What the annotator sees of a review: a "needs rework" banner, reviewer comments beside items.

The banner sits under the article header of the annotation page; comments on an item appear in
its tooltip (text and panels) and in the status bar when it is clicked. It follows the open
article through the undo group: the window activates an article's undo stack when it opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QBoxLayout, QLabel, QToolTip

from annotator.domain.annotations import ReviewComment, SetStatus
from annotator.domain.errors import NotFoundError
from annotator.gui.span_index import Span

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow

BANNER_STYLE = (
    "QLabel#reviewNotes { background: #fff4ce; color: #3d3000; border: 1px solid #e0c36a; "
    "border-radius: 3px; padding: 4px 8px; }"
)


class QtReviewNotes(QObject):
    """Reviewer comments and send-backs on the annotator's own set of the open article."""

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.comments: list[ReviewComment] = []
        self.by_item: dict[str, list[str]] = {}
        self._set_id: str | None = None
        self.banner = QLabel(window)
        self.banner.setObjectName("reviewNotes")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        page = window.header.parentWidget()
        layout = page.layout() if page is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(window.header) + 1, self.banner)
        describe = window.view.describe_span

        def describe_with_notes(layer: str, span: Span) -> str:
            text = describe(layer, span)
            notes = self.notes_for(span.key.split("/", 1)[0])
            return text + "".join(f"\n✎ Reviewer: {n}" for n in notes)

        window.view.describe_span = describe_with_notes
        window.view.span_clicked.connect(self._on_view_span_clicked)
        for table in (
            window.entities_panel.entities,
            window.entities_panel.mentions,
            window.quotes_panel.table,
            window.stances_panel.table,
        ):
            table.viewport().installEventFilter(self)
        self._tables = {
            t.viewport(): t
            for t in (
                window.entities_panel.entities,
                window.entities_panel.mentions,
                window.quotes_panel.table,
                window.stances_panel.table,
            )
        }
        window.undo_group.activeStackChanged.connect(lambda _stack: self.refresh())

    def notes_for(self, item_id: str) -> list[str]:
        return self.by_item.get(item_id, [])

    def refresh(self) -> None:
        """Read the comments and status of the annotator's set of the open article."""
        window = self.window
        session = window.session
        if session is None:
            self.banner.hide()
            return
        set_id = session.service.set_id
        project = window.project
        self._set_id = set_id
        self.comments = project.reviews.comments(set_id)
        self.by_item = {}
        for comment in self.comments:
            if comment.item_id is not None:
                self.by_item.setdefault(comment.item_id, []).append(comment.text)
        try:
            status = project.sets.info(set_id).status
        except NotFoundError:
            # A read-only project shows an article without a stored set: nothing to review.
            self.banner.hide()
            return
        if not self.comments and status is not SetStatus.NEEDS_REWORK:
            self.banner.hide()
            return
        people = {a.id: a.name for a in project.annotators.list()}
        general = [c for c in self.comments if c.item_id is None]
        lines = []
        if status is SetStatus.NEEDS_REWORK:
            lines.append("<b>⚠ Sent back for rework.</b>")
        for comment in general[-3:]:
            lines.append(
                f"<b>{_escape(people.get(comment.author_id, '?'))}:</b> {_escape(comment.text)}"
            )
        on_items = sum(len(v) for v in self.by_item.values())
        if on_items:
            lines.append(
                f"{on_items} comment(s) on your labels: hover a label in the text or in the "
                "panels to read its comment."
            )
        self.banner.setText("<br>".join(lines))
        self.banner.setToolTip("\n".join(c.text for c in self.comments))
        self.banner.show()

    def _on_view_span_clicked(self, _layer: str, key: str) -> None:
        notes = self.notes_for(key.split("/", 1)[0])
        if notes:
            self.window.statusBar().showMessage("✎ Reviewer: " + " · ".join(notes), 10000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and watched in self._tables:
            table: QAbstractItemView = self._tables[watched]
            assert isinstance(event, QHelpEvent)
            index = table.indexAt(event.pos())
            item_id = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
            notes = self.notes_for(str(item_id)) if item_id else []
            if notes:
                base = index.data(Qt.ItemDataRole.ToolTipRole) or ""
                tip = (str(base) + "\n\n" if base else "") + "\n".join(
                    f"✎ Reviewer: {n}" for n in notes
                )
                QToolTip.showText(event.globalPos(), tip, table)
                return True
        return super().eventFilter(watched, event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
