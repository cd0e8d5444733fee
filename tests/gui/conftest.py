"""GUI fixtures: a real project file, the real main window, and mouse/keyboard helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.gui.main_window import QtMainWindow
from annotator.services.demo import demo_articles_file
from annotator.services.importing import import_paths
from annotator.settings import Preferences
from annotator.storage.project import Project

UNICODE_TEXT = (
    "서울 — 서울디지털재단 posted 👩‍💻🚀 and 🇰🇷 today.\r\n"
    "Kim Ji-woo said, “We start again.”\r\n"
    "Cafe\u0301 owners in Mapo agreed with Kim.\r\n"
)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "gui.annotator"
    with Project.create(path, schema=default_schema()) as project:
        import_paths(project, [demo_articles_file()])
        project.articles.add(Article.create(UNICODE_TEXT, title="Unicode check", source="Test"))
    return path


@pytest.fixture
def project(project_path: Path):
    with Project.open(project_path) as opened:
        yield opened


@pytest.fixture
def make_window(qtbot, project: Project) -> Callable[..., QtMainWindow]:
    def make(name: str = "alice", target: Project | None = None) -> QtMainWindow:
        opened = target or project
        annotator = opened.annotators.get_or_create(name)
        window = QtMainWindow(opened, annotator, Preferences(annotator_name=name))
        qtbot.addWidget(window)
        window.resize(1440, 900)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def window(make_window) -> QtMainWindow:
    return make_window()


def open_titled(window: QtMainWindow, title_start: str) -> None:
    """Open an article by clicking its row in the article list."""
    from PySide6.QtTest import QTest

    table = window.article_table
    model = table.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if str(index.data()).startswith(title_start):
            table.scrollTo(index)
            rect = table.visualRect(index)
            QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"no article titled {title_start!r}")


def point_of(window: QtMainWindow, offset: int, *, scroll: bool = True) -> QPoint:
    """The viewport point at the left edge of character ``offset`` (code points)."""
    from PySide6.QtGui import QTextCursor

    view = window.view
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_qt(offset))
    if scroll:
        view.setTextCursor(cursor)
        view.centerCursor()
    rect = view.cursorRect(cursor)
    return QPoint(rect.x() + 1, rect.center().y())


def drag_select(qtbot, window: QtMainWindow, start: int, end: int) -> None:
    """Select ``[start, end)`` with the mouse, as a person would."""
    from PySide6.QtTest import QTest

    viewport = window.view.viewport()
    begin = point_of(window, start)  # scrolls the start into the middle of the view
    finish = point_of(window, end, scroll=False)
    window.view.clear_selection()
    assert viewport.rect().contains(finish), "the span does not fit in the view"
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, begin)
    QTest.mouseMove(viewport, QPoint((begin.x() + finish.x()) // 2, finish.y()))
    QTest.mouseMove(viewport, finish)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, finish)
    selected = window.view.selection_span()
    assert selected == (start, end), (selected, (start, end), window.view.text[start:end])


def click_offset(window: QtMainWindow, offset: int) -> None:
    from PySide6.QtTest import QTest

    point = point_of(window, offset)
    window.view.clear_selection()
    QTest.mouseClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x() + 3, point.y())
    )


def press(window: QtMainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press in the text, once the window is active again (as after a closed dialog)."""
    from PySide6.QtTest import QTest

    if QApplication.activeWindow() is not window:
        window.activateWindow()
        for _ in range(100):
            if QApplication.activeWindow() is window:
                break
            QTest.qWait(10)
        assert QApplication.activeWindow() is window, QApplication.activeWindow()

    QTest.keyClick(window.view, key, modifier)


_dialog_errors: list[BaseException] = []


def with_dialog(action: Callable[[QWidget], None]) -> None:
    """Run ``action`` on the next modal dialog once it is showing (dialogs block in exec()).

    If the action fails, the dialog is rejected so the test does not hang, and the failure is
    raised by ``check_dialogs`` (called after every test).
    """

    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None and tries < 300:
            QTimer.singleShot(10, lambda: attempt(tries + 1))
            return
        if dialog is None:
            _dialog_errors.append(AssertionError("no dialog appeared"))
            return
        if QApplication.activeWindow() is not dialog and tries < 300:
            # Shortcuts only reach the active window: wait until the dialog is it.
            dialog.activateWindow()
            QTimer.singleShot(10, lambda: attempt(tries + 1))
            return
        try:
            action(dialog)
        except BaseException as error:
            _dialog_errors.append(error)
            if dialog.isVisible() and hasattr(dialog, "reject"):
                dialog.reject()

    QTimer.singleShot(0, attempt)


@pytest.fixture(autouse=True)
def check_dialogs():
    _dialog_errors.clear()
    yield
    if _dialog_errors:
        raise _dialog_errors[0]


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)
