"""The annotation window: article list, text, label panels, palette, menus and undo."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QUndoGroup,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.annotations import (
    Annotator,
    DocumentLabel,
    Entity,
    Evidence,
    Layer,
    Mention,
    Quote,
    SetStatus,
    Stance,
)
from annotator.domain.errors import AnnotatorError
from annotator.domain.schema import Topic
from annotator.domain.text import snap_to_words
from annotator.gui import project_setup, safety
from annotator.gui.article_view import QtArticleView
from annotator.gui.commands import (
    AddItemCommand,
    LinkMentionsCommand,
    MacroCommand,
    RemoveItemCommand,
    SessionCommand,
    SetStatusCommand,
    UpdateItemCommand,
)
from annotator.gui.dialogs.assignments_dialog import install_assignments
from annotator.gui.dialogs.picker import QtPickerDialog
from annotator.gui.dialogs.shortcuts_dialog import QtShortcutsDialog
from annotator.gui.dialogs.stance_dialog import QtStanceDialog
from annotator.gui.models.article_list_model import (
    STATUS_TEXT,
    QtArticleFilterModel,
    QtArticleListModel,
)
from annotator.gui.packing import install_packing
from annotator.gui.panels import (
    QtDocumentPanel,
    QtEntitiesPanel,
    QtItemTable,
    QtLabelPalette,
    QtQuotesPanel,
    QtStancesPanel,
)
from annotator.gui.review import review_mode
from annotator.gui.review.agreement_menu import install_agreement
from annotator.gui.session import QtArticleSession
from annotator.gui.span_index import Span
from annotator.gui.suggestions import install as install_suggestions
from annotator.runtime import paused_gc
from annotator.services import assigning
from annotator.services.annotation import ArticleSession
from annotator.services.changes import Change, ChangeKind
from annotator.settings import Preferences, config_dir
from annotator.storage.project import Project

_LAYER_OF_SPAN = {"mention": Layer.MENTION, "quote": Layer.QUOTE, "cue": Layer.QUOTE}


def _paragraph_distance(text: str, a: int, b: int) -> int:
    low, high = sorted((a, b))
    return text.count("\n", low, high)


class QtMainWindow(QMainWindow):
    """One project, one annotator; every edit an undoable command committed before it shows."""

    def __init__(
        self,
        project: Project,
        annotator: Annotator,
        preferences: Preferences,
        *,
        ask: Callable[..., object] | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.annotator = annotator
        self.preferences = preferences
        self.setObjectName("mainWindow")
        self._sessions: dict[str, QtArticleSession] = {}
        self._stacks: dict[str, QUndoStack] = {}
        self.session: QtArticleSession | None = None
        self.current: tuple[Layer, str] | None = None
        self._evidence_keys: dict[str, list[str]] = {}
        self.undo_group = QUndoGroup(self)
        self._settings = QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
        self._build_widgets()
        self._build_actions()
        self._load_articles()
        self._restore_layout()
        self._update_title()
        first = self._first_article()
        if first is not None:
            self.open_article(first)

    # -- construction ----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        schema = self.project.schema
        self.palette_bar = QtLabelPalette(self.label_selection, self)
        self.palette_bar.load(schema)
        #: The schema version the palette, Label menu and colours show (``refresh_window``).
        self.schema_version = self.project.schemas.latest_version()
        self.header = QLabel(self)
        self.header.setObjectName("articleHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.view = QtArticleView(self)
        self.view.set_point_size(self.preferences.font_point_size)
        self.view.describe_span = self._describe_span
        self.view.span_clicked.connect(self._on_view_span_clicked)
        self.find_bar = QWidget(self)
        self.find_edit = QLineEdit(self.find_bar)
        self.find_edit.setObjectName("findEdit")
        self.find_edit.setPlaceholderText("Find in article…  (Enter: next, Esc: close)")
        self.find_count = QLabel(self.find_bar)
        close_find = QPushButton("✕", self.find_bar)
        close_find.setFlat(True)
        close_find.clicked.connect(self.hide_find)
        find_layout = QHBoxLayout(self.find_bar)
        find_layout.setContentsMargins(0, 0, 0, 0)
        find_layout.addWidget(self.find_edit)
        find_layout.addWidget(self.find_count)
        find_layout.addWidget(close_find)
        self.find_bar.hide()
        self.find_edit.textChanged.connect(self._on_find_text_changed)
        self.find_edit.returnPressed.connect(self.find_next)
        self._hits: list[tuple[int, int]] = []
        self._hit = -1

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.palette_bar)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(central)

        # Article list (left).
        self.article_model = QtArticleListModel()
        self.article_filter = QtArticleFilterModel()
        self.article_filter.setSourceModel(self.article_model)
        self.article_table = QTableView(self)
        self.article_table.setObjectName("articleTable")
        self.article_table.setModel(self.article_filter)
        self.article_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.article_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.article_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.article_table.verticalHeader().hide()
        self.article_table.setWordWrap(False)
        self.article_table.activated.connect(self._on_article_activated)
        self.article_table.clicked.connect(self._on_article_activated)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("articleSearch")
        self.search_edit.setPlaceholderText("Search all articles…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem("All statuses", None)
        for status in SetStatus:
            self.status_filter.addItem(STATUS_TEXT[status], status)
        self.status_filter.addItem("not done", "open")
        self.status_filter.currentIndexChanged.connect(self._on_status_filter_changed)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.status_filter)
        left_layout.addWidget(self.article_table)
        self.article_dock = QDockWidget("Articles", self)
        self.article_dock.setObjectName("articleDock")
        self.article_dock.setWidget(left)
        left.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.article_dock)

        # Label panels (right).
        self.entities_panel = QtEntitiesPanel(self)
        self.quotes_panel = QtQuotesPanel(self)
        self.stances_panel = QtStancesPanel(self)
        self.document_panel = QtDocumentPanel(self)
        self.document_panel.answer_chosen.connect(self._on_document_answer_chosen)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("labelTabs")
        self.tabs.addTab(self.entities_panel, "Entities")
        self.tabs.addTab(self.quotes_panel, "Quotes")
        self.tabs.addTab(self.stances_panel, "Stances")
        self.tabs.addTab(self.document_panel, "Document")
        for table in self._tables():
            table.item_selected.connect(self._on_table_item_selected)
        self.label_dock = QDockWidget("Labels", self)
        self.label_dock.setObjectName("labelDock")
        self.label_dock.setWidget(self.tabs)
        self.tabs.setMinimumWidth(400)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.label_dock)

        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progressLabel")
        self.statusBar().addPermanentWidget(self.progress_label)

    def _tables(self) -> list[QtItemTable]:
        return [
            self.entities_panel.entities,
            self.entities_panel.mentions,
            self.quotes_panel.table,
            self.stances_panel.table,
        ]

    def _action(
        self,
        menu_name: str,
        text: str,
        slot: Callable[[], object],
        *keys: str | QKeySequence | QKeySequence.StandardKey,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([k if isinstance(k, QKeySequence) else QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _checked=False: slot())
        self._menus[menu_name].addAction(action)
        self.actions_by_name[text.replace("&", "")] = action
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self._menus = {
            name: bar.addMenu(name)
            for name in (
                "&File",
                "&Edit",
                "&Label",
                "A&rticle",
                "&Review",
                "&Project",
                "&View",
                "&Help",
            )
        }
        self.actions_by_name: dict[str, QAction] = {}
        self._action("&File", "&Import…", self.show_import, "Ctrl+I")
        self._action("&File", "&Export…", self.show_export, "Ctrl+E")
        self._menus["&File"].addSeparator()
        self._action("&File", "&Quit", self.close, QKeySequence.StandardKey.Quit)

        undo = self.undo_group.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.undo_group.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self._menus["&Edit"].addAction(undo)
        self._menus["&Edit"].addAction(redo)
        self.actions_by_name["Undo"] = undo
        self.actions_by_name["Redo"] = redo
        self._menus["&Edit"].addSeparator()
        self._action("&Edit", "&Delete label", self.delete_current, "Del")
        self._action("&Edit", "&Find in article", self.show_find, QKeySequence.StandardKey.Find)
        self._action("&Edit", "Find &next", self.find_next, "F3")
        snap = self._action("&Edit", "&Snap selections to words", self._toggle_snap)
        snap.setCheckable(True)
        snap.setChecked(self.preferences.snap_to_words)
        self.snap_action = snap

        for entity_type in self.project.schema.entity_types:
            keys = [str(entity_type.hotkey)] if entity_type.hotkey else []
            self._action(
                "&Label",
                f"Label as {entity_type.name}",
                partial(self.label_selection, entity_type.name),
                *keys,
            )
        self._menus["&Label"].addSeparator()
        self._action("&Label", "&Link mention to entity…", self.link_current, "L")
        self._action("&Label", "Mark as &quote", self.add_quote, "Q")
        self._action("&Label", "Pick &speaker…", self.pick_speaker, "S")
        self._action("&Label", "Attach &cue", self.attach_cue, "C")
        self._action("&Label", "Cycle quote &type", self.cycle_quote_type, "Y")
        self._action("&Label", "New s&tance…", self.add_stance, "T")
        self._action("&Label", "Add &evidence to stance", self.add_evidence, "E")
        self._action("&Label", "Toggle &unsure", self.toggle_unsure, "U")
        self._action("&Label", "Unsure, with a &note…", self.note_current, "Shift+U")

        self._action("A&rticle", "Mark &done and next", self.mark_done, "Ctrl+Return", "Ctrl+Enter")
        self._action("A&rticle", "Mark in &progress", self.mark_in_progress)
        self._action("A&rticle", "&Next article", self.next_article, "Ctrl+Right")
        self._action("A&rticle", "&Previous article", self.previous_article, "Ctrl+Left")
        self._action("A&rticle", "Next &not done", self.next_not_done, "Ctrl+Shift+Right")
        self._action("A&rticle", "&Search articles", self.search_edit.setFocus, "Ctrl+Shift+F")

        self._action(
            "&View", "Zoom &in", lambda: self.zoom(1), QKeySequence.StandardKey.ZoomIn, "Ctrl+="
        )
        self._action("&View", "Zoom &out", lambda: self.zoom(-1), QKeySequence.StandardKey.ZoomOut)
        for n, name in enumerate(("Entities", "Quotes", "Stances", "Document"), start=1):
            self._action("&View", f"{name} panel", partial(self.show_panel, n - 1), f"Alt+{n}")
        self._menus["&View"].addSeparator()
        self._menus["&View"].addAction(self.article_dock.toggleViewAction())
        self._menus["&View"].addAction(self.label_dock.toggleViewAction())

        # Each feature module adds its actions below, one call each.
        # -- project setup: wizard, labels, guidelines, overview (#10) --
        project_setup.install(self)  # F1 there: the selected label's guideline, else shortcuts
        # -- review: assignments, reviewer mode, agreement (#6) --
        self.review_mode = review_mode.install(self)  # Ctrl+Shift+R; annotators' review notes
        install_packing(self)  # File: Pack for annotator…, Merge annotator files…
        install_agreement(self)  # Review: Agreement dashboard… (Ctrl+Shift+A)
        self.assignments = install_assignments(self)  # Review: Assignments… (Ctrl+Shift+M)
        # -- suggestions (#7) --
        self.suggestions = install_suggestions(self)  # Label > Suggestions: A/Enter, X, N
        # -- safety: backups, read-only, refresh (#8) --
        self.safety = safety.install(self)  # banner, failed writes, outside changes, backups

        self._action("&Help", "&Keyboard shortcuts", self.show_shortcuts, "?")
        self._action("&Help", "&About Annotator", self.show_about)

    # -- layout memory ---------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self._settings.value("geometry")
        state = self._settings.value("state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1440, screen.width()), min(900, screen.height()))
        if state is not None:
            self.restoreState(state)
        splitter = self._settings.value("entity_splitter")
        if splitter is not None:
            self.entities_panel.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:
        editor = getattr(getattr(self, "project_setup", None), "editor", None)
        if editor is not None:  # text typed in the label editor is saved, not lost
            editor.commit_pending()
        self._settings.setValue("geometry", self.saveGeometry())
        self._settings.setValue("state", self.saveState())
        self._settings.setValue("entity_splitter", self.entities_panel.splitter.saveState())
        self._settings.sync()
        self.preferences.save()
        super().closeEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)

    # -- articles --------------------------------------------------------------------------------

    def _load_articles(self) -> None:
        statuses = {
            info.article_id: info.status
            for info in self.project.sets.for_annotator(self.annotator.id)
        }
        summaries = self.project.articles.summaries()
        # Assigned articles only, and for reviewers who has each one (#6).
        visible, team = assigning.article_list_scope(self.project, self.annotator)
        if visible is not None:
            summaries = [s for s in summaries if s.id in visible]
        self.article_model.load(summaries, statuses, team)
        header = self.article_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.article_table.resizeColumnsToContents()
        self.article_table.setColumnWidth(0, 220)
        header.setStretchLastSection(True)
        self._update_progress()

    def _first_article(self) -> str | None:
        ids = self.article_model.article_ids()
        open_ids = [
            i
            for i in ids
            if self.article_model.status(i) not in (SetStatus.DONE, SetStatus.APPROVED)
        ]
        candidates = open_ids or ids
        return candidates[0] if candidates else None

    def _on_article_activated(self, index: QModelIndex) -> None:
        article_id = index.data(Qt.ItemDataRole.UserRole)
        if article_id and (self.session is None or article_id != self.session.service.article.id):
            self.open_article(article_id)

    def open_article(self, article_id: str) -> None:
        """Show an article: its text, its labels, its undo stack."""
        with paused_gc():
            self._open_article(article_id)

    def _open_article(self, article_id: str) -> None:
        session = self._sessions.get(article_id)
        if session is None:
            article = self.project.articles.get(article_id)
            service = ArticleSession(self.project, article, self.annotator)
            session = QtArticleSession(service, self)
            session.changed.connect(self._on_session_changed)
            self._sessions[article_id] = session
            self._stacks[article_id] = QUndoStack(self.undo_group)
        self.session = session
        self.undo_group.setActiveStack(self._stacks[article_id])
        self.current = None
        service = session.service
        article = service.article
        colors = self._colors()
        self.view.load(article.text, self._spans(service), colors)
        meta = " · ".join(x for x in (article.source, article.author, article.published or "") if x)
        self.header.setText(
            f"<b style='font-size:13pt'>{_escape(article.display_title)}</b>"
            + (f"<br><span>{_escape(meta)}</span>" if meta else "")
        )
        self.entities_panel.load(service, colors)
        self.quotes_panel.load(service)
        self.stances_panel.load(service)
        self.document_panel.load(service.schema, list(service.labels.values()))
        self.article_model.set_status(article_id, service.status)
        row = self.article_model.row_of(article_id)
        if row is not None:
            proxy = self.article_filter.mapFromSource(self.article_model.index(row, 0))
            if proxy.isValid():
                self.article_table.selectRow(proxy.row())
        if self.find_bar.isVisible():
            self._on_find_text_changed(self.find_edit.text())
        self._update_title()
        self.view.setFocus()

    def _colors(self) -> dict[str, str]:
        return {t.name: t.color for t in self.project.schema.entity_types}

    def _spans(self, service: ArticleSession) -> dict[str, list[Span]]:
        self._evidence_keys = {}
        evidence: list[Span] = []
        for stance in service.stances.values():
            evidence += self._evidence_spans(stance)
        return {
            "mention": [Span(m.start, m.end, m.id, m.label) for m in service.mentions.values()],
            "quote": [Span(q.start, q.end, q.id, q.quote_type) for q in service.quotes.values()],
            "cue": [Span(*q.cue, q.id, "cue") for q in service.quotes.values() if q.cue],
            "evidence": evidence,
            **self.suggestions.spans(service),  # drawn faded, never labels (#7)
        }

    def _evidence_spans(self, stance: Stance) -> list[Span]:
        spans = [Span(e.start, e.end, f"{stance.id}/{e.id}", "evidence") for e in stance.evidence]
        self._evidence_keys[stance.id] = [s.key for s in spans]
        return spans

    def _step(self, step: int, *, only_open: bool = False) -> None:
        ids = [
            self.article_filter.index(r, 0).data(Qt.ItemDataRole.UserRole)
            for r in range(self.article_filter.rowCount())
        ]
        if not ids or self.session is None:
            return
        current = self.session.service.article.id
        position = ids.index(current) if current in ids else -1
        for n in range(1, len(ids) + 1):
            candidate = ids[(position + step * n) % len(ids)]
            if candidate == current:
                break
            if not only_open or self.article_model.status(candidate) not in (
                SetStatus.DONE,
                SetStatus.APPROVED,
            ):
                self.open_article(candidate)
                return
        self.statusBar().showMessage("No other article to go to.", 4000)

    def next_article(self) -> None:
        self._step(1)

    def previous_article(self) -> None:
        self._step(-1)

    def next_not_done(self) -> None:
        self._step(1, only_open=True)

    def mark_done(self) -> None:
        if self.session is None:
            return
        before = self.session.service.status
        if before is not SetStatus.DONE:
            self._push(SetStatusCommand(self.session, before, SetStatus.DONE))
        done = self.article_model.done_count()
        total = self.article_model.rowCount()
        if done == total:
            self.statusBar().showMessage(f"All {total} articles are done.", 6000)
            return
        self.next_not_done()

    def mark_in_progress(self) -> None:
        if self.session is not None and self.session.service.status is not SetStatus.IN_PROGRESS:
            self._push(
                SetStatusCommand(self.session, self.session.service.status, SetStatus.IN_PROGRESS)
            )

    def _on_search_text_changed(self, text: str) -> None:
        if not text.strip():
            self.article_filter.set_ids(None)
            return
        hits = self.project.articles.search(text)
        self.article_filter.set_ids({hit.article_id for hit in hits})

    def _on_status_filter_changed(self, _index: int) -> None:
        data = self.status_filter.currentData()
        if data is None:
            self.article_filter.set_statuses(None)
        elif data == "open":
            self.article_filter.set_statuses(
                {SetStatus.TODO, SetStatus.IN_PROGRESS, SetStatus.NEEDS_REWORK}
            )
        else:
            self.article_filter.set_statuses({SetStatus(data)})

    # -- changes ---------------------------------------------------------------------------------

    def _push(self, command: SessionCommand) -> bool:
        """Apply a command (committed to the project), then put it on the undo stack.

        If the project refuses it, nothing was written, nothing goes on the stack, and the
        user is told why.
        """
        if self.session is None:
            return False
        try:
            command.on_failure = self.safety.report_failure  # a refused undo/redo, later
            command.apply_before_push()
        except AnnotatorError as error:
            self.statusBar().showMessage(f"Not saved: {error}", 8000)
            QMessageBox.warning(self, "Not saved", str(error))
            return False
        self.undo_stack().push(command)
        return True

    def _on_session_changed(self, change: Change) -> None:
        session = self.sender()
        if not isinstance(session, QtArticleSession) or session is not self.session:
            return
        service = session.service
        index = self.view.index
        if change.kind is ChangeKind.STATUS:
            self.article_model.set_status(service.article.id, service.status)
            self._update_progress()
            self._update_title()
            return
        ranges = list(change.ranges)
        for item_id in change.ids:
            if change.layer is Layer.MENTION:
                mention = service.mentions.get(item_id)
                old = index.layers["mention"].remove(item_id)
                if old is not None:
                    ranges.append((old.start, old.end))
                if mention is not None:
                    index.layers["mention"].add(
                        Span(mention.start, mention.end, mention.id, mention.label)
                    )
                    self.entities_panel.mention_model.upsert(mention)
                else:
                    self.entities_panel.mention_model.remove(item_id)
            elif change.layer is Layer.ENTITY:
                entity = service.entities.get(item_id)
                if entity is not None:
                    self.entities_panel.entity_model.upsert(entity)
                else:
                    self.entities_panel.entity_model.remove(item_id)
            elif change.layer is Layer.QUOTE:
                quote = service.quotes.get(item_id)
                for layer in ("quote", "cue"):
                    old = index.layers[layer].remove(item_id)
                    if old is not None:
                        ranges.append((old.start, old.end))
                if quote is not None:
                    index.layers["quote"].add(
                        Span(quote.start, quote.end, quote.id, quote.quote_type)
                    )
                    if quote.cue:
                        index.layers["cue"].add(Span(*quote.cue, quote.id, "cue"))
                    self.quotes_panel.model.upsert(quote)
                else:
                    self.quotes_panel.model.remove(item_id)
            elif change.layer is Layer.STANCE:
                stance = service.stances.get(item_id)
                for key in self._evidence_keys.pop(item_id, []):
                    old = index.layers["evidence"].remove(key)
                    if old is not None:
                        ranges.append((old.start, old.end))
                if stance is not None:
                    for span in self._evidence_spans(stance):
                        index.layers["evidence"].add(span)
                    self.stances_panel.model.upsert(stance)
                else:
                    self.stances_panel.model.remove(item_id)
            elif change.layer is Layer.DOCUMENT_LABEL:
                label = service.labels.get(item_id)
                if label is not None:
                    self.document_panel.show_answer(label.question, label.values[0])
                else:
                    self._sync_document_panel(service)
        if change.layer is Layer.ENTITY or (
            change.layer is Layer.MENTION and self._touches_links(service, change)
        ):
            # Names and counts shown in other panels depend on clusters and speakers.
            self.entities_panel.entity_model.refresh_all()
            self.quotes_panel.model.refresh_all()
            self.stances_panel.model.refresh_all()
        if change.layer is Layer.ENTITY:
            self.entities_panel.mention_model.refresh_all()
        self.view.refresh_ranges(ranges)
        if change.kind is ChangeKind.ADDED and change.layer is not None and change.ids:
            # The new item is what the next key acts on (L, S, C, E, Del). Selecting its row
            # in the panel would scroll a 25,000-row table on every press: that waits for a click.
            self.current = (change.layer, change.ids[-1])
        elif change.kind is ChangeKind.REMOVED and self.current and self.current[1] in change.ids:
            self.current = None
            self.view.show_current([])
        if service.status is not self.article_model.status(service.article.id):
            self.article_model.set_status(service.article.id, service.status)
            self._update_progress()

    @staticmethod
    def _touches_links(service: ArticleSession, change: Change) -> bool:
        """Whether a mention change can alter what other panels show (clusters, speakers)."""
        ids = set(change.ids)
        if any(q.speaker_id in ids for q in service.quotes.values()):
            return True
        return change.kind is not ChangeKind.ADDED or any(
            service.mentions[i].entity_id for i in ids if i in service.mentions
        )

    def _sync_document_panel(self, service: ArticleSession) -> None:
        for question in service.schema.document_questions:
            label = service.label_for_question(question.name)
            self.document_panel.show_answer(question.name, label.values[0] if label else None)

    # -- current item ----------------------------------------------------------------------------

    def _ranges_of(self, layer: Layer, item_id: str) -> list[tuple[int, int]]:
        if self.session is None:
            return []
        service = self.session.service
        if layer is Layer.MENTION and item_id in service.mentions:
            m = service.mentions[item_id]
            return [(m.start, m.end)]
        if layer is Layer.QUOTE and item_id in service.quotes:
            q = service.quotes[item_id]
            return [(q.start, q.end)]
        if layer is Layer.STANCE and item_id in service.stances:
            return [(e.start, e.end) for e in service.stances[item_id].evidence]
        if layer is Layer.ENTITY and item_id in service.entities:
            return [(m.start, m.end) for m in service.entity_mentions(item_id)]
        return []

    def _set_current(self, layer: Layer, item_id: str, *, scroll: bool = True) -> None:
        self.current = (layer, item_id)
        tab, table = {
            Layer.MENTION: (0, self.entities_panel.mentions),
            Layer.ENTITY: (0, self.entities_panel.entities),
            Layer.QUOTE: (1, self.quotes_panel.table),
            Layer.STANCE: (2, self.stances_panel.table),
        }.get(layer, (None, None))
        if table is not None and tab is not None:
            self.tabs.setCurrentIndex(tab)
            table.select_item(item_id)
        self.view.show_current(self._ranges_of(layer, item_id), scroll=scroll)

    def _on_view_span_clicked(self, layer_name: str, key: str) -> None:
        if layer_name == "evidence":
            self._set_current(Layer.STANCE, key.split("/", 1)[0], scroll=False)
        else:
            self._set_current(_LAYER_OF_SPAN[layer_name], key, scroll=False)
        layer, item_id = self.current or (None, "")
        if layer is not None:
            self.statusBar().showMessage(self._describe_item(layer, item_id), 5000)

    def _on_table_item_selected(self, layer_name: str, item_id: str) -> None:
        self.current = (Layer(layer_name), item_id)
        self.view.show_current(self._ranges_of(Layer(layer_name), item_id))

    def _describe_span(self, layer: str, span: Span) -> str:
        if layer == "evidence":
            return "Evidence: " + self._describe_item(Layer.STANCE, span.key.split("/", 1)[0])
        if layer == "cue":
            return "Cue of " + self._describe_item(Layer.QUOTE, span.key)
        return self._describe_item(_LAYER_OF_SPAN[layer], span.key)

    def _describe_item(self, layer: Layer, item_id: str) -> str:
        if self.session is None:
            return ""
        s = self.session.service
        if layer is Layer.MENTION and item_id in s.mentions:
            m = s.mentions[item_id]
            cluster = s.entities.get(m.entity_id) if m.entity_id else None
            text = f"{m.label}: {s.span_text(m.start, m.end)}"
            return text + (f"  (entity: {cluster.name})" if cluster else "  (no entity)")
        if layer is Layer.QUOTE and item_id in s.quotes:
            q = s.quotes[item_id]
            speaker = self.quotes_panel._speaker(q)
            cue = s.span_text(*q.cue) if q.cue else "—"
            return f"{q.quote_type} quote · speaker: {speaker} · cue: {cue}"
        if layer is Layer.STANCE and item_id in s.stances:
            st = s.stances[item_id]
            holder = self.stances_panel._holder(st)
            return f"Stance: {holder} → {self.stances_panel._target(st)}: {st.polarity}"
        if layer is Layer.ENTITY and item_id in s.entities:
            e = s.entities[item_id]
            return f"Entity {e.name} ({e.label}), {len(s.entity_mentions(item_id))} mention(s)"
        return ""

    # -- labelling -------------------------------------------------------------------------------

    def _selection(self, *, trim_punctuation: bool = True) -> tuple[int, int] | None:
        try:
            span = self.view.selection_span()
        except ValueError as error:
            self.statusBar().showMessage(f"That selection cannot be used: {error}", 6000)
            return None
        if span is None:
            return None
        if self.preferences.snap_to_words:
            span = snap_to_words(self.view.text, *span, trim_punctuation=trim_punctuation)
        if not self.view.text[span[0] : span[1]].strip():
            return None
        return span

    def label_selection(self, label: str) -> None:
        """Digit keys: label the selection, or relabel the current mention."""
        if self.session is None:
            return
        service = self.session.service
        span = self._selection()
        if span is None:
            if self.current and self.current[0] is Layer.MENTION:
                mention = service.mentions[self.current[1]]
                if mention.label != label:
                    self._push(
                        UpdateItemCommand(
                            self.session,
                            mention,
                            mention.model_copy(update={"label": label}),
                            f"Relabel as {label}",
                        )
                    )
                return
            self.statusBar().showMessage(
                "Select some text first, then press the label's key.", 4000
            )
            return
        start, end = span
        # The span index finds the same span in O(log n); a scan of 25,000 mentions takes 5 ms.
        if any(
            (other.start, other.end, other.style) == (start, end, label)
            for other in self.view.index.layers["mention"].overlapping(start, end)
        ):
            self.statusBar().showMessage(
                f"“{service.span_text(start, end)}” is already {label}.", 4000
            )
            return
        self._push(
            AddItemCommand(
                self.session,
                Mention(start=start, end=end, label=label),
                f"Label “{_clip(service.span_text(start, end))}” as {label}",
            )
        )
        self.view.clear_selection()

    def _current_of(self, layer: Layer) -> str | None:
        if self.current and self.current[0] is layer:
            return self.current[1]
        return None

    def add_quote(self) -> None:
        if self.session is None:
            return
        span = self._selection(trim_punctuation=False)
        if span is None:
            self.statusBar().showMessage("Select the quoted words, then press Q.", 4000)
            return
        service = self.session.service
        quote = Quote(start=span[0], end=span[1], quote_type=service.propose_quote_type(*span))
        self._push(AddItemCommand(self.session, quote, "Add quote"))
        self.view.clear_selection()
        self.statusBar().showMessage(
            "Quote added. S: pick its speaker · select the cue verb and press C.", 8000
        )

    def _current_quote(self) -> Quote | None:
        if self.session is None:
            return None
        quote_id = self._current_of(Layer.QUOTE)
        if quote_id is None:
            self.statusBar().showMessage(
                "Click a quote (or select it in the Quotes tab) first.", 5000
            )
            return None
        return self.session.service.quotes[quote_id]

    def pick_speaker(self) -> None:
        quote = self._current_quote()
        if quote is None or self.session is None:
            return
        service = self.session.service
        selected = self._selection()
        if selected is not None:
            # A selected name becomes the speaker at once (as a PER mention if it is not one).
            existing = next(
                (m for m in service.mentions.values() if (m.start, m.end) == selected), None
            )
            steps: list[SessionCommand] = []
            if existing is None:
                existing = Mention(start=selected[0], end=selected[1], label="PER")
                steps.append(AddItemCommand(self.session, existing))
            steps.append(
                UpdateItemCommand(
                    self.session,
                    quote,
                    quote.model_copy(update={"speaker_id": existing.id}),
                    "Set speaker",
                )
            )
            self._push(MacroCommand("Set speaker", steps))
            self._set_current(Layer.QUOTE, quote.id, scroll=False)
            self.view.clear_selection()
            return
        candidates = service.speaker_candidates(quote.start, quote.end)
        if not candidates:
            self.statusBar().showMessage(
                "Label the speaker's name first (select it, press 1), or select it and press S.",
                6000,
            )
            return
        choices: list[tuple[str, object]] = []
        for mention in candidates:
            where = (
                "before"
                if mention.end <= quote.start
                else "after"
                if mention.start >= quote.end
                else "inside"
            )
            paragraphs = _paragraph_distance(service.text, mention.start, quote.start)
            distance = "same paragraph" if paragraphs == 0 else f"{paragraphs} paragraph(s) {where}"
            cluster = service.entities.get(mention.entity_id) if mention.entity_id else None
            name = service.span_text(mention.start, mention.end)
            label = f"{name}  ·  {mention.label}  ·  {distance}"
            if cluster is not None and cluster.name != name:
                label += f"  ·  = {cluster.name}"
            choices.append((label, mention.id))
        picker = QtPickerDialog(
            "Speaker",
            f"Who said: {_clip(service.span_text(quote.start, quote.end), 90)}",
            choices,
            self,
        )
        if self._run_dialog(picker) and picker.value() is not None:
            speaker = str(picker.value())
            if speaker != quote.speaker_id:
                self._push(
                    UpdateItemCommand(
                        self.session,
                        quote,
                        quote.model_copy(update={"speaker_id": speaker}),
                        "Set speaker",
                    )
                )
            self._set_current(Layer.QUOTE, quote.id, scroll=False)

    def attach_cue(self) -> None:
        quote = self._current_quote()
        if quote is None or self.session is None:
            return
        span = self._selection()
        if span is None:
            self.statusBar().showMessage(
                "Select the cue (“said”, “told reporters”), then press C.", 5000
            )
            return
        updated = quote.model_copy(update={"cue_start": span[0], "cue_end": span[1]})
        self._push(UpdateItemCommand(self.session, quote, updated, "Attach cue"))
        self.view.clear_selection()
        self._set_current(Layer.QUOTE, quote.id, scroll=False)

    def cycle_quote_type(self) -> None:
        quote = self._current_quote()
        if quote is None or self.session is None:
            return
        types = self.project.schema.quote_type_names
        if not types:
            return
        following = (
            types[(types.index(quote.quote_type) + 1) % len(types)]
            if quote.quote_type in types
            else types[0]
        )
        self._push(
            UpdateItemCommand(
                self.session,
                quote,
                quote.model_copy(update={"quote_type": following}),
                f"Quote type {following}",
            )
        )
        self._set_current(Layer.QUOTE, quote.id, scroll=False)

    def add_stance(self) -> None:
        if self.session is None:
            return
        service = self.session.service
        span = self._selection(trim_punctuation=False)
        evidence: Evidence | None = None
        holder_id: str | None = None
        if span is not None:
            evidence = Evidence(start=span[0], end=span[1])
        elif self._current_of(Layer.QUOTE):
            quote = service.quotes[self._current_of(Layer.QUOTE) or ""]
            evidence = Evidence(start=quote.start, end=quote.end, quote_id=quote.id)
            speaker = service.mentions.get(quote.speaker_id) if quote.speaker_id else None
            holder_id = speaker.entity_id if speaker else None
        if not service.entities:
            self.statusBar().showMessage(
                "A stance needs a holder entity: link a mention to an entity first (L).", 6000
            )
            return
        entities = sorted(service.entities.values(), key=lambda e: e.name.casefold())
        preview = _clip(service.span_text(evidence.start, evidence.end), 200) if evidence else ""
        dialog = QtStanceDialog(
            entities,
            self.project.schema.topic_names,
            self.project.schema.polarities,
            preview,
            holder_id=holder_id,
            parent=self,
        )
        if not self._run_dialog(dialog):
            return
        choice = dialog.choice()
        if choice is None:
            self.statusBar().showMessage("A stance needs a holder and a target.", 5000)
            return
        if choice.target_topic and choice.target_topic not in self.project.schema.topic_names:
            schema = self.project.schema
            self.project.schemas.save(
                schema.model_copy(
                    update={"topics": [*schema.topics, Topic(name=choice.target_topic)]}
                ),
                note=f"topic added by {self.annotator.name}",
            )
        stance = Stance(
            holder_id=choice.holder_id,
            target_entity_id=choice.target_entity_id,
            target_topic=choice.target_topic,
            polarity=choice.polarity,
            evidence=[evidence] if evidence else [],
            note=choice.note,
        )
        self._push(AddItemCommand(self.session, stance, "Add stance"))
        self.view.clear_selection()

    def add_evidence(self) -> None:
        if self.session is None:
            return
        stance_id = self._current_of(Layer.STANCE)
        if stance_id is None:
            self.statusBar().showMessage(
                "Click a stance's evidence (or select it in Stances) first.", 5000
            )
            return
        span = self._selection(trim_punctuation=False)
        if span is None:
            self.statusBar().showMessage("Select the evidence text, then press E.", 5000)
            return
        stance = self.session.service.stances[stance_id]
        quote_id = next(
            (q.id for q in self.session.service.quotes.values() if (q.start, q.end) == span), None
        )
        updated = stance.model_copy(
            update={
                "evidence": [
                    *stance.evidence,
                    Evidence(start=span[0], end=span[1], quote_id=quote_id),
                ]
            }
        )
        self._push(UpdateItemCommand(self.session, stance, updated, "Add evidence"))
        self.view.clear_selection()
        self._set_current(Layer.STANCE, stance_id, scroll=False)

    def link_current(self) -> None:
        if self.session is None:
            return
        service = self.session.service
        mention_id = self._current_of(Layer.MENTION)
        if mention_id is None:
            span = self._selection()
            found = [m for m in service.mentions.values() if span and (m.start, m.end) == span]
            mention_id = found[0].id if found else None
        if mention_id is None:
            self.statusBar().showMessage("Click a mention first, then press L.", 5000)
            return
        mention = service.mentions[mention_id]
        name = service.span_text(mention.start, mention.end)
        choices: list[tuple[str, object]] = []
        for entity, score in service.cluster_candidates(name, mention.label):
            if entity.id == mention.entity_id:
                continue
            count = len(service.entity_mentions(entity.id))
            choices.append(
                (
                    f"{entity.name}  ·  {entity.label}  ·  {count} mention(s)",
                    ("entity", entity.id, score),
                )
            )
        new_choice = (f"New entity “{name}” ({mention.label})", ("new", name, 0.6))
        best = choices[0][1][2] if choices else 0.0  # type: ignore[index]
        choices.insert(1 if best >= 0.6 else 0, new_choice)
        if mention.entity_id:
            choices.append(("Remove from its entity", ("unlink", "", 0)))
        picker = QtPickerDialog("Link to entity", f"“{name}” refers to…", choices, self)
        if not self._run_dialog(picker) or picker.value() is None:
            return
        picked = picker.value()
        assert isinstance(picked, tuple)
        kind, value = str(picked[0]), str(picked[1])
        if kind == "new":
            entity = Entity(name=value, label=mention.label)
            self._push(
                MacroCommand(
                    f"New entity {value}",
                    [
                        AddItemCommand(self.session, entity),
                        LinkMentionsCommand(self.session, [mention_id], entity.id, "Link mention"),
                    ],
                )
            )
        elif kind == "unlink":
            self._push(LinkMentionsCommand(self.session, [mention_id], None, "Unlink mention"))
        else:
            self._push(
                LinkMentionsCommand(
                    self.session, [mention_id], value, f"Link to {service.entities[value].name}"
                )
            )
        self._set_current(Layer.MENTION, mention_id, scroll=False)

    def toggle_unsure(self) -> None:
        if self.session is None or self.current is None:
            return
        item = self.session.service.get(*self.current)
        self._push(
            UpdateItemCommand(
                self.session,
                item,
                item.model_copy(update={"unsure": not item.unsure}),
                "Mark unsure" if not item.unsure else "Mark sure",
            )
        )

    def note_current(self) -> None:
        """Flag the current label unsure and say why (the reviewer sees the flag and the note)."""
        if self.session is None or self.current is None:
            self.statusBar().showMessage("Click a label first, then press Shift+U.", 4000)
            return
        item = self.session.service.get(*self.current)
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Unsure about this label")
        dialog.setLabelText(
            f"{self._describe_item(*self.current)}\n\nWhat is unclear? (the reviewer sees it; "
            "leave empty to clear the note)"
        )
        dialog.setTextValue(item.note)
        if not self._run_dialog(dialog):
            return
        note = dialog.textValue().strip()
        if note == item.note and item.unsure:
            return
        self._push(
            UpdateItemCommand(
                self.session,
                item,
                item.model_copy(update={"unsure": True, "note": note}),
                "Note why unsure",
            )
        )

    def delete_current(self) -> None:
        if self.session is None or self.current is None:
            self.statusBar().showMessage("Click a label first, then press Del.", 4000)
            return
        layer, item_id = self.current
        if layer is Layer.ENTITY:
            holding = [
                s
                for s in self.session.service.stances.values()
                if item_id in (s.holder_id, s.target_entity_id)
            ]
            if holding:
                self.statusBar().showMessage(
                    f"This entity is in {len(holding)} stance(s); delete those first.", 6000
                )
                return
        self._push(RemoveItemCommand(self.session, layer, item_id))

    def _on_document_answer_chosen(self, question: str, value: object) -> None:
        if self.session is None:
            return
        existing = self.session.service.label_for_question(question)
        if value is None:
            if existing is not None:
                self._push(RemoveItemCommand(self.session, Layer.DOCUMENT_LABEL, existing.id))
        elif existing is None:
            self._push(
                AddItemCommand(
                    self.session,
                    DocumentLabel(question=question, values=[str(value)]),
                    f"Answer {question}",
                )
            )
        elif existing.values != [value]:
            self._push(
                UpdateItemCommand(
                    self.session,
                    existing,
                    existing.model_copy(update={"values": [str(value)]}),
                    f"Answer {question}",
                )
            )

    # -- find, view, help ------------------------------------------------------------------------

    def show_find(self) -> None:
        self.find_bar.show()
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def hide_find(self) -> None:
        self.find_bar.hide()
        self.view.find_all("")
        self.view.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.find_bar.isVisible():
            self.hide_find()
            return
        super().keyPressEvent(event)

    def _on_find_text_changed(self, text: str) -> None:
        self._hits = self.view.find_all(text)
        self._hit = -1
        self.find_count.setText(f"{len(self._hits)} found" if text else "")

    def find_next(self) -> None:
        if not self._hits:
            return
        self._hit = (self._hit + 1) % len(self._hits)
        self.view.select_span(*self._hits[self._hit])
        self.view.ensureCursorVisible()
        self.find_count.setText(f"{self._hit + 1} of {len(self._hits)}")

    def _toggle_snap(self) -> None:
        self.preferences.snap_to_words = self.snap_action.isChecked()
        self.preferences.save()

    def show_import(self) -> None:
        from annotator.gui.dialogs.import_dialog import QtImportDialog

        dialog = QtImportDialog(self.project.path, self)
        self._run_dialog(dialog)
        if dialog.report is not None:
            self.reload_articles()

    def show_export(self) -> None:
        from annotator.gui.dialogs.export_dialog import QtExportDialog

        self._run_dialog(QtExportDialog(self.project, self))

    def reload_articles(self) -> None:
        """Read the article list again (after an import by another connection)."""
        self._load_articles()
        if self.session is None:
            first = self._first_article()
            if first is not None:
                self.open_article(first)

    def show_panel(self, index: int) -> None:
        self.label_dock.show()
        self.tabs.setCurrentIndex(index)

    def zoom(self, step: int) -> None:
        size = max(6, min(48, self.preferences.font_point_size + step))
        self.preferences.font_point_size = size
        self.view.set_point_size(size)
        self.preferences.save()

    def show_shortcuts(self) -> None:
        self._run_dialog(QtShortcutsDialog(list(self.actions_by_name.values()), self))

    def show_about(self) -> None:
        from annotator.gui.about_dialog import QtAboutDialog

        self._run_dialog(QtAboutDialog(self.project.path, self))

    # -- helpers ---------------------------------------------------------------------------------

    def _run_dialog(self, dialog: QDialog) -> bool:
        """Run a modal dialog, then give the keyboard back to the text (no window manager
        may be there to re-activate the main window)."""
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.hide()
        dialog.deleteLater()
        self.activateWindow()
        self.view.setFocus()
        return accepted

    def undo_stack(self) -> QUndoStack:
        assert self.session is not None
        return self._stacks[self.session.service.article.id]

    def _update_progress(self) -> None:
        total = self.article_model.rowCount()
        done = self.article_model.done_count()
        self.progress_label.setText(f"{self.annotator.name}: {done} of {total} done")

    def _update_title(self) -> None:
        title = ""
        if self.session is not None:
            service = self.session.service
            title = f"{_clip(service.article.display_title, 60)} [{STATUS_TEXT[service.status]}] — "
        read_only = " (read-only)" if self.project.read_only else ""
        self.setWindowTitle(
            f"{title}{self.project.name}{read_only} — {self.annotator.name} — Annotator"
        )


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["QTimer", "QtMainWindow"]
