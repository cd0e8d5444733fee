"""Starting the Qt application: who is annotating, which project, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from annotator import APP_NAME, __version__
from annotator.domain.annotations import Role
from annotator.domain.errors import AnnotatorError
from annotator.gui.about_dialog import DESKTOP_ID, application_icon
from annotator.settings import Preferences
from annotator.storage.project import Project


def _ask_name(preferences: Preferences) -> str | None:
    name = preferences.annotator_name
    while not name:
        text, ok = QInputDialog.getText(
            None,
            "Who is annotating?",
            "Your name (everything you label is saved under it):",
        )
        if not ok:
            return None
        name = text.strip()
    return name


def _ask_project(preferences: Preferences) -> Path | None:
    if preferences.last_project and Path(preferences.last_project).exists():
        return Path(preferences.last_project)
    chosen, _ = QFileDialog.getOpenFileName(
        None,
        "Open a project",
        str(Path.home()),
        "Annotator projects (*.annotator *.sqlite);;All files (*)",
    )
    return Path(chosen) if chosen else None


def run_application(project_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(application_icon())
    # No forced style: the platform's own follows the system's light or dark palette.
    preferences = Preferences.load()
    name = _ask_name(preferences)
    if name is None:
        return 1
    preferences.annotator_name = name
    path = project_path or _ask_project(preferences)
    if path is None:
        return 1
    try:
        project = Project.open(path)
    except AnnotatorError as error:
        QMessageBox.critical(None, "Cannot open project", str(error))
        return 1
    preferences.last_project = str(path.resolve())
    preferences.save()
    annotator = project.annotators.by_name(name)
    if annotator is None:
        annotator = project.annotators.get_or_create(name, roles=[Role.ANNOTATOR])
    from annotator.gui.main_window import QtMainWindow

    window = QtMainWindow(project, annotator, preferences)
    window.show()
    try:
        return int(app.exec())
    finally:
        project.close()
