"""Project setup in the window: New Project, Labels, Overview, guidelines (F1, panel), label undo.

``install(window)`` adds the menu actions and the Guidelines panel, and keeps the window in step
with the schema: after a label change the palette, the Label menu's keys, the colours and the
panels follow without a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from annotator.domain.annotations import Layer, Role
from annotator.domain.errors import AnnotatorError
from annotator.gui.guidelines import QtGuidelineDialog, QtGuidelinesDock, label_guideline
from annotator.services.schema_changes import (
    LabelKind,
    LabelOp,
    SchemaChange,
    SchemaConflictError,
    apply_change,
    redo_change,
    removes_labels,
    undo_change,
)
from annotator.storage.project import Project

if TYPE_CHECKING:
    from annotator.gui.dialogs.schema_editor import QtSchemaEditor
    from annotator.gui.main_window import QtMainWindow
    from annotator.gui.overview import QtOverviewDialog

_LABEL_ACTION = "Label as "


class ChangeLabelsCommand(QUndoCommand):
    """One schema change (with the labels that followed it) as one undo step."""

    def __init__(self, setup: QtProjectSetup, change: SchemaChange) -> None:
        super().__init__(change.op.describe())
        self._setup = setup
        self.change = change
        self.undone: SchemaChange | None = None
        self._first = True
        self.error: AnnotatorError | None = None

    def redo(self) -> None:
        if self._first:  # applied before it was pushed
            self._first = False
            return
        assert self.undone is not None
        try:
            self.change = redo_change(self._setup.project, self.undone, actor=self._setup.actor)
        except AnnotatorError as error:
            self.error = error
            return
        self._setup.after_change(self.change)

    def undo(self) -> None:
        try:
            self.undone = undo_change(self._setup.project, self.change, actor=self._setup.actor)
        except AnnotatorError as error:
            self.error = error
            return
        self._setup.after_change(self.undone)


class QtProjectSetup(QObject):
    """The window's project-setup features and the label undo stack (project-wide, apart from
    each article's own stack: a label change touches every article)."""

    schema_changed = Signal(object)  # a services.schema_changes.SchemaChange

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.stack = QUndoStack(self)
        self.stack.setObjectName("labelUndoStack")
        self.editor: QtSchemaEditor | None = None
        self.overview: QtOverviewDialog | None = None
        self.guidelines_dock = QtGuidelinesDock(window)
        self.guidelines_dock.load(window.project.schema)

    @property
    def project(self) -> Project:
        return self.window.project

    @property
    def actor(self) -> str:
        return self.window.annotator.name

    # -- label changes ----------------------------------------------------------------------------

    def change_labels(self, op: LabelOp, *, parent: QWidget | None = None) -> SchemaChange | None:
        """Apply a schema change (committed), put it on the label undo stack, refresh.

        A change the project refuses is explained and leaves everything as it was.
        """
        try:
            change = apply_change(self.project, op, actor=self.actor)
        except AnnotatorError as error:
            QMessageBox.warning(parent or self.window, "Labels not changed", str(error))
            return None
        self.stack.push(ChangeLabelsCommand(self, change))
        self.after_change(change)
        return change

    def _step(self, undo: bool) -> None:
        can = self.stack.canUndo() if undo else self.stack.canRedo()
        if not can:
            return
        index = self.stack.index() - 1 if undo else self.stack.index()
        command = self.stack.command(index)
        assert isinstance(command, ChangeLabelsCommand)
        command.error = None
        if undo:
            self.stack.undo()
        else:
            self.stack.redo()
        if command.error is not None:
            parent = QApplication.activeModalWidget() or self.editor or self.window
            QMessageBox.warning(parent, "Labels not changed", str(command.error))
            if isinstance(command.error, SchemaConflictError):
                self.stack.clear()  # the steps no longer match the project
            else:
                # Nothing was written: put the stack back where the project is.
                self.stack.setIndex(index + 1 if undo else index)

    def undo_labels(self) -> None:
        self._step(undo=True)

    def redo_labels(self) -> None:
        self._step(undo=False)

    def after_change(self, change: SchemaChange) -> None:
        # Article undo steps name labels: once a name is gone they could bring it back.
        reset = change.data_changed or removes_labels(change.before, change.after)
        refresh_window(self.window, data_changed=reset)
        self.guidelines_dock.load(self.project.schema)
        if reset:
            self.window.statusBar().showMessage(
                f"{change.describe()}. Labels in every article follow; the undo history of "
                "open articles starts again.",
                10000,
            )
        else:
            self.window.statusBar().showMessage(change.describe(), 6000)
        self.schema_changed.emit(change)

    # -- dialogs and panels -----------------------------------------------------------------------

    def show_labels(self) -> QtSchemaEditor:
        from annotator.gui.dialogs.schema_editor import QtSchemaEditor

        if self.editor is None:
            self.editor = QtSchemaEditor(self, self.window)
            self.editor.setWindowFlag(Qt.WindowType.Window, True)
        self.editor.reload()
        self.editor.show()
        self.editor.raise_()
        self.editor.activateWindow()
        return self.editor

    def show_overview(self) -> QtOverviewDialog:
        from annotator.gui.overview import QtOverviewDialog

        if self.overview is None:
            self.overview = QtOverviewDialog(self.project, self.window)
            self.overview.article_chosen.connect(self._on_overview_article_chosen)
        self.overview.refresh()
        self.overview.show()
        self.overview.raise_()
        self.overview.activateWindow()
        return self.overview

    def _on_overview_article_chosen(self, article_id: str) -> None:
        self.window.open_article(article_id)
        self.window.raise_()
        self.window.activateWindow()

    def current_label(self) -> tuple[LabelKind, str] | None:
        """The label of the item the window has selected (for F1)."""
        window = self.window
        if window.session is None or window.current is None:
            return None
        layer, item_id = window.current
        service = window.session.service
        try:
            item = service.get(layer, item_id)
        except KeyError:
            return None
        if layer in (Layer.MENTION, Layer.ENTITY):
            return LabelKind.ENTITY_TYPE, str(getattr(item, "label", ""))
        if layer is Layer.QUOTE:
            return LabelKind.QUOTE_TYPE, str(getattr(item, "quote_type", ""))
        if layer is Layer.STANCE:
            return LabelKind.POLARITY, str(getattr(item, "polarity", ""))
        if layer is Layer.DOCUMENT_LABEL:
            return LabelKind.QUESTION, str(getattr(item, "question", ""))
        return None

    def show_guideline(self) -> None:
        """F1: the selected item's label guideline; with nothing selected, the shortcuts."""
        found = self.current_label()
        if found is None:
            self.window.show_shortcuts()
            return
        kind, name = found
        markdown = label_guideline(self.project.schema, kind, name)
        self.window._run_dialog(QtGuidelineDialog(name, markdown, self.window))

    def new_project(self) -> None:
        from annotator.gui.dialogs.new_project_wizard import QtNewProjectWizard

        wizard = QtNewProjectWizard(self.window, folder=self.project.path.parent)
        if not self.window._run_dialog(wizard) or wizard.created is None:
            return
        open_project_window(self.window, wizard.created, first_import=wizard.wants_import)


