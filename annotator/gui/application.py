"""Starting the Qt application: who is annotating, which project, the main window."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from annotator import APP_NAME, __version__
from annotator.domain.annotations import Annotator, Role
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


def _ask_project(preferences: Preferences) -> tuple[Path | None, bool]:
    """The project to open, and whether to import articles into it first (a new project)."""
    if preferences.last_project and Path(preferences.last_project).exists():
        return Path(preferences.last_project), False
    box = QMessageBox()
    box.setWindowTitle(APP_NAME)
    box.setText("No project is open.")
    box.setInformativeText("Open an existing project file, or set up a new one.")
    new = box.addButton("&New project…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Open…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is new:
        from annotator.gui.dialogs.new_project_wizard import QtNewProjectWizard

        wizard = QtNewProjectWizard(folder=Path.home())
        wizard.exec()
        return wizard.created, wizard.wants_import
    if clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.AcceptRole:
        return None, False
    chosen, _ = QFileDialog.getOpenFileName(
        None,
        "Open a project",
        str(Path.home()),
        "Annotator projects (*.annotator *.sqlite);;All files (*)",
    )
    return (Path(chosen) if chosen else None), False


def _pack_name(project: Project, name: str) -> str:
    """A pack holds one person's work: label under that person, whoever opens it."""
    from annotator.services.packing import pack_owner

    try:
        owner = pack_owner(project)
    except AnnotatorError:
        return name
    if owner is None or owner.casefold() == name.casefold():
        return name
    QMessageBox.information(
        None,
        "Annotator pack",
        f"This file is {owner}'s pack of articles. Everything you label in it is saved as "
        f"{owner}'s work, so that it merges back into the project under {owner}.",
    )
    return owner


def report_unexpected(
    kind: type[BaseException],
    error: BaseException,
    trace: TracebackType | None,
    *,
    show: Callable[[str], object] | None = None,
) -> None:
    """An error nothing else caught (a bug): printed for the bug report, and said in a
    message instead of passing unseen. The window goes on; every label made is already saved."""
    traceback.print_exception(kind, error, trace)
    if issubclass(kind, KeyboardInterrupt):
        return
    text = (
        f"Something went wrong: {kind.__name__}: {error}\n\n"
        "Every label you made before this is saved in the project. The details were printed "
        "on the terminal; please include them when you report this."
    )
    if show is not None:
        show(text)
    elif QApplication.instance() is not None:
        QMessageBox.critical(None, "Unexpected error", text)


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
    path, first_import = (project_path, False) if project_path else _ask_project(preferences)
    if path is None:
        return 1
    try:
        project = Project.open(path)
    except AnnotatorError as error:
        QMessageBox.critical(None, "Cannot open project", str(error))
        return 1
    preferences.last_project = str(path.resolve())
    preferences.save()
    name = _pack_name(project, name)
    annotator = project.annotators.by_name(name)
    if annotator is None and project.read_only:  # shown as is, nothing stored under the name
        annotator = Annotator(name=name, roles=[Role.ANNOTATOR])
    elif annotator is None:
        annotator = project.annotators.get_or_create(name, roles=[Role.ANNOTATOR])
    from annotator.gui.main_window import QtMainWindow

    window = QtMainWindow(project, annotator, preferences)
    window.show()
    if first_import:
        window.show_import()
    previous = sys.excepthook
    sys.excepthook = report_unexpected
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous
        project.close()
