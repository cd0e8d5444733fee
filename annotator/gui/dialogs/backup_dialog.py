"""Backups of the open project: list them (time, reason, size), back up now, restore one, and
the automatic-backup preferences (interval, how many to keep)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.services import backup as backups
from annotator.settings import Preferences
from annotator.storage.project import Project

if TYPE_CHECKING:
    from annotator.gui.safety import QtSafetyController

_REASONS = {
    "open": "on opening",
    "timer": "automatic",
    "manual": "Back up now",
    "before-restore": "before a restore",
    "cli": "command line",
}


class QtBackupDialog(QDialog):
    """Lists the project's backups, newest first; restoring asks first and backs up first."""

    def __init__(
        self,
        project: Project,
        preferences: Preferences,
        safety: QtSafetyController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle("Backups")
        self.project = project
        self.preferences = preferences
        self.safety = safety
        self.restored: backups.RestoreReport | None = None
        self.backups: list[backups.BackupInfo] = []

        folder = backups.backup_folder(project.path, project.project_id)
        intro = QLabel(
            f"Backups of <b>{project.name}</b> in <code>{folder}</code>.<br>"
            "Restoring replaces the project's labels with the backup's; the current state is "
            "backed up first, so a restore can itself be undone.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels(["Time", "Made", "Size", "File"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())

        self.backup_button = QPushButton("&Back up now", self)
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("&Restore selected…", self)
        self.restore_button.setObjectName("restoreSelected")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.backup_button)
        buttons_row.addWidget(self.restore_button)
        buttons_row.addStretch(1)

        self.enabled = QCheckBox("Back up automatically (on opening and while working)", self)
        self.enabled.setChecked(preferences.backups_enabled)
        self.interval = QSpinBox(self)
        self.interval.setRange(1, 24 * 60)
        self.interval.setSuffix(" minutes of work")
        self.interval.setValue(preferences.backup_interval_minutes)
        self.keep = QSpinBox(self)
        self.keep.setObjectName("keepBackups")
        self.keep.setRange(1, 1000)
        self.keep.setSuffix(" backups")
        self.keep.setValue(preferences.backup_keep)
        for box in (self.interval, self.keep):
            box.setMaximumWidth(220)
        form = QFormLayout()
        form.addRow(self.enabled)
        form.addRow("Every", self.interval)
        form.addRow("Keep the newest", self.keep)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons_row)
        layout.addLayout(form)
        layout.addWidget(close)
        self.resize(760, 460)
        if project.read_only:
            self.restore_button.setToolTip("The project is open read-only.")
        self.refresh()

    def refresh(self) -> None:
        self.backups = backups.list_backups(self.project.path, self.project.project_id)
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            local = info.created.astimezone()
            cells = [
                f"{local:%Y-%m-%d %H:%M:%S}",
                _REASONS.get(info.reason, info.reason),
                backups.human_size(info.size),
                info.path.name,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                item.setToolTip(str(info.path))
                self.table.setItem(row, column, item)
        if self.backups:
            self.table.selectRow(0)
        self._on_table_selection_changed()

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _on_table_selection_changed(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None and not self.project.read_only)

    def back_up_now(self) -> None:
        if self.safety.back_up("manual", foreground=True) is not None:
            self.refresh()

    def restore_selected(self) -> None:
        info = self.selected()
        if info is None or self.project.read_only:
            return
        local = info.created.astimezone()
        answer = QMessageBox.question(
            self,
            "Restore this backup?",
            f"Replace everything in {self.project.name} with the backup of "
            f"{local:%Y-%m-%d %H:%M:%S}?\n\nThe current state is backed up first.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.restored = self.safety.restore(info.path)
        except AnnotatorError as error:
            QMessageBox.warning(self, "Not restored", str(error))
            return
        self.refresh()

    def done(self, result: int) -> None:
        """Keep the preference changes however the dialog is closed."""
        self.preferences.backups_enabled = self.enabled.isChecked()
        self.preferences.backup_interval_minutes = self.interval.value()
        self.preferences.backup_keep = self.keep.value()
        self.preferences.save()
        super().done(result)
