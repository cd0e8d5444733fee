"""Suggestions in the window: drawn faded and dashed, accepted, rejected or skipped by key.

A (or Enter in the text) accepts the current suggestion, X rejects it, Shift+A accepts every
suggestion of its kind in the article as one undo step, N / Shift+N move between suggestions.
Accepting adds real items through the usual commands; rejecting remembers the decision in the
project so the suggestion never comes back; undo takes either back (an undone rejection is
forgotten). Suggestions are computed when the article opens, before its first paint, and again
after each change (coalesced); very long articles are computed off the GUI thread.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from annotator.domain.annotations import Layer
from annotator.domain.errors import AnnotatorError
from annotator.gui.background import QtTask, start
from annotator.gui.commands import AddItemCommand, MacroCommand, SessionCommand, UpdateItemCommand
from annotator.gui.span_index import Span
from annotator.services.annotation import ArticleSession
from annotator.services.changes import Change
from annotator.services.gazetteer import import_gazetteer
from annotator.services.model_suggestions import ModelSuggester, installed_models
from annotator.services.propagation import EntityLexicon
from annotator.services.suggestions import (
    ALL_KINDS,
    Suggestion,
    SuggestionEngine,
    SuggestionKind,
    plan_acceptance,
)
from annotator.settings import config_dir
from annotator.storage.suggestions import Decision, DecisionRecord

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow
    from annotator.gui.session import QtArticleSession

#: Longer articles get their suggestions from a pool thread, so opening them stays fast.
MAX_SYNC_CHARS = 200_000
#: More would bury the text in dashes; the first ones are shown and the user is told.
MAX_SHOWN = 5_000
#: Changes come in bursts (typing labels, accept-all): suggestions follow once it pauses.
REFRESH_DELAY_MS = 120
_LAYER_NAMES = {Layer.MENTION: "suggestion", Layer.QUOTE: "suggested_quote"}
_KEYED_ACTIONS = (
    "Accept suggestion",
    "Reject suggestion",
    "Accept all of this kind",
    "Next suggestion",
    "Previous suggestion",
    "Accept suggestion (Enter)",
)


class SuggestionSettings(BaseModel):
    """Whether suggestions show, which kinds, which spaCy model: saved beside the preferences."""

    model_config = ConfigDict(extra="ignore")

    enabled: bool = True
    kinds: list[SuggestionKind] = [SuggestionKind.ENTITIES, SuggestionKind.QUOTES]
    model: str | None = None

    @staticmethod
    def path() -> Path:
        return config_dir() / "suggestions.json"

    @classmethod
    def load(cls) -> SuggestionSettings:
        try:
            return cls.model_validate_json(cls.path().read_bytes())
        except (OSError, ValueError):
            return cls()

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        os.replace(temporary, path)


def span_key(suggestion: Suggestion) -> str:
    return f"{suggestion.layer}:{suggestion.key}"


def model_note() -> str | None:
    """Why no spaCy model can be chosen, or None if some may be: without importing spaCy
    (model packages announce themselves as ``spacy_models`` entry points)."""
    if importlib.util.find_spec("spacy") is None:
        return "spaCy is not installed (pip install 'annotator[spacy]')."
    if not list(importlib.metadata.entry_points(group="spacy_models")):
        return "No spaCy pipeline is installed (e.g. python -m spacy download en_core_web_sm)."
    return None


class QtDecideCommand(SessionCommand):
    """Remember accept/reject decisions; undo forgets them (a rejected suggestion returns)."""

    def __init__(self, controller: QtSuggestionController, records: list[DecisionRecord]) -> None:
        super().__init__("Decide suggestions")
        self._controller = controller
        self._records = records

    def apply(self) -> None:
        self._controller.project.suggestions.decide(self._records, actor=self._controller.actor)
        self._controller.schedule_refresh()

    def revert(self) -> None:
        self._controller.project.suggestions.forget(self._records, actor=self._controller.actor)
        self._controller.schedule_refresh()


class QtSuggestionController(QObject):
    """The current article's suggestions, their drawing, and the keys that act on them."""

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.actor = window.annotator.name
        self.settings = SuggestionSettings.load()
        self.items: list[Suggestion] = []
        self.current: Suggestion | None = None
        self.model_error: str | None = None
        self._by_key: dict[str, Suggestion] = {}
        self._lexicon: EntityLexicon | None = None
        self._engine: SuggestionEngine | None = None
        self._model: ModelSuggester | None = None
        self._article_id: str | None = None
        self._known: dict[str, tuple[str, str]] = {}  # mention id -> (surface, label)
        self._connected: set[int] = set()
        self._pending = False
        self._generation = 0
        self._tasks: list[QtTask] = []
        self._running: QtTask | None = None
        self._requested: set[str] = set()  # long articles whose suggestions were asked for
        self._rerun = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._refresh_if_pending)
        self.actions: dict[str, QAction] = {}
        self._build_menu()
        window.view.suggestion_clicked.connect(self._on_view_suggestion_clicked)
        window.view.describe_suggestion = self._describe_span
        if self.settings.model:
            self.use_model(self.settings.model, save=False)

    # -- menu ------------------------------------------------------------------------------------

    def _build_menu(self) -> None:
        window = self.window
        label_menu = window._menus["&Label"]
        label_menu.addSeparator()
        menu = label_menu.addMenu("S&uggestions")
        menu.setObjectName("suggestionsMenu")
        self.menu = menu
        toggle = self._add(menu, "Show &suggestions", self.toggle)
        toggle.setCheckable(True)
        toggle.setChecked(self.settings.enabled)
        menu.addSeparator()
        self._add(menu, "&Accept suggestion", self.accept, "A")
        self._add(menu, "Re&ject suggestion", self.reject, "X")
        self._add(menu, "Accept all of this &kind", self.accept_all, "Shift+A")
        self._add(menu, "&Next suggestion", lambda: self.step(1), "N")
        self._add(menu, "&Previous suggestion", lambda: self.step(-1), "Shift+N")
        menu.addSeparator()
        for kind, text in ((SuggestionKind.ENTITIES, "Suggest &entities"),
                           (SuggestionKind.QUOTES, "Suggest &quotes and speakers")):  # fmt: skip
            action = self._add(menu, text, partial(self.toggle_kind, kind))
            action.setCheckable(True)
            action.setChecked(kind in self.settings.kinds)
        self._add(menu, "Import &gazetteer…", self.choose_gazetteer)
        self._add(menu, "spaCy &model…", self.choose_model)
        # Looking for installed pipelines reads every package's metadata (~40 ms): only when
        # the menu is about to show, not when the window opens.
        menu.aboutToShow.connect(self.update_model_action)
        # Enter accepts too, but only in the text: elsewhere it belongs to fields and dialogs.
        enter = QAction("Accept suggestion (Enter)", window.view)
        enter.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        enter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        enter.triggered.connect(lambda _checked=False: self.accept())
        window.view.addAction(enter)
        self.actions["Accept suggestion (Enter)"] = enter
        self._sync_enabled()

    def update_model_action(self) -> None:
        """Offer the spaCy model choice, or say in the menu item why there is none."""
        action = self.actions["spaCy model…"]
        note = model_note()
        action.setEnabled(note is None or bool(self.settings.model))
        action.setText("spaCy &model…" if note is None else f"spaCy model: {note}")
        action.setStatusTip(note or "Suggest entities with an installed spaCy pipeline")

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object], *keys: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        name = text.replace("&", "")
        self.window.actions_by_name[name] = action
        self.actions[name] = action
        return action

    def _sync_enabled(self) -> None:
        on = self.settings.enabled
        for name in _KEYED_ACTIONS:
            self.actions[name].setEnabled(on)

    # -- settings --------------------------------------------------------------------------------

    def toggle(self) -> None:
        self.settings.enabled = not self.settings.enabled
        self.actions["Show suggestions"].setChecked(self.settings.enabled)
        self.settings.save()
        self._sync_enabled()
        self.refresh()
        state = "on" if self.settings.enabled else "off"
        self.window.statusBar().showMessage(f"Suggestions {state}.", 3000)

    def toggle_kind(self, kind: SuggestionKind) -> None:
        kinds = set(self.settings.kinds)
        kinds ^= {kind}
        self.settings.kinds = [k for k in SuggestionKind if k in kinds]
        self.settings.save()
        self._engine = None
        self.refresh()

    def choose_gazetteer(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.window,
            "Import gazetteer",
            str(self.project.path.parent),
            "Gazetteers (*.tsv *.txt);;All files (*)",
        )
        if path:
            self.import_gazetteer_file(Path(path))

    def import_gazetteer_file(self, path: Path) -> bool:
        try:
            report = import_gazetteer(self.project, path, actor=self.actor)
        except AnnotatorError as error:
            QMessageBox.warning(self.window, "Gazetteer not imported", str(error))
            return False
        if self._lexicon is not None:
            self._lexicon.set_gazetteer(self.project.suggestions.gazetteer())
        self.window.statusBar().showMessage(
            f"Gazetteer {path.name}: {report.read} phrase(s), {report.changed} new or relabelled;"
            f" {report.total} in the project.",
            8000,
        )
        self.refresh()
        return True

    def choose_model(self) -> None:
        from annotator.gui.dialogs.picker import QtPickerDialog

        choice = installed_models()
        if choice.reason is not None and not self.settings.model:
            QMessageBox.information(self.window, "spaCy model", choice.reason)
            return
        options: list[tuple[str, object]] = [("No model (propagation and quotes only)", "")]
        options += [(name, name) for name in choice.names]
        if self.settings.model and self.settings.model not in choice.names:
            options.append((self.settings.model, self.settings.model))
        picker = QtPickerDialog("spaCy model", "Suggest entities with:", options, self.window)
        if self.window._run_dialog(picker) and picker.value() is not None:
            self.use_model(str(picker.value()) or None)

    def use_model(self, name: str | None, *, save: bool = True) -> None:
        """Load a spaCy pipeline (an installed package or a folder) off the GUI thread."""
        if save:
            self.settings.model = name
            self.settings.save()
        if name is None:
            self._model = None
            self._engine = None
            self.refresh()
            return
        task = QtTask(lambda _progress, _cancelled: ModelSuggester(name))
        task.signals.finished.connect(self._on_model_loaded)
        task.signals.failed.connect(self._on_model_failed)
        self._tasks.append(task)
        self.window.statusBar().showMessage(f"Loading spaCy pipeline {name}…")
        start(task)

    def _on_model_loaded(self, model: object) -> None:
        assert isinstance(model, ModelSuggester)
        self._model = model
        self._engine = None
        self.model_error = None
        self.window.statusBar().showMessage(f"Entity suggestions from {model.name}.", 5000)
        self.refresh()

    def _on_model_failed(self, message: str) -> None:
        self.model_error = message
        self.window.statusBar().showMessage(f"No model suggestions: {message}", 8000)

    # -- computing -------------------------------------------------------------------------------

    @property
    def lexicon(self) -> EntityLexicon:
        if self._lexicon is None:
            self._lexicon = EntityLexicon.from_project(
                self.project, labels=self.project.schema.entity_labels
            )
        return self._lexicon

    @property
    def engine(self) -> SuggestionEngine:
        if self._engine is None:
            self._engine = SuggestionEngine(
                self.project.schema,
                self.lexicon,
                kinds=set(self.settings.kinds) & ALL_KINDS,
                model=self._model,
            )
        return self._engine

    def spans(self, service: ArticleSession) -> dict[str, list[Span]]:
        """The suggestion layers of an article being opened (called by the window's _spans)."""
        session = self.window.session
        if session is not None and id(session) not in self._connected:
            self._connected.add(id(session))
            session.changed.connect(self._on_session_changed)
        switched = service.article.id != self._article_id
        if switched:
            self._article_id = service.article.id
            self.current = None
            self._known = {
                m.id: (service.span_text(m.start, m.end), m.label)
                for m in service.mentions.values()
            }
        if not self.settings.enabled:
            self._generation += 1
            self._set_items([])
            return {}
        if len(service.text) > MAX_SYNC_CHARS:
            return self._long_spans(service, switched=switched)
        self._generation += 1
        self._set_items(self._compute(service))
        return self.layers()

    def _long_spans(self, service: ArticleSession, *, switched: bool) -> dict[str, list[Span]]:
        """A very long article: suggestions are found on request (N), off the GUI thread,
        once; later changes only take away what they cover, so typing labels stays fast."""
        if switched or not self.items:
            self._generation += 1
            self._set_items([])
            if service.article.id in self._requested:
                self._compute_async(service)
            elif switched:
                self.window.statusBar().showMessage(
                    f"Long article ({len(service.text):,} characters): press N to find "
                    "suggestions in it.",
                    6000,
                )
            return self.layers()
        self._set_items(self._pruned(service))
        return self.layers()

    def _pruned(self, service: ArticleSession) -> list[Suggestion]:
        """The current suggestions without those decided or now covered by a label."""
        rejected = self.project.suggestions.rejected(service.article.id, service.annotator.id)
        taken = sorted(
            [(m.start, m.end) for m in service.mentions.values()]
            + [(q.start, q.end) for q in service.quotes.values()]
        )
        starts = [left for left, _ in taken]
        longest = max((right - left for left, right in taken), default=0)

        def covered(suggestion: Suggestion) -> bool:
            first = bisect_left(starts, suggestion.start - longest)
            for left, right in taken[first:]:
                if left >= suggestion.end:
                    return False
                if right > suggestion.start:
                    return True
            return False

        return [s for s in self.items if (str(s.layer), s.key) not in rejected and not covered(s)]

    def _compute(self, service: ArticleSession) -> list[Suggestion]:
        rejected = self.project.suggestions.rejected(service.article.id, service.annotator.id)
        return self.engine.suggest(
            service.text,
            mentions=list(service.mentions.values()),
            quotes=list(service.quotes.values()),
            rejected=rejected,
        )

    def _compute_async(self, service: ArticleSession) -> None:
        if self._running is not None:
            self._rerun = True  # one at a time; the newest state is computed next
            return
        generation = self._generation
        engine = self.engine
        rejected = self.project.suggestions.rejected(service.article.id, service.annotator.id)
        mentions = list(service.mentions.values())
        quotes = list(service.quotes.values())
        text = service.text

        def work(_progress: Callable[[int], None], _cancelled: Callable[[], bool]) -> object:
            return engine.suggest(text, mentions=mentions, quotes=quotes, rejected=rejected)

        task = QtTask(work)
        task.signals.finished.connect(lambda found: self._on_computed(generation, found))
        task.signals.failed.connect(lambda message: self._on_computed(generation, message))
        self._running = task
        self._tasks = [*self._tasks[-4:], task]
        start(task)

    def _on_computed(self, generation: int, found: object) -> None:
        self._running = None
        if self._rerun:
            self._rerun = False
            self.schedule_refresh()
            return
        session = self.window.session
        if generation != self._generation or not isinstance(found, list) or session is None:
            if isinstance(found, str):
                self._hint(f"No suggestions: {found}")
            return  # another article is open now, or its suggestions were recomputed
        self._set_items(found)
        self._set_items(self._pruned(session.service))  # labels made while it ran
        self.window.view.set_suggestions(self.layers())
        if self.current is None and self.items:
            self._hint(f"{len(self.items):,} suggestions in this article.")
            self.step(1)

    def _set_items(self, items: Sequence[Suggestion]) -> None:
        self.items = sorted(items, key=lambda s: (s.start, s.end, s.layer))
        if len(self.items) > MAX_SHOWN:
            self.window.statusBar().showMessage(
                f"{len(self.items):,} suggestions: showing the first {MAX_SHOWN:,}.", 8000
            )
            self.items = self.items[:MAX_SHOWN]
        self._by_key = {span_key(s): s for s in self.items}
        if self.current is not None:
            self.current = self._by_key.get(span_key(self.current))

    def layers(self) -> dict[str, list[Span]]:
        out: dict[str, list[Span]] = {"suggestion": [], "suggested_quote": [], "suggested_cue": []}
        for s in self.items:
            key = span_key(s)
            out[_LAYER_NAMES[s.layer]].append(Span(s.start, s.end, key, s.label))
            if s.cue is not None:
                out["suggested_cue"].append(Span(*s.cue, key, "cue"))
        return out

    def refresh(self) -> None:
        """Compute the open article's suggestions again and redraw what changed."""
        self._pending = False
        session = self.window.session
        if session is None:
            return
        spans = self.spans(session.service)
        if len(session.service.text) <= MAX_SYNC_CHARS or not self.settings.enabled:
            self.window.view.set_suggestions(spans)

    def schedule_refresh(self) -> None:
        """One refresh once the current burst of changes pauses (a hotkey commits and
        repaints without waiting for it; an accept-all is many changes and one refresh)."""
        self._pending = True
        self._timer.start()

    def _refresh_if_pending(self) -> None:
        if self._pending and not self.project.database.closed:
            self.refresh()

    def _on_session_changed(self, change: Change) -> None:
        session = self.sender()
        window = self.window
        if session is not window.session or window.session is None:
            return
        if change.layer is Layer.MENTION:
            self._learn(window.session.service, change)
        self.schedule_refresh()

    def _learn(self, service: ArticleSession, change: Change) -> None:
        """Keep the lexicon in step: what is labelled now teaches, what was removed unteaches.
        (Not built yet: it will read the project, which holds the change already.)"""
        lexicon = self._lexicon
        if lexicon is None:
            return
        for mention_id in change.ids:
            old = self._known.pop(mention_id, None)
            if old is not None:
                lexicon.unlearn(*old)
            mention = service.mentions.get(mention_id)
            if mention is not None and mention.label in self.project.schema.entity_labels:
                surface = service.span_text(mention.start, mention.end)
                self._known[mention_id] = (surface, mention.label)
                lexicon.learn(surface, mention.label)

    # -- acting ----------------------------------------------------------------------------------

    def _session(self) -> QtArticleSession | None:
        session = self.window.session
        if session is None or not self.settings.enabled:
            return None
        if self._pending:
            self.refresh()
        return session

    def _target(self) -> Suggestion | None:
        if self.current is not None and span_key(self.current) in self._by_key:
            return self.current
        # No current one: the suggestion under the text cursor, if any.
        cursor = self.window.view.textCursor()
        try:
            offset = self.window.view.offsets.from_qt(cursor.position())
        except ValueError:
            return None
        here = [s for s in self.items if s.start <= offset < s.end]
        return min(here, key=lambda s: s.end - s.start) if here else None

    def accept(self) -> None:
        session = self._session()
        if session is None:
            return
        target = self._target()
        if target is None:
            self._hint("No suggestion selected: N goes to the next one.")
            return
        self._accept([target], f"Accept {self._name(target)}", after=target)

    def accept_all(self) -> None:
        session = self._session()
        if session is None:
            return
        target = self._target()
        if target is None:
            self._hint("Select a suggestion (N) to accept all of its kind.")
            return
        same = [s for s in self.items if s.kind == target.kind]
        layer, label = target.kind
        what = f"suggested {label} mention(s)" if layer is Layer.MENTION else f"{label} quote(s)"
        self._accept(same, f"Accept all {len(same)} {what}", after=None)

    def _accept(self, chosen: list[Suggestion], text: str, *, after: Suggestion | None) -> None:
        session = self.window.session
        assert session is not None
        service = session.service
        plan = plan_acceptance(
            chosen,
            text=service.text,
            mentions=list(service.mentions.values()),
            entities=list(service.entities.values()),
            quotes=list(service.quotes.values()),
        )
        steps: list[SessionCommand] = [AddItemCommand(session, item) for item in plan.adds]
        steps += [
            UpdateItemCommand(session, before, after_link, "Link speaker")
            for before, after_link in plan.links
        ]
        steps.append(QtDecideCommand(self, self._records(chosen, Decision.ACCEPTED)))
        position = chosen[0].start
        if self.window._push(MacroCommand(text, steps)):
            self.refresh()
            self._after_decision(position)
            self.window.statusBar().showMessage(
                f"{text}. Undo with Ctrl+Z · N: next suggestion", 5000
            )

    def reject(self) -> None:
        session = self._session()
        if session is None:
            return
        target = self._target()
        if target is None:
            self._hint("No suggestion selected: N goes to the next one.")
            return
        command = QtDecideCommand(self, self._records([target], Decision.REJECTED))
        command.setText(f"Reject {self._name(target)}")
        if self.window._push(command):
            self.refresh()
            self._after_decision(target.start)

    def _records(self, chosen: list[Suggestion], decision: Decision) -> list[DecisionRecord]:
        session = self.window.session
        assert session is not None
        service = session.service
        return [
            DecisionRecord(
                service.article.id, service.annotator.id, str(s.layer), s.key, decision, s.source
            )
            for s in chosen
        ]

    def _after_decision(self, position: int) -> None:
        following = next((s for s in self.items if s.start >= position), None)
        if following is None and self.items:
            following = self.items[0]
        if following is None:
            self.current = None
            self.window.view.show_current([])
            return
        self.select(following)

    def step(self, direction: int) -> None:
        session = self._session()
        if session is None:
            return
        service = session.service
        if len(service.text) > MAX_SYNC_CHARS and service.article.id not in self._requested:
            self._requested.add(service.article.id)
            self._compute_async(service)
            self._hint("Finding suggestions in this long article…")
            return
        if not self.items:
            self._hint("No suggestions in this article.")
            return
        if self.current is not None and span_key(self.current) in self._by_key:
            index = self.items.index(self.current)
            target = self.items[(index + direction) % len(self.items)]
        else:
            cursor = self.window.view.textCursor().position()
            offset = self.window.view.offsets.from_qt(cursor)
            ahead = [s for s in self.items if s.start >= offset]
            if direction > 0:
                target = ahead[0] if ahead else self.items[0]
            else:
                behind = [s for s in self.items if s.start < offset]
                target = behind[-1] if behind else self.items[-1]
        self.select(target)

    def select(self, suggestion: Suggestion) -> None:
        self.current = suggestion
        self.window.current = None
        ranges = [(suggestion.start, suggestion.end)]
        if suggestion.speaker is not None:
            ranges.append(suggestion.speaker)
        self.window.view.show_current(ranges)
        self.window.statusBar().showMessage(
            self.describe(suggestion) + "  —  A/Enter accept · X reject · Shift+A all · N next"
        )

    def _on_view_suggestion_clicked(self, key: str) -> None:
        suggestion = self._by_key.get(key)
        if suggestion is not None:
            self.current = suggestion
            self.window.current = None
            self.window.statusBar().showMessage(
                self.describe(suggestion) + "  —  A/Enter accept · X reject", 8000
            )

    # -- words -----------------------------------------------------------------------------------

    def _hint(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 4000)

    def _name(self, suggestion: Suggestion) -> str:
        text = self.window.view.text
        words = " ".join(text[suggestion.start : suggestion.end].split())
        words = words if len(words) <= 40 else words[:39] + "…"
        if suggestion.layer is Layer.MENTION:
            return f"{suggestion.label} “{words}”"
        return f"{suggestion.label} quote {words}"

    def describe(self, suggestion: Suggestion) -> str:
        text = self.window.view.text
        head = f"Suggested {self._name(suggestion)} ({suggestion.source}, "
        head += f"{suggestion.confidence:.0%})"
        if suggestion.layer is Layer.QUOTE:
            speaker = suggestion.speaker_name or "unknown"
            if suggestion.speaker is not None:
                written = text[suggestion.speaker[0] : suggestion.speaker[1]]
                if written != speaker:
                    speaker = f"{written} = {speaker}"
            cue = text[suggestion.cue[0] : suggestion.cue[1]] if suggestion.cue else "—"
            head += f" · speaker: {speaker} · cue: {cue}"
        return head

    def _describe_span(self, _layer: str, span: Span) -> str:
        suggestion = self._by_key.get(span.key)
        return self.describe(suggestion) if suggestion is not None else "suggestion"


def install(window: QtMainWindow) -> QtSuggestionController:
    """Add the Suggestions menu and keys to the window; returns the controller."""
    return QtSuggestionController(window)


__all__ = ["QtSuggestionController", "SuggestionSettings", "install"]
