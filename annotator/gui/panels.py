"""The side panels: entities with clusters, quotes, stances, document labels, the label palette."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.annotations import DocumentLabel, Entity, Layer, Mention, Quote, Stance
from annotator.domain.schema import Schema
from annotator.gui.guidelines import entity_type_tooltip
from annotator.gui.models.item_table_model import Column, QtItemTableModel
from annotator.services.annotation import ArticleSession
from annotator.storage.annotation_sets import AnyItem


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class QtItemTable(QTableView):
    """A read-only table of one layer; selecting a row emits ``item_selected(layer, id)``."""

    item_selected = Signal(str, str)

    def __init__(
        self, layer: Layer, model: QtItemTableModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.layer = layer
        self.item_model = model
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self._quiet = False
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        # A click on the row that is already current must still make it the current item.
        self.clicked.connect(self._on_clicked)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.item_selected.emit(str(self.layer), self.item_model.item_at(current.row()).id)

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.item_selected.emit(str(self.layer), self.item_model.item_at(index.row()).id)

    def select_item(self, item_id: str) -> bool:
        """Select a row without echoing the selection back."""
        row = self.item_model.row_of(item_id)
        if row is None:
            return False
        self._quiet = True
        try:
            index = self.item_model.index(row, 0)
            self.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(index)
        finally:
            self._quiet = False
        return True


class QtEntitiesPanel(QWidget):
    """Entity clusters above, every mention below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ArticleSession | None = None
        self.colors: dict[str, str] = {}
        self.entity_model = QtItemTableModel(
            [("Entity", self._entity_name), ("Type", self._label), ("Mentions", self._count)],
            lambda item: (self._entity_name(item).casefold(), item.id),
            color=self._color,
        )
        self.mention_model = QtItemTableModel(
            [("Mention", self._mention_text), ("Type", self._label), ("Entity", self._cluster)],
            lambda item: (item.start, item.end, item.id),  # type: ignore[union-attr]
            color=self._color,
            tooltip=lambda item: self._mention_text(item),
        )
        self.entities = QtItemTable(Layer.ENTITY, self.entity_model, self)
        self.entities.setObjectName("entityTable")
        self.mentions = QtItemTable(Layer.MENTION, self.mention_model, self)
        self.mentions.setObjectName("mentionTable")
        for table in (self.entities, self.mentions):
            table.setColumnWidth(0, 190)
            table.setColumnWidth(1, 60)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("entitySplitter")
        self.splitter = splitter
        splitter.addWidget(self.entities)
        splitter.addWidget(self.mentions)
        splitter.setSizes([150, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _label(self, item: AnyItem) -> str:
        return getattr(item, "label", "")

    def _color(self, item: AnyItem) -> str | None:
        return self.colors.get(getattr(item, "label", ""))

    def _entity_name(self, item: AnyItem) -> str:
        return item.name if isinstance(item, Entity) else ""

    def _count(self, item: AnyItem) -> str:
        if self.session is None:
            return ""
        return str(sum(1 for m in self.session.mentions.values() if m.entity_id == item.id))

    def _mention_text(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Mention):
            return ""
        return _short(self.session.span_text(item.start, item.end), 60)

    def _cluster(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Mention) or item.entity_id is None:
            return ""
        entity = self.session.entities.get(item.entity_id)
        return entity.name if entity else ""

    def load(self, session: ArticleSession, colors: dict[str, str]) -> None:
        self.session = session
        self.colors = colors
        self.entity_model.reset(session.entities.values())
        self.mention_model.reset(session.mentions.values())


class QtQuotesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ArticleSession | None = None
        columns: list[Column] = [
            ("Quote", self._content),
            ("Type", lambda q: getattr(q, "quote_type", "")),
            ("Speaker", self._speaker),
            ("Cue", self._cue),
        ]
        self.model = QtItemTableModel(
            columns,
            lambda q: (q.start, q.end, q.id),  # type: ignore[union-attr]
            tooltip=self._content_full,
        )
        self.table = QtItemTable(Layer.QUOTE, self.model, self)
        self.table.setObjectName("quoteTable")
        self.table.setColumnWidth(0, 220)
        self.table.setColumnWidth(1, 60)
        self.table.setColumnWidth(2, 120)
        hint = QLabel("Select text, Q: quote · S: speaker · C: cue", self)
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(hint)

    def _content_full(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Quote):
            return ""
        return self.session.span_text(item.start, item.end)

    def _content(self, item: AnyItem) -> str:
        return _short(self._content_full(item), 70)

    def _speaker(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Quote) or item.speaker_id is None:
            return "—"
        mention = self.session.mentions.get(item.speaker_id)
        if mention is None:
            return "—"
        if mention.entity_id and mention.entity_id in self.session.entities:
            return self.session.entities[mention.entity_id].name
        return self.session.span_text(mention.start, mention.end)

    def _cue(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Quote) or item.cue is None:
            return "—"
        return self.session.span_text(*item.cue)

    def load(self, session: ArticleSession) -> None:
        self.session = session
        self.model.reset(session.quotes.values())


class QtStancesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ArticleSession | None = None
        columns: list[Column] = [
            ("Holder", self._holder),
            ("Polarity", lambda s: getattr(s, "polarity", "")),
            ("Target", self._target),
            ("Evidence", lambda s: str(len(getattr(s, "evidence", [])))),
        ]
        self.model = QtItemTableModel(columns, lambda s: (self._holder(s), s.id), tooltip=self._tip)
        self.table = QtItemTable(Layer.STANCE, self.model, self)
        self.table.setObjectName("stanceTable")
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 70)
        self.table.setColumnWidth(2, 200)
        hint = QLabel("Select evidence (or a quote), T: stance · E: add evidence", self)
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(hint)

    def _entity(self, entity_id: str | None) -> str:
        if self.session is None or entity_id is None:
            return ""
        entity = self.session.entities.get(entity_id)
        return entity.name if entity else "?"

    def _holder(self, item: AnyItem) -> str:
        return self._entity(item.holder_id) if isinstance(item, Stance) else ""

    def _target(self, item: AnyItem) -> str:
        if not isinstance(item, Stance):
            return ""
        return item.target_topic or self._entity(item.target_entity_id)

    def _tip(self, item: AnyItem) -> str:
        if self.session is None or not isinstance(item, Stance):
            return ""
        lines = [f"{self._holder(item)} → {self._target(item)}: {item.polarity}"]
        lines += [f"• {_short(self.session.span_text(e.start, e.end), 100)}" for e in item.evidence]
        if item.note:
            lines.append(item.note)
        return "\n".join(lines)

    def load(self, session: ArticleSession) -> None:
        self.session = session
        self.model.reset(session.stances.values())


class QtDocumentPanel(QWidget):
    """One choice per document question of the schema."""

    answer_chosen = Signal(str, object)  # question, value or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = QFormLayout(self)
        self._combos: dict[str, QComboBox] = {}
        self._quiet = False

    def load(self, schema: Schema, labels: list[DocumentLabel]) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self._combos = {}
        answers = {label.question: label.values for label in labels}
        for question in schema.document_questions:
            combo = QComboBox(self)
            combo.setObjectName(f"question_{question.name}")
            combo.addItem("—", None)
            for choice in question.choices:
                combo.addItem(choice, choice)
            values = answers.get(question.name)
            combo.setCurrentIndex(combo.findData(values[0]) if values else 0)
            combo.currentIndexChanged.connect(
                lambda _i, q=question.name, c=combo: self._on_combo_changed(q, c)
            )
            combo.setToolTip(question.guideline or question.prompt)
            self._combos[question.name] = combo
            self._form.addRow(QLabel(question.prompt or question.name, self), combo)

    def _on_combo_changed(self, question: str, combo: QComboBox) -> None:
        if not self._quiet:
            self.answer_chosen.emit(question, combo.currentData())

    def show_answer(self, question: str, value: str | None) -> None:
        combo = self._combos.get(question)
        if combo is None:
            return
        self._quiet = True
        combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
        self._quiet = False

    def combo(self, question: str) -> QComboBox:
        return self._combos[question]


class QtLabelPalette(QWidget):
    """The schema's entity types as coloured buttons with their hotkeys."""

    def __init__(self, on_label: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_label = on_label
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 2, 4, 2)
        self.buttons: dict[str, QPushButton] = {}

    def load(self, schema: Schema) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for entity_type in schema.entity_types:
            key = f"{entity_type.hotkey} " if entity_type.hotkey else ""
            button = QPushButton(f"{key}{entity_type.name}", self)
            button.setObjectName(f"palette_{entity_type.name}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(
                f"QPushButton {{ background: {entity_type.color}; color: #111; "
                "border: 1px solid #888; border-radius: 3px; padding: 2px 8px; }"
            )
            button.setToolTip(entity_type_tooltip(entity_type))
            button.clicked.connect(lambda _c=False, n=entity_type.name: self._on_label(n))
            self._layout.addWidget(button)
            self.buttons[entity_type.name] = button
        self._layout.addStretch(1)
        legend = QLabel("quote: underline · cue: bold · evidence: dotted", self)
        legend.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # The legend gives way before the label buttons do when the window is narrow.
        legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        legend.setMinimumWidth(0)
        self._layout.addWidget(legend)


__all__ = [
    "QColor",
    "QtDocumentPanel",
    "QtEntitiesPanel",
    "QtItemTable",
    "QtLabelPalette",
    "QtQuotesPanel",
    "QtStancesPanel",
]
