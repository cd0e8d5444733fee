"""The window's safety net: read-only banner, failed-write reports, refresh after changes made
by another process, and rolling backups (timer here, the work in services/backup.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QBoxLayout, QLabel, QMessageBox

from annotator.domain.errors import AnnotatorError, NotFoundError
from annotator.gui import background
from annotator.services import backup as backups
from annotator.services.annotation import ArticleSession

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow

#: Actions that write labels or statuses: disabled when the project is read-only.
WRITING_ACTIONS = (
    "Delete label",
    "Mark done and next",
    "Mark in progress",
    "Import…",
    "Restore from backup…",
)

BANNER_STYLE = (
    "QLabel#readOnlyBanner { background: #fff3cd; color: #664d03; border: 1px solid #e0c36a;"
    " border-radius: 4px; padding: 6px 10px; font-weight: bold; }"
)


def reload_service(service: ArticleSession) -> bool:
    """Read the session's set from the file again; True if it differed from what was shown."""
    project = service.project
    try:
        loaded = project.sets.load(service.set_id)
    except NotFoundError:
        return False  # never stored (read-only, or removed elsewhere): keep what is shown
    fresh = (
        loaded.status,
        {m.id: m for m in loaded.mentions},
        {e.id: e for e in loaded.entities},
        {q.id: q for q in loaded.quotes},
        {s.id: s for s in loaded.stances},
        {d.id: d for d in loaded.document_labels},
    )
    shown = (
        service.status,
        service.mentions,
        service.entities,
        service.quotes,
        service.stances,
        service.labels,
    )
    if fresh == shown:
        return False
    (
        service.status,
        service.mentions,
        service.entities,
        service.quotes,
        service.stances,
        service.labels,
    ) = fresh
    return True


