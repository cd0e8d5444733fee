"""The annotation window driven by mouse and keys; each test checks what the project file holds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QWidget

from annotator.domain.annotations import SetStatus
from annotator.gui.main_window import QtMainWindow
from annotator.storage.project import Project
from tests.gui.conftest import (
    click_offset,
    drag_select,
    open_titled,
    press,
    span,
    with_dialog,
)

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def stored(window: QtMainWindow):
    """The current article's set as the project file holds it now."""
    assert window.session is not None
    return window.project.sets.load(window.session.service.set_id)


def mention_texts(window: QtMainWindow) -> list[tuple[str, str]]:
    text = window.view.text
    return [(text[m.start : m.end], m.label) for m in stored(window).mentions]


def undo(window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_Z, CTRL)


def redo(window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_Z, CTRL_SHIFT)


def test_window_shows_project_annotator_and_progress(window: QtMainWindow) -> None:
    assert "gui" in window.windowTitle() and "alice" in window.windowTitle()
    assert window.progress_label.text() == "alice: 0 of 7 done"
    assert window.article_table.model().rowCount() == 7
    assert window.view.text.startswith("OSLO — Norway")


def test_label_entity_with_digit_and_undo_redo(qtbot, window: QtMainWindow) -> None:
    start, end = span(window.view.text, "Norway")
    drag_select(qtbot, window, start, end)
    press(window, Qt.Key.Key_3)
    assert mention_texts(window) == [("Norway", "GPE")]
    assert stored(window).status is SetStatus.IN_PROGRESS
    assert window.entities_panel.mention_model.rowCount() == 1
    assert window.view.index.layers["mention"].get(stored(window).mentions[0].id) is not None
    assert window.actions_by_name["Undo"].text().replace("&", "") == "Undo Label “Norway” as GPE"
    undo(window)
    assert mention_texts(window) == []
    assert window.entities_panel.mention_model.rowCount() == 0
    redo(window)
    assert mention_texts(window) == [("Norway", "GPE")]


