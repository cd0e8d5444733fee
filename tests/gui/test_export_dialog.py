"""File → Export…: the preview counts labels per split; the export runs in the background."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.domain.annotations import Mention
from annotator.gui.dialogs import export_dialog
from annotator.gui.dialogs.export_dialog import QtExportDialog
from annotator.storage.project import Project


def label_some(project: Project) -> None:
    annotator = project.annotators.get_or_create("alice")
    for article in list(project.articles.iter_all())[:4]:
        set_id = project.sets.get_or_create(article.id, annotator.id).id
        start = article.text.index(" ") + 1
        end = article.text.index(" ", start)
        project.sets.add(set_id, Mention(start=start, end=end, label="PER"))


def test_preview_and_background_export(qtbot, project: Project, tmp_path: Path) -> None:
    label_some(project)
    dialog = QtExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("conll"))
    dialog.splits.setText("train=0.5,test=0.5")
    dialog.refresh_preview()
    table = dialog.preview_table
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert {r[0] for r in rows} == {"train", "test"}
    assert {(r[1], r[2]) for r in rows} == {("entities", "PER")}
    assert sum(int(r[3].replace(",", "")) for r in rows) == 4
    message = dialog.preview_message.text()
    assert message.startswith("Documents per split: train: ")
    assert message.endswith("3 article(s) have no set from this source.")
    dialog.splits.setText("train=0.5")
    dialog.refresh_preview()
    assert "shares add up to 0.5, not 1" in dialog.preview_message.text()
    assert not dialog.export_button.isEnabled()
    dialog.splits.setText("train=0.5,test=0.5")
    dialog.refresh_preview()
    out = tmp_path / "dataset"
    dialog.out.setText(str(out))
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not dialog.is_running() and bool(dialog.summary.toPlainText()), timeout=30_000
    )
    assert dialog.summary.toPlainText().startswith(f"Wrote conll to {out}")
    assert (out / "train.conll").exists() and (out / "test.conll").exists()
    documents = json.loads((out / "manifest.json").read_text())["documents"]
    assert set(documents) == {"train", "test"} and sum(documents.values()) == 4


def test_a_large_project_is_counted_in_the_background(
    qtbot, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``SYNC_PREVIEW_ARTICLES`` the preview is counted off the GUI thread; a count
    overtaken by a newer choice never reaches the table."""
    label_some(project)
    monkeypatch.setattr(export_dialog, "SYNC_PREVIEW_ARTICLES", 0)
    dialog = QtExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("conll"))
    assert dialog.is_counting()
    assert dialog.preview_message.text() == "Counting labels per split…"
    dialog.splits.setText("train=0.5,test=0.5")
    dialog.refresh_preview()  # overtakes the count for train/dev/test
    qtbot.waitUntil(lambda: not dialog.is_counting(), timeout=10_000)
    qtbot.wait(200)  # the older count, if it comes late, is dropped
    table = dialog.preview_table
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert {r[0] for r in rows} == {"train", "test"}
    assert sum(int(r[3].replace(",", "")) for r in rows) == 4
    assert dialog.preview_message.text().startswith("Documents per split: train: ")
    dialog.splits.setText("train=0.5")
    dialog.refresh_preview()  # refused at once, without counting
    assert not dialog.is_counting()
    assert "shares add up to 0.5, not 1" in dialog.preview_message.text()
