"""File menu: pack an annotator's articles into a file of their own, merge such files back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.services.packing import (
    MergeReport,
    Outcome,
    PackReport,
    Prefer,
    merge_packs,
    pack_articles,
    pack_for_annotator,
)
from annotator.storage.packs import read_marker
from annotator.storage.project import Project

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow

PROJECT_FILTER = "Annotator projects (*.annotator *.sqlite);;All files (*)"
OUTCOME_COLORS = {
    Outcome.ADDED: "#2e7d32",
    Outcome.UPDATED: "#2e7d32",
    Outcome.THEIRS: "#2e7d32",
    Outcome.UNCHANGED: "#757575",
    Outcome.KEPT: "#757575",
    Outcome.OURS: "#757575",
    Outcome.CONFLICT: "#c62828",
    Outcome.SKIPPED: "#ef6c00",
}
OUTCOME_TEXT = {
    Outcome.ADDED: "added",
    Outcome.UPDATED: "updated from the pack",
    Outcome.UNCHANGED: "unchanged",
    Outcome.KEPT: "kept (changed here only)",
    Outcome.CONFLICT: "conflict: kept the project's",
    Outcome.THEIRS: "conflict: took the pack's",
    Outcome.OURS: "conflict: kept the project's",
    Outcome.SKIPPED: "not merged",
}


class QtPackDialog(QDialog):
    """Choose an annotator and a new file; shows what the pack will hold, then writes it."""

    def __init__(self, project: Project, *, actor: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Pack for annotator")
        self.setObjectName("packDialog")
        self.project = project
        self.actor = actor
        self.report: PackReport | None = None
        self.annotator_combo = QComboBox(self)
        counts = project.assignments.counts()
        for person in project.annotators.list():
            assigned = counts.get(person.id, 0)
            self.annotator_combo.addItem(f"{person.name} ({assigned} assigned)", person.name)
        self.all_check = QCheckBox("Every article, not only the assigned ones", self)
        self.path_edit = QLineEdit(self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.preview.setObjectName("packPreview")
        form = QFormLayout()
        form.addRow("Annotator:", self.annotator_combo)
        form.addRow("", self.all_check)
        form.addRow("Pack file:", path_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Ok, self
        )
        self.pack_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.pack_button.setText("Write pack")
        self.buttons.accepted.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(
            "The pack is a project file with this person's articles and their own labels only, "
            "for working apart. Bring it back with File → Merge annotator files…",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)
        self.annotator_combo.currentIndexChanged.connect(self._refresh)
        self.all_check.toggled.connect(self._refresh)
        self.resize(560, 260)
        self._refresh()

    def _default_path(self, name: str) -> Path:
        """Beside the project, named after it and the person; never an existing file."""
        path = self.project.path.resolve()
        candidate = path.with_name(f"{path.stem}-{name}{path.suffix}")
        number = 2
        while candidate.exists():
            candidate = path.with_name(f"{path.stem}-{name}-{number}{path.suffix}")
            number += 1
        return candidate

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Pack file", self.path_edit.text(), PROJECT_FILTER
        )
        if chosen:
            self.path_edit.setText(chosen)

    def _refresh(self) -> None:
        name = self.annotator_combo.currentData()
        if name is None:
            self.preview.setText("The project has no annotators yet.")
            self.pack_button.setEnabled(False)
            return
        person = self.project.annotators.by_name(str(name))
        assert person is not None
        self.path_edit.setText(str(self._default_path(person.name)))
        try:
            scope, article_ids = pack_articles(
                self.project, person, all_articles=self.all_check.isChecked()
            )
        except AnnotatorError as error:
            self.preview.setText(str(error))
            self.pack_button.setEnabled(False)
            return
        chosen = set(article_ids)
        sets = sum(1 for i in self.project.sets.for_annotator(person.id) if i.article_id in chosen)
        which = "assigned" if scope == "assigned" else "all; the project assigns none"
        if self.all_check.isChecked():
            which = "all"
        self.preview.setText(
            f"{len(article_ids)} article(s) ({which}) and {person.name}'s {sets} set(s) "
            "will be packed. Nobody else's labels are included."
        )
        self.pack_button.setEnabled(bool(article_ids))

    def write(self) -> None:
        name = self.annotator_combo.currentData()
        text = self.path_edit.text().strip()
        if name is None or not text:
            return
        try:
            self.report = pack_for_annotator(
                self.project,
                annotator=str(name),
                out=Path(text),
                all_articles=self.all_check.isChecked(),
                actor=self.actor,
            )
        except AnnotatorError as error:
            self.preview.setText(f"Not written: {error}")
            return
        self.accept()


class QtMergeDialog(QDialog):
    """What merging the chosen packs would do, set by set; merge, then what it did."""

    def __init__(
        self,
        project: Project,
        paths: Sequence[Path],
        *,
        actor: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge annotator files")
        self.setObjectName("mergeDialog")
        self.project = project
        self.paths = list(paths)
        self.actor = actor
        self.report: MergeReport | None = None
        self.merged = False
        self.summary = QLabel(self)
        self.summary.setObjectName("mergeSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(["File", "Article", "Annotator", "Result", "Details"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.prefer_combo = QComboBox(self)
        self.prefer_combo.addItem("Keep the project's version and list the conflict", None)
        self.prefer_combo.addItem("Take the pack's version", Prefer.THEIRS)
        self.prefer_combo.addItem("Keep the project's version, quietly", Prefer.OURS)
        self.add_articles_check = QCheckBox("Add articles that were imported into a pack", self)
        self.prefer_combo.currentIndexChanged.connect(self.preview)
        self.add_articles_check.toggled.connect(self.preview)
        options = QFormLayout()
        options.addRow("When both sides changed a set:", self.prefer_combo)
        options.addRow("", self.add_articles_check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.clicked.connect(self.merge)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(options)
        layout.addWidget(self.buttons)
        self.resize(1000, 560)
        self.preview()

    def _prefer(self) -> Prefer | None:
        data = self.prefer_combo.currentData()
        return None if data is None else Prefer(data)

    def preview(self) -> None:
        """Plan the merge without writing, and show the plan."""
        if self.merged:
            return
        try:
            report = merge_packs(
                self.project,
                self.paths,
                prefer=self._prefer(),
                add_articles=self.add_articles_check.isChecked(),
                dry_run=True,
            )
        except AnnotatorError as error:
            self.summary.setText(str(error))
            self.merge_button.setEnabled(False)
            return
        self._show(report, planned=True)

    def merge(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            report = merge_packs(
                self.project,
                self.paths,
                prefer=self._prefer(),
                add_articles=self.add_articles_check.isChecked(),
                actor=self.actor,
            )
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.merged = True
        self._show(report, planned=False)
        self.add_articles_check.setEnabled(False)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        if report.conflicts:
            # Merging again is a no-op but for the conflicts: settle them with another choice.
            self.merge_button.setText("Settle conflicts with this choice")
            self.buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.merge_button.setEnabled(True)
        else:
            self.prefer_combo.setEnabled(False)
            self.buttons.removeButton(self.merge_button)
            self.merge_button.hide()

    def _show(self, report: MergeReport, *, planned: bool) -> None:
        self.report = report
        rows: list[tuple[str, str, str, Outcome | None, str]] = []
        lines = []
        for file in report.files:
            if file.error:
                rows.append((file.path.name, "", "", None, file.error))
                lines.append(f"{file.path.name}: refused — {file.error}")
                continue
            lines.append(f"{file.path.name}: {file.summary()}")
            for item in file.sets:
                details = item.reason or "\n".join(item.differences)
                rows.append(
                    (file.path.name, item.article_title, item.annotator, item.outcome, details)
                )
        head = "Merging would do this (nothing written yet):" if planned else "Merged:"
        conflicts = len(report.conflicts)
        tail = ""
        if conflicts:
            tail = (
                f"\n{conflicts} conflict(s): the project's version is kept; choose below to "
                "take the packs' versions instead."
                if planned
                else f"\n{conflicts} conflict(s) kept the project's version (listed in red)."
            )
        self.summary.setText(head + "\n" + "\n".join(lines) + tail)
        self.table.setRowCount(len(rows))
        for row, (name, title, person, outcome, details) in enumerate(rows):
            result = "refused" if outcome is None else OUTCOME_TEXT[outcome]
            values = (name, title, person, result, details)
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == 3:
                    color = "#c62828" if outcome is None else OUTCOME_COLORS[outcome]
                    cell.setForeground(QBrush(QColor(color)))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 260))
        self.table.resizeRowsToContents()
        writable = any(f.error is None for f in report.files) and not self.project.read_only
        self.merge_button.setEnabled(writable)


class QtPackingController(QObject):
    """The two File menu entries and what they open."""

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        menu = window._menus["&File"]
        quit_action = window.actions_by_name.get("Quit")
        actions = menu.actions()
        before = quit_action
        if quit_action is not None and quit_action in actions:
            index = actions.index(quit_action)
            if index > 0 and actions[index - 1].isSeparator():
                before = actions[index - 1]
        if before is None:
            menu.addSeparator()
        else:
            menu.insertSeparator(before)
        self.pack_action = self._add(menu, before, "&Pack for annotator…", self.pack)
        self.merge_action = self._add(menu, before, "&Merge annotator files…", self.merge)
        self.merge_action.setEnabled(not window.project.read_only)
        if read_marker(window.project.database) is not None:
            # A pack is merged into its project, and packs are made from the project.
            for action in (self.pack_action, self.merge_action):
                action.setEnabled(False)
                action.setToolTip("This file is an annotator's pack; use the main project")

    def _add(
        self, menu: QMenu, before: QAction | None, text: str, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        if before is None:
            menu.addAction(action)
        else:
            menu.insertAction(before, action)
        self.window.actions_by_name[text.replace("&", "")] = action
        return action

    def pack(self) -> PackReport | None:
        window = self.window
        dialog = QtPackDialog(window.project, actor=window.annotator.name, parent=window)
        window._run_dialog(dialog)
        if dialog.report is not None:
            report = dialog.report
            window.statusBar().showMessage(
                f"Packed {report.articles} article(s) and {report.sets} set(s) of "
                f"{report.annotator} into {report.path.name}.",
                8000,
            )
        return dialog.report

    def merge(self, paths: Sequence[Path] | None = None) -> MergeReport | None:
        window = self.window
        if paths is None:
            chosen, _ = QFileDialog.getOpenFileNames(
                window, "Merge annotator files", str(window.project.path.parent), PROJECT_FILTER
            )
            paths = [Path(p) for p in chosen]
        if not paths:
            return None
        dialog = QtMergeDialog(window.project, paths, actor=window.annotator.name, parent=window)
        window._run_dialog(dialog)
        if dialog.merged:
            safety = getattr(window, "safety", None)
            if safety is not None:
                safety.reload_all()  # open articles whose sets the merge changed, and the list
            else:
                window.reload_articles()
            report = dialog.report
            if report is not None:
                conflicts = len(report.conflicts)
                window.statusBar().showMessage(
                    f"Merged {len(report.files)} file(s); {conflicts} conflict(s).", 8000
                )
        return dialog.report if dialog.merged else None


def install_packing(window: QtMainWindow) -> QtPackingController:
    """Add "Pack for annotator…" and "Merge annotator files…" to the File menu."""
    return QtPackingController(window)


__all__ = ["QtMergeDialog", "QtPackDialog", "QtPackingController", "install_packing"]
