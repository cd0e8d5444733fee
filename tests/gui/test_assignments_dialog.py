"""Review → Assignments…: round robin with a preview, unassign, bad input, read-only access."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from annotator.domain.annotations import Annotator, Mention, Role
from annotator.gui.dialogs.assignments_dialog import Access, QtAssignmentsDialog, Scope
from annotator.gui.main_window import QtMainWindow
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project
from tests.gui.conftest import open_titled, press, with_dialog

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def make_dialog(qtbot, window: QtMainWindow) -> QtAssignmentsDialog:
    """The dialog as the menu builds it, shown without blocking so the test can drive it."""
    selected, shown = window.assignments._list_ids()
    dialog = QtAssignmentsDialog(
        window.project,
        window.annotator,
        selected_ids=selected,
        shown_ids=shown,
        on_changed=window.reload_articles,
        parent=window,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def add_reviewer(project: Project, name: str = "rita") -> None:
    project.annotators.add(Annotator(name=name, roles=[Role.REVIEWER]))


def type_into(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def click_radio(qtbot, radio: QWidget) -> None:
    """Click the radio's round indicator (the widget may be wider than its text)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def column(dialog: QtAssignmentsDialog, header: str) -> dict[str, str]:
    table = dialog.table
    index = next(
        c for c in range(table.columnCount()) if table.horizontalHeaderItem(c).text() == header
    )
    return {table.item(r, 0).text(): table.item(r, index).text() for r in range(table.rowCount())}


def preview_rows(dialog: QtAssignmentsDialog) -> dict[str, tuple[str, str, str]]:
    t = dialog.preview_table
    return {
        t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text(), t.item(r, 3).text())
        for r in range(t.rowCount())
    }


def answer_yes() -> None:
    def click(box: QWidget) -> None:
        assert isinstance(box, QMessageBox), box
        box.button(QMessageBox.StandardButton.Yes).click()

    with_dialog(click)


def test_round_robin_shows_a_preview_then_applies_it_balanced(
    qtbot, project: Project, make_window
) -> None:
    add_reviewer(project)
    window = make_window("rita")
    dialog = make_dialog(qtbot, window)
    assert dialog.access is Access.REVIEWER
    assert not dialog.access_note.isVisible()
    for name in ("alice", "bob", "carol"):
        type_into(qtbot, dialog.name_edit, name)
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert [a.name for a in project.annotators.list()] == ["alice", "bob", "carol", "rita"]
    assert dialog.checked_names() == ["alice", "bob", "carol"]  # the new ones, not the reviewer
    dialog.k_spin.setValue(2)
    type_into(qtbot, dialog.range_edit, "1-6")
    assert dialog.scope() is Scope.RANGE  # typing a range chooses it

    # The preview: counts per person, and nothing written yet.
    assert preview_rows(dialog) == {p: ("0", "+4", "4") for p in ("alice", "bob", "carol")}
    assert "12 new assignment(s) over 6 article(s)" in dialog.preview_label.text()
    assert "nothing written yet" in dialog.preview_label.text()
    assert "of these articles: 6 with 2 annotator(s) each" in dialog.preview_label.text()
    assert project.assignments.counts() == {}
    planned = sorted(dialog.plan.added) if dialog.plan else []

    audit_before = project.audit.count()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    ids = project.articles.ids()
    by_article = project.assignments.by_article()
    assert sorted(by_article) == sorted(ids[:6])  # the Unicode article (7th) stays unassigned
    assert all(len(people) == 2 for people in by_article.values())
    names = {a.id: a.name for a in project.annotators.list()}
    assert {names[a]: n for a, n in project.assignments.counts().items()} == {
        "alice": 4,
        "bob": 4,
        "carol": 4,
    }
    pairs = Counter(tuple(sorted(names[a] for a in people)) for people in by_article.values())
    assert pairs == {pair: 2 for pair in combinations(["alice", "bob", "carol"], 2)}
    assert sorted((a.article_id, a.annotator_id) for a in project.assignments.all()) == planned
    assert project.audit.count() == audit_before + 3  # one row per annotator
    entry = project.audit.recent(limit=1)[0]
    assert entry.action == "assign" and entry.actor == "rita"
    # The table follows; the form now has nothing more to add for these articles.
    assert column(dialog, "Assigned") == {"alice": "4", "bob": "4", "carol": "4", "rita": "0"}
    assert column(dialog, "To do") == {"alice": "4", "bob": "4", "carol": "4", "rita": "0"}
    assert "Applied: 12 new assignment(s)" in dialog.preview_label.text()
    assert dialog.coverage_label.text() == (
        "7 article(s): 1 assigned to nobody, 6 with 2 annotator(s) each."
    )
    dialog.refresh_preview()
    assert not dialog.apply_button.isEnabled()


