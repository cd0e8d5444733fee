"""File → Import…: preview, mapping, import in the background, summary, the list refreshed."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.gui.dialogs.import_dialog import QtImportDialog
from annotator.gui.main_window import QtMainWindow
from tests.gui.conftest import with_dialog


def write_records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_preview_shows_mapped_records_and_mapping_errors(qtbot, project_path, tmp_path) -> None:
    source = write_records(
        tmp_path / "feed.jsonl",
        [
            {"story_text": "Story one 😀 text.", "headline": "One"},
            {"story_text": "Story two text.", "headline": "Two"},
        ],
    )
    dialog = QtImportDialog(project_path)
    qtbot.addWidget(dialog)
    dialog.add_paths([source])
    assert "no text field" in dialog.preview_message.text()
    assert "feed.jsonl:1" in dialog.preview_message.text()
    dialog.fields["text"].setText("story_text")
    dialog.fields["title"].setText("headline")
    dialog.refresh_preview()
    assert dialog.preview_message.text() == ""
    table = dialog.preview_table
    assert table.rowCount() == 2
    assert [table.item(r, 2).text() for r in range(2)] == ["One", "Two"]
    assert table.item(0, 3).text() == "Story one 😀 text."


def test_import_runs_in_the_background_and_reports(qtbot, project_path, tmp_path) -> None:
    good = write_records(tmp_path / "good.jsonl", [{"text": f"Story {n}."} for n in range(50)])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": \n', "utf-8")
    dialog = QtImportDialog(project_path)
    qtbot.addWidget(dialog)
    dialog.add_paths([good, bad])
    with qtbot.waitSignal(dialog.summary.textChanged, timeout=20_000):
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20_000)
    summary = dialog.summary.toPlainText()
    assert summary.startswith("Imported 50 article(s)")
    assert f"Rejected: {bad}:2: invalid JSON" in summary
    assert dialog.report is not None and dialog.report.imported == 50


def test_import_from_the_window_refreshes_the_article_list(qtbot, window: QtMainWindow, tmp_path):
    source = write_records(tmp_path / "more.jsonl", [{"text": "A new story.", "title": "New one"}])
    before = window.article_model.rowCount()

    def drive(dialog) -> None:
        dialog.add_paths([source])
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
        QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # now "Close"

    with_dialog(drive)
    QTest.keyClick(window.view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert window.article_model.rowCount() == before + 1
    assert "1 of 8" not in window.progress_label.text()
    assert window.progress_label.text() == "alice: 0 of 8 done"
    assert QApplication.activeModalWidget() is None
