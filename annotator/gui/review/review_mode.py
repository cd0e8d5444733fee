"""Reviewer mode of the main window: the disagreement queue, every annotator's labels, adjudication.

``install(window)`` adds the Review menu entries. Switching to reviewer mode swaps the central
page (the annotation page is kept, not rebuilt), replaces the article and label docks by the
queue and the group details, turns off the annotation actions whose keys reviewer mode uses,
and activates one undo stack per reviewed article. Every decision is a ``ReviewCommand``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.annotations import Layer, Role, SetKind
from annotator.domain.errors import AnnotatorError
from annotator.gui.background import QtTask, start
from annotator.gui.review.comparison_model import GROUP_ROLE, QtComparisonModel
from annotator.gui.review.queue_view import QtReviewQueue
from annotator.gui.review.review_dialogs import QtNoteDialog, QtUnitDialog
from annotator.gui.review.review_text import (
    STATUS_TEXT,
    clip,
    group_html,
    group_title,
    notes_html,
)
from annotator.gui.review.review_text_view import (
    CONFLICT_COLOR,
    QtReviewTextView,
    annotator_color,
)
from annotator.gui.span_index import Span
from annotator.services.review import (
    REVIEWABLE,
    ArticleReview,
    QueueEntry,
    ReviewError,
    ReviewOutcome,
    review_queue,
)
from annotator.services.review_units import Group
from annotator.storage.project import Project

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow

#: Menus whose actions work on the annotation page; they are off while reviewing.
_ANNOTATION_MENUS = ("&Edit", "&Label", "A&rticle")
#: Actions of those menus that stay on.
_KEPT = ("Undo", "Redo")


class ReviewCommand(QUndoCommand):
    """One review decision; done before it is pushed, undone and redone through the service."""

    def __init__(
        self, review: ArticleReview, outcome: ReviewOutcome, refresh: Callable[[], None]
    ) -> None:
        super().__init__(outcome.description)
        self._review = review
        self._outcome = outcome
        self._refresh = refresh
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # done already, before the push
            return
        self._run(self._review.redo)

    def undo(self) -> None:
        self._run(self._review.undo)

    def _run(self, step: Callable[[ReviewOutcome], None]) -> None:
        try:
            step(self._outcome)
        except AnnotatorError as error:
            QMessageBox.warning(None, "Not undone", str(error))
        self._refresh()


class QtReviewMode(QObject):
    """The reviewer mode of one main window."""

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.active = False
        self.review: ArticleReview | None = None
        self.current_group: str | None = None
        self._reviews: dict[str, ArticleReview] = {}
        self._stacks: dict[str, QUndoStack] = {}
        self._queue_task: QtTask | None = None
        self._open_first = False
        self._marks_to_groups: dict[str, str] = {}
        self._disabled: list[QAction] = []
        self._previous_stack: QUndoStack | None = None
        self._dock_state: dict[str, bool] = {}
        self._built = False
        self.actions: list[QAction] = []
        self._build_actions()
        window.undo_group.activeStackChanged.connect(self._on_undo_group_active_stack_changed)
        # Closing while reviewing: the annotation docks come back first, so the window saves
        # (and next time restores) the annotation layout.
        window.installEventFilter(self)

    # -- actions ---------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        window = self.window
        menu = _menu(window, "&Review")
        self.mode_action = self._add(menu, "Re&viewer mode", self.toggle, "Ctrl+Shift+R")
        self.mode_action.setCheckable(True)
        self.actions.remove(self.mode_action)  # always on
        self.mode_action.setEnabled(True)
        menu.addSeparator()
        self._add(menu, "Accept all &unanimous", self.accept_all_unanimous, "Ctrl+Shift+U")
        accept_menu = menu.addMenu("&Accept version of")
        for n in range(1, 10):
            action = self._add(
                accept_menu, f"Accept annotator {n}'s version", partial(self.accept, n), str(n)
            )
            action.setStatusTip(f"Gold takes the whole unit as the {n}. annotator has it")
        self._add(menu, "&Edit, then accept…", self.edit, "E")
        self._add(menu, "&Reject (leave out of gold)", self.reject, "R")
        self._add(menu, "&Override with reason…", self.override, "O")
        menu.addSeparator()
        self._add(menu, "&Next group", lambda: self.step(1), "Return", "Enter")
        self._add(menu, "&Previous group", lambda: self.step(-1), "Shift+Return", "Shift+Enter")
        self._add(menu, "Next &open disagreement", self.next_open, "N")
        self.disputed_action = self._add(
            menu, "Show only &disputed groups", self.toggle_disputed_only, "D"
        )
        self.disputed_action.setCheckable(True)
        self._add(menu, "Next article in &queue", lambda: self.step_article(1), "Ctrl+Right")
        self._add(menu, "Previous article in q&ueue", lambda: self.step_article(-1), "Ctrl+Left")
        menu.addSeparator()
        self._add(menu, "&Comment on item…", self.comment, "C")
        self._add(menu, "&Send back for rework…", self.send_back, "Ctrl+Shift+B")
        self._add(menu, "A&pprove article", self.approve, "Ctrl+Shift+Return")
        self._add(menu, "Re&fresh queue and article", self.refresh_all, "Shift+F5")
        for action in self.actions:
            action.setEnabled(False)

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object], *keys: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.window.actions_by_name[text.replace("&", "")] = action
        self.actions.append(action)
        return action

    # -- switching -------------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> bool:
        window = self.window
        annotator = window.annotator
        if Role.REVIEWER not in annotator.roles:
            answer = QMessageBox.question(
                window,
                "Reviewer mode",
                f"{annotator.name} does not have the reviewer role in this project.\n"
                f"Review anyway? Gold decisions are recorded under {annotator.name}.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.mode_action.setChecked(False)
                return False
        if not self._built:
            self._build_widgets()
        self.active = True
        self.mode_action.setChecked(True)
        self._stack.setCurrentWidget(self.page)
        for dock in (window.article_dock, window.label_dock):
            self._dock_state[dock.objectName()] = dock.isVisible()
            dock.hide()
        self.queue_dock.show()
        self.detail_dock.show()
        mine = {k.toString() for a in self.actions for k in a.shortcuts()}
        self._disabled = []
        for action in _all_actions(window):
            if action in self.actions or action is self.mode_action or not action.isEnabled():
                continue
            in_annotation_menu = action.property("review_menu") in _ANNOTATION_MENUS
            clashes = any(k.toString() in mine for k in action.shortcuts())
            if (in_annotation_menu and action.text().replace("&", "") not in _KEPT) or clashes:
                action.setEnabled(False)
                self._disabled.append(action)
        for action in self.actions:
            action.setEnabled(True)
        self._previous_stack = window.undo_group.activeStack()
        # The article already in view (reviewed before, or open for annotation) opens at once
        # if it can be reviewed; otherwise the queue's first, once the queue is read.
        candidates = [self.review.article.id] if self.review is not None else []
        if window.session is not None:
            candidates.append(window.session.service.article.id)
        ready = next((a for a in candidates if self._reviewable(a)), None)
        if ready is not None:
            self.open_article(ready)
        else:
            self.heading.setText("<b>Reading the review queue…</b>")
        self.refresh_queue(open_first=ready is None)
        self.tree.setFocus()
        window.statusBar().showMessage(
            "Reviewer mode: 1–9 accept that annotator's version · Ctrl+Shift+U accept all "
            "unanimous · E edit · R reject · O override · Enter next",
            10000,
        )
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.active:
            self.leave(closing=True)
        return super().eventFilter(watched, event)

    def leave(self, *, closing: bool = False) -> None:
        window = self.window
        self.active = False
        self.mode_action.setChecked(False)
        for action in self.actions:
            action.setEnabled(False)
        for action in self._disabled:
            action.setEnabled(True)
        self._disabled = []
        self._stack.setCurrentWidget(self._annotation_page)
        self.queue_dock.hide()
        self.detail_dock.hide()
        for dock in (window.article_dock, window.label_dock):
            if self._dock_state.get(dock.objectName(), True):
                dock.show()
        if self._previous_stack is not None:
            window.undo_group.setActiveStack(self._previous_stack)
        if closing:
            return
        window.reload_articles()
        window.view.setFocus()

    def _on_undo_group_active_stack_changed(self, stack: QUndoStack | None) -> None:
        # The annotation page may open an article while reviewing (a reload after another
        # program's changes): Ctrl+Z must still undo review decisions.
        if not self.active or self.review is None:
            return
        mine = self._stacks.get(self.review.article.id)
        if mine is not None and stack is not mine:
            self._previous_stack = stack
            self.window.undo_group.setActiveStack(mine)

    # -- widgets ---------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        window = self.window
        page = window.takeCentralWidget()
        assert page is not None
        self._annotation_page: QWidget = page
        self._stack = QStackedWidget(window)
        self._stack.setObjectName("modeStack")
        self._stack.addWidget(self._annotation_page)
        window.setCentralWidget(self._stack)
        self._stack.show()  # a widget added to a shown window stays hidden until asked

        self.page = QWidget(self._stack)
        self.page.setObjectName("reviewPage")
        self.heading = QLabel(self.page)
        self.heading.setObjectName("reviewHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.text_view = QtReviewTextView(self.page)
        self.text_view.set_point_size(window.preferences.font_point_size)
        self.text_view.describe = self._describe_marks
        self.text_view.mark_clicked.connect(self._on_text_view_mark_clicked)
        self.model = QtComparisonModel()
        self.tree = QTreeView(self.page)
        self.tree.setObjectName("comparisonTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.selectionModel().currentRowChanged.connect(self._on_tree_current_row_changed)
        splitter = QSplitter(Qt.Orientation.Vertical, self.page)
        splitter.setObjectName("reviewSplitter")
        splitter.addWidget(self.text_view)
        splitter.addWidget(self.tree)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        legend = QLabel(self.page)
        legend.setObjectName("reviewLegend")
        legend.setTextFormat(Qt.TextFormat.RichText)
        legend.setWordWrap(True)
        legend.setText(
            "<span style='color:#555'>agreed or decided: entity colour · disputed: the "
            "annotator's colour, wavy · "
            f"<b style='color:{CONFLICT_COLOR}'>conflict</b> · quote: underline (dashed when "
            "disputed) · cue: bold · ⚑ unsure</span>"
        )
        layout = QVBoxLayout(self.page)
        layout.setContentsMargins(6, 4, 6, 4)
        self.only_disputed = QCheckBox("Only disputed groups (D)", self.page)
        self.only_disputed.setObjectName("onlyDisputed")
        self.only_disputed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.only_disputed.toggled.connect(self._on_only_disputed_toggled)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.only_disputed, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(legend)
        self._stack.addWidget(self.page)

        # The queue (left).
        self.queue = QtReviewQueue(window)
        self.queue.article_chosen.connect(self._on_queue_article_chosen)
        self.queue_dock = QDockWidget("Review queue", window)
        self.queue_dock.setObjectName("reviewQueueDock")
        self.queue_dock.setWidget(self.queue)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.queue_dock)

        # Group details, comments and agreement (right).
        self.details = QTextBrowser(window)
        self.details.setObjectName("groupDetails")
        self.details.setOpenLinks(False)
        buttons = QWidget(window)
        rows = QVBoxLayout(buttons)
        rows.setContentsMargins(0, 0, 0, 0)
        self.version_buttons = QHBoxLayout()
        rows.addLayout(self.version_buttons)
        grid = QHBoxLayout()
        rows.addLayout(grid)
        for text, slot, tip in (
            ("E Edit…", self.edit, "E: change the chosen version, then accept it"),
            ("O Override…", self.override, "O: gold differs from every annotator; give a reason"),
            ("R Reject", self.reject, "R: leave this group out of gold"),
        ):
            button = QPushButton(text, buttons)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, s=slot: s())
            grid.addWidget(button)
        grid.addStretch(1)
        group_tab = QWidget(window)
        group_layout = QVBoxLayout(group_tab)
        group_layout.setContentsMargins(4, 4, 4, 4)
        group_layout.addWidget(self.details, 1)
        group_layout.addWidget(buttons)
        self.comments_view = QTextBrowser(window)
        self.comments_view.setObjectName("reviewComments")
        comments_tab = QWidget(window)
        comments_layout = QVBoxLayout(comments_tab)
        comments_layout.setContentsMargins(4, 4, 4, 4)
        comments_layout.addWidget(self.comments_view, 1)
        row = QHBoxLayout()
        for text, slot in (("Comment…", self.comment), ("Send back…", self.send_back)):
            button = QPushButton(text, comments_tab)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, s=slot: s())
            row.addWidget(button)
        row.addStretch(1)
        comments_layout.addLayout(row)
        self.detail_tabs = QTabWidget(window)
        self.detail_tabs.setObjectName("reviewTabs")
        self.detail_tabs.addTab(group_tab, "Group")
        self.detail_tabs.addTab(comments_tab, "Notes")
        agreement = _agreement_view(self.project, window)
        if agreement is not None:
            # Scrolled, so the dashboard's own width does not squeeze the article.
            scroller = QScrollArea(window)
            scroller.setWidgetResizable(True)
            scroller.setWidget(agreement)
            self.detail_tabs.addTab(scroller, "Agreement")
        self.detail_tabs.setMinimumWidth(380)
        self.detail_dock = QDockWidget("Review", window)
        self.detail_dock.setObjectName("reviewDetailDock")
        self.detail_dock.setWidget(self.detail_tabs)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)
        self.queue_dock.hide()
        self.detail_dock.hide()
        self._built = True

    # -- queue -----------------------------------------------------------------------------------

    def _reviewable(self, article_id: str) -> bool:
        started = [
            i
            for i in self.project.sets.for_article(article_id)
            if i.kind is SetKind.ANNOTATION and i.status in REVIEWABLE
        ]
        return len(started) >= 2

    def refresh_queue(self, *, open_first: bool = False) -> None:
        """Read the queue off the GUI thread (over a corpus it takes seconds) with its own
        connection; the list fills in when it is done."""
        path = self.project.path

        def work(_progress: object, _cancelled: object) -> list[QueueEntry]:
            with Project.open(path, read_only=True) as project:
                return review_queue(project)

        task = QtTask(work)
        self._open_first = open_first
        # Bound methods of this QObject: nothing arrives once the window is gone.
        task.signals.finished.connect(self._on_queue_read)
        task.signals.failed.connect(self._on_queue_failed)
        self._queue_task = task  # kept alive until it reports
        self.queue.label.setText("Reading the review queue…")
        start(task)

    def _on_queue_failed(self, message: str) -> None:
        self._queue_task = None
        self.queue.label.setText(f"The review queue could not be read: {message}")

    def _on_queue_read(self, queue: list[QueueEntry]) -> None:
        self._queue_task = None
        if not self._built:
            return
        self._show_queue(queue)
        if self._open_first and self.active and self.review is None:
            if queue:
                self.open_article(queue[0].article_id)
            else:
                self._show_empty()

    def _show_queue(self, queue: list[QueueEntry]) -> None:
        self.queue.show_entries(queue)
        if self.review is not None:
            self.queue.select(self.review.article.id)

    def refresh_all(self) -> None:
        """Read the queue and the open article again (after others' work was merged)."""
        self.refresh_queue()
        if self.review is not None:
            self.review.reload()
            self._refresh(keep=self.current_group)

    def _on_queue_article_chosen(self, article_id: str) -> None:
        if self.review is None or self.review.article.id != article_id:
            self.open_article(article_id)

    def step_article(self, step: int) -> None:
        ids = self.queue.article_ids()
        if not ids:
            return
        current = self.review.article.id if self.review else None
        position = ids.index(current) if current in ids else -1
        self.open_article(ids[(position + step) % len(ids)])

    # -- one article -----------------------------------------------------------------------------

    def open_article(self, article_id: str) -> None:
        review = self._reviews.get(article_id)
        if review is None:
            article = self.project.articles.get(article_id)
            review = ArticleReview(self.project, article, self.window.annotator)
            self._reviews[article_id] = review
            self._stacks[article_id] = QUndoStack(self.window.undo_group)
        else:
            review.reload()
        self.review = review
        self.window.undo_group.setActiveStack(self._stacks[article_id])
        colors = {t.name: t.color for t in self.project.schema.entity_types}
        self.text_view.load(review.text, self._marks(review), colors)
        self.current_group = None
        self._refresh(keep=None)
        self.queue.select(review.article.id)
        first = next((g.id for g in review.groups if g.disputed and not g.resolved), None)
        if first is None and review.groups:
            first = review.groups[0].id
        if first is not None:
            self.select_group(first)

    def _show_empty(self) -> None:
        self.heading.setText(
            "<b>Nothing to review yet.</b> Articles appear here once two or more annotators "
            "have started them."
        )
        self.details.setHtml("")

    def _refresh(self, *, keep: str | None) -> None:
        """Show the current review again after a decision (or undo), keeping the selection."""
        review = self.review
        if review is None:
            return
        self.model.load(review, disputed_only=self.disputed_action.isChecked())
        self.tree.expandAll()
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 180)
        header.resizeSection(1, 115)
        # The versions share what is left, so every annotator and gold stay in view.
        for column in range(2, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.text_view.remark(self._marks(review))
        counts = review.counts()
        people = " ".join(
            f"<b style='color:{annotator_color(n)}'>{n + 1} {a.name}</b>"
            f"<span style='color:#777'> ({str(review.infos[a.id].status).replace('_', ' ')})</span>"
            for n, a in enumerate(review.annotators)
        )
        gold = review.gold.count() if review.gold else 0
        self.heading.setText(
            f"<b style='font-size:13pt'>{_escape(review.article.display_title)}</b><br>"
            f"{people} &nbsp;·&nbsp; {len(review.groups)} groups: {counts['agreed']} agreed, "
            f"{counts['partial']} partial, {counts['conflict']} conflicting · "
            f"<b>{counts['open']}</b> open · gold: {gold} item(s)"
        )
        self._show_comments()
        if keep is not None and self.model.index_of(keep).isValid():
            self.select_group(keep)
        elif self.current_group is not None:
            self.select_group(self.current_group)

    def _marks(self, review: ArticleReview) -> dict[str, list[Span]]:
        marks: dict[str, list[Span]] = {
            name: [] for name in ("agreed", "disputed", "quote", "cue", "evidence")
        }
        self._marks_to_groups = {}
        owners = {a.id: n for n, a in enumerate(review.annotators)}
        counter = 0

        def add(layer: str, start: int, end: int, style: str, group: Group) -> None:
            nonlocal counter
            counter += 1
            key = f"m{counter}"
            self._marks_to_groups[key] = group.id
            marks[layer].append(Span(start, end, key, style))

        for group in review.groups:
            if group.rejected:
                continue
            shown = group.gold if group.resolved else [u for v in group.variants for u in v.units]
            agreed = group.resolved or group.agreed
            if group.agreed and not group.resolved:
                shown = [group.variants[0].first]
            for unit in shown:
                style = "agreed" if agreed else str(owners.get(unit.owner, 0))
                item = unit.item
                if group.layer is Layer.MENTION and unit.span:
                    label = getattr(item, "label", "")
                    add(
                        "agreed" if agreed else "disputed",
                        *unit.span,
                        label if agreed else style,
                        group,
                    )
                elif group.layer is Layer.QUOTE and unit.span:
                    add("quote", unit.span[0], unit.span[1], style, group)
                    cue = getattr(item, "cue", None)
                    if cue:
                        add("cue", cue[0], cue[1], style, group)
                elif group.layer is Layer.STANCE:
                    for start, end in unit.ranges:
                        add("evidence", start, end, style, group)
        return marks

    def _describe_marks(self, marks: list[tuple[str, Span]]) -> str:
        if self.review is None:
            return ""
        lines: list[str] = []
        seen: set[str] = set()
        for _name, span in marks:
            group_id = self._marks_to_groups.get(span.key)
            if group_id is None or group_id in seen:
                continue
            seen.add(group_id)
            group = self.review.group(group_id)
            lines.append(f"{STATUS_TEXT[group.status]}: {group_title(self.review, group)}")
            for annotator in self.review.annotators:
                units = group.version(annotator.id)
                text = "; ".join(self.review.describe(u) for u in units) or "—"
                flags = "".join(f"  ⚑ {u.note or 'unsure'}" for u in units if u.unsure or u.note)
                lines.append(f"  {annotator.name}: {text}{flags}")
            if group.gold:
                lines.append("  gold: " + "; ".join(self.review.describe(u) for u in group.gold))
        return "\n".join(lines)

    def _on_text_view_mark_clicked(self, key: str) -> None:
        group_id = self._marks_to_groups.get(key)
        if group_id is not None:
            self.select_group(group_id, scroll=False)

    # -- the current group -----------------------------------------------------------------------

    def select_group(self, group_id: str, *, scroll: bool = True) -> None:
        index = self.model.index_of(group_id)
        if not index.isValid():
            return
        self.tree.selectionModel().setCurrentIndex(
            index,
            self.tree.selectionModel().SelectionFlag.ClearAndSelect
            | self.tree.selectionModel().SelectionFlag.Rows,
        )
        self.tree.scrollTo(index)
        self._show_group(group_id, scroll=scroll)

    def _on_tree_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        group_id = current.data(GROUP_ROLE)
        if group_id:
            self._show_group(str(group_id))

    def _show_group(self, group_id: str, *, scroll: bool = True) -> None:
        if self.review is None:
            return
        self.current_group = group_id
        review = self.review
        group = review.group(group_id)
        self.text_view.show_current(group.ranges, scroll=scroll)
        self.details.setHtml(group_html(review, group))
        self._update_version_buttons(group)

    def _update_version_buttons(self, group: Group) -> None:
        assert self.review is not None
        while self.version_buttons.count():
            item = self.version_buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for n, annotator in enumerate(self.review.annotators, start=1):
            if not group.version(annotator.id):
                continue
            button = QPushButton(f"{n} Accept {annotator.name}", self.details.parentWidget())
            button.setObjectName(f"accept_{n}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(
                f"QPushButton {{ color: {annotator_color(n - 1)}; font-weight: bold }}"
            )
            button.clicked.connect(lambda _c=False, n=n: self.accept(n))
            self.version_buttons.addWidget(button)
        self.version_buttons.addStretch(1)

    def _on_only_disputed_toggled(self, checked: bool) -> None:
        if checked != self.disputed_action.isChecked():
            self.disputed_action.setChecked(checked)
            self._refresh(keep=self.current_group)

    def toggle_disputed_only(self) -> None:
        self.only_disputed.setChecked(self.disputed_action.isChecked())
        self._refresh(keep=self.current_group)

    def step(self, direction: int) -> None:
        ids = self.model.group_ids()
        if not ids:
            return
        position = ids.index(self.current_group) if self.current_group in ids else -1
        self.select_group(ids[(position + direction) % len(ids)])

    def next_open(self) -> None:
        if self.review is None:
            return
        ids = self.model.group_ids()
        position = ids.index(self.current_group) if self.current_group in ids else -1
        for n in range(1, len(ids) + 1):
            group = self.review.group(ids[(position + n) % len(ids)])
            if group.disputed and not group.resolved:
                self.select_group(group.id)
                return
        self.window.statusBar().showMessage(
            "No open disagreement left in this article. Ctrl+Shift+Return approves it.", 6000
        )

    # -- decisions -------------------------------------------------------------------------------

    def _group(self) -> Group | None:
        if self.review is None or self.current_group is None:
            self.window.statusBar().showMessage("Select a group in the comparison first.", 5000)
            return None
        return self.review.group(self.current_group)

    def _decide(self, action: Callable[[], ReviewOutcome], *, advance: bool = True) -> bool:
        review = self.review
        if review is None:
            return False
        try:
            outcome = action()
        except ReviewError as error:  # a key that does not apply here: say so, do not block
            self.window.statusBar().showMessage(f"Not done: {error}", 8000)
            QApplication.beep()
            return False
        except AnnotatorError as error:
            self.window.statusBar().showMessage(f"Not done: {error}", 8000)
            QMessageBox.warning(self.window, "Not done", str(error))
            return False
        if not outcome.changed:
            self.window.statusBar().showMessage(outcome.description, 5000)
            return False
        article_id = review.article.id
        keep = self.current_group

        def refresh() -> None:
            if self.review is not None and self.review.article.id == article_id:
                self._refresh(keep=self.current_group)
                self._update_queue_entry()

        self._stacks[article_id].push(ReviewCommand(review, outcome, refresh))
        self._refresh(keep=keep)
        self._update_queue_entry()
        message = outcome.description
        if outcome.messages:
            message += " — " + "; ".join(outcome.messages)
        self.window.statusBar().showMessage(message, 6000)
        if advance:
            self.next_open_quietly()
        return True

    def next_open_quietly(self) -> None:
        if self.review is None:
            return
        if any(g.disputed and not g.resolved for g in self.review.groups):
            self.next_open()

    def _update_queue_entry(self) -> None:
        # Counts change with every decision; the order only when the queue is read again
        # (Shift+F5), so the article stays where the reviewer found it.
        if self.review is not None:
            for entry in review_queue(self.project, article_ids=[self.review.article.id]):
                self.queue.update_entry(entry)

    def accept_all_unanimous(self) -> None:
        if self.review is not None:
            self._decide(self.review.accept_all_unanimous)

    def accept(self, number: int) -> None:
        group = self._group()
        review = self.review
        if group is None or review is None:
            return
        if number > len(review.annotators):
            self.window.statusBar().showMessage(
                f"This article has {len(review.annotators)} annotators; there is no {number}.",
                5000,
            )
            return
        annotator = review.annotators[number - 1]
        self._decide(lambda: review.accept(group.id, annotator.id))

    def edit(self) -> None:
        self._change(override=False)

    def override(self) -> None:
        self._change(override=True)

    def _change(self, *, override: bool) -> None:
        group = self._group()
        review = self.review
        if group is None or review is None:
            return
        # One version per annotator to start from: the decided one first, if there is one.
        candidates = [units[0] for a in review.annotators if (units := group.version(a.id))]
        if not candidates:
            self.window.statusBar().showMessage("No annotator's version to start from.", 5000)
            return
        decided = group.gold_variant()
        current = next(
            (u for u in candidates if decided is not None and u.owner in decided.owners),
            candidates[0],
        )
        dialog = QtUnitDialog(
            review, group, candidates, current, override=override, parent=self.window
        )
        if not self._run(dialog):
            return
        unit, changes, reason = dialog.base_unit(), dialog.changes(), dialog.reason_text()
        if override:
            self._decide(lambda: review.override(group.id, unit.owner, changes, reason=reason))
        else:
            self._decide(lambda: review.edit(group.id, unit.owner, changes, reason=reason))

    def reject(self) -> None:
        group = self._group()
        review = self.review
        if group is not None and review is not None:
            self._decide(lambda: review.reject(group.id))

    # -- notes -----------------------------------------------------------------------------------

    def comment(self) -> None:
        review = self.review
        if review is None or not review.annotators:
            return
        group = review.group(self.current_group) if self.current_group else None
        current = None
        if group is not None:
            current = next((a.id for a in review.annotators if group.version(a.id)), None)
        what = _escape(group_title(review, group)) if group else "this article"
        dialog = QtNoteDialog(
            "Comment",
            f"A comment on {what}, shown to the annotator beside their item.",
            [(a.name, a.id) for a in review.annotators],
            current=current,
            parent=self.window,
        )
        if not self._run(dialog):
            return
        annotator_id = dialog.annotator_id()
        units = group.version(annotator_id) if group else []
        try:
            review.comment(
                annotator_id, dialog.comment(), item_id=units[0].item_id if units else None
            )
        except AnnotatorError as error:
            QMessageBox.warning(self.window, "Not saved", str(error))
            return
        self._show_comments()
        self.window.statusBar().showMessage(f"Comment saved for {review.name(annotator_id)}.", 5000)

    def send_back(self) -> None:
        review = self.review
        if review is None or not review.annotators:
            return
        dialog = QtNoteDialog(
            "Send back for rework",
            "The annotator's set is marked “needs rework”; they see this comment when they "
            "open the article.",
            [(a.name, a.id) for a in review.annotators],
            parent=self.window,
        )
        if not self._run(dialog):
            return
        try:
            review.send_back(dialog.annotator_id(), dialog.comment())
        except AnnotatorError as error:
            QMessageBox.warning(self.window, "Not sent back", str(error))
            return
        self._refresh(keep=self.current_group)
        self._update_queue_entry()
        self.window.statusBar().showMessage(
            f"Sent back to {review.name(dialog.annotator_id())} for rework.", 6000
        )

    def approve(self) -> None:
        review = self.review
        if review is None:
            return
        try:
            review.approve()
        except AnnotatorError as error:
            self.window.statusBar().showMessage(f"Not approved: {error}", 8000)
            return
        self._refresh(keep=self.current_group)
        self.window.statusBar().showMessage(
            f"Approved: every annotator's set of “{clip(review.article.display_title, 50)}”.", 6000
        )

    def _show_comments(self) -> None:
        review = self.review
        if review is None:
            return
        people = {a.id: a.name for a in self.project.annotators.list()}
        self.comments_view.setHtml(notes_html(review, people))

    def _run(self, dialog: QDialog) -> bool:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.hide()
        dialog.deleteLater()
        self.window.activateWindow()
        self.tree.setFocus()
        return accepted


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _menu(window: QtMainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title() == title:
            return menu
    return window.menuBar().addMenu(title)


def _all_actions(window: QtMainWindow) -> list[QAction]:
    """Every action of the menu bar (submenus included), each tagged with its top menu."""
    found: list[QAction] = []

    def walk(menu: QMenu, top: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, top)
            elif not action.isSeparator():
                action.setProperty("review_menu", top)
                found.append(action)

    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, menu.title())
    return found


def _agreement_view(project: object, parent: QWidget) -> QWidget | None:
    """The agreement dashboard, when this build has it."""
    try:
        module = importlib.import_module("annotator.gui.review.agreement_view")
    except ImportError:
        return None
    view_class = getattr(module, "QtAgreementView", None)
    if view_class is None:
        return None
    widget = view_class(project)
    if isinstance(widget, QWidget):
        widget.setParent(parent)
        return widget
    return None


def install(window: QtMainWindow) -> QtReviewMode:
    """Add reviewer mode and the annotator's review notes to a main window."""
    from annotator.gui.review.notes import QtReviewNotes

    mode = QtReviewMode(window)
    window.review_notes = QtReviewNotes(window)  # type: ignore[attr-defined]
    return mode
