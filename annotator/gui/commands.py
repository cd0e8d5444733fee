"""Undoable edits. Each command only calls the session; redo recreates the same ids.

A command is applied once by the window *before* it goes on the undo stack, so an edit the
project refuses (a span outside the text, a read-only file) never becomes an undo step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from annotator.domain.annotations import Layer, SetStatus
from annotator.domain.errors import AnnotatorError
from annotator.gui.session import QtArticleSession
from annotator.services.annotation import Removal
from annotator.storage.annotation_sets import AnyItem, layer_of

_NAMES = {
    Layer.MENTION: "mention",
    Layer.ENTITY: "entity",
    Layer.QUOTE: "quote",
    Layer.STANCE: "stance",
    Layer.DOCUMENT_LABEL: "document label",
}


class SessionCommand(QUndoCommand):
    """A command whose first ``redo`` (from ``QUndoStack.push``) was already done by ``apply``."""

    #: Told when an undo or redo was refused (the window shows it); set by the window.
    on_failure: Callable[[AnnotatorError], None] | None = None

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._applied_before_push = False

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def apply_before_push(self) -> None:
        self.apply()
        self._applied_before_push = True

    def redo(self) -> None:
        if self._applied_before_push:
            self._applied_before_push = False
            return
        self._from_stack(self.apply)

    def undo(self) -> None:
        self._from_stack(self.revert)

    def _from_stack(self, step: Callable[[], None]) -> None:
        """Undo and redo are called by the stack, which cannot take an error: a step the
        project refuses (disk full, locked, read-only) was rolled back, so the command leaves
        the stack (obsolete) and the stack never claims a state the file does not have."""
        try:
            step()
        except AnnotatorError as error:
            self.setObsolete(True)
            if self.on_failure is not None:
                self.on_failure(error)


class AddItemCommand(SessionCommand):
    """Add a mention, entity, quote, stance or document label."""

    def __init__(self, session: QtArticleSession, item: AnyItem, text: str | None = None) -> None:
        super().__init__(text or f"Add {_NAMES[layer_of(item)]}")
        self._session = session
        self.item = item

    def apply(self) -> None:
        self._session.add(self.item)

    def revert(self) -> None:
        self._session.remove(layer_of(self.item), self.item.id)


class UpdateItemCommand(SessionCommand):
    """Replace an item with a changed copy (relabel, set speaker, set cue, polarity, …)."""

    def __init__(
        self, session: QtArticleSession, before: AnyItem, after: AnyItem, text: str
    ) -> None:
        super().__init__(text)
        self._session = session
        self._before = before
        self._after = after

    def apply(self) -> None:
        self._session.update(self._after)

    def revert(self) -> None:
        self._session.update(self._before)


class RemoveItemCommand(SessionCommand):
    """Remove an item; undo brings it back with the links that pointed to it."""

    def __init__(self, session: QtArticleSession, layer: Layer, item_id: str) -> None:
        super().__init__(f"Delete {_NAMES[layer]}")
        self._session = session
        self._layer = layer
        self._item_id = item_id
        self._removal: Removal | None = None

    def apply(self) -> None:
        self._removal = self._session.remove(self._layer, self._item_id)

    def revert(self) -> None:
        if self._removal is not None:
            self._session.restore(self._removal)


class LinkMentionsCommand(SessionCommand):
    """Put mentions into an entity cluster (or take them out with ``None``)."""

    def __init__(
        self, session: QtArticleSession, mention_ids: list[str], entity_id: str | None, text: str
    ) -> None:
        super().__init__(text)
        self._session = session
        self._mention_ids = mention_ids
        self._entity_id = entity_id
        self._previous: dict[str, str | None] = {}

    def apply(self) -> None:
        self._previous = self._session.link(self._mention_ids, self._entity_id)

    def revert(self) -> None:
        self._session.relink(self._previous)


class SetStatusCommand(SessionCommand):
    def __init__(self, session: QtArticleSession, before: SetStatus, after: SetStatus) -> None:
        super().__init__(f"Mark {after.value.replace('_', ' ')}")
        self._session = session
        self._before = before
        self._after = after

    def apply(self) -> None:
        self._session.set_status(self._after)

    def revert(self) -> None:
        self._session.set_status(self._before)


class MacroCommand(SessionCommand):
    """Several commands as one undo step; if one fails, those before it are reverted."""

    def __init__(self, text: str, steps: list[SessionCommand]) -> None:
        super().__init__(text)
        self.steps = steps

    def apply(self) -> None:
        done: list[SessionCommand] = []
        try:
            for step in self.steps:
                step.apply()
                done.append(step)
        except BaseException:
            for step in reversed(done):
                step.revert()
            raise

    def revert(self) -> None:
        for step in reversed(self.steps):
            step.revert()
