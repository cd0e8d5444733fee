"""Help → About: version, licence, the project file, the data and settings folders, the icon."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from annotator import __version__
from annotator.gui.about_dialog import QtAboutDialog, application_icon
from annotator.settings import config_dir, data_dir


def _shown_text(dialog: QtAboutDialog) -> str:
    """Every label's visible text (rich text reduced to what a person reads)."""
    from PySide6.QtGui import QTextDocument

    parts = []
    for label in dialog.findChildren(QLabel):
        document = QTextDocument()
        document.setHtml(label.text())
        parts.append(document.toPlainText())
    return "\n".join(parts)


def test_about_shows_version_licence_and_folders(qtbot: QtBot, tmp_path: Path) -> None:
    project = tmp_path / "my project.annotator"
    project.touch()
    dialog = QtAboutDialog(project, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = _shown_text(dialog)
    assert f"Annotator {__version__}" in shown
    assert "MIT" in shown
    assert str(project.resolve()) in shown
    assert str(data_dir()) in shown
    assert str(config_dir()) in shown
    # The conftest points both folders into the test's tmp dir: what is shown is what is used.
    assert dialog.fields["Data folder"] == str(data_dir())
    assert dialog.fields["Settings folder"] == str(config_dir())
    assert dialog.fields["Licence"] == "MIT"
    # Paths are links that open the folder (a project's link opens the folder it is in).
    assert project.resolve().parent.as_uri() in dialog.value_labels["Project file"].text()
    assert dialog.windowTitle() == "About Annotator"


def test_about_without_a_project_and_copy_details(qtbot: QtBot) -> None:
    dialog = QtAboutDialog(None, None)
    qtbot.addWidget(dialog)
    assert dialog.fields["Project file"] == "no project open"
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied.splitlines()[0] == f"Annotator {__version__}"
    assert f"Data folder: {data_dir()}" in copied
    assert "Licence: MIT" in copied


def test_icon_has_every_size_and_the_dialog_shows_it(qtbot: QtBot) -> None:
    icon = application_icon()
    assert not icon.isNull()
    sizes = {(size.width(), size.height()) for size in icon.availableSizes()}
    assert {(16, 16), (32, 32), (48, 48), (256, 256), (512, 512)} <= sizes
    dialog = QtAboutDialog(None, None)
    qtbot.addWidget(dialog)
    picture = dialog.findChild(QLabel, "aboutIcon")
    assert picture is not None
    assert picture.pixmap().deviceIndependentSize().toSize() == QSize(96, 96)
