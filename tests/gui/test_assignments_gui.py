"""Assignments in the window: the blind, assigned-only article list, and File → Pack / Merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QLabel, QLineEdit, QTableWidget

from annotator.domain.annotations import Annotator, Mention, Role, SetStatus
from annotator.gui.main_window import QtMainWindow
from annotator.gui.packing import QtMergeDialog, QtPackDialog
from annotator.services.annotation import ArticleSession
from annotator.services.packing import pack_for_annotator
from annotator.storage.project import Project
from tests.gui.conftest import with_dialog


def titles(window: QtMainWindow) -> list[str]:
    model = window.article_table.model()
    return [str(model.index(r, 0).data()) for r in range(model.rowCount())]


def statuses(window: QtMainWindow) -> list[str]:
    model = window.article_table.model()
    return [str(model.index(r, 3).data()) for r in range(model.rowCount())]


def setup_team(project: Project) -> tuple[Annotator, Annotator, list[str]]:
    """alice on articles 1-2, bob on 2-4; bob has labelled article 2 and finished it."""
    ids = project.articles.ids()
    alice = project.annotators.get_or_create("alice")
    bob = project.annotators.get_or_create("bob")
    project.annotators.add(Annotator(name="rita", roles=[Role.REVIEWER]))
    project.assignments.assign([(ids[0], alice.id), (ids[1], alice.id)])
    project.assignments.assign([(i, bob.id) for i in ids[1:4]])
    bobs = ArticleSession(project, project.articles.get(ids[1]), bob)
    bobs.add(Mention(start=0, end=4, label="GPE"))
    bobs.set_status(SetStatus.DONE)
    return alice, bob, ids


def test_annotators_see_only_their_assigned_articles_and_own_labels(
    qtbot, project: Project, make_window
) -> None:
    alice, _, ids = setup_team(project)
    every = [s.display_title for s in project.articles.summaries()]
    window = make_window("alice")
    assert titles(window) == every[:2]
    assert window.progress_label.text() == "alice: 0 of 2 done"
    assert statuses(window) == ["to do", "to do"]
    # Article 2 carries bob's finished labels; alice's view of it is empty and "to do".
    window.open_article(ids[1])
    assert window.session is not None
    assert window.session.service.annotator.id == alice.id
    assert window.session.service.mentions == {}
    assert window.entities_panel.mention_model.rowCount() == 0
    assert statuses(window)[1] == "to do"
    tooltip = window.article_table.model().index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "bob" not in tooltip


def test_reviewers_see_every_article_with_who_has_it(qtbot, project: Project, make_window):
    setup_team(project)
    window = make_window("rita")
    assert len(titles(window)) == project.articles.count() == 7
    model = window.article_table.model()
    tips = [model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole) for r in range(7)]
    assert tips[0].endswith("Assigned to alice: to do")
    assert tips[1].endswith("Assigned to alice: to do, bob: done")
    assert "Assigned" not in tips[5]


def test_an_annotator_without_assignments_sees_everything(project: Project, make_window):
    setup_team(project)
    assert len(titles(make_window("carol"))) == 7


def test_pack_dialog_writes_the_chosen_persons_pack(qtbot, project: Project, make_window, tmp_path):
    setup_team(project)
    window = make_window("rita")
    out = tmp_path / "bob.annotator"

    def fill(dialog) -> None:
        assert isinstance(dialog, QtPackDialog)
        combo = dialog.findChild(QComboBox)
        assert combo is not None
        combo.setCurrentIndex(combo.findData("bob"))
        preview = dialog.findChild(QLabel, "packPreview")
        assert preview is not None
        assert preview.text().startswith("3 article(s) (assigned) and bob's 1 set(s)")
        dialog.findChild(QLineEdit).setText(str(out))
        QTest.mouseClick(dialog.pack_button, Qt.MouseButton.LeftButton)

    with_dialog(fill)
    window.actions_by_name["Pack for annotator…"].trigger()
    assert out.exists()
    assert "Packed 3 article(s) and 1 set(s) of bob" in window.statusBar().currentMessage()
    with Project.open(out, read_only=True) as pack:
        assert [a.name for a in pack.annotators.list()] == ["bob"]
        assert len(pack.sets.all_infos()) == 1


@pytest.mark.parametrize("settle", [False, True])
def test_merge_dialog_previews_merges_and_refreshes_the_open_article(
    qtbot, project: Project, make_window, tmp_path: Path, monkeypatch, settle: bool
) -> None:
    alice, _, ids = setup_team(project)
    out = tmp_path / "alice.annotator"
    pack_for_annotator(project, annotator="alice", out=out)
    window = make_window("alice")
    window.open_article(ids[0])
    assert window.session is not None and window.session.service.mentions == {}
    # Alice works in her pack elsewhere; meanwhile article 2 changes on both sides.
    with Project.open(out) as pack:
        ArticleSession(pack, pack.articles.get(ids[0]), alice).add(
            Mention(start=0, end=4, label="GPE")
        )
        ArticleSession(pack, pack.articles.get(ids[1]), alice).set_status(SetStatus.DONE)
    ArticleSession(project, project.articles.get(ids[1]), alice).add(
        Mention(start=0, end=4, label="LOC")
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(out)], ""))
    )
    seen: dict[str, object] = {}

    def check_and_merge(dialog) -> None:
        assert isinstance(dialog, QtMergeDialog)
        table = dialog.findChild(QTableWidget)
        rows = {table.item(r, 1).text(): table.item(r, 3).text() for r in range(table.rowCount())}
        seen["preview"] = rows
        summary = dialog.findChild(QLabel, "mergeSummary").text()
        seen["planned"] = summary
        QTest.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
        seen["merged"] = dialog.findChild(QLabel, "mergeSummary").text()
        seen["button"] = dialog.merge_button.text()
        if settle:
            # Take alice's version for the conflict, from the same dialog.
            dialog.prefer_combo.setCurrentIndex(1)
            QTest.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
            seen["settled"] = {
                table.item(r, 1).text(): table.item(r, 3).text() for r in range(table.rowCount())
            }
        dialog.done(QDialog.DialogCode.Accepted)

    with_dialog(check_and_merge)
    window.actions_by_name["Merge annotator files…"].trigger()
    first, second = (s.display_title for s in project.articles.summaries()[:2])
    assert seen["preview"] == {
        first: "updated from the pack",
        second: "conflict: kept the project's",
    }
    assert str(seen["planned"]).startswith("Merging would do this (nothing written yet):")
    assert "1 conflict(s): the project's version is kept" in str(seen["planned"])
    assert str(seen["merged"]).startswith("Merged:\nalice.annotator: 2 set(s) of alice:")
    assert seen["button"] == "Settle conflicts with this choice"
    # The open article shows the merged label without reopening the project.
    assert [m.label for m in window.session.service.mentions.values()] == ["GPE"]
    info = project.sets.find(ids[1], alice.id)
    assert info is not None
    result = project.sets.load(info.id)
    if settle:
        assert seen["settled"] == {first: "unchanged", second: "conflict: took the pack's"}
        assert result.mentions == [] and result.status is SetStatus.DONE
        assert "0 conflict(s)" in window.statusBar().currentMessage()
    else:
        assert [m.label for m in result.mentions] == ["LOC"]
        assert result.status is SetStatus.IN_PROGRESS
        assert "1 conflict(s)" in window.statusBar().currentMessage()
