"""Long work off the GUI thread: one helper over QThreadPool, with progress and cancel.

The work function runs in a pool thread and never touches widgets; it reports through the
callbacks it is given, which arrive in the GUI thread as signals. Work that uses the project
opens its own SQLite connection (a connection belongs to one thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class QtTaskSignals(QObject):
    progressed = Signal(int)
    finished = Signal(object)
    failed = Signal(str)


class QtTask(QRunnable):
    """``work(progress, cancelled)`` in a pool thread; its result or error returns as a signal."""

    def __init__(self, work: Callable[[Callable[[int], None], Callable[[], bool]], Any]) -> None:
        super().__init__()
        self.signals = QtTaskSignals()
        self._work = work
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            result = self._work(self.signals.progressed.emit, self._cancel.is_set)
        except Exception as error:  # reported to the user; the GUI thread decides what to show
            self.signals.failed.emit(str(error) or type(error).__name__)
            return
        self.signals.finished.emit(result)


def start(task: QtTask) -> None:
    QThreadPool.globalInstance().start(task)
