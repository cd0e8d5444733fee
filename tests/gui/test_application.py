"""Starting the application: who is annotating, which project, what is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QToolTip

from annotator.gui import application
from annotator.gui.main_window import QtMainWindow
from annotator.settings import Preferences
from tests.gui.conftest import drag_select, point_of, press, span


def test_first_start_asks_the_name_and_remembers_it(qtbot, monkeypatch, project_path: Path):
    asked: list[str] = []

    def fake_get_text(*args, **kwargs):
        asked.append(args[1])
        return "Jiwoo Han", True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    windows: list[QtMainWindow] = []
    original_show = QtMainWindow.show

    def show_and_close(self: QtMainWindow) -> None:
        original_show(self)
        windows.append(self)
        QApplication.instance().quit()

    monkeypatch.setattr(QtMainWindow, "show", show_and_close)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    assert application.run_application(project_path) == 0
    assert asked == ["Who is annotating?"]
    assert "Jiwoo Han" in windows[0].windowTitle()
    preferences = Preferences.load()
    assert preferences.annotator_name == "Jiwoo Han"
    assert preferences.last_project == str(project_path.resolve())
    windows[0].close()
    windows[0].deleteLater()
    # The second start asks nobody.
    asked.clear()
    assert application.run_application(project_path) == 0
    assert asked == []
    windows[1].close()
    windows[1].deleteLater()


def test_hover_shows_what_is_under_the_mouse(qtbot, window: QtMainWindow) -> None:
    start, end = span(window.view.text, "Norway")
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    point = point_of(window, start + 2)
    QTest.mouseMove(window.view.viewport(), QPoint(point.x() + 4, point.y()))
    qtbot.waitUntil(lambda: QToolTip.isVisible())
    assert QToolTip.text() == "GPE: Norway  (no entity)"


def test_window_layout_and_font_size_are_remembered(qtbot, make_window, project) -> None:
    first = make_window()
    first.resize(700, 500)  # the offscreen screen is 800 x 600
    first.label_dock.hide()
    press(first, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert first.preferences.font_point_size == 13
    size = (first.size().width(), first.size().height())
    first.close()
    annotator = project.annotators.get_or_create("alice")
    second = QtMainWindow(project, annotator, Preferences.load())
    qtbot.addWidget(second)
    # Offscreen, widths are clamped to its 800-pixel screen; the height shows the restore.
    assert second.size().height() == size[1] == 500
    assert second.label_dock.isHidden()
    assert second.preferences.font_point_size == 13
    assert second.view.font().pointSize() == 13


def test_a_pack_opens_as_the_person_it_was_made_for(
    qtbot, monkeypatch, project_path: Path, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from annotator.services.packing import pack_for_annotator
    from annotator.storage.project import Project

    with Project.open(project_path) as project:
        project.annotators.get_or_create("alice")
        pack_path = tmp_path / "alice.pack.annotator"
        pack_for_annotator(project, annotator="alice", out=pack_path, all_articles=True)
    Preferences(annotator_name="bob").save()
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    windows: list[QtMainWindow] = []
    original_show = QtMainWindow.show

    def show_and_keep(self: QtMainWindow) -> None:
        original_show(self)
        windows.append(self)

    monkeypatch.setattr(QtMainWindow, "show", show_and_keep)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    assert application.run_application(pack_path) == 0
    assert windows[0].annotator.name == "alice"
    assert told and "alice's work" in told[0]
    windows[0].close()
    windows[0].deleteLater()


def test_an_unexpected_error_is_said_not_swallowed(capsys) -> None:
    shown: list[str] = []
    try:
        raise ValueError("a bug")
    except ValueError as error:
        application.report_unexpected(ValueError, error, error.__traceback__, show=shown.append)
    assert "ValueError: a bug" in shown[0] and "saved" in shown[0]
    assert "Traceback" in capsys.readouterr().err
