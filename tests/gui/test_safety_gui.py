"""The window's safety net: read-only banner, a full disk, changes by another process, backups."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from annotator.domain.annotations import Layer
from annotator.gui.main_window import QtMainWindow
from annotator.services import backup as backups
from annotator.settings import Preferences
from annotator.storage.audit import record
from annotator.storage.database import ProjectWriteError
from annotator.storage.project import Project
from tests.gui.conftest import drag_select, press, span, with_dialog

CTRL = Qt.KeyboardModifier.ControlModifier


def stored_mentions(project: Project, set_id: str) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, m.label) for m in project.sets.load(set_id).mentions]


def fill_disk(project: Project) -> None:
    """Make the file unable to grow (SQLite's own page limit: a real SQLITE_FULL), then fill
    the pages it has until writes of an action's size fail three times in a row."""
    conn = project.database.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    failures = 0
    while failures < 3:
        try:
            with project.database.transaction() as c:
                record(c, actor="filler", action="add", target_type="mention", target_id="x" * 26)
            failures = 0
        except ProjectWriteError:
            failures += 1


def free_disk(project: Project) -> None:
    project.database.conn.execute("PRAGMA max_page_count = 1073741823")


def test_read_only_file_opens_with_banner_and_refuses_labels(
    qtbot, project_path: Path, project: Project
) -> None:
    alice = project.annotators.get_or_create("alice")
    first = project.articles.ids()[0]
    project.sets.get_or_create(first, alice.id)  # what alice labelled before
    project.close()
    os.chmod(project_path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        with Project.open(project_path) as opened:
            assert opened.read_only
            annotator = opened.annotators.by_name("alice")
            assert annotator is not None
            window = QtMainWindow(opened, annotator, Preferences(annotator_name="alice"))
            qtbot.addWidget(window)
            window.show()
            qtbot.waitExposed(window)
            banner = window.safety.banner
            assert banner.isVisible()
            assert "Read-only: changes cannot be saved" in banner.text()
            assert "read-only" in window.windowTitle()
            assert not window.actions_by_name["Label as PER"].isEnabled()
            assert not window.actions_by_name["Mark done and next"].isEnabled()
            assert not window.actions_by_name["Restore from backup…"].isEnabled()
            assert not window.palette_bar.isEnabled()
            start, end = span(window.view.text, "Norway")
            drag_select(qtbot, window, start, end)
            press(window, Qt.Key.Key_3)  # the disabled shortcut does nothing
            assert window.session is not None and not window.session.service.mentions
            seen: list[str] = []
            with_dialog(lambda box: (seen.append(box.text()), box.accept()))
            window.label_selection("GPE")  # a path that still reaches the project: refused
            assert seen and "read-only" in seen[0]
            assert not window.session.service.mentions
            assert window.undo_stack().count() == 0
            assert opened.database.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0] == 0
            window.close()
    finally:
        os.chmod(project_path, stat.S_IRUSR | stat.S_IWUSR)


def test_read_only_file_opens_an_article_nobody_labelled_yet(
    qtbot, project_path: Path, project: Project
) -> None:
    """No stored set to show (nor to read review notes from): the article still opens."""
    project.annotators.get_or_create("alice")
    project.close()
    os.chmod(project_path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        with Project.open(project_path) as opened:
            annotator = opened.annotators.by_name("alice")
            assert annotator is not None
            window = QtMainWindow(opened, annotator, Preferences(annotator_name="alice"))
            qtbot.addWidget(window)
            window.show()
            qtbot.waitExposed(window)
            assert window.session is not None and not window.session.service.mentions
            window.next_article()
            assert window.view.text
            assert (
                opened.database.conn.execute("SELECT COUNT(*) FROM annotation_sets").fetchone()[0]
                == 0
            )
            window.close()
    finally:
        os.chmod(project_path, stat.S_IRUSR | stat.S_IWUSR)


def test_full_disk_rolls_back_tells_the_user_and_the_window_stays_usable(
    qtbot, window: QtMainWindow
) -> None:
    project = window.project
    assert window.session is not None
    set_id = window.session.service.set_id
    text = window.view.text
    qtbot.waitUntil(lambda: window.safety.last_backup is not None)  # the backup on opening
    fill_disk(project)

    seen: list[str] = []
    start, end = span(text, "Norway")
    drag_select(qtbot, window, start, end)
    with_dialog(lambda box: (seen.append(box.text()), box.accept()))
    press(window, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: bool(seen))
    assert "disk is full" in seen[0] and "Nothing of this change was written" in seen[0]
    assert "disk is full" in window.statusBar().currentMessage()
    assert window.session.service.mentions == {}
    assert window.undo_stack().count() == 0
    assert stored_mentions(project, set_id) == []
    assert list(window.view.index.layers["mention"].overlapping(start, end)) == []

    free_disk(project)  # "space freed": the same key now works
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    assert stored_mentions(project, set_id) == [(start, end, "GPE")]
    assert window.undo_stack().count() == 1

    # An undo the full disk refuses: reported, taken off the stack, memory = file.
    fill_disk(project)
    press(window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: window.safety.last_failure is not None)
    assert "disk is full" in str(window.safety.last_failure)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox))
    assert box.isVisible() and "disk is full" in box.text()
    box.accept()
    assert window.undo_stack().count() == 0
    assert stored_mentions(project, set_id) == [(start, end, "GPE")]
    assert [(m.start, m.end) for m in window.session.service.mentions.values()] == [(start, end)]

    free_disk(project)
    (mention_id,) = window.session.service.mentions
    window._set_current(Layer.MENTION, mention_id)
    press(window, Qt.Key.Key_Delete)
    assert stored_mentions(project, set_id) == []
    press(window, Qt.Key.Key_Z, CTRL)
    assert stored_mentions(project, set_id) == [(start, end, "GPE")]