def refresh_window(window: QtMainWindow, *, data_changed: bool) -> None:
    """Make the window follow the stored schema: palette, Label menu keys, colours, panels.

    When labels changed in the project, each open article is read again and its undo history
    starts anew (its steps name labels that may no longer exist).
    """
    schema = window.project.schema
    window.schema_version = window.project.schemas.latest_version()
    window.palette_bar.load(schema)
    _rebuild_label_actions(window)
    current = window.session.service.article.id if window.session is not None else None
    if data_changed:
        window.undo_group.setActiveStack(None)  # type: ignore[arg-type]
        for stack in window._stacks.values():
            window.undo_group.removeStack(stack)
            stack.deleteLater()
        for session in window._sessions.values():
            session.deleteLater()
        window._stacks.clear()
        window._sessions.clear()
        window.session = None
    window.current = None
    if current is not None:
        window.open_article(current)


def _rebuild_label_actions(window: QtMainWindow) -> None:
    menu = window._menus["&Label"]
    entries = list(window.actions_by_name.items())
    position = next((n for n, (k, _a) in enumerate(entries) if k.startswith(_LABEL_ACTION)), 0)
    for key, action in entries:
        if key.startswith(_LABEL_ACTION):
            menu.removeAction(action)
            action.deleteLater()
    first = menu.actions()[0] if menu.actions() else None
    fresh: list[tuple[str, QAction]] = []
    for entity_type in window.project.schema.entity_types:
        action = QAction(f"{_LABEL_ACTION}{entity_type.name}", window)
        if entity_type.hotkey:
            action.setShortcut(QKeySequence(str(entity_type.hotkey)))
        action.triggered.connect(
            lambda _checked=False, name=entity_type.name: window.label_selection(name)
        )
        if first is not None:
            menu.insertAction(first, action)
        else:
            menu.addAction(action)
        fresh.append((action.text(), action))
    kept = [(k, a) for k, a in entries if not k.startswith(_LABEL_ACTION)]
    window.actions_by_name.clear()
    window.actions_by_name.update(kept[:position] + fresh + kept[position:])


