"""Suggestions in the real window: drawn dashed, accepted, rejected, undone, remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.domain.annotations import Layer
from annotator.domain.schema import default_schema
from annotator.gui.main_window import QtMainWindow
from annotator.gui.suggestions import SuggestionSettings
from annotator.resources import resource
from annotator.services.importing import import_paths
from annotator.storage.project import Project
from tests.gui.conftest import click_offset, drag_select, press, span, with_dialog

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | SHIFT


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """The quote samples first (the window opens the first article), then the others."""
    path = tmp_path / "suggest.annotator"
    with Project.create(path, schema=default_schema()) as project:
        import_paths(project, [Path(str(resource("samples", "quotes.jsonl")))])
        import_paths(project, [Path(str(resource("samples", "articles.jsonl")))])
    return path


def stored(window: QtMainWindow):
    assert window.session is not None
    return window.project.sets.load(window.session.service.set_id)


def settle(qtbot, window: QtMainWindow) -> None:
    """Wait for the coalesced refresh that follows undo and redo."""
    qtbot.waitUntil(lambda: not window.suggestions._pending, timeout=2000)


def undo(qtbot, window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_Z, CTRL)
    settle(qtbot, window)


def redo(qtbot, window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_Z, CTRL_SHIFT)
    settle(qtbot, window)


def quote_texts(window: QtMainWindow) -> list[str]:
    text = window.view.text
    return [text[s.start : s.end][:30] for s in window.suggestions.items if s.layer is Layer.QUOTE]


def formats_at(window: QtMainWindow, offset: int) -> QTextCharFormat:
    block = window.view.document().findBlock(window.view.offsets.to_qt(offset))
    inside = window.view.offsets.to_qt(offset) - block.position()
    ranges = block.layout().formats()
    for found in ranges:
        if found.start <= inside < found.start + found.length:
            return QTextCharFormat(found.format)  # a copy: the range list owns its formats
    raise AssertionError(f"no format at {offset}")


def test_suggestions_are_drawn_dashed_and_are_not_labels(window: QtMainWindow) -> None:
    text = window.view.text
    assert text.startswith("BERGEN")
    index = window.view.index
    # Six direct quotes, an indirect one ("according to …") and a mixed one.
    assert len(index.layers["suggested_quote"]) == 8
    assert [s.label for s in window.suggestions.items].count("direct") == 6
    assert len(index.layers["suggested_cue"]) >= 5
    assert quote_texts(window)[0] == "“We cannot ask islanders to pa"
    # Nothing is a label until accepted: no rows in the panels, nothing stored.
    assert window.quotes_panel.model.rowCount() == 0
    assert window.entities_panel.mention_model.rowCount() == 0
    saved = stored(window)
    assert saved.quotes == [] and saved.mentions == []
    QApplication.processEvents()
    fmt = formats_at(window, span(text, "“We cannot ask")[0] + 3)
    assert fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.DashUnderline
    cue = window.suggestions.items[0].cue
    assert cue is not None and formats_at(window, cue[0]).fontItalic()


def test_next_accept_undo_redo_of_a_pronoun_speaker_quote(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    press(window, Qt.Key.Key_N)
    current = window.suggestions.current
    assert current is not None and current.speaker_name == "Marta Lindholm"
    assert "speaker: she = Marta Lindholm" in window.statusBar().currentMessage()
    press(window, Qt.Key.Key_A)
    saved = stored(window)
    [quote] = saved.quotes
    assert text[quote.start : quote.end].startswith("“We cannot ask islanders")
    speaker = next(m for m in saved.mentions if m.id == quote.speaker_id)
    assert text[speaker.start : speaker.end] == "she"
    [entity] = saved.entities
    assert entity.name == "Marta Lindholm"
    assert {text[m.start : m.end] for m in saved.mentions if m.entity_id == entity.id} == {
        "she",
        "Marta Lindholm",
    }
    assert quote.cue is not None and text[slice(*quote.cue)] == "said"
    assert window.quotes_panel.model.rowCount() == 1
    # The accepted quote is no longer a suggestion; the next one is current.
    assert len(quote_texts(window)) == 7
    assert window.suggestions.current is not None
    assert window.suggestions.current.start > quote.start
    undo(qtbot, window)
    assert stored(window).quotes == [] and stored(window).mentions == []
    assert stored(window).entities == []
    assert len(quote_texts(window)) == 8
    decisions = window.project.suggestions.decisions(
        window.session.service.article.id, window.annotator.id
    )  # type: ignore[union-attr]
    assert decisions == {}
    redo(qtbot, window)
    assert len(stored(window).quotes) == 1 and len(stored(window).entities) == 1
    assert len(quote_texts(window)) == 7


def test_enter_in_the_text_accepts(qtbot, window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_N)
    press(window, Qt.Key.Key_N)
    assert window.suggestions.current is not None
    target = window.suggestions.current.start
    press(window, Qt.Key.Key_Return)
    assert [q.start for q in stored(window).quotes] == [target]


def test_reject_is_remembered_and_undo_forgets_it(
    qtbot, window: QtMainWindow, make_window, project: Project
) -> None:
    press(window, Qt.Key.Key_N)
    rejected = window.suggestions.current
    assert rejected is not None
    press(window, Qt.Key.Key_X)
    article_id = window.session.service.article.id  # type: ignore[union-attr]
    assert project.suggestions.rejected(article_id, window.annotator.id) == {
        ("quote", rejected.key)
    }
    assert rejected.key not in {s.key for s in window.suggestions.items}
    assert stored(window).quotes == []
    assert window.actions_by_name["Undo"].text().replace("&", "").startswith("Undo Reject")
    # Another window on the project (a later session) does not offer it again.
    later = make_window()
    assert rejected.key not in {s.key for s in later.suggestions.items}
    later.close()
    undo(qtbot, window)
    assert project.suggestions.rejected(article_id, window.annotator.id) == set()
    assert rejected.key in {s.key for s in window.suggestions.items}


def test_accept_all_of_a_kind_is_one_undo_step(qtbot, window: QtMainWindow) -> None:
    press(window, Qt.Key.Key_N)
    press(window, Qt.Key.Key_A, SHIFT)
    saved = stored(window)
    assert len(saved.quotes) == 6
    assert all(q.provenance is not None and "quotes" in q.provenance.reason for q in saved.quotes)
    assert {s.label for s in window.suggestions.items if s.layer is Layer.QUOTE} == {
        "indirect",
        "mixed",
    }
    text = window.view.text
    # Split quotes ("…,” Aker told reporters, “…”) share one speaker mention.
    aker = [m for m in saved.mentions if text[m.start : m.end] == "Aker"]
    assert len(aker) == 2  # "Aker told reporters" and "said Aker"
    undo(qtbot, window)
    assert stored(window).quotes == [] and stored(window).mentions == []
    assert len(quote_texts(window)) == 8


def test_labels_teach_propagation_at_once(qtbot, window: QtMainWindow) -> None:
    text = window.view.text
    first = span(text, "Lindholm")
    drag_select(qtbot, window, *first)
    press(window, Qt.Key.Key_1)
    settle(qtbot, window)
    entity_suggestions = [s for s in window.suggestions.items if s.layer is Layer.MENTION]
    assert [(text[s.start : s.end], s.label) for s in entity_suggestions] == [("Lindholm", "PER")]
    # Click the suggestion (not a label): it becomes current; A accepts it.
    click_offset(window, entity_suggestions[0].start + 2)
    assert window.suggestions.current == entity_suggestions[0]
    press(window, Qt.Key.Key_A)
    assert sorted(m.start for m in stored(window).mentions) == [
        first[0],
        entity_suggestions[0].start,
    ]
    # Deleting the label unteaches it.
    undo(qtbot, window)
    undo(qtbot, window)
    assert [s for s in window.suggestions.items if s.layer is Layer.MENTION] == []


def test_turning_suggestions_off_and_on(qtbot, window: QtMainWindow) -> None:
    window.actions_by_name["Show suggestions"].trigger()
    assert len(window.view.index.layers["suggested_quote"]) == 0
    assert not window.actions_by_name["Accept suggestion"].isEnabled()
    assert SuggestionSettings.load().enabled is False
    press(window, Qt.Key.Key_A)
    assert stored(window).quotes == []
    window.actions_by_name["Show suggestions"].trigger()
    assert len(window.view.index.layers["suggested_quote"]) == 8
    window.actions_by_name["Suggest quotes and speakers"].trigger()
    assert len(window.view.index.layers["suggested_quote"]) == 0


def test_spacy_model_option_is_absent_with_a_reason(window: QtMainWindow) -> None:
    window.suggestions.menu.aboutToShow.emit()  # as when the menu opens
    action = window.actions_by_name["spaCy model…"]
    assert not action.isEnabled()
    assert action.text().startswith("spaCy model: No spaCy pipeline is installed")


def test_gazetteer_import_from_the_window(qtbot, window: QtMainWindow, tmp_path: Path) -> None:
    good = tmp_path / "names.tsv"
    good.write_text("ORG\tVestfjord Lines\n", "utf-8")
    assert window.suggestions.import_gazetteer_file(good)
    text = window.view.text
    found = {text[s.start : s.end] for s in window.suggestions.items if s.layer is Layer.MENTION}
    assert found == {"Vestfjord Lines"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("ORG\tFerry Office\nCOMPANY\tVestfjord\n", "utf-8")
    seen: list[str] = []

    def close(dialog) -> None:
        assert isinstance(dialog, QMessageBox)
        seen.append(dialog.text())
        dialog.accept()

    with_dialog(close)
    assert not window.suggestions.import_gazetteer_file(bad)
    assert seen and "bad.tsv:2: label 'COMPANY' is not in the schema" in seen[0]
    phrases = [e.phrase for e in window.project.suggestions.gazetteer()]
    assert phrases == ["Vestfjord Lines"]


def test_model_suggestions_from_a_pipeline_folder(qtbot, window: QtMainWindow, tmp_path: Path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "GPE", "pattern": "BERGEN"}])
    nlp.to_disk(tmp_path / "ruler")
    window.suggestions.use_model(str(tmp_path / "ruler"))
    qtbot.waitUntil(lambda: window.suggestions._model is not None, timeout=20000)
    settle(qtbot, window)
    [model] = [s for s in window.suggestions.items if s.layer is Layer.MENTION]
    assert (model.start, model.end, model.label, model.source) == (0, 6, "GPE", "model:ruler")
    assert SuggestionSettings.load().model == str(tmp_path / "ruler")


def test_long_articles_find_suggestions_on_request_off_the_gui_thread(
    qtbot, window: QtMainWindow, project: Project
) -> None:
    from annotator.domain.article import Article
    from annotator.gui.suggestions import MAX_SYNC_CHARS

    paragraph = "“We will not move,” said Ida Lund. The council met again on Monday.\n"
    text = paragraph * (MAX_SYNC_CHARS // len(paragraph) + 10)
    article = Article.create(text, title="A very long article")
    project.articles.add(article)
    window.reload_articles()
    window.open_article(article.id)
    assert window.suggestions.items == []  # opening stays fast: nothing computed yet
    assert "press N to find suggestions" in window.statusBar().currentMessage()
    press(window, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.suggestions.current is not None, timeout=30000)
    first = window.suggestions.current
    assert first is not None and first.layer is Layer.QUOTE and first.speaker_name == "Ida Lund"
    count = len(window.suggestions.items)
    assert count == min(5000, text.count("“We will not move,”"))
    assert len(window.view.index.layers["suggested_quote"]) == count
    # Accepting only takes away what it covers; nothing is computed again.
    press(window, Qt.Key.Key_A)
    assert len(stored(window).quotes) == 1
    settle(qtbot, window)
    assert len(window.suggestions.items) == count - 1
    assert window.suggestions._running is None
