"""Reviewer mode through the real window: two annotators' sets adjudicated into gold by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QToolTip,
)

from annotator.domain.annotations import AnnotationSet, Annotator, Layer, Role, SetKind, SetStatus
from annotator.domain.article import Article
from annotator.domain.schema import Topic
from annotator.gui.main_window import QtMainWindow
from annotator.services.review_units import GOLD, EntityAlignment, units_of
from annotator.storage.project import Project
from tests.gui.conftest import with_dialog
from tests.unit.services.test_review import TEXT, TOPIC, Labelled, label, span


@pytest.fixture
def labelled(project: Project) -> tuple[Article, Labelled, Labelled]:
    schema = project.schema
    project.schemas.save(schema.model_copy(update={"topics": [*schema.topics, Topic(name=TOPIC)]}))
    article = Article.create(TEXT, title="Putin welcomes North Korean troops")
    project.articles.add(article)
    project.annotators.add(Annotator(name="rita", roles=[Role.ANNOTATOR, Role.REVIEWER]))
    alice = label(project, article, "alice", variant="a")
    bob = label(project, article, "bob", variant="b")
    return article, alice, bob


def key(qtbot, window: QtMainWindow, sequence: str) -> None:
    """A key press where the keyboard focus is (the comparison tree while reviewing)."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    target = QApplication.focusWidget() or window
    modifiers = Qt.KeyboardModifier.NoModifier
    parts = sequence.split("+")
    for part in parts[:-1]:
        modifiers |= {
            "Ctrl": Qt.KeyboardModifier.ControlModifier,
            "Shift": Qt.KeyboardModifier.ShiftModifier,
        }[part]
    name = parts[-1]
    code = getattr(Qt.Key, f"Key_{name}")
    QTest.keyClick(target, code, modifiers)


def enter_review(qtbot, window: QtMainWindow) -> None:
    """Ctrl+Shift+R, then wait for the queue (read off the GUI thread) and its first article."""
    key(qtbot, window, "Ctrl+Shift+R")
    mode = window.review_mode
    qtbot.waitUntil(lambda: mode._queue_task is None and mode.review is not None)