def test_menu_entry_asks_when_nobody_is_reviewer_and_refreshes_the_list(
    qtbot, project: Project, make_window
) -> None:
    window = make_window("alice")
    for name in ("bob", "carol"):
        project.annotators.get_or_create(name)
    total = window.article_model.rowCount()
    assert total == 7
    assert window.actions_by_name["Assignments…"].shortcuts()[0].toString() == "Ctrl+Shift+M"
    seen: dict[str, object] = {}

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, QtAssignmentsDialog)
        seen["access"] = dialog.access
        seen["note"] = dialog.access_note.text()
        assert dialog.checked_names() == ["alice", "bob", "carol"]
        dialog.k_spin.setValue(2)
        dialog.scope_radios[Scope.ALL].setChecked(True)
        seen["preview"] = preview_rows(dialog)
        answer_yes()  # "Nobody in this project has the reviewer role yet"
        dialog.apply_button.click()
        seen["after"] = column(dialog, "Assigned")
        dialog.reject()

    with_dialog(drive)
    press(window, Qt.Key.Key_M, CTRL_SHIFT)
    assert seen["access"] is Access.NO_REVIEWER
    assert "reviewer role" in str(seen["note"])
    assert seen["preview"] == {
        "alice": ("0", "+5", "5"),
        "bob": ("0", "+5", "5"),
        "carol": ("0", "+4", "4"),
    }
    assert seen["after"] == {"alice": "5", "bob": "5", "carol": "4"}
    alice = project.annotators.by_name("alice")
    assert alice is not None
    mine = project.assignments.articles_of(alice.id)
    assert len(mine) == 5
    # alice's own list now shows only her assigned articles.
    assert window.article_model.article_ids() == mine
    assert window.progress_label.text() == "alice: 0 of 5 done"


