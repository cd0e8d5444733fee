"""File → New Project…: where the file goes, its name, a starting schema, topics, a first import."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from annotator.domain.errors import AnnotatorError
from annotator.domain.schema import Schema, Topic, default_schema
from annotator.storage.project import Project

SUFFIX = ".annotator"


def check_location(text: str) -> tuple[Path | None, str]:
    """The project file a typed path means (``.annotator`` added), or why it cannot be used."""
    text = text.strip()
    if not text:
        return None, "Choose where the project file goes."
    path = Path(text).expanduser()
    if path.suffix.lower() not in (SUFFIX, ".sqlite"):
        path = path.with_name(path.name + SUFFIX)
    if path.exists():
        return None, f"{path} already exists. Choose a new file name (nothing is overwritten)."
    folder = path.parent
    if not folder.is_dir():
        return None, f"The folder {folder} does not exist."
    if not os.access(folder, os.W_OK | os.X_OK):
        return None, f"The folder {folder} is not writable."
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".annotator-check-"):
            pass
    except OSError as error:
        return None, f"The folder {folder} is not writable ({error.strerror or error})."
    return path, ""


def _error_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #c0392b;")
    return label


class _LocationPage(QWizardPage):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Where should the project file go?")
        self.setSubTitle(
            "A project is one file: articles, labels, annotators and the history of every change."
        )
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("projectPath")
        self.path_edit.setText(str(_free_name(folder)))
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        self.error = _error_label(self, "locationError")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Project file:", self))
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.path_edit.textChanged.connect(lambda _t: self._check())
        self._check()

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "New project file",
            self.path_edit.text(),
            "Annotator projects (*.annotator)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.path_edit.setText(chosen)

    def _check(self) -> None:
        _path, message = check_location(self.path_edit.text())
        self.error.setText(message)
        self.completeChanged.emit()

    def path(self) -> Path | None:
        return check_location(self.path_edit.text())[0]

    def isComplete(self) -> bool:
        return self.path() is not None


class _NamePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("What is the project called?")
        self.setSubTitle("The name shows in the window title and in exports' manifests.")
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("projectName")
        self.name_edit.setMaxLength(200)
        self.name_edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        form = QFormLayout(self)
        form.addRow("Project name:", self.name_edit)

    def initializePage(self) -> None:
        wizard = self.wizard()
        if not self.name_edit.text() and isinstance(wizard, QtNewProjectWizard):
            path = wizard.location.path()
            if path is not None:
                self.name_edit.setText(path.stem.replace("_", " ").replace("-", " "))

    def isComplete(self) -> bool:
        return bool(self.name_edit.text().strip())


class _SchemaPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Which labels to start with?")
        self.setSubTitle("Project → Labels… changes them at any time; labels in use follow.")
        self.news = QRadioButton(
            "&News: persons, organisations, places, events, quotes and stances", self
        )
        self.news.setObjectName("schemaNews")
        self.empty = QRadioButton(
            "&Empty: no entity types yet (quote types and polarities stay)", self
        )
        self.empty.setObjectName("schemaEmpty")
        self.from_file = QRadioButton("From a schema &file (TOML or JSON):", self)
        self.from_file.setObjectName("schemaFromFile")
        group = QButtonGroup(self)
        for button in (self.news, self.empty, self.from_file):
            group.addButton(button)
        self.news.setChecked(True)
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("schemaFile")
        browse = QPushButton("Br&owse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        self.error = _error_label(self, "schemaError")
        self.summary = QLabel(self)
        self.summary.setObjectName("schemaSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        file_row = QHBoxLayout()
        file_row.addSpacing(24)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.news)
        layout.addWidget(self.empty)
        layout.addWidget(self.from_file)
        layout.addLayout(file_row)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        group.buttonToggled.connect(lambda _b, _on: self._check())
        self.file_edit.textChanged.connect(lambda _t: self._on_file_text_changed())
        self._schema: Schema | None = None
        self._check()

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Schema file", "", "Schema files (*.toml *.json);;All files (*)"
        )
        if chosen:
            self.file_edit.setText(chosen)
            self.from_file.setChecked(True)

    def _on_file_text_changed(self) -> None:
        if self.file_edit.text().strip():
            self.from_file.setChecked(True)
        self._check()

    def _check(self) -> None:
        self._schema, message = self._load()
        self.error.setText(message)
        self.summary.setText(_describe(self._schema) if self._schema else "")
        self.completeChanged.emit()

    def _load(self) -> tuple[Schema | None, str]:
        if self.news.isChecked():
            return default_schema(), ""
        if self.empty.isChecked():
            return Schema(name="Empty schema"), ""
        text = self.file_edit.text().strip()
        if not text:
            return None, "Choose a schema file."
        try:
            return Schema.load(Path(text).expanduser()), ""
        except AnnotatorError as error:
            return None, str(error)

    def schema(self) -> Schema | None:
        return self._schema

    def isComplete(self) -> bool:
        return self._schema is not None


def _describe(schema: Schema) -> str:
    chips = " ".join(
        f"<span style='background:{t.color}; color:#111'>"
        f"&nbsp;{t.hotkey or ''} {t.name}&nbsp;</span>"
        for t in schema.entity_types
    )
    return (
        f"<b>{len(schema.entity_types)}</b> entity types {chips}<br>"
        f"quote types: {', '.join(schema.quote_type_names) or '—'}; "
        f"polarities: {', '.join(schema.polarity_names) or '—'}; "
        f"{len(schema.document_questions)} document question(s)"
    )


class _TopicEdit(QLineEdit):
    """Enter adds the topic; it must not also press the wizard's Next button."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class _TopicsPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Topics for stances")
        self.setSubTitle(
            "A stance's target is an entity or a topic of the project, e.g. “North Korean troop "
            "deployment to Russia”. Add the topics annotators should use (or leave it empty)."
        )
        self.topic_edit = _TopicEdit(self)
        self.topic_edit.setObjectName("topicEdit")
        self.topic_edit.setPlaceholderText("A topic, then Enter")
        self.topic_edit.returnPressed.connect(self.add_topic)
        add = QPushButton("&Add", self)
        add.setObjectName("addTopic")
        add.clicked.connect(self.add_topic)
        remove = QPushButton("&Remove", self)
        remove.setObjectName("removeTopic")
        remove.clicked.connect(self.remove_topic)
        self.topics = QListWidget(self)
        self.topics.setObjectName("topicList")
        self.error = _error_label(self, "topicError")
        row = QHBoxLayout()
        row.addWidget(self.topic_edit, 1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.topics, 1)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        self._from_schema: Schema | None = None

    def initializePage(self) -> None:
        wizard = self.wizard()
        if not isinstance(wizard, QtNewProjectWizard):
            return
        schema = wizard.schema_page.schema()
        if schema is not None and schema is not self._from_schema:
            self._from_schema = schema
            self.topics.clear()
            self.topics.addItems(schema.topic_names)

    def add_topic(self) -> None:
        text = " ".join(self.topic_edit.text().split())
        if not text:
            return
        if len(text) > 200:
            self.error.setText("A topic has at most 200 characters.")
            return
        if text in self.names():
            self.error.setText(f"“{text}” is in the list already.")
            return
        self.error.clear()
        self.topics.addItem(text)
        self.topic_edit.clear()

    def remove_topic(self) -> None:
        for item in self.topics.selectedItems():
            self.topics.takeItem(self.topics.row(item))

    def names(self) -> list[str]:
        return [self.topics.item(r).text() for r in range(self.topics.count())]