def open_project_window(
    window: QtMainWindow, path: Path, *, first_import: bool = False
) -> QtMainWindow | None:
    """Switch to another project: a new window for it, the old one closed (its project too)."""
    from annotator.gui.main_window import QtMainWindow

    try:
        project = Project.open(path)
    except AnnotatorError as error:
        QMessageBox.critical(window, "Cannot open project", str(error))
        return None
    name = window.annotator.name
    annotator = project.annotators.by_name(name) or project.annotators.get_or_create(
        name, roles=[Role.ANNOTATOR, Role.REVIEWER]
    )
    preferences = window.preferences
    preferences.last_project = str(path.resolve())
    preferences.save()
    successor = QtMainWindow(project, annotator, preferences)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(project.close)
    successor.setGeometry(window.geometry())
    successor.show()
    old = window.project
    window._successor = successor  # type: ignore[attr-defined]  # kept alive while it runs
    window.close()
    # After what the old window has queued (a last backup, …) has run.
    QTimer.singleShot(0, old.close)
    if first_import:
        QTimer.singleShot(0, successor.show_import)
    return successor


def install(window: QtMainWindow) -> QtProjectSetup:
    """Add the project-setup actions to the window's menus; returns the controller."""
    setup = QtProjectSetup(window)
    window.project_setup = setup  # type: ignore[attr-defined]
    menus = window._menus

    new = QAction("&New Project…", window)
    new.setShortcut(QKeySequence("Ctrl+Shift+N"))
    new.triggered.connect(lambda _c=False: setup.new_project())
    file_menu = menus["&File"]
    first = file_menu.actions()[0] if file_menu.actions() else None
    if first is not None:
        file_menu.insertAction(first, new)
        file_menu.insertSeparator(first)
    else:
        file_menu.addAction(new)
    window.actions_by_name["New Project…"] = new

    window._action("&Project", "&Labels…", setup.show_labels, "Ctrl+Shift+L")
    window._action("&Project", "&Overview", setup.show_overview, "Ctrl+Shift+O")
    menus["&Project"].addSeparator()
    undo = window._action("&Project", "&Undo label change", setup.undo_labels)
    redo = window._action("&Project", "&Redo label change", setup.redo_labels)
    undo.setEnabled(False)
    redo.setEnabled(False)
    setup.stack.canUndoChanged.connect(undo.setEnabled)
    setup.stack.canRedoChanged.connect(redo.setEnabled)
    setup.stack.undoTextChanged.connect(
        lambda text: undo.setText(f"&Undo label change: {text}" if text else "&Undo label change")
    )
    setup.stack.redoTextChanged.connect(
        lambda text: redo.setText(f"&Redo label change: {text}" if text else "&Redo label change")
    )

    dock = setup.guidelines_dock
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.label_dock, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setText("&Guidelines panel")
    toggle.setShortcut(QKeySequence("Ctrl+Shift+G"))
    # Shown as a tab beside the label panels: bring it to the front, not just into the tab bar.
    toggle.triggered.connect(lambda checked: dock.raise_() if checked else None)
    menus["&View"].addAction(toggle)
    window.actions_by_name["Guidelines panel"] = toggle

    window._action("&Help", "Label &guideline (or shortcuts)", setup.show_guideline, "F1")
    return setup