class QtSafetyController(QObject):
    """Installed once per window by ``install``; owns the banner, the timer and the actions."""

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.preferences = window.preferences
        self.banner = QLabel(window)
        self.banner.setObjectName("readOnlyBanner")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._data_version = self.project.database.data_version()
        self._changes_at_backup = -1
        self._backup_running = False
        self.last_backup: backups.BackupInfo | None = None
        self.last_failure: str | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._add_actions()
        window.installEventFilter(self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.applicationStateChanged.connect(self._on_application_state_changed)
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(0, self.banner)
        if self.project.read_only:
            self._show_read_only()
        else:
            self.restart_timer()
            QTimer.singleShot(0, lambda: self.back_up("open"))

    # -- actions ---------------------------------------------------------------------------------

    def _add_actions(self) -> None:
        window = self.window
        menu = window._menus["&File"]
        quit_action = window.actions_by_name.get("Quit")
        before = _separator_before(menu.actions(), quit_action)
        for text, slot in (
            ("&Back up now", lambda: self.back_up("manual", foreground=True)),
            ("&Restore from backup…", self.show_backups),
        ):
            action = QAction(text, window)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            if before is None:
                menu.addAction(action)
            else:
                menu.insertAction(before, action)
            window.actions_by_name[text.replace("&", "")] = action
        if before is not None:
            menu.insertSeparator(before)
        reload_action = QAction("&Reload changes from other programs", window)
        reload_action.setShortcut(QKeySequence("F5"))
        reload_action.triggered.connect(lambda _checked=False: self.check_outside_changes(True))
        window._menus["&View"].addAction(reload_action)
        window.actions_by_name["Reload changes from other programs"] = reload_action

    # -- read-only -------------------------------------------------------------------------------

    def _show_read_only(self) -> None:
        reason = self.project.database.read_only_reason
        detail = f" ({reason})" if reason else ""
        self.banner.setText(f"Read-only: changes cannot be saved{detail}.")
        self.banner.setToolTip(str(self.project.path))
        self.banner.show()
        window = self.window
        for action in window._menus["&Label"].actions():
            action.setEnabled(False)
        for name in WRITING_ACTIONS:
            writing = window.actions_by_name.get(name)
            if writing is not None:
                writing.setEnabled(False)
        window.palette_bar.setEnabled(False)

    # -- failed writes ---------------------------------------------------------------------------

    def report_failure(self, error: AnnotatorError) -> None:
        """An undo or redo the project refused (disk full, locked): say so, keep working."""
        self.last_failure = str(error)
        self.window.statusBar().showMessage(f"Not saved: {error}", 10000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Not saved", str(error), QMessageBox.StandardButton.Ok
        )
        box.setParent(self.window, box.windowFlags())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText(
            "That step was taken off the undo history; what you see is what the file holds."
        )
        box.open()  # not exec(): this comes from inside the undo stack

    # -- changes by another process --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.WindowActivate:
            self.check_outside_changes()
        return False

    def _on_application_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.check_outside_changes()

    def check_outside_changes(self, force: bool = False) -> bool:
        """If another process (or connection) committed since we last looked, reload the
        article list and every open article's labels that changed; True if anything did.

        Waits while a dialog is open (the user is in the middle of an edit)."""
        if self.project.database.closed:
            return False
        version = self.project.database.data_version()
        if version == self._data_version and not force:
            return False
        if QApplication.activeModalWidget() is not None:
            return False  # checked again when the window is active once more
        self._data_version = version
        return self.reload_all()

    def reload_all(self) -> bool:
        """Bring every open article and the list in step with the file; a schema saved by
        another program redraws the palette, Label menu and colours as well."""
        window = self.window
        if self.project.schemas.latest_version() != window.schema_version:
            from annotator.gui.project_setup import refresh_window

            refresh_window(window, data_changed=True)  # labels may be renamed or merged
            window._load_articles()
            window.statusBar().showMessage(
                "Updated the labels and articles with changes saved by another program.", 8000
            )
            return True
        changed = []
        for article_id, session in list(window._sessions.items()):
            if reload_service(session.service):
                changed.append(article_id)
                window._stacks[article_id].clear()  # its steps may no longer apply
        window._load_articles()
        current = window.session.service.article.id if window.session is not None else None
        if current in changed:
            bar = window.view.verticalScrollBar()
            position = bar.value()
            window.open_article(current)
            bar.setValue(position)
        if changed:
            window.statusBar().showMessage(
                f"Updated {len(changed)} article(s) with changes saved by another program.", 8000
            )
        return bool(changed)

    # -- backups ---------------------------------------------------------------------------------

    def restart_timer(self) -> None:
        if self.preferences.backups_enabled and not self.project.read_only:
            self.timer.start(self.preferences.backup_interval_minutes * 60_000)
        else:
            self.timer.stop()

    def _on_timer_timeout(self) -> None:
        self.back_up("timer")

    def back_up(self, reason: str, *, foreground: bool = False) -> backups.BackupInfo | None:
        """A backup now: in the foreground when asked for (menu), else off the GUI thread and
        only if the project changed since the last one (work, not idle time, makes backups)."""
        if self.project.database.closed or (self.project.read_only and not foreground):
            return None
        if not foreground:
            if not self.preferences.backups_enabled or self._backup_running:
                return None
            changes = self.project.database.conn.total_changes
            if reason == "timer" and changes == self._changes_at_backup:
                return None
            if reason == "open" and not backups.changed_since_last_backup(
                self.project.path, self.project.project_id
            ):
                self._changes_at_backup = changes
                return None
            self._changes_at_backup = changes
            self._start_background_backup(reason)
            return None
        try:
            made = backups.create_backup(
                self.project, reason=reason, keep=self.preferences.backup_keep
            )
        except AnnotatorError as error:
            self.window.statusBar().showMessage(f"Backup failed: {error}", 10000)
            QMessageBox.warning(self.window, "Backup failed", str(error))
            return None
        self._changes_at_backup = self.project.database.conn.total_changes
        self._backed_up(made)
        return made

    def _start_background_backup(self, reason: str) -> None:
        path, keep = self.project.path, self.preferences.backup_keep

        def work(_progress: object, _cancelled: object) -> backups.BackupInfo:
            return backups.create_backup(path, reason=reason, keep=keep)

        task = background.QtTask(work)
        task.signals.finished.connect(self._backed_up)
        task.signals.failed.connect(self._on_backup_failed)
        self._backup_running = True
        self._task = task  # kept alive until it reports
        background.start(task)

    def _backed_up(self, made: object) -> None:
        self._backup_running = False
        if isinstance(made, backups.BackupInfo):
            self.last_backup = made
            if self.window.statusBar().currentMessage():
                return  # never hide a message the user needs to see (a failed write, say)
            self.window.statusBar().showMessage(
                f"Backed up to {made.path.name} ({backups.human_size(made.size)}).", 5000
            )

    def _on_backup_failed(self, message: str) -> None:
        self._backup_running = False
        self.window.statusBar().showMessage(f"Automatic backup failed: {message}", 10000)

    def show_backups(self) -> None:
        from annotator.gui.dialogs.backup_dialog import QtBackupDialog

        dialog = QtBackupDialog(self.project, self.preferences, self, self.window)
        self.window._run_dialog(dialog)
        self.restart_timer()

    def restore(self, backup_path: object) -> backups.RestoreReport:
        """Restore a backup into the open project, then show what it holds now."""
        from pathlib import Path

        report = backups.restore_into(
            self.project, Path(str(backup_path)), keep=self.preferences.backup_keep
        )
        window = self.window
        for stack in window._stacks.values():
            window.undo_group.removeStack(stack)
            stack.deleteLater()
        window._stacks.clear()
        current = window.session.service.article.id if window.session is not None else None
        for session in window._sessions.values():
            session.deleteLater()
        window._sessions.clear()
        window.session = None
        window._load_articles()
        ids = window.article_model.article_ids()
        target = current if current in ids else window._first_article()
        if target is not None:
            window.open_article(target)
        self._data_version = self.project.database.data_version()
        window.statusBar().showMessage(f"Restored from {Path(str(backup_path)).name}.", 8000)
        return report


def _separator_before(actions: list[QAction], anchor: QAction | None) -> QAction | None:
    """The separator just above ``anchor`` (so new entries sit with the file actions)."""
    if anchor is None or anchor not in actions:
        return None
    index = actions.index(anchor)
    if index > 0 and actions[index - 1].isSeparator():
        return actions[index - 1]
    return anchor


def install(window: QtMainWindow) -> QtSafetyController:
    """Add the safety features to ``window`` (one call from ``_build_actions``)."""
    return QtSafetyController(window)


__all__ = ["QtSafetyController", "install", "reload_service"]