def test_unassign_takes_articles_back_and_keeps_labels(
    qtbot, project: Project, make_window
) -> None:
    add_reviewer(project)
    ids = project.articles.ids()
    bob = project.annotators.get_or_create("bob")
    alice = project.annotators.get_or_create("alice")
    project.assignments.assign([(i, bob.id) for i in ids[:4]] + [(ids[0], alice.id)])
    session = ArticleSession(project, project.articles.get(ids[0]), bob)
    session.add(Mention(start=0, end=4, label="GPE"))
    window = make_window("rita")
    dialog = make_dialog(qtbot, window)
    dialog.set_checked(["bob"])
    type_into(qtbot, dialog.range_edit, "1-3")
    assert dialog.unassign_button.isEnabled()
    answer_yes()  # "Take back 3 assignment(s) (bob 3)?"
    qtbot.mouseClick(dialog.unassign_button, Qt.MouseButton.LeftButton)
    assert project.assignments.articles_of(bob.id) == [ids[3]]
    assert project.assignments.articles_of(alice.id) == [ids[0]]  # not checked: untouched
    assert [s.article_id for s in project.sets.for_annotator(bob.id)] == [ids[0]]  # labels stay
    assert column(dialog, "Assigned")["bob"] == "1"
    assert column(dialog, "Elsewhere")["bob"] == "1"
    assert "Unassigned 3 assignment(s) (bob 3); their labels stay" in dialog.preview_label.text()
    entry = project.audit.recent(limit=1)[0]
    assert entry.action == "unassign" and entry.target_id == bob.id

    # Saying No writes nothing.
    dialog.scope_radios[Scope.ALL].setChecked(True)

    def no(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert "labels already made" in box.text().lower()
        box.button(QMessageBox.StandardButton.No).click()

    with_dialog(no)
    qtbot.mouseClick(dialog.unassign_button, Qt.MouseButton.LeftButton)
    assert project.assignments.articles_of(bob.id) == [ids[3]]


def test_bad_input_gets_a_clear_message_and_writes_nothing(
    qtbot, project: Project, make_window
) -> None:
    add_reviewer(project)
    for name in ("alice", "bob"):
        project.annotators.get_or_create(name)
    window = make_window("rita")
    dialog = make_dialog(qtbot, window)
    audit_before = project.audit.count()

    dialog.k_spin.setValue(3)
    message = dialog.preview_label.text()
    assert "each article by 3 annotators needs at least 3 annotators; 2 given" in message
    assert not dialog.apply_button.isEnabled()
    assert dialog.apply() is None

    dialog.k_spin.setValue(2)
    assert dialog.apply_button.isEnabled()
    type_into(qtbot, dialog.range_edit, "5-x")
    message = dialog.preview_label.text()
    assert "'5-x'" in message and "numbers run from 1 to 7" in message
    assert not dialog.apply_button.isEnabled() and dialog.preview_table.rowCount() == 0
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert dialog.apply() is None
    assert dialog.unassign() == 0
    assert "Nothing unassigned" in dialog.preview_label.text()

    dialog.set_checked([])
    assert "check the annotators" in dialog.preview_label.text()

    type_into(qtbot, dialog.name_edit, "Alice")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "Not added: alice is there already" in dialog.preview_label.text()
    type_into(qtbot, dialog.name_edit, "x, y")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "no commas" in dialog.preview_label.text()

    assert project.assignments.counts() == {}
    assert [a.name for a in project.annotators.list()] == ["alice", "bob", "rita"]
    assert project.audit.count() == audit_before


def test_a_non_reviewer_sees_the_table_read_only(qtbot, project: Project, make_window) -> None:
    add_reviewer(project)
    ids = project.articles.ids()
    alice = project.annotators.get_or_create("alice")
    project.assignments.assign([(i, alice.id) for i in ids[:3]])
    window = make_window("alice")
    assert window.article_model.rowCount() == 3
    dialog = make_dialog(qtbot, window)
    assert dialog.access is Access.NOT_REVIEWER
    assert dialog.access_note.isVisible()
    assert "only reviewers change assignments" in dialog.access_note.text()
    assert column(dialog, "Assigned") == {"alice": "3", "rita": "0"}
    assert not dialog.form.isEnabled()
    assert not dialog.add_button.isEnabled() and not dialog.name_edit.isEnabled()
    assert not dialog.apply_button.isEnabled() and not dialog.unassign_button.isEnabled()
    flags = dialog.table.item(0, 0).flags()
    assert not flags & Qt.ItemFlag.ItemIsUserCheckable
    assert dialog.table.item(0, 0).data(Qt.ItemDataRole.CheckStateRole) is None  # no box
    assert dialog.apply() is None and dialog.unassign() == 0
    assert dialog.add_annotator() is None
    assert project.assignments.articles_of(alice.id) == ids[:3]
    assert QApplication.activeModalWidget() is None


def test_articles_selected_in_the_list_or_assigned_to_nobody(
    qtbot, project: Project, make_window
) -> None:
    add_reviewer(project)
    for name in ("alice", "bob"):
        project.annotators.get_or_create(name)
    window = make_window("rita")
    ids = project.articles.ids()
    open_titled(window, project.articles.get(ids[2]).display_title[:20])
    dialog = make_dialog(qtbot, window)
    assert dialog.scope_radios[Scope.SELECTED].text() == "Selected in the article list (1)"
    assert dialog.scope_radios[Scope.SHOWN].text() == "Shown in the article list (7)"
    dialog.k_spin.setValue(2)
    click_radio(qtbot, dialog.scope_radios[Scope.SELECTED])
    assert preview_rows(dialog) == {"alice": ("0", "+1", "1"), "bob": ("0", "+1", "1")}
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert project.assignments.by_article().keys() == {ids[2]}

    # "Assigned to nobody" takes the other six; one each (k=1) alternates between the two.
    dialog.k_spin.setValue(1)
    click_radio(qtbot, dialog.scope_radios[Scope.UNASSIGNED])
    assert preview_rows(dialog) == {"alice": ("1", "+3", "4"), "bob": ("1", "+3", "4")}
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert len(project.assignments.by_article()) == 7
    dialog.refresh_preview()
    assert "every article is assigned to someone already" in dialog.preview_label.text()
    assert not dialog.apply_button.isEnabled()
