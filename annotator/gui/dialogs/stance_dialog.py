"""The stance dialog: holder, target (entity or topic, new topics allowed), polarity by key."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from annotator.domain.annotations import Entity
from annotator.domain.schema import Polarity


@dataclass(frozen=True)
class StanceChoice:
    holder_id: str
    target_entity_id: str | None
    target_topic: str | None
    polarity: str
    note: str


class QtStanceDialog(QDialog):
    def __init__(
        self,
        entities: list[Entity],
        topics: list[str],
        polarities: list[Polarity],
        evidence_preview: str,
        *,
        holder_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New stance")
        self.setObjectName("stanceDialog")
        self.resize(560, 320)
        self.holder = QComboBox(self)
        self.holder.setObjectName("stanceHolder")
        for entity in entities:
            self.holder.addItem(f"{entity.name} ({entity.label})", entity.id)
        if holder_id is not None:
            self.holder.setCurrentIndex(max(0, self.holder.findData(holder_id)))
        self.target = QComboBox(self)
        self.target.setObjectName("stanceTarget")
        self.target.setEditable(True)
        self.target.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.target.lineEdit()
        if line is not None:
            line.setPlaceholderText("A topic, an entity, or type a new topic")
        for topic in topics:
            self.target.addItem(f"Topic: {topic}", ("topic", topic))
        for entity in entities:
            self.target.addItem(f"Entity: {entity.name} ({entity.label})", ("entity", entity.id))
        self.note = QLineEdit(self)
        self.note.setObjectName("stanceNote")
        self._polarity = QButtonGroup(self)
        row = QHBoxLayout()
        for n, polarity in enumerate(polarities):
            key = f" [{polarity.key}]" if polarity.key else ""
            button = QRadioButton(f"{polarity.name}{key}", self)
            button.setObjectName(f"polarity_{polarity.name}")
            button.setProperty("polarity", polarity.name)
            self._polarity.addButton(button, n)
            row.addWidget(button)
            if polarity.key:
                # The plain key where no text is being typed; Alt+key anywhere in the dialog.
                for sequence in (polarity.key.upper(), f"Alt+{polarity.key.upper()}"):
                    shortcut = QShortcut(QKeySequence(sequence), self)
                    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                    shortcut.activated.connect(lambda b=button: b.setChecked(True))
        if self._polarity.buttons():
            self._polarity.buttons()[0].setChecked(True)
        preview = QLabel(evidence_preview or "(no evidence yet)", self)
        preview.setWordWrap(True)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Evidence:", preview)
        form.addRow("Holder:", self.holder)
        form.addRow("Target:", self.target)
        form.addRow("Polarity:", row)
        form.addRow("Comment:", self.note)
        form.addRow(self._buttons)
        self.holder.setFocus()

    def set_polarity(self, name: str) -> None:
        for button in self._polarity.buttons():
            if button.property("polarity") == name:
                button.setChecked(True)

    def polarity(self) -> str:
        button = self._polarity.checkedButton()
        return str(button.property("polarity")) if button else ""

    def choice(self) -> StanceChoice | None:
        holder = self.holder.currentData()
        if holder is None:
            return None
        text = self.target.currentText().strip()
        data = self.target.currentData()
        index = self.target.findText(text)
        if index >= 0:
            data = self.target.itemData(index)
        elif text:
            data = ("topic", text.removeprefix("Topic: ").strip())
        if not data:
            return None
        kind, value = data
        return StanceChoice(
            holder_id=str(holder),
            target_entity_id=value if kind == "entity" else None,
            target_topic=value if kind == "topic" else None,
            polarity=self.polarity(),
            note=self.note.text().strip(),
        )
