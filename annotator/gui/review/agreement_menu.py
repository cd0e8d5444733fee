"""Review → Agreement dashboard…: the menu entry, cheap to install.

The dashboard itself (and numpy, which the metrics use) is imported on first use, so the window
opens without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow


def install_agreement(window: QtMainWindow) -> QAction:
    """Review → Agreement dashboard… (Ctrl+Shift+A): the dashboard in a window of its own."""

    def show() -> None:
        from annotator.gui.review.agreement_view import QtAgreementDialog

        dialog = getattr(window, "agreement_dialog", None)
        if dialog is None:
            dialog = QtAgreementDialog(window.project, window)
            window.agreement_dialog = dialog  # type: ignore[attr-defined]
        else:
            dialog.view.refresh()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    action = QAction("&Agreement dashboard…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+A"))
    action.triggered.connect(lambda _checked=False: show())
    window._menus["&Review"].addAction(action)
    window.actions_by_name["Agreement dashboard…"] = action
    return action
