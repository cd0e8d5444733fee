"""New project wizard, guidelines on hover and on F1, the Guidelines panel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip, QWidget, QWizard

from annotator.gui.dialogs.new_project_wizard import QtNewProjectWizard, check_location
from annotator.gui.main_window import QtMainWindow
from annotator.storage.project import Project
from tests.gui.conftest import drag_select, press, span, with_dialog

TOPIC = "North Korean troop deployment to Russia"


def fill_wizard(folder: Path, *, first_import: bool):
    def drive(wizard: QWidget) -> None:
        assert isinstance(wizard, QtNewProjectWizard)
        wizard.location.path_edit.setText(str(folder / "troops study"))
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
        wizard.next()
        assert wizard.name_page.name_edit.text() == "troops study"  # proposed from the file
        wizard.name_page.name_edit.setText("Troops in Russia")
        wizard.next()
        assert wizard.schema_page.news.isChecked()
        assert "7</b> entity types" in wizard.schema_page.summary.text()
        wizard.next()
        QTest.keyClicks(wizard.topics_page.topic_edit, TOPIC)
        QTest.keyClick(wizard.topics_page.topic_edit, Qt.Key.Key_Return)
        QTest.keyClicks(wizard.topics_page.topic_edit, "typo")
        QTest.keyClick(wizard.topics_page.topic_edit, Qt.Key.Key_Return)
        wizard.topics_page.topics.setCurrentRow(1)
        wizard.topics_page.remove_topic()
        assert wizard.topics_page.names() == [TOPIC]
        wizard.next()
        wizard.import_page.wants_import.setChecked(first_import)
        wizard.button(QWizard.WizardButton.FinishButton).click()

    return drive


def test_the_wizard_creates_a_project_and_the_window_switches_to_it(
    qtbot, window: QtMainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    old_project = window.project
    with_dialog(fill_wizard(folder, first_import=False))
    window.actions_by_name["New Project…"].trigger()
    successor = window._successor
    qtbot.addWidget(successor)
    path = folder / "troops study.annotator"
    assert successor.project.path == path
    assert successor.project.name == "Troops in Russia"
    assert successor.project.schema.topic_names == [TOPIC]
    assert successor.project.schema.entity_labels[:3] == ["PER", "ORG", "GPE"]
    assert successor.isVisible() and not window.isVisible()
    assert "Troops in Russia" in successor.windowTitle()
    assert successor.preferences.last_project == str(path.resolve())
    qtbot.waitUntil(lambda: old_project.database.closed)
    # The new window has the project-setup menus too.
    assert "Labels…" in successor.actions_by_name
    successor.close()
    successor.project.close()
    with Project.open(path) as reopened:
        assert reopened.schemas.history()[0].note == "initial schema"


def test_the_wizard_hands_over_to_the_import_dialog(
    qtbot, window: QtMainWindow, tmp_path: Path
) -> None:
    seen: list[str] = []

    def drive(wizard: QWidget) -> None:
        def close_import(dialog: QWidget) -> None:
            seen.append(dialog.objectName())
            dialog.reject()

        with_dialog(close_import)
        fill_wizard(tmp_path, first_import=True)(wizard)

    with_dialog(drive)
    window.actions_by_name["New Project…"].trigger()
    successor = window._successor
    qtbot.addWidget(successor)
    qtbot.waitUntil(lambda: seen == ["importDialog"])
    successor.close()
    successor.project.close()


def test_the_wizard_refuses_bad_locations_and_schema_files(qtbot, tmp_path: Path) -> None:
    existing = tmp_path / "taken.annotator"
    existing.write_bytes(b"")
    assert "already exists" in check_location(str(existing))[1]
    assert check_location(str(tmp_path / "taken"))[0] is None  # .annotator is added
    assert "does not exist" in check_location(str(tmp_path / "nowhere" / "p"))[1]
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        path, message = check_location(str(locked / "p"))
        import os

        if os.geteuid() != 0:  # root may write anywhere
            assert path is None and "not writable" in message
    finally:
        locked.chmod(0o700)

    wizard = QtNewProjectWizard(folder=tmp_path)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.location.path_edit.setText(str(existing))
    assert wizard.location.error.text().endswith("Choose a new file name (nothing is overwritten).")
    assert not wizard.location.isComplete()
    wizard.location.path_edit.setText(str(tmp_path / "fresh"))
    wizard.next()
    wizard.next()
    page = wizard.schema_page
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[[entity_types]]\nname = "PER"\nhotkey = 1\n'
        '[[entity_types]]\nname = "ORG"\nhotkey = 1\n',
        "utf-8",
    )
    page.file_edit.setText(str(bad))
    assert page.from_file.isChecked()
    assert (
        str(bad) in page.error.text()
        and "hotkey 1 is used by both PER and ORG" in page.error.text()
    )
    assert not page.isComplete()
    broken = tmp_path / "broken.json"
    broken.write_text('{"entity_types": [\n  {"name": "PER",}\n]}', "utf-8")
    page.file_edit.setText(str(broken))
    assert f"{broken}:2: not valid JSON" in page.error.text()
    good = tmp_path / "good.toml"
    good.write_text(
        '[[entity_types]]\nname = "ACTOR"\nhotkey = 1\n[[topics]]\nname = "Peace talks"\n', "utf-8"
    )
    page.file_edit.setText(str(good))
    assert page.isComplete() and page.error.text() == ""
    wizard.next()
    assert wizard.topics_page.names() == ["Peace talks"]  # the file's topics are offered
    page.empty.setChecked(True)
    assert page.schema().entity_types == []


def test_hovering_a_palette_label_shows_its_guideline(qtbot, window: QtMainWindow) -> None:
    button = window.palette_bar.buttons["PER"]
    assert "A named person" in button.toolTip()
    QTest.mouseMove(button, QPoint(button.width() // 2, button.height() // 2))
    qtbot.waitUntil(QToolTip.isVisible)
    assert "A named person" in QToolTip.text()
    assert "key 1" in QToolTip.text()


def test_f1_on_a_label_opens_its_guideline_and_otherwise_the_shortcuts(
    qtbot, window: QtMainWindow
) -> None:
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Norway"))
    press(window, Qt.Key.Key_3)
    assert window.current is not None
    shown: list[tuple[str, str]] = []

    def read(dialog: QWidget) -> None:
        shown.append((dialog.objectName(), dialog.browser.toPlainText()))
        dialog.reject()

    with_dialog(read)
    press(window, Qt.Key.Key_F1)
    assert shown[0][0] == "guidelineDialog"
    assert shown[0][1].startswith("GPE")
    assert "places with a government" in shown[0][1]
    window.current = None
    with_dialog(lambda d: (shown.append((d.objectName(), "")), d.reject()))
    press(window, Qt.Key.Key_F1)
    assert shown[1][0] == "shortcutsDialog"


def test_the_guidelines_panel_shows_the_project_document(qtbot, window: QtMainWindow) -> None:
    dock = window.project_setup.guidelines_dock
    assert dock.isHidden()
    window.actions_by_name["Guidelines panel"].trigger()
    assert dock.isVisible()
    document = dock.browser.toPlainText()
    assert document.startswith("Annotation guidelines")
    assert "Entity types" in document and "A named person" in document
    assert "#" not in document.splitlines()[0]  # rendered, not Markdown source
    QApplication.processEvents()


def test_the_first_start_without_a_project_offers_the_wizard(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from annotator.gui import application
    from annotator.settings import Preferences

    Preferences(annotator_name="Maren").save()
    windows: list[QtMainWindow] = []
    original_show = QtMainWindow.show

    def show(self: QtMainWindow) -> None:
        original_show(self)
        windows.append(self)

    monkeypatch.setattr(QtMainWindow, "show", show)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)

    def choose_new(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert box.text() == "No project is open."
        with_dialog(fill_wizard(tmp_path, first_import=False))
        next(b for b in box.buttons() if "New project" in b.text()).click()

    with_dialog(choose_new)
    assert application.run_application(None) == 0
    assert windows[0].project.path == tmp_path / "troops study.annotator"
    assert "Troops in Russia" in windows[0].windowTitle()
    assert Preferences.load().last_project == str((tmp_path / "troops study.annotator").resolve())
    windows[0].close()
    windows[0].deleteLater()