_OTHER_PROCESS = """
import sys
from annotator.domain.annotations import Mention
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project
with Project.open(sys.argv[1]) as project:
    alice = project.annotators.by_name("alice")
    article = project.articles.get(sys.argv[2])
    session = ArticleSession(project, article, alice)
    start = article.text.index("Norway")
    session.add(Mention(start=start, end=start + 6, label="GPE"))
    print(session.set_id)
"""


def test_window_refreshes_when_another_process_wrote(qtbot, window: QtMainWindow) -> None:
    assert window.session is not None
    article_id = window.session.service.article.id
    undo_before = window.undo_stack().count()
    assert window.safety.check_outside_changes() is False  # nothing happened yet
    result = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(window.project.path), article_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == window.session.service.set_id
    assert window.session.service.mentions == {}  # not noticed until the window is active
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    (mention,) = window.session.service.mentions.values()
    assert window.view.text[mention.start : mention.end] == "Norway"
    assert window.view.index.layers["mention"].get(mention.id) is not None
    assert window.entities_panel.mention_model.rowCount() == 1
    assert "another program" in window.statusBar().currentMessage()
    assert window.undo_stack().count() == undo_before == 0
    # The window's own edits go on as before, on top of the other process's.
    start, end = span(window.view.text, "Oslo")
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    assert len(window.project.sets.load(window.session.service.set_id).mentions) == 2


def test_back_up_now_and_restore_from_the_file_menu(qtbot, window: QtMainWindow) -> None:
    project = window.project
    assert window.session is not None
    set_id = window.session.service.set_id
    window.actions_by_name["Back up now"].trigger()
    made = backups.list_backups(project.path, project.project_id)
    assert made and made[0].reason == "manual"
    assert window.safety.last_backup is not None

    start, end = span(window.view.text, "Norway")
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    assert stored_mentions(project, set_id) == [(start, end, "GPE")]

    rows: list[str] = []

    def restore(dialog) -> None:
        table = dialog.table
        rows.extend(table.item(r, 1).text() for r in range(table.rowCount()))
        manual = next(
            r for r in range(table.rowCount()) if table.item(r, 1).text() == "Back up now"
        )
        table.selectRow(manual)
        with_dialog(lambda question: question.button(QMessageBox.StandardButton.Yes).click())
        dialog.findChild(QPushButton, "restoreSelected").click()
        dialog.keep.setValue(7)
        dialog.reject()

    with_dialog(restore)
    window.actions_by_name["Restore from backup…"].trigger()
    assert "Back up now" in rows
    assert stored_mentions(project, set_id) == []  # the backup's state
    assert window.session is not None and window.session.service.mentions == {}
    assert window.undo_stack().count() == 0
    assert window.preferences.backup_keep == 7
    reasons = [b.reason for b in backups.list_backups(project.path, project.project_id)]
    assert "before-restore" in reasons  # the labelled state can be restored in turn
    assert project.database.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_timer_backs_up_only_after_work(qtbot, window: QtMainWindow) -> None:
    project = window.project
    safety = window.safety
    qtbot.waitUntil(lambda: safety.last_backup is not None)  # the backup on opening
    assert safety.last_backup is not None and safety.last_backup.reason == "open"
    assert safety.timer.isActive()
    assert safety.timer.interval() == window.preferences.backup_interval_minutes * 60_000
    count = len(backups.list_backups(project.path, project.project_id))
    safety.timer.timeout.emit()  # no work since the last backup: nothing to do
    assert not safety._backup_running
    start, end = span(window.view.text, "Norway")
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    safety.timer.timeout.emit()
    qtbot.waitUntil(lambda: safety.last_backup is not None and safety.last_backup.reason == "timer")
    made = backups.list_backups(project.path, project.project_id)
    assert len(made) == count + 1 and made[0].reason == "timer"
    with Project.open(made[0].path, read_only=True) as copy:
        assert copy.database.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0] == 1


_OTHER_SCHEMA = """
import sys
from pathlib import Path
from annotator.domain.schema import EntityType
from annotator.storage.project import Project

with Project.open(Path(sys.argv[1])) as project:
    schema = project.schema
    extra = EntityType(name="WEAPON", color="#aa3366")
    project.schemas.save(
        schema.model_copy(update={"entity_types": [*schema.entity_types, extra]}),
        note="added by another program",
    )
"""


def test_a_schema_saved_by_another_process_redraws_the_palette(qtbot, window: QtMainWindow) -> None:
    assert "WEAPON" not in window.palette_bar.buttons
    subprocess.run(
        [sys.executable, "-c", _OTHER_SCHEMA, str(window.project.path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    assert "WEAPON" in window.palette_bar.buttons
    assert any("WEAPON" in name for name in window.actions_by_name)
    assert "another program" in window.statusBar().currentMessage()
    assert window.session is not None  # the article is open again, on the new schema
    assert window.safety.check_outside_changes() is False  # seen once, not again