def test_double_click_selects_a_word_and_snapping_trims(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    start, _end = span(text, "Lithuania")
    from tests.gui.conftest import point_of

    point = point_of(window, start + 2)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    press(window, Qt.Key.Key_3)
    # Sloppy selection with a space and a comma around it snaps to the word.
    comma = text.index("Wednesday,")
    drag_select(qtbot, window, comma - 1, comma + len("Wednesday,") + 1)
    press(window, Qt.Key.Key_5)
    assert ("Lithuania", "GPE") in mention_texts(window)
    assert ("Wednesday", "EVENT") in mention_texts(window)


def test_nested_mentions_and_relabel_and_delete(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    org = span(text, "Vilnius-based Centre for Regional Security Studies")
    drag_select(qtbot, window, *org)
    press(window, Qt.Key.Key_2)
    inner = span(text, "Vilnius")
    drag_select(qtbot, window, *inner)
    press(window, Qt.Key.Key_3)
    assert sorted(mention_texts(window)) == [
        ("Vilnius", "GPE"),
        ("Vilnius-based Centre for Regional Security Studies", "ORG"),
    ]
    # Click the inner mention (the smallest span under the mouse), relabel with 4, delete.
    click_offset(window, inner[0] + 2)
    assert window.current is not None and window.current[0] == "mention"
    press(window, Qt.Key.Key_4)
    assert ("Vilnius", "LOC") in mention_texts(window)
    press(window, Qt.Key.Key_Delete)
    assert mention_texts(window) == [("Vilnius-based Centre for Regional Security Studies", "ORG")]
    undo(window)
    assert ("Vilnius", "LOC") in mention_texts(window)
    undo(window)
    assert ("Vilnius", "GPE") in mention_texts(window)


def test_link_mentions_into_one_entity(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Ingrid Halvorsen"))
    press(window, Qt.Key.Key_1)
    with_dialog(
        lambda dialog: QTest.keyClick(
            dialog.findChild(QLineEdit, "pickerFilter"), Qt.Key.Key_Return
        )
    )
    press(window, Qt.Key.Key_L)  # new entity "Ingrid Halvorsen"
    later = span(text, "Halvorsen", nth=1)
    drag_select(qtbot, window, *later)
    press(window, Qt.Key.Key_1)

    def choose_existing(dialog: QWidget) -> None:
        labels = dialog.labels()
        assert labels[0].startswith("Ingrid Halvorsen"), labels
        QTest.keyClick(dialog.findChild(QLineEdit, "pickerFilter"), Qt.Key.Key_Return)

    with_dialog(choose_existing)
    press(window, Qt.Key.Key_L)
    saved = stored(window)
    assert len(saved.entities) == 1 and saved.entities[0].name == "Ingrid Halvorsen"
    assert {m.entity_id for m in saved.mentions} == {saved.entities[0].id}
    undo(window)
    assert sum(1 for m in stored(window).mentions if m.entity_id) == 1
    undo(window)  # the label of the second mention
    undo(window)  # the new entity and its link, one step
    assert stored(window).entities == []


def test_quote_with_speaker_and_cue(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Ingrid Halvorsen"))
    press(window, Qt.Key.Key_1)
    drag_select(qtbot, window, *span(text, "Defence Ministry", nth=1))
    press(window, Qt.Key.Key_2)
    quote = span(
        text,
        '"This deployment is defensive in nature and limited in time. Our soldiers '
        'will train alongside partners, and they will not patrol any border."',
    )
    drag_select(qtbot, window, *quote)
    press(window, Qt.Key.Key_Q)

    def accept_nearest_person(dialog: QWidget) -> None:
        assert dialog.labels()[0].startswith("Ingrid Halvorsen  ·  PER  ·  same paragraph")
        QTest.keyClick(dialog.findChild(QLineEdit, "pickerFilter"), Qt.Key.Key_Return)

    with_dialog(accept_nearest_person)
    press(window, Qt.Key.Key_S)
    drag_select(qtbot, window, *span(text, "told reporters"))
    press(window, Qt.Key.Key_C)
    saved = stored(window)
    assert len(saved.quotes) == 1
    q = saved.quotes[0]
    assert (q.start, q.end) == quote and q.quote_type == "direct"
    speaker = next(m for m in saved.mentions if m.id == q.speaker_id)
    assert text[speaker.start : speaker.end] == "Ingrid Halvorsen"
    assert text[q.cue_start : q.cue_end] == "told reporters"
    assert window.quotes_panel.model.rowCount() == 1
    assert window.quotes_panel.model.index(0, 2).data() == "Ingrid Halvorsen"
    undo(window)
    assert stored(window).quotes[0].cue is None
    undo(window)
    assert stored(window).quotes[0].speaker_id is None
    redo(window)
    redo(window)
    assert stored(window).quotes[0] == q


def test_stance_with_two_evidence_spans(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Torbjørn Lie"))
    press(window, Qt.Key.Key_1)
    with_dialog(lambda d: QTest.keyClick(d.findChild(QLineEdit, "pickerFilter"), Qt.Key.Key_Return))
    press(window, Qt.Key.Key_L)
    first = span(
        text, '"We are being asked to write a blank cheque for a mission with no exit date,"'
    )
    drag_select(qtbot, window, *first)

    def fill_stance(dialog: QWidget) -> None:
        target = dialog.target
        target.setFocus()
        target.lineEdit().clear()
        QTest.keyClicks(target.lineEdit(), "Norwegian deployment to Lithuania")
        QTest.keyClick(target.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
        assert dialog.polarity() == "against"
        QTest.keyClick(target.lineEdit(), Qt.Key.Key_Return)

    with_dialog(fill_stance)
    press(window, Qt.Key.Key_T)
    saved = stored(window)
    assert len(saved.stances) == 1
    stance = saved.stances[0]
    assert stance.polarity == "against"
    assert stance.target_topic == "Norwegian deployment to Lithuania"
    assert "Norwegian deployment to Lithuania" in window.project.schema.topic_names
    holder = next(e for e in saved.entities if e.id == stance.holder_id)
    assert holder.name == "Torbjørn Lie"
    second = span(text, "the mission had been approved without a clear end date")
    drag_select(qtbot, window, *second)
    press(window, Qt.Key.Key_E)
    evidence = stored(window).stances[0].evidence
    assert [(e.start, e.end) for e in evidence] == [first, second]
    assert window.stances_panel.model.index(0, 3).data() == "2"
    undo(window)
    assert len(stored(window).stances[0].evidence) == 1
    undo(window)
    assert stored(window).stances == []
    redo(window)
    assert stored(window).stances[0].polarity == "against"


def test_document_label(qtbot, window: QtMainWindow) -> None:
    window.tabs.setCurrentWidget(window.document_panel)
    combo = window.document_panel.combo("genre")
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)
    labels = stored(window).document_labels
    assert [(d.question, d.values) for d in labels] == [("genre", ["news"])]
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert stored(window).document_labels[0].values == ["analysis"]
    undo(window)
    assert stored(window).document_labels[0].values == ["news"]
    assert combo.currentText() == "news"
    undo(window)
    assert stored(window).document_labels == []
    assert combo.currentText() == "—"


def test_mark_done_moves_to_next_and_undo(qtbot, window: QtMainWindow) -> None:
    first = window.session.service.article.id
    press(window, Qt.Key.Key_Return, CTRL)
    assert window.project.sets.find(first, window.annotator.id).status is SetStatus.DONE
    assert window.session.service.article.id != first
    assert window.progress_label.text() == "alice: 1 of 7 done"
    press(window, Qt.Key.Key_Left, CTRL)
    assert window.session.service.article.id == first
    undo(window)
    assert window.project.sets.find(first, window.annotator.id).status is SetStatus.TODO
    assert window.progress_label.text() == "alice: 0 of 7 done"


def test_next_and_previous_article(window: QtMainWindow) -> None:
    titles = []
    for _ in range(3):
        titles.append(window.session.service.article.title)
        press(window, Qt.Key.Key_Right, CTRL)
    assert len(set(titles)) == 3
    press(window, Qt.Key.Key_Left, CTRL)
    assert window.session.service.article.title == titles[2]
    open_titled(window, "Hamburg")
    assert window.session.service.article.title.startswith("Hamburg")


def test_search_articles_and_find_in_text(qtbot, window: QtMainWindow) -> None:
    QTest.keyClicks(window.search_edit, "Halvorsen")
    assert window.article_table.model().rowCount() == 1
    window.search_edit.clear()
    assert window.article_table.model().rowCount() == 7
    window.view.setFocus()
    press(window, Qt.Key.Key_F, CTRL)
    assert window.find_edit.hasFocus()
    QTest.keyClicks(window.find_edit, "halvorsen")
    expected = window.view.text.casefold().count("halvorsen")
    assert expected >= 2
    assert window.find_count.text() == f"{expected} found"
    QTest.keyClick(window.find_edit, Qt.Key.Key_Return)
    start, end = window.view.selection_span()
    assert window.view.text[start:end] == "Halvorsen"
    QTest.keyClick(window.find_edit, Qt.Key.Key_Escape)


def test_status_filter(qtbot, window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_Return, CTRL)
    filter_box = window.status_filter
    filter_box.setCurrentIndex(filter_box.findText("done"))
    assert window.article_table.model().rowCount() == 1
    filter_box.setCurrentIndex(filter_box.findText("not done"))
    assert window.article_table.model().rowCount() == 6


def test_selection_after_emoji_korean_and_crlf(qtbot, window: QtMainWindow) -> None:
    open_titled(window, "Unicode check")
    text = window.view.text
    assert "\r" not in text
    for needle, key, _label in (
        ("서울디지털재단", Qt.Key.Key_2, "ORG"),
        ("Kim Ji-woo", Qt.Key.Key_1, "PER"),
        ("Mapo", Qt.Key.Key_3, "GPE"),
        ("Kim", Qt.Key.Key_1, "PER"),
    ):
        nth = 1 if needle == "Kim" else 0
        drag_select(qtbot, window, *span(text, needle, nth))
        press(window, key)
    saved = stored(window)
    article = window.project.articles.get(saved.article_id)
    got = sorted((article.text[m.start : m.end], m.label) for m in saved.mentions)
    assert got == sorted(
        [("서울디지털재단", "ORG"), ("Kim Ji-woo", "PER"), ("Mapo", "GPE"), ("Kim", "PER")]
    )


def test_labels_survive_closing_and_reopening(qtbot, make_window, project_path) -> None:
    first = make_window()
    text = first.view.text
    drag_select(qtbot, first, *span(text, "Norway"))
    press(first, Qt.Key.Key_3)
    drag_select(qtbot, first, *span(text, "Defence Ministry"))
    press(first, Qt.Key.Key_2)
    first.close()
    first.project.close()
    with Project.open(project_path) as reopened:
        second = make_window(target=reopened)
        assert second.session.service.article.id == first.session.service.article.id
        assert sorted(mention_texts(second)) == [("Defence Ministry", "ORG"), ("Norway", "GPE")]
        assert len(second.view.index.layers["mention"]) == 2
        assert second.entities_panel.mention_model.rowCount() == 2
        second.close()


def test_shortcut_sheet_lists_the_label_keys(qtbot, window: QtMainWindow) -> None:
    def check(dialog: QWidget) -> None:
        rows = {
            dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
            for r in range(dialog.table.rowCount())
        }
        assert rows["Label as PER"] == "1"
        assert rows["Mark as quote"] == "Q"
        dialog.reject()

    with_dialog(check)
    press(window, Qt.Key.Key_F1)


def test_clicking_a_panel_row_makes_it_current_again(qtbot, window: QtMainWindow) -> None:
    """Select a quote row, then a stance, then the same quote row: S acts on that quote."""
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Ingrid Halvorsen"))
    press(window, Qt.Key.Key_1)
    with_dialog(lambda d: QTest.keyClick(d.findChild(QLineEdit, "pickerFilter"), Qt.Key.Key_Return))
    press(window, Qt.Key.Key_L)
    drag_select(qtbot, window, *span(text, "This deployment is defensive in nature"))
    press(window, Qt.Key.Key_Q)
    press(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    table = window.quotes_panel.table
    row = table.visualRect(table.model().index(0, 0)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    assert window.current is not None and window.current[0] == "quote"
    window.current = None  # as after working elsewhere
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    assert window.current is not None and window.current[0] == "quote"
    assert window.view._current, "the current quote is marked in the text"


def test_flag_unsure_with_a_note_and_undo(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    drag_select(qtbot, window, *span(text, "Ingrid Halvorsen"))
    press(window, Qt.Key.Key_1)

    def explain(dialog: QWidget) -> None:
        assert "Ingrid Halvorsen" in dialog.labelText()
        dialog.setTextValue("  Is the title part of the name?  ")
        dialog.accept()

    with_dialog(explain)
    press(window, Qt.Key.Key_U, Qt.KeyboardModifier.ShiftModifier)
    (mention,) = stored(window).mentions
    assert mention.unsure and mention.note == "Is the title part of the name?"
    undo(window)
    (mention,) = stored(window).mentions
    assert not mention.unsure and mention.note == ""
    redo(window)
    assert stored(window).mentions[0].note == "Is the title part of the name?"

    # Cancelling changes nothing.
    with_dialog(lambda dialog: dialog.reject())
    press(window, Qt.Key.Key_U, Qt.KeyboardModifier.ShiftModifier)
    assert stored(window).mentions[0].note == "Is the title part of the name?"
    assert window.undo_stack().count() == 2
    row = window.entities_panel.mention_model.row_of(stored(window).mentions[0].id)
    assert row is not None
    index = window.entities_panel.mention_model.index(row, 0)
    assert index.data().startswith("⚑ ")
    assert "Is the title part of the name?" in index.data(Qt.ItemDataRole.ToolTipRole)
