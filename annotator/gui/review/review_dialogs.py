"""Reviewer dialogs: edit or override a whole unit, comment on an item, send a set back."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from annotator.domain.annotations import DocumentLabel, Layer, Mention, Quote, Stance
from annotator.gui.review.review_text import clip
from annotator.services.review import ArticleReview, UnitChanges
from annotator.services.review_units import Group, Unit


class QtUnitDialog(QDialog):
    """Change one annotator's version of a unit before it goes into gold.

    "Start from" picks whose version the fields begin with. As an override the reason is
    required (OK stays disabled until there is one).
    """

    def __init__(
        self,
        review: ArticleReview,
        group: Group,
        candidates: list[Unit],
        current: Unit,
        *,
        override: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._review = review
        self._candidates = candidates
        self._unit = current
        self._override = override
        self.setWindowTitle("Override with a reason" if override else "Edit, then accept")
        self.setObjectName("reviewOverrideDialog" if override else "reviewEditDialog")
        form = QFormLayout(self)
        self.base = QComboBox(self)
        self.base.setObjectName("editBase")
        for n, unit in enumerate(candidates):
            self.base.addItem(f"{review.name(unit.owner)}: {clip(review.describe(unit), 80)}", n)
        form.addRow("Start from:", self.base)
        schema = review.project.schema
        item = current.item
        self.start: QSpinBox | None = None
        self.end: QSpinBox | None = None
        self.label: QComboBox | None = None
        self.quote_type: QComboBox | None = None
        self.speaker: QComboBox | None = None
        self.cue: QComboBox | None = None
        self.span_choice: QComboBox | None = None
        self.polarity: QComboBox | None = None
        self.answer: QComboBox | None = None
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        if isinstance(item, Mention):
            self.start, self.end = QSpinBox(self), QSpinBox(self)
            for box in (self.start, self.end):
                box.setRange(0, len(review.text))
                box.valueChanged.connect(self._update_preview)
            self.start.setObjectName("editStart")
            self.end.setObjectName("editEnd")
            row = QHBoxLayout()
            row.addWidget(QLabel("from", self))
            row.addWidget(self.start)
            row.addWidget(QLabel("to", self))
            row.addWidget(self.end)
            row.addStretch(1)
            form.addRow("Span:", row)
            form.addRow("Text:", self.preview)
            self.label = self._combo("editLabel", schema.entity_labels)
            form.addRow("Type:", self.label)
        elif isinstance(item, Quote):
            self.span_choice = QComboBox(self)
            self.span_choice.setObjectName("editQuoteSpan")
            for span in sorted({u.span for u in _units(group) if u.span}):
                self.span_choice.addItem(f"“{clip(review.text[span[0] : span[1]], 70)}”", span)
            form.addRow("Quote:", self.span_choice)
            self.quote_type = self._combo("editQuoteType", schema.quote_type_names)
            form.addRow("Type:", self.quote_type)
            self.speaker = QComboBox(self)
            self.speaker.setObjectName("editSpeaker")
            for span in _speaker_choices(review, group):
                text = clip(review.text[span[0] : span[1]], 40)
                self.speaker.addItem(f"“{text}” at {span[0]}", span)
            form.addRow("Speaker:", self.speaker)
            self.cue = QComboBox(self)
            self.cue.setObjectName("editCue")
            self.cue.addItem("(no cue)", None)
            cues = sorted(
                {u.item.cue for u in _units(group) if isinstance(u.item, Quote) and u.item.cue}
            )
            for cue in cues:
                self.cue.addItem(f"“{clip(review.text[cue[0] : cue[1]], 40)}” at {cue[0]}", cue)
            form.addRow("Cue:", self.cue)
        elif isinstance(item, Stance):
            self.polarity = self._combo("editPolarity", schema.polarity_names)
            form.addRow("Polarity:", self.polarity)
        elif isinstance(item, DocumentLabel):
            question = schema.question(item.question)
            self.answer = self._combo("editAnswer", question.choices if question else [])
            form.addRow(f"{item.question}:", self.answer)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reviewReason")
        self.reason.setPlaceholderText(
            "Why gold differs from the annotators (required)" if override else "Optional"
        )
        form.addRow("Reason:", self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.reason.textChanged.connect(self._update_ok)
        self.base.setCurrentIndex(candidates.index(current))
        self.base.currentIndexChanged.connect(lambda n: self._load(self._candidates[int(n)]))
        self._load(current)
        first = self.polarity or self.label or self.quote_type or self.answer or self.reason
        first.setFocus()
        self.resize(640, self.sizeHint().height())

    def _combo(self, name: str, values: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        for value in values:
            combo.addItem(value, value)
        return combo

    @staticmethod
    def _choose(combo: QComboBox | None, value: object) -> None:
        if combo is None:
            return
        index = combo.findData(value)
        if index < 0 and isinstance(value, str):
            combo.addItem(value, value)  # a value the schema no longer has, kept visible
            index = combo.count() - 1
        combo.setCurrentIndex(max(0, index))

    def _load(self, unit: Unit) -> None:
        """Fill the fields from one annotator's version."""
        self._unit = unit
        item = unit.item
        if isinstance(item, Mention) and self.start and self.end:
            self.start.setValue(item.start)
            self.end.setValue(item.end)
            self._choose(self.label, item.label)
        elif isinstance(item, Quote):
            self._choose(self.span_choice, (item.start, item.end))
            self._choose(self.quote_type, item.quote_type)
            self._choose(self.speaker, _speaker_span(self._review, unit))
            if self.cue is not None:
                self.cue.setCurrentIndex(max(0, self.cue.findData(item.cue)) if item.cue else 0)
        elif isinstance(item, Stance):
            self._choose(self.polarity, item.polarity)
        elif isinstance(item, DocumentLabel):
            self._choose(self.answer, item.values[0])
        self._update_preview()

    def _update_preview(self) -> None:
        if self.start is not None and self.end is not None:
            start, end = self.start.value(), self.end.value()
            if end <= start:
                self.preview.setText("(empty span)")
            else:
                self.preview.setText(f"“{clip(self._review.text[start:end], 80)}”")
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        valid = self.start is None or self.end is None or self.end.value() > self.start.value()
        if self._override:
            valid = valid and bool(self.reason.text().strip())
        ok.setEnabled(valid)

    def base_unit(self) -> Unit:
        return self._unit

    def changes(self) -> UnitChanges:
        """What differs from the starting version (fields left as they were stay ``None``)."""
        item = self._unit.item
        values: dict[str, object] = {}
        if isinstance(item, Mention) and self.start and self.end and self.label:
            span = (self.start.value(), self.end.value())
            if span != (item.start, item.end):
                values["span"] = span
            if self.label.currentData() != item.label:
                values["label"] = self.label.currentData()
        elif isinstance(item, Quote) and self.quote_type and self.speaker and self.cue:
            chosen = self.span_choice.currentData() if self.span_choice else None
            if chosen is not None and tuple(chosen) != (item.start, item.end):
                values["span"] = tuple(chosen)
            if self.quote_type.currentData() != item.quote_type:
                values["quote_type"] = self.quote_type.currentData()
            speaker = self.speaker.currentData()
            if speaker is not None and tuple(speaker) != _speaker_span(self._review, self._unit):
                values["speaker_span"] = tuple(speaker)
            cue = self.cue.currentData()
            if cue is None and item.cue is not None:
                values["clear_cue"] = True
            elif cue is not None and tuple(cue) != item.cue:
                values["cue"] = tuple(cue)
        elif isinstance(item, Stance) and self.polarity:
            if self.polarity.currentData() != item.polarity:
                values["polarity"] = self.polarity.currentData()
        elif (
            isinstance(item, DocumentLabel)
            and self.answer
            and [self.answer.currentData()] != item.values
        ):
            values["values"] = (self.answer.currentData(),)
        return UnitChanges(**values)  # type: ignore[arg-type]

    def reason_text(self) -> str:
        return self.reason.text().strip()