def click_group(window: QtMainWindow, layer: Layer, needle: str) -> str:
    """Click the comparison row of the group at ``needle``; returns its id."""
    mode = window.review_mode
    assert mode.review is not None
    start, _ = span(needle)
    group = next(
        g
        for g in mode.review.groups
        if g.layer is layer and g.span is not None and g.span[0] <= start < g.span[1]
    )
    index = mode.model.index_of(group.id)
    mode.tree.scrollTo(index)
    rect = mode.tree.visualRect(index)
    QTest.mouseClick(mode.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert mode.current_group == group.id
    return group.id


def gold_set(project: Project, article: Article) -> AnnotationSet:
    info = next(i for i in project.sets.for_article(article.id) if i.kind is SetKind.GOLD)
    return project.sets.load(info.id)


def test_adjudicate_two_annotators_into_gold(qtbot, make_window, project, labelled) -> None:
    article, alice, bob = labelled
    window = make_window("rita")
    enter_review(qtbot, window)
    mode = window.review_mode
    assert mode.active and mode.page.isVisible() and not window.article_dock.isVisible()
    assert mode.review is not None and mode.review.article.id == article.id
    assert mode.queue.model.rowCount() == 1
    assert mode.model.horizontalHeaderItem(2).text() == "1 · alice"
    assert mode.model.horizontalHeaderItem(3).text() == "2 · bob"
    # The first open disagreement is selected; the text shows every annotator's labels.
    assert mode.current_group is not None and mode.review.group(mode.current_group).disputed
    assert len(mode.text_view.layers["disputed"]) == 2  # "North Korean" vs "... troops"

    # Enter walks the groups, Shift+Enter back.
    first = mode.current_group
    key(qtbot, window, "Return")
    assert mode.current_group != first
    key(qtbot, window, "Shift+Return")
    assert mode.current_group == first

    # 1. Accept all unanimous: one keystroke.
    key(qtbot, window, "Ctrl+Shift+U")
    gold = gold_set(project, article)
    assert len(gold.mentions) == 5 and len(gold.quotes) == 1 and len(gold.stances) == 1

    # 2. The quote disagreement: take bob's whole quote (span + speaker + cue) with "2".
    click_group(window, Layer.QUOTE, '"We will')
    key(qtbot, window, "2")

    # 3. Singh's stance: override the polarity with a reason (O, the dialog).
    click_group(window, Layer.STANCE, "the deployment was dangerous")
    reason = "a spokesperson's risk assessment, not a position"

    def fill(dialog) -> None:
        base = dialog.findChild(QComboBox, "editBase")
        base.setCurrentIndex(base.findText("bob", Qt.MatchFlag.MatchStartsWith))
        polarity = dialog.findChild(QComboBox, "editPolarity")
        assert polarity.currentData() == "neutral"  # bob's
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        polarity.setCurrentIndex(polarity.findData("none"))
        assert not ok.isEnabled()  # an override needs its reason
        QTest.keyClicks(dialog.findChild(QLineEdit, "reviewReason"), reason)
        assert ok.isEnabled()
        ok.click()

    with_dialog(fill)
    key(qtbot, window, "O")

    # The gold set in the file is exactly what was chosen, with provenance.
    with Project.open(project.path, read_only=True) as fresh:
        gold = gold_set(fresh, article)
        sets = {a.annotator.id: fresh.sets.load(a.session.set_id) for a in (alice, bob)}
    alignment = EntityAlignment([*sets.values(), gold])
    keys = {owner: {u.key: u for u in units_of(s, owner, alignment)} for owner, s in sets.items()}
    a_keys, b_keys = keys[alice.annotator.id], keys[bob.annotator.id]
    unanimous = a_keys.keys() & b_keys.keys()
    bob_quote = next(k for k, u in b_keys.items() if u.item.id == bob.quotes["putin"].id)
    bob_stance = next(k for k, u in b_keys.items() if u.item.id == bob.stances["singh"].id)
    expected = unanimous | {bob_quote, bob_stance.replace(" neutral ", " none ")}
    gold_units = {u.key: u for u in units_of(gold, GOLD, alignment)}
    assert set(gold_units) == expected
    for unit_key in unanimous:
        provenance = gold_units[unit_key].item.provenance
        assert provenance is not None
        assert provenance.agreed_by == ["alice", "bob"] and provenance.reviewer == "rita"
    quote = gold_units[bob_quote].item
    assert quote.provenance is not None
    assert quote.provenance.agreed_by == ["bob"]
    assert quote.provenance.source_item_ids == [bob.quotes["putin"].id]
    assert not quote.provenance.override
    speaker = next(m for m in gold.mentions if m.id == quote.speaker_id)
    assert (speaker.start, speaker.end) == span("Vladimir Putin")
    assert quote.cue == span("told")
    stance = gold_units[bob_stance.replace(" neutral ", " none ")].item
    assert stance.polarity == "none"
    assert stance.provenance is not None and stance.provenance.override
    assert stance.provenance.reason == reason
    assert stance.provenance.source_item_ids == [bob.stances["singh"].id]
    assert not gold.reference_problems()

    # The comparison shows the decisions; undo takes the override back, redo brings it again.
    quote_group = next(g for g in mode.review.groups if g.layer is Layer.QUOTE and g.disputed)
    stance_group = next(g for g in mode.review.groups if g.layer is Layer.STANCE and g.disputed)
    status = mode.model.index_of(quote_group.id).siblingAtColumn(1).data()
    assert status == "conflict · ✓ gold"
    status = mode.model.index_of(stance_group.id).siblingAtColumn(1).data()
    assert status == "conflict · ✓ gold (edited)"
    key(qtbot, window, "Ctrl+Z")
    assert not any(s.polarity == "none" for s in gold_set(project, article).stances)
    key(qtbot, window, "Ctrl+Shift+Z")
    assert any(s.polarity == "none" for s in gold_set(project, article).stances)

    # Leaving reviewer mode gives the annotation page and its keys back.
    key(qtbot, window, "Ctrl+Shift+R")
    assert not mode.active and window.article_dock.isVisible()
    assert window.actions_by_name["Label as PER"].isEnabled()
    assert not window.actions_by_name["Accept annotator 1's version"].isEnabled()


def test_reject_and_edit_from_the_window(qtbot, make_window, project, labelled) -> None:
    article, alice, _bob = labelled
    window = make_window("rita")
    enter_review(qtbot, window)
    mode = window.review_mode
    group_id = click_group(window, Layer.MENTION, "North Korean")
    key(qtbot, window, "9")  # no ninth annotator: a message, nothing written, no dialog
    assert "there is no 9" in window.statusBar().currentMessage()
    assert all(i.kind is not SetKind.GOLD for i in project.sets.for_article(article.id))
    key(qtbot, window, "R")
    assert mode.review is not None and mode.review.group(group_id).rejected
    # Edit alice's mention into gold: boundary stays, type becomes ORG.
    click_group(window, Layer.MENTION, "North Korean")

    def change(dialog) -> None:
        dialog.findChild(QComboBox, "editLabel").setCurrentIndex(
            dialog.findChild(QComboBox, "editLabel").findData("ORG")
        )
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    with_dialog(change)
    key(qtbot, window, "E")
    (mention,) = [m for m in gold_set(project, article).mentions if m.start == span("North")[0]]
    assert (mention.end, mention.label) == (span("North Korean")[1], "ORG")
    assert mention.provenance is not None and mention.provenance.override
    assert not mode.review.group(group_id).rejected
    assert alice.mentions["nk"].unsure  # alice's flag is shown to the reviewer
    assert "⚑" in str(mode.model.index_of(group_id).siblingAtColumn(2).data())


def test_send_back_and_comment_reach_the_annotator(qtbot, make_window, project, labelled) -> None:
    article, alice, _bob = labelled
    window = make_window("rita")
    enter_review(qtbot, window)
    mode = window.review_mode
    click_group(window, Layer.QUOTE, '"We will')

    def comment(dialog) -> None:
        assert dialog.findChild(QComboBox, "noteAnnotator").currentText() == "alice"
        QTest.keyClicks(dialog.text, "The cue is only told.")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    with_dialog(comment)
    key(qtbot, window, "C")

    def send_back(dialog) -> None:
        QTest.keyClicks(dialog.text, "Please check every quote's cue.")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    with_dialog(send_back)
    key(qtbot, window, "Ctrl+Shift+B")
    assert project.sets.info(alice.session.set_id).status is SetStatus.NEEDS_REWORK
    assert "Please check every quote" in mode.comments_view.toPlainText()
    window.close()  # while reviewing: the annotation layout is what gets saved
    assert not mode.active
    assert not window.article_dock.isHidden() and mode.queue_dock.isHidden()

    annotator_window = make_window("alice")
    annotator_window.open_article(article.id)
    notes = annotator_window.review_notes
    assert notes.banner.isVisible()
    assert "Sent back for rework" in notes.banner.text()
    assert "Please check every quote" in notes.banner.text()
    quote = alice.quotes["putin"]
    span_ = annotator_window.view.index.layers["quote"].get(quote.id)
    assert span_ is not None
    tip = annotator_window.view.describe_span("quote", span_)
    assert "Reviewer: The cue is only told." in tip
    assert "[needs rework]" in annotator_window.windowTitle()
    # The quotes panel's tooltip carries the comment too.
    table = annotator_window.quotes_panel.table
    row = table.item_model.row_of(quote.id)
    assert row is not None
    center = table.visualRect(table.item_model.index(row, 0)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, center, table.viewport().mapToGlobal(center))
    assert notes.eventFilter(table.viewport(), event)
    assert "Reviewer: The cue is only told." in QToolTip.text()
    QToolTip.hideText()


def test_reviewer_mode_asks_someone_without_the_role(qtbot, make_window, labelled) -> None:
    window = make_window("alice")
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton):
        def click(dialog) -> None:
            asked.append(dialog.text())
            dialog.button(button).click()

        return click

    with_dialog(answer(QMessageBox.StandardButton.No))
    key(qtbot, window, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert "alice does not have the reviewer role" in asked[0]
    assert not window.review_mode.active
    assert not window.review_mode.mode_action.isChecked()
    assert window.article_dock.isVisible()

    with_dialog(answer(QMessageBox.StandardButton.Yes))
    key(qtbot, window, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: len(asked) == 2)
    qtbot.waitUntil(lambda: window.review_mode.review is not None)
    assert window.review_mode.active and window.review_mode.mode_action.isChecked()
