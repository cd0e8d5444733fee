"""File → Import…: pick files or folders, check a preview and the mapping, import with progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.formats.article_records import FieldMapping
from annotator.gui.background import QtTask, start
from annotator.services.foreign import LabelPolicy
from annotator.services.importing import FORMATS, ImportReport, import_paths, preview
from annotator.storage.project import Project


class QtImportDialog(QDialog):
    """Runs the import in a pool thread on its own connection; the window reloads afterwards."""

    def __init__(self, project_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.setObjectName("importDialog")
        self.resize(900, 680)
        self._project_path = project_path
        self._task: QtTask | None = None
        self.report: ImportReport | None = None

        self.paths = QListWidget(self)
        self.paths.setObjectName("importPaths")
        add_files = QPushButton("Add &files…", self)
        add_folder = QPushButton("Add f&older…", self)
        clear = QPushButton("&Clear", self)
        add_files.clicked.connect(self._on_add_files_clicked)
        add_folder.clicked.connect(self._on_add_folder_clicked)
        clear.clicked.connect(self._on_clear_clicked)
        path_buttons = QVBoxLayout()
        for button in (add_files, add_folder, clear):
            path_buttons.addWidget(button)
        path_buttons.addStretch(1)
        path_row = QHBoxLayout()
        path_row.addWidget(self.paths, 1)
        path_row.addLayout(path_buttons)

        self.format = QComboBox(self)
        self.format.setObjectName("importFormat")
        self.format.addItems(list(FORMATS))
        self.fields = {
            name: QLineEdit(self)
            for name in ("text", "title", "source", "published", "url", "external_id")
        }
        for name, edit in self.fields.items():
            edit.setPlaceholderText(f"default: {', '.join(getattr(FieldMapping(), name)[:3])}")
            edit.setObjectName(f"field_{name}")
        self.annotator = QLineEdit(self)
        self.annotator.setPlaceholderText("the names found in the file")
        self.label_map = QLineEdit(self)
        self.label_map.setPlaceholderText("PERSON=PER, LOCATION=GPE")
        self.add_labels = QCheckBox(
            "Add labels the schema lacks (instead of refusing the file)", self
        )
        self.trim = QCheckBox("Text files: trim site furniture (Skip to content, Close, ©…)", self)
        options = QFormLayout()
        options.addRow("Format:", self.format)
        for name, edit in self.fields.items():
            options.addRow(f"{name.replace('_', ' ').capitalize()} field:", edit)
        options.addRow("Annotator:", self.annotator)
        options.addRow("Rename labels:", self.label_map)
        options.addRow(self.add_labels)
        options.addRow(self.trim)
        options_box = QGroupBox("Mapping", self)
        options_box.setLayout(options)

        self.preview_table = QTableWidget(0, 5, self)
        self.preview_table.setObjectName("importPreview")
        self.preview_table.setHorizontalHeaderLabels(["File", "Format", "Title", "Text", "Labels"])
        self.preview_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch
        )
        self.preview_table.verticalHeader().hide()
        self.preview_button = QPushButton("&Preview", self)
        self.preview_button.clicked.connect(self.refresh_preview)
        self.preview_message = QLabel(self)
        self.preview_message.setWordWrap(True)
        self.preview_message.setObjectName("previewMessage")

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("importSummary")
        self.summary.setReadOnly(True)
        self.summary.setMaximumHeight(140)
        self.summary.hide()

        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.import_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Files, folders or .zip archives to import:", self))
        layout.addLayout(path_row)
        layout.addWidget(options_box)
        preview_row = QHBoxLayout()
        preview_row.addWidget(QLabel("First records:", self))
        preview_row.addStretch(1)
        preview_row.addWidget(self.preview_button)
        layout.addLayout(preview_row)
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.preview_message)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

    # -- choosing --------------------------------------------------------------------------------

    def add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            self.paths.addItem(str(path))
        self.import_button.setEnabled(self.paths.count() > 0)
        self.refresh_preview()

    def _on_add_files_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Files to import",
            str(Path.home()),
            "Articles and annotations (*.txt *.html *.htm *.jsonl *.json *.csv *.zip *.spacy);;"
            "All files (*)",
        )
        self.add_paths([Path(f) for f in files])

    def _on_add_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to import", str(Path.home()))
        if folder:
            self.add_paths([Path(folder)])

    def _on_clear_clicked(self) -> None:
        self.paths.clear()
        self.preview_table.setRowCount(0)
        self.import_button.setEnabled(False)

    def chosen_paths(self) -> list[Path]:
        return [Path(self.paths.item(row).text()) for row in range(self.paths.count())]

    def mapping(self) -> FieldMapping:
        return FieldMapping().with_overrides(
            **{name: edit.text().strip() or None for name, edit in self.fields.items()}
        )

    def label_policy(self) -> LabelPolicy:
        renames: dict[str, str] = {}
        for pair in self.label_map.text().split(","):
            source, sep, target = pair.partition("=")
            if sep and source.strip() and target.strip():
                renames[source.strip()] = target.strip()
        return LabelPolicy(mapping=renames, add_unknown=self.add_labels.isChecked())

    def refresh_preview(self) -> None:
        self.preview_table.setRowCount(0)
        self.preview_message.clear()
        try:
            rows = preview(
                self.chosen_paths(), fmt=self.format.currentText(), mapping=self.mapping()
            )
        except AnnotatorError as error:
            self.preview_message.setText(f"⚠ {error}")
            return
        for row in rows:
            n = self.preview_table.rowCount()
            self.preview_table.insertRow(n)
            for column, value in enumerate(
                (row.file, row.format, row.title, " ".join(row.text.split()), str(row.labels))
            ):
                self.preview_table.setItem(n, column, QTableWidgetItem(value))
        self.preview_table.resizeColumnsToContents()

    # -- importing -------------------------------------------------------------------------------

    def start_import(self) -> None:
        paths, fmt, mapping = self.chosen_paths(), self.format.currentText(), self.mapping()
        labels, trim = self.label_policy(), self.trim.isChecked()
        annotator = self.annotator.text().strip() or None
        project_path = self._project_path

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            # A connection belongs to its thread: the import opens its own.
            with Project.open(project_path) as project:
                return import_paths(
                    project,
                    paths,
                    fmt=fmt,
                    mapping=mapping,
                    labels=labels,
                    annotator=annotator,
                    trim_boilerplate=trim,
                    progress=progress,
                    cancelled=cancelled,
                )

        self._task = QtTask(work)
        self._task.signals.progressed.connect(self._on_task_progressed)
        self._task.signals.finished.connect(self._on_task_finished)
        self._task.signals.failed.connect(self._on_task_failed)
        self.import_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self._done = 0
        start(self._task)

    def _on_task_progressed(self, count: int) -> None:
        self._done += count
        self.progress.setFormat(f"{self._done} record(s)")

    def _on_task_finished(self, report: ImportReport) -> None:
        self.report = report
        self._task = None
        self.progress.hide()
        self.summary.setPlainText(describe(report))
        self.summary.show()
        self.cancel_button.setText("Close")
        self.import_button.setEnabled(True)

    def _on_task_failed(self, message: str) -> None:
        self._task = None
        self.progress.hide()
        self.summary.setPlainText(f"The import stopped: {message}")
        self.summary.show()
        self.import_button.setEnabled(True)

    def _on_cancel_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()  # the file in progress rolls back; the summary says so
            return
        if self.report is not None:
            self.accept()
        else:
            self.reject()

    def is_running(self) -> bool:
        return self._task is not None


def describe(report: ImportReport) -> str:
    """The summary the dialog shows (and the CLI prints the same facts)."""
    lines = [
        f"Imported {report.imported} article(s) and {report.sets} annotation set(s); "
        f"skipped {report.duplicates} duplicate(s); {len(report.failed)} file(s) rejected."
    ]
    if report.already_imported:
        lines.append(f"{report.already_imported} set(s) were already in the project.")
    if report.cancelled:
        lines.append("Cancelled: the file in progress was not imported.")
    for file in report.files:
        if file.error and file.error != "cancelled":
            lines.append(f"Rejected: {file.error}")
        for added in file.schema_added:
            lines.append(f"{file.path.name}: added {added} to the schema")
        if file.trimmed:
            lines.append(f"{file.path.name}: trimmed {', '.join(file.trimmed)}")
        lines.extend(f"Warning: {w}" for w in file.warnings)
    return "\n".join(lines)


__all__ = ["Qt", "QtImportDialog", "describe"]