def _units(group: Group) -> list[Unit]:
    return [u for v in group.variants for u in v.units]


def _speaker_span(review: ArticleReview, unit: Unit) -> tuple[int, int] | None:
    item = unit.item
    if not isinstance(item, Quote) or item.speaker_id is None:
        return None
    source = review.set_of(unit)
    mention = next((m for m in source.mentions if m.id == item.speaker_id), None)
    return (mention.start, mention.end) if mention else None


def _speaker_choices(review: ArticleReview, group: Group) -> list[tuple[int, int]]:
    """The variants' speakers first, then every person or organisation anyone marked."""
    first = [s for s in (_speaker_span(review, u) for u in _units(group)) if s is not None]
    others = {
        (m.start, m.end)
        for s in [*review.sets.values(), *([review.gold] if review.gold else [])]
        for m in s.mentions
        if m.label in ("PER", "ORG", "NORP", "GPE")
    }
    return list(dict.fromkeys([*first, *sorted(others)]))


class QtNoteDialog(QDialog):
    """A comment for one annotator (about an item of theirs, or their whole set)."""

    def __init__(
        self,
        title: str,
        prompt: str,
        annotators: list[tuple[str, str]],  # (name, id)
        *,
        current: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reviewNoteDialog")
        self.resize(520, 260)
        form = QFormLayout(self)
        label = QLabel(prompt, self)
        label.setWordWrap(True)
        form.addRow(label)
        self.annotator = QComboBox(self)
        self.annotator.setObjectName("noteAnnotator")
        for name, annotator_id in annotators:
            self.annotator.addItem(name, annotator_id)
        if current is not None:
            self.annotator.setCurrentIndex(max(0, self.annotator.findData(current)))
        form.addRow("For:", self.annotator)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("noteText")
        self.text.setTabChangesFocus(True)
        form.addRow("Comment:", self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._ok: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(
            lambda: self._ok.setEnabled(bool(self.text.toPlainText().strip()))
        )
        form.addRow(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self._accept_if_written)
        self.text.setPlaceholderText("Ctrl+Enter saves")
        self.text.setFocus()

    def _accept_if_written(self) -> None:
        if self.comment():
            self.accept()

    def annotator_id(self) -> str:
        return str(self.annotator.currentData())

    def comment(self) -> str:
        return self.text.toPlainText().strip()


__all__ = ["Layer", "QtNoteDialog", "QtUnitDialog"]
