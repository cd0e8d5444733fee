"""Run by test_crash_safety: label through the real window, report it, then wait to be killed."""

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.gui.main_window import QtMainWindow
from annotator.settings import Preferences
from annotator.storage.project import Project


def main() -> None:
    app = QApplication([])
    project = Project.open(sys.argv[1])
    needles = sys.argv[2:]
    annotator = project.annotators.get_or_create("crash")
    window = QtMainWindow(project, annotator, Preferences(annotator_name="crash"))
    window.show()
    app.processEvents()
    text = window.view.text
    for needle in needles:
        start = text.index(needle)
        window.view.select_span(start, start + len(needle))
        QTest.keyClick(window.view, Qt.Key.Key_1)
        print(f"LABELLED {needle}", flush=True)
    print("READY", flush=True)
    time.sleep(120)  # killed long before this ends


if __name__ == "__main__":
    main()
