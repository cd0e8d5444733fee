"""File → Export…: format, labels source, splits, layers; a preview of counts; progress, cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import LAYERS, ExportOptions
from annotator.formats.export_types import ExportReport as WriterReport
from annotator.gui.background import QtTask, start
from annotator.services.exporting import (
    SPLIT_BY,
    WRITERS,
    DatasetPlan,
    DatasetRequest,
    export_dataset,
    export_project,
    parse_layers,
    parse_splits,
    plan_dataset,
)
from annotator.storage.project import Project

#: Projects with fewer articles get their preview counted at once, on the GUI thread.
SYNC_PREVIEW_ARTICLES = 5_000


class QtExportDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")
        self.resize(760, 620)
        self._project = project
        self._task: QtTask | None = None
        #: Preview counts still running, by generation: each is held until it ends (a task
        #: dropped while its thread runs would take its signals with it).
        self._preview_tasks: dict[int, QtTask] = {}
        self._preview_generation = 0
        self.result_text = ""

        self.format = QComboBox(self)
        self.format.setObjectName("exportFormat")
        self.format.addItem("jsonl — native, lossless (whole project)", "jsonl")
        for name, (_module, what) in WRITERS.items():
            self.format.addItem(f"{name} — {what}", name)
        self.source = QComboBox(self)
        self.source.setObjectName("exportSource")
        self.source.addItem("latest set per article", "latest")
        self.source.addItem("gold (adjudicated)", "gold")
        self.source.addItem("all annotators' sets", "all")
        for annotator in project.annotators.list():
            self.source.addItem(f"annotator: {annotator.name}", f"annotator:{annotator.name}")
        self.splits = QLineEdit("train=0.8,dev=0.1,test=0.1", self)
        self.splits.setObjectName("exportSplits")
        self.split_by = QComboBox(self)
        self.split_by.addItems(list(SPLIT_BY))
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(13)
        self.layers = QLineEdit(",".join(LAYERS), self)
        self.out = QLineEdit(str(Path.home() / f"{project.name}-export"), self)
        self.out.setObjectName("exportOut")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._on_browse_clicked)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Labels from:", self.source)
        form.addRow("Splits:", self.splits)
        form.addRow("Keep together by:", self.split_by)
        form.addRow("Seed:", self.seed)
        form.addRow("Layers:", self.layers)
        form.addRow("Write to:", out_row)

        self.preview_table = QTableWidget(0, 4, self)
        self.preview_table.setObjectName("exportPreview")
        self.preview_table.setHorizontalHeaderLabels(["Split", "Layer", "Label", "Count"])
        self.preview_table.verticalHeader().hide()
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        self.preview_message = QLabel(self)
        self.preview_message.setWordWrap(True)
        self.preview_message.setObjectName("exportMessage")
        for signal in (
            self.format.currentIndexChanged,
            self.source.currentIndexChanged,
            self.split_by.currentIndexChanged,
            self.seed.valueChanged,
        ):
            signal.connect(self.refresh_preview)
        self.splits.editingFinished.connect(self.refresh_preview)
        self.layers.editingFinished.connect(self.refresh_preview)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, max(1, project.articles.count()))
        self.progress.hide()
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("exportSummary")
        self.summary.setReadOnly(True)
        self.summary.setMaximumHeight(150)
        self.summary.hide()
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("What would be written:", self))
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.preview_message)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.refresh_preview()

    def _on_browse_clicked(self) -> None:
        if self.format.currentData() == "jsonl":
            path, _ = QFileDialog.getSaveFileName(
                self, "Export to", self.out.text(), "JSONL (*.jsonl)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, "Export into (an empty folder)")
        if path:
            self.out.setText(path)

    def request(self) -> DatasetRequest:
        return DatasetRequest(
            fmt=str(self.format.currentData()),
            out=Path(self.out.text()).expanduser(),
            source=str(self.source.currentData()),
            splits=parse_splits(self.splits.text().strip() or None),
            split_by=self.split_by.currentText(),
            seed=self.seed.value(),
            options=ExportOptions(layers=parse_layers(self.layers.text().strip() or None)),
            command="File → Export…",
        )

    def refresh_preview(self) -> None:
        self.preview_table.setRowCount(0)
        self._preview_generation += 1  # a count still running is for older choices
        native = self.format.currentData() == "jsonl"
        # The native file is the whole project: no choice of labels, splits or layers applies.
        for widget in (self.source, self.splits, self.split_by, self.seed, self.layers):
            widget.setEnabled(not native)
        if native:
            self.preview_message.setText(
                "The native JSONL holds the whole project (every set, gold, statuses)."
            )
            self.export_button.setEnabled(True)
            return
        try:
            request = self.request()
        except AnnotatorError as error:
            self.preview_message.setText(f"⚠ {error}")
            self.export_button.setEnabled(False)
            return
        self.export_button.setEnabled(True)
        if self._project.articles.count() < SYNC_PREVIEW_ARTICLES:
            self._show_plan(request, plan_dataset(self._project, request))
            return
        # A large project is counted off the GUI thread (100,000 articles take seconds); a
        # count overtaken by a newer choice is dropped.
        generation = self._preview_generation
        self.preview_message.setText("Counting labels per split…")
        path = self._project.path

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            with Project.open(path, read_only=True) as project:
                return plan_dataset(project, request)

        task = QtTask(work)
        task.signals.finished.connect(
            lambda plan: self._on_preview_task_finished(generation, request, plan)
        )
        task.signals.failed.connect(
            lambda message: self._on_preview_task_failed(generation, message)
        )
        self._preview_tasks[generation] = task
        start(task)

    def _on_preview_task_finished(
        self, generation: int, request: DatasetRequest, plan: DatasetPlan
    ) -> None:
        self._preview_tasks.pop(generation, None)
        if generation == self._preview_generation:
            self._show_plan(request, plan)

    def _on_preview_task_failed(self, generation: int, message: str) -> None:
        self._preview_tasks.pop(generation, None)
        if generation == self._preview_generation:
            self.preview_message.setText(f"⚠ Could not count: {message}")

    def done(self, result: int) -> None:
        self._preview_generation += 1  # a count that ends after the dialog is dropped
        super().done(result)

    def is_counting(self) -> bool:
        """Whether the preview of the current choices is being counted in the background."""
        return self._preview_generation in self._preview_tasks

    def _show_plan(self, request: DatasetRequest, plan: DatasetPlan) -> None:
        for split, _share in request.splits:
            for (layer, label), count in sorted(plan.labels.get(split, {}).items()):
                row = self.preview_table.rowCount()
                self.preview_table.insertRow(row)
                for column, value in enumerate((split, layer, label, f"{count:,}")):
                    self.preview_table.setItem(row, column, QTableWidgetItem(value))
        documents = ", ".join(f"{s}: {plan.documents.get(s, 0):,}" for s, _ in request.splits)
        message = f"Documents per split: {documents}."
        if plan.without_set:
            message += f" {plan.without_set:,} article(s) have no set from this source."
        self.preview_message.setText(message)

    def start_export(self) -> None:
        try:
            request = self.request()
        except AnnotatorError as error:
            self.preview_message.setText(f"⚠ {error}")
            return
        path = self._project.path

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            with Project.open(path, read_only=True) as project:
                if request.fmt == "jsonl":
                    native = export_project(project, request.out, progress=progress)
                    return (
                        f"Wrote {native.articles} article(s) and {native.sets} set(s) "
                        f"to {native.path}."
                    )
                return describe(
                    export_dataset(project, request, progress=progress, cancelled=cancelled)
                )

        self._task = QtTask(work)
        self._task.signals.progressed.connect(
            lambda n: self.progress.setValue(self.progress.value() + n)
        )
        self._task.signals.finished.connect(self._on_task_finished)
        self._task.signals.failed.connect(self._on_task_failed)
        self.progress.setValue(0)
        self.progress.show()
        self.export_button.setEnabled(False)
        start(self._task)

    def _on_task_finished(self, text: str) -> None:
        self._task = None
        self.result_text = text
        self.progress.hide()
        self.summary.setPlainText(text)
        self.summary.show()
        self.cancel_button.setText("Close")
        self.export_button.setEnabled(True)

    def _on_task_failed(self, message: str) -> None:
        self._task = None
        self.progress.hide()
        self.summary.setPlainText(f"Nothing was written: {message}")
        self.summary.show()
        self.export_button.setEnabled(True)

    def _on_cancel_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            return
        self.accept() if self.result_text else self.reject()

    def is_running(self) -> bool:
        return self._task is not None


def describe(report: WriterReport) -> str:
    documents = ", ".join(f"{s}: {n:,}" for s, n in report.documents.items()) or "none"
    lines = [f"Wrote {report.format} to {report.out} (documents per split: {documents})."]
    lines += [f"Not written: {reason}: {n}" for reason, n in sorted(report.dropped.items())]
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)
