"""Project → Labels…: add, key clashes, rename 12 labels in use and undo, delete with reassign."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QWidget

from annotator.domain.annotations import Mention
from annotator.gui.dialogs.schema_editor import QtDeleteLabelDialog
from annotator.gui.main_window import QtMainWindow
from annotator.services.schema_changes import LabelKind
from annotator.storage.project import Project
from tests.gui.conftest import drag_select, press, span, with_dialog


def label_twelve(project: Project) -> None:
    """12 PER and 3 ORG mentions spread over three articles and two annotators."""
    articles = list(project.articles.iter_all())[:3]
    alice = project.annotators.get_or_create("alice")
    bob = project.annotators.get_or_create("bob")
    placed = 0
    for who in (alice, bob):
        for article in articles:
            set_id = project.sets.get_or_create(article.id, who.id).id
            words = [w for w in article.text.split() if w.isalpha()][:3]
            for word in words[:2]:
                start = article.text.index(word)
                project.sets.add(set_id, Mention(start=start, end=start + len(word), label="PER"))
                placed += 1
            if who is bob:
                start = article.text.index(words[2])
                project.sets.add(
                    set_id, Mention(start=start, end=start + len(words[2]), label="ORG")
                )
    assert placed == 12


def mention_counts(project: Project) -> dict[str, int]:
    return project.sets.label_counts()["mentions"]


def answer_input(text: str, then=None):
    def act(dialog: QWidget) -> None:
        assert isinstance(dialog, QInputDialog), dialog
        if then is not None:
            with_dialog(then)
        dialog.setTextValue(text)
        dialog.accept()

    return act


def test_add_a_label_with_a_hotkey(qtbot, window: QtMainWindow) -> None:
    editor = window.project_setup.show_labels()
    qtbot.waitExposed(editor)
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    with_dialog(answer_input("LAW"))
    tab.buttons["add"].click()
    assert tab.selected_name() == "LAW"
    assert tab.hotkey.currentData() == 8  # the first free key
    tab.hotkey.setCurrentIndex(tab.hotkey.findData(9))
    law = window.project.schema.entity_type("LAW")
    assert law is not None and law.hotkey == 9
    # The window follows at once: palette, Label menu key, shortcut sheet.
    assert window.palette_bar.buttons["LAW"].text() == "9 LAW"
    assert window.actions_by_name["Label as LAW"].shortcut().toString() == "9"
    history = window.project.schemas.history()
    assert [v.note for v in history[-2:]] == ["Add entity type LAW", "entity type LAW: hotkey"]
    editor.close()
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Norway"))
    press(window, Qt.Key.Key_9)
    labels = {m.label for m in window.session.service.mentions.values()}
    assert "LAW" in labels


def test_a_hotkey_clash_is_refused(qtbot, window: QtMainWindow) -> None:
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(tab.items().index(window.project.schema.entity_type("GPE")))
    versions = len(window.project.schemas.history())
    seen: list[str] = []

    def refuse(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        seen.append(dialog.text())
        dialog.accept()

    with_dialog(refuse)
    tab.hotkey.setCurrentIndex(tab.hotkey.findData(1))
    qtbot.waitUntil(lambda: bool(seen))
    assert "Key 1 is already used by PER" in seen[0]
    assert window.project.schema.entity_type("GPE").hotkey == 3
    assert tab.hotkey.currentData() == 3
    assert len(window.project.schemas.history()) == versions
    editor.close()


def test_rename_a_label_with_twelve_mentions_then_undo(qtbot, project, make_window) -> None:
    label_twelve(project)
    window = make_window()
    assert mention_counts(project)["PER"] == 12
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(0)
    assert tab.selected_name() == "PER"
    assert "12 mentions" in tab.usage.text()
    asked: list[str] = []

    def confirm(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        asked.append(dialog.text())
        dialog.button(QMessageBox.StandardButton.Yes).click()

    with_dialog(answer_input("PERSON", then=confirm))
    tab.buttons["rename"].click()
    assert "12 mentions in 3 articles will change" in asked[0]
    assert mention_counts(project) == {"PERSON": 12, "ORG": 3}
    assert window.project.schema.entity_labels[0] == "PERSON"
    assert window.palette_bar.buttons["PERSON"].text() == "1 PERSON"
    assert "Label as PER" not in window.actions_by_name
    assert window.actions_by_name["Label as PERSON"].shortcut().toString() == "1"
    undo = window.actions_by_name["Undo label change"]
    assert undo.isEnabled() and "Rename entity type PER to PERSON" in undo.text()
    # The open article was read again: its mentions carry the new name.
    labels = {m.label for m in window.session.service.mentions.values()}
    assert "PER" not in labels

    editor.undo_button.click()
    assert mention_counts(project) == {"PER": 12, "ORG": 3}
    assert window.project.schema.entity_labels[0] == "PER"
    assert window.palette_bar.buttons["PER"].text() == "1 PER"
    assert tab.selected_name() == "PER"
    editor.redo_button.click()
    assert mention_counts(project) == {"PERSON": 12, "ORG": 3}
    undo.trigger()  # the Project menu's undo does the same
    assert mention_counts(project) == {"PER": 12, "ORG": 3}
    editor.close()


def test_delete_a_label_in_use_with_the_reassign_choice(qtbot, project, make_window) -> None:
    label_twelve(project)
    window = make_window()
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(tab.items().index(project.schema.entity_type("ORG")))
    shown: list[str] = []

    def reassign(dialog: QWidget) -> None:
        assert isinstance(dialog, QtDeleteLabelDialog)
        shown.append(dialog.findChildren(QLabel)[0].text())
        assert dialog.reassign.isChecked()
        dialog.target.setCurrentIndex(dialog.target.findText("PER"))
        dialog.accept()

    with_dialog(reassign)
    tab.buttons["delete"].click()
    assert "3 mentions in 3 articles" in shown[0]
    assert mention_counts(project) == {"PER": 15}
    assert project.schema.entity_type("ORG") is None
    assert "ORG" not in window.palette_bar.buttons
    assert project.schemas.history()[-1].note == ("Delete entity type ORG, its labels become PER")
    editor.undo_button.click()
    assert mention_counts(project) == {"PER": 12, "ORG": 3}
    editor.close()


def test_delete_dialog_shows_the_counts(qtbot, project) -> None:
    from annotator.services.schema_changes import LabelRef, count_usages

    label_twelve(project)
    ref = LabelRef(LabelKind.ENTITY_TYPE, "ORG")
    dialog = QtDeleteLabelDialog(ref, count_usages(project, ref).describe(), ["PER", "GPE"])
    qtbot.addWidget(dialog)
    message = dialog.findChildren(QLabel)[0].text()
    assert "entity type ORG</b> is used by 3 mentions in 3 articles" in message
    assert dialog.reassign.isChecked()  # the safer choice comes first
    dialog.delete.setChecked(True)
    assert dialog.choice() is None
    dialog.reassign.setChecked(True)
    assert dialog.choice() == "PER"


def test_guideline_and_project_guidelines_are_saved(qtbot, window: QtMainWindow) -> None:
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(0)
    tab.guideline.source.setPlainText("Mark **people**, not their titles.")
    assert "people" in tab.guideline.preview.toPlainText()
    assert "**" not in tab.guideline.preview.toPlainText()
    assert tab.save_guideline.isEnabled()
    tab.list.setCurrentRow(1)  # leaving the label saves it
    assert (
        window.project.schema.entity_type("PER").guideline == "Mark **people**, not their titles."
    )
    assert "people" in window.palette_bar.buttons["PER"].toolTip()
    editor.guidelines.source.setPlainText("# Our rules\n\nBe consistent.")
    editor.close()
    assert window.project.schema.guidelines == "# Our rules\n\nBe consistent."
    dock = window.project_setup.guidelines_dock
    assert "Our rules" in dock.browser.toPlainText()


def test_schema_export_and_import_round_trip(qtbot, window: QtMainWindow, tmp_path) -> None:
    editor = window.project_setup.show_labels()
    path = tmp_path / "labels.json"
    editor.export_schema(path)
    assert '"PER"' in path.read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entity_types]]\nname = "X"\nhotkey = 12\n', "utf-8")
    seen: list[str] = []
    with_dialog(lambda d: (seen.append(d.text()), d.accept()))
    editor.import_schema(bad, replace=True)
    assert str(bad) in seen[0] and "hotkey" in seen[0]
    extra = tmp_path / "extra.toml"
    extra.write_text('[[entity_types]]\nname = "LAW"\nhotkey = 1\n', "utf-8")
    editor.import_schema(extra, replace=False)
    law = window.project.schema.entity_type("LAW")
    assert law is not None and law.hotkey is None  # key 1 stays PER's
    assert "LAW" in window.palette_bar.buttons
    editor.close()


def test_reordering_hands_the_keys_out_from_the_top(qtbot, window: QtMainWindow) -> None:
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(0)
    tab.buttons["down"].click()
    schema = window.project.schema
    assert schema.entity_labels[:3] == ["ORG", "PER", "GPE"]
    assert [t.hotkey for t in schema.entity_types[:3]] == [1, 2, 3]
    assert tab.selected_name() == "PER"
    assert window.palette_bar.buttons["ORG"].text() == "1 ORG"
    assert window.actions_by_name["Label as PER"].shortcut().toString() == "2"
    # Dragging works the same way: move MISC (the last) to the top.
    model = tab.list.model()
    last = model.rowCount() - 1
    tab.list.setCurrentRow(last)
    assert model.moveRows(model.index(0, 0).parent(), last, 1, model.index(0, 0).parent(), 0)
    qtbot.waitUntil(lambda: window.project.schema.entity_labels[0] == "MISC")
    assert window.project.schema.entity_types[0].hotkey == 1
    assert window.project.schemas.history()[-1].note == "Reorder entity types"
    editor.close()


def test_typed_guideline_is_saved_when_the_main_window_closes(qtbot, window: QtMainWindow) -> None:
    editor = window.project_setup.show_labels()
    tab = editor.label_tabs[LabelKind.ENTITY_TYPE]
    tab.list.setCurrentRow(0)
    tab.guideline.source.setPlainText("Typed, then the main window closed.")
    window.close()
    assert window.project.schema.entity_type("PER").guideline == (
        "Typed, then the main window closed."
    )