class _ImportPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Articles")
        self.setSubTitle("The project is created when you press Finish.")
        self.wants_import = QCheckBox("&Import articles now (opens the import dialog)", self)
        self.wants_import.setObjectName("firstImport")
        self.wants_import.setChecked(True)
        hint = QLabel(
            "JSON Lines, CSV, text and HTML files, or labelled data from Label Studio, doccano, "
            "brat, Prodigy and CoNLL. File → Import… adds more at any time.",
            self,
        )
        hint.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("wizardSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.wants_import)
        layout.addWidget(hint)
        layout.addSpacing(12)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        if isinstance(wizard, QtNewProjectWizard):
            plan = wizard.plan()
            if plan is not None:
                path, name, schema = plan
                self.summary.setText(
                    f"{name}\n{path}\n{len(schema.entity_types)} entity types, "
                    f"{len(schema.topics)} topic(s)"
                )


class QtNewProjectWizard(QWizard):
    """Creates the project file on Finish; ``created`` is its path afterwards."""

    def __init__(self, parent: QWidget | None = None, *, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setObjectName("newProjectWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(720, 520)
        self.location = _LocationPage(folder or Path.home(), self)
        self.name_page = _NamePage(self)
        self.schema_page = _SchemaPage(self)
        self.topics_page = _TopicsPage(self)
        self.import_page = _ImportPage(self)
        for page in (
            self.location,
            self.name_page,
            self.schema_page,
            self.topics_page,
            self.import_page,
        ):
            self.addPage(page)
        self.created: Path | None = None
        self.wants_import = False

    def plan(self) -> tuple[Path, str, Schema] | None:
        path = self.location.path()
        schema = self.schema_page.schema()
        if path is None or schema is None:
            return None
        topics = [Topic(name=n) for n in self.topics_page.names()]
        kept = {t.name: t for t in schema.topics}
        schema = schema.model_copy(update={"topics": [kept.get(t.name, t) for t in topics]})
        return path, self.name_page.name_edit.text().strip() or path.stem, schema

    def accept(self) -> None:
        plan = self.plan()
        if plan is None:
            QMessageBox.warning(self, "Not created", "The location or the schema is not usable.")
            return
        path, name, schema = plan
        try:
            Project.create(path, schema=Schema.from_dict(schema.model_dump()), name=name).close()
        except AnnotatorError as error:
            QMessageBox.warning(self, "Not created", str(error))
            return
        except OSError as error:
            QMessageBox.warning(self, "Not created", f"{path}: {error.strerror or error}")
            return
        self.created = path
        self.wants_import = self.import_page.wants_import.isChecked()
        super().accept()


def _free_name(folder: Path) -> Path:
    for n in range(1, 1000):
        candidate = folder / (f"project{SUFFIX}" if n == 1 else f"project-{n}{SUFFIX}")
        if not candidate.exists():
            return candidate
    return folder / f"project{SUFFIX}"
