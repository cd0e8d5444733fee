"""Project → Labels…: the label schema editor, every change saved as a new version and undoable.

Each action here (add, rename, recolour, reorder, a guideline saved, …) is one schema version
with a note. Renaming, merging or deleting a label that is in use shows how many items follow
before it is done; their items change in the same transaction, and one undo takes both back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.domain.schema import (
    DocumentQuestion,
    EntityType,
    Polarity,
    QuoteType,
    Schema,
    Topic,
    merge_schemas,
)
from annotator.services.schema_changes import (
    LabelKind,
    LabelOp,
    LabelRef,
    OpKind,
    check_name,
    count_usages,
)

#: The schema's list attribute for each kind of label with its own tab.
_ATTRIBUTE = {
    LabelKind.ENTITY_TYPE: "entity_types",
    LabelKind.QUOTE_TYPE: "quote_types",
    LabelKind.POLARITY: "polarities",
    LabelKind.TOPIC: "topics",
    LabelKind.QUESTION: "document_questions",
}

#: Colours offered to a new entity type, in turn (light enough for black text).
NEW_COLOURS = ("#ffadad", "#bdb2ff", "#ffd6a5", "#a0c4ff", "#caffbf", "#9bf6ff", "#fdffb6")


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)  # the true colour on a selected row too
    return icon


class QtDeleteLabelDialog(QDialog):
    """The explicit choice a label in use needs: its items take another label, or go too."""

    def __init__(
        self, ref: LabelRef, usage_text: str, others: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Delete {ref}")
        self.setObjectName("deleteLabelDialog")
        message = QLabel(
            f"<b>{ref}</b> is used by {usage_text}.<br>What should happen to those labels?", self
        )
        message.setWordWrap(True)
        self.reassign = QRadioButton("Give them another label:", self)
        self.reassign.setObjectName("reassignChoice")
        self.target = QComboBox(self)
        self.target.setObjectName("reassignTarget")
        self.target.addItems(others)
        self.delete = QRadioButton("Delete them (and what depends on them)", self)
        self.delete.setObjectName("deleteChoice")
        group = QButtonGroup(self)
        group.addButton(self.reassign)
        group.addButton(self.delete)
        if others:
            self.reassign.setChecked(True)
        else:
            self.reassign.setEnabled(False)
            self.target.setEnabled(False)
            self.delete.setChecked(True)
        self.target.currentIndexChanged.connect(lambda _i: self.reassign.setChecked(True))
        row = QHBoxLayout()
        row.addWidget(self.reassign)
        row.addWidget(self.target, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Delete label")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel("One undo (Ctrl+Z here, or Project → Undo label change) takes it back.", self)
        note.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addLayout(row)
        layout.addWidget(self.delete)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def choice(self) -> str | None:
        """The label that takes over, or None to delete the items."""
        return self.target.currentText() if self.reassign.isChecked() else None


class _MarkdownEditor(QWidget):
    """Markdown source on the left, its rendering on the right, updated as one types."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = QPlainTextEdit(self)
        self.source.setObjectName(f"{name}Source")
        self.source.setPlaceholderText("Markdown: **bold**, *italic*, lists with -, # headings")
        self.preview = QTextBrowser(self)
        self.preview.setObjectName(f"{name}Preview")
        self.preview.setOpenExternalLinks(True)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.source)
        splitter.addWidget(self.preview)
        splitter.setSizes([1, 1])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.source.textChanged.connect(self._on_source_text_changed)

    def _on_source_text_changed(self) -> None:
        self.preview.setMarkdown(self.source.toPlainText())

    def text(self) -> str:
        return self.source.toPlainText()

    def set_text(self, text: str) -> None:
        if text != self.source.toPlainText():
            self.source.setPlainText(text)
        self.preview.setMarkdown(text)


class _LabelTab(QWidget):
    """One kind of label: the list (ordered, drag to reorder) and the chosen label's fields."""

    def __init__(self, editor: QtSchemaEditor, kind: LabelKind, fields: list[str]) -> None:
        super().__init__(editor)
        self.editor = editor
        self.kind = kind
        self.fields = fields
        self._loading = False
        self._shown: str | None = None
        slug = kind.name.lower()
        self.list = QListWidget(self)
        self.list.setObjectName(f"{slug}List")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setIconSize(QSize(14, 14))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.list.model().rowsMoved.connect(self._on_rows_moved)
        self.buttons: dict[str, QPushButton] = {}
        button_box = QVBoxLayout()
        for key, text, slot in (
            ("add", "&Add…", self.add),
            ("rename", "&Rename…", self.rename),
            ("merge", "&Merge into…", self.merge),
            ("delete", "&Delete…", self.delete),
            ("up", "Move &up", lambda: self.move_selected(-1)),
            ("down", "Move do&wn", lambda: self.move_selected(1)),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"{slug}_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            button_box.addWidget(button)
            self.buttons[key] = button
        button_box.addStretch(1)
        if kind is LabelKind.QUESTION:
            self.buttons["merge"].hide()  # answers of two questions cannot be merged
        self.usage = QLabel(self)
        self.usage.setObjectName(f"{slug}Usage")
        self.usage.setWordWrap(True)

        self.form = QFormLayout()
        self.description = QLineEdit(self)
        self.description.setObjectName(f"{slug}Description")
        self.description.editingFinished.connect(self.commit_fields)
        self.prompt = QLineEdit(self)
        self.prompt.setObjectName(f"{slug}Prompt")
        self.prompt.editingFinished.connect(self.commit_fields)
        self.hotkey = QComboBox(self)
        self.hotkey.setObjectName(f"{slug}Hotkey")
        self.hotkey.addItem("none", None)
        for digit in range(1, 10):
            self.hotkey.addItem(str(digit), digit)
        self.hotkey.currentIndexChanged.connect(lambda _i: self.commit_fields())
        self.key = QLineEdit(self)
        self.key.setObjectName(f"{slug}Key")
        self.key.setMaxLength(1)
        self.key.setMaximumWidth(40)
        self.key.editingFinished.connect(self.commit_fields)
        self.color = QPushButton("Colour…", self)
        self.color.setObjectName(f"{slug}Color")
        self.color.clicked.connect(self.choose_color)
        self.multiple = QCheckBox("Annotators may pick several answers", self)
        self.multiple.setObjectName(f"{slug}Multiple")
        self.multiple.toggled.connect(lambda _on: self.commit_fields())
        self.guideline = _MarkdownEditor(f"{slug}Guideline", self)
        self.guideline.source.setMinimumHeight(140)
        self.save_guideline = QPushButton("Save guideline", self)
        self.save_guideline.setObjectName(f"{slug}SaveGuideline")
        self.save_guideline.clicked.connect(self.commit_fields)
        self.save_guideline.setEnabled(False)
        self.guideline.source.textChanged.connect(self._on_guideline_text_changed)
        self.choices: _ChoicesBox | None = None

        self.form.addRow("", self.usage)
        if "description" in fields:
            self.form.addRow("Description:", self.description)
        if "prompt" in fields:
            self.form.addRow("Question:", self.prompt)
        if "hotkey" in fields:
            row = QHBoxLayout()
            row.addWidget(self.hotkey)
            row.addWidget(self.color)
            row.addStretch(1)
            self.form.addRow("Key, colour:", row)
        if "key" in fields:
            self.form.addRow("Key:", self.key)
        if "multiple" in fields:
            self.form.addRow("", self.multiple)
        if "choices" in fields:
            self.choices = _ChoicesBox(self)
            self.form.addRow("Choices:", self.choices)
        unused: dict[str, list[QWidget]] = {
            "description": [self.description],
            "prompt": [self.prompt],
            "hotkey": [self.hotkey, self.color],
            "key": [self.key],
            "multiple": [self.multiple],
            "guideline": [self.guideline, self.save_guideline],
        }
        for field, widgets in unused.items():
            if field not in fields:
                for widget in widgets:
                    widget.hide()
        detail = QVBoxLayout()
        detail.addLayout(self.form)
        if "guideline" in fields:
            head = QHBoxLayout()
            head.addWidget(QLabel("Guideline (Markdown, preview on the right):", self))
            head.addStretch(1)
            head.addWidget(self.save_guideline)
            detail.addLayout(head)
            detail.addWidget(self.guideline, 1)
        else:
            detail.addStretch(1)
        left = QHBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(button_box)
        layout = QHBoxLayout(self)
        left_widget = QWidget(self)
        left_widget.setLayout(left)
        left_widget.setMinimumWidth(300)
        right_widget = QWidget(self)
        right_widget.setLayout(detail)
        layout.addWidget(left_widget, 2)
        layout.addWidget(right_widget, 3)

    # -- reading --------------------------------------------------------------------------------

    def items(self, schema: Schema | None = None) -> list[Any]:
        return list(getattr(schema or self.editor.schema, _ATTRIBUTE[self.kind]))

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def selected(self) -> Any | None:
        name = self.selected_name()
        return next((i for i in self.items() if i.name == name), None)

    def _text(self, item: Any) -> str:
        if self.kind is LabelKind.ENTITY_TYPE:
            key = str(item.hotkey) if item.hotkey else "–"
            return f"{key}   {item.name}" + (f" — {item.description}" if item.description else "")
        if self.kind is LabelKind.POLARITY:
            key = item.key or "–"
            return f"{key}   {item.name}" + (f" — {item.description}" if item.description else "")
        if self.kind is LabelKind.QUESTION:
            return f"{item.name} — {', '.join(item.choices)}"
        return item.name + (f" — {item.description}" if item.description else "")

    def load(self, select: str | None = None) -> None:
        self._loading = True
        try:
            keep = select or self.selected_name()
            self.list.clear()
            for label in self.items():
                entry = QListWidgetItem(self._text(label))
                entry.setData(Qt.ItemDataRole.UserRole, label.name)
                if self.kind is LabelKind.ENTITY_TYPE:
                    entry.setIcon(_swatch(label.color))
                self.list.addItem(entry)
            names = [i.name for i in self.items()]
            row = names.index(keep) if keep in names else (0 if names else -1)
            self.list.setCurrentRow(row)
        finally:
            self._loading = False
        self._show_selected()

    def shown(self) -> Any | None:
        """The label whose fields the form shows (the list may have moved on already)."""
        return next((i for i in self.items() if i.name == self._shown), None)

    def _show_selected(self) -> None:
        label = self.selected()
        self._shown = None if label is None else label.name
        self._loading = True
        try:
            for widget in (self.description, self.prompt, self.hotkey, self.key, self.color):
                widget.setEnabled(label is not None)
            self.guideline.setEnabled(label is not None)
            for key in ("rename", "merge", "delete", "up", "down"):
                self.buttons[key].setEnabled(label is not None)
            if label is None:
                self.usage.setText("No label chosen.")
                self.description.clear()
                self.guideline.set_text("")
                if self.choices is not None:
                    self.choices.load(None)
                return
            usage = count_usages(self.editor.project, LabelRef(self.kind, label.name))
            self.usage.setText(
                f"<b>{label.name}</b> — used by {usage.describe()}."
                if usage.total
                else f"<b>{label.name}</b> — no item uses it yet."
            )
            self.description.setText(getattr(label, "description", ""))
            self.prompt.setText(getattr(label, "prompt", ""))
            if self.kind is LabelKind.ENTITY_TYPE:
                self.hotkey.setCurrentIndex(self.hotkey.findData(label.hotkey))
                self.color.setIcon(_swatch(label.color))
                self.color.setText(label.color)
            if self.kind is LabelKind.POLARITY:
                self.key.setText(label.key or "")
            if self.kind is LabelKind.QUESTION:
                self.multiple.setChecked(label.multiple)
            self.guideline.set_text(getattr(label, "guideline", ""))
            self.save_guideline.setEnabled(False)
            if self.choices is not None:
                self.choices.load(label)
        finally:
            self._loading = False

    def _on_list_current_row_changed(self, _row: int) -> None:
        if self._loading:
            return
        if self.pending_changes():
            self.commit_fields()  # the label left behind keeps what was typed for it
        self._show_selected()

    def _on_guideline_text_changed(self) -> None:
        label = self.shown()
        dirty = label is not None and self.guideline.text() != getattr(label, "guideline", "")
        self.save_guideline.setEnabled(dirty)

    # -- changing -------------------------------------------------------------------------------

    def _with_items(self, items: list[Any]) -> Schema:
        return self.editor.schema.model_copy(update={_ATTRIBUTE[self.kind]: items})

    def pending_changes(self) -> dict[str, Any]:
        """Fields of the shown label whose widgets differ from the stored schema."""
        label = self.shown()
        if label is None or self._loading:
            return {}
        changed: dict[str, Any] = {}
        if "description" in self.fields and self.description.text() != label.description:
            changed["description"] = self.description.text()
        if "prompt" in self.fields and self.prompt.text() != label.prompt:
            changed["prompt"] = self.prompt.text()
        if "hotkey" in self.fields and self.hotkey.currentData() != label.hotkey:
            changed["hotkey"] = self.hotkey.currentData()
        if "key" in self.fields and (self.key.text().strip() or None) != label.key:
            changed["key"] = self.key.text().strip().lower() or None
        if "multiple" in self.fields and self.multiple.isChecked() != label.multiple:
            changed["multiple"] = self.multiple.isChecked()
        if "guideline" in self.fields and self.guideline.text() != label.guideline:
            changed["guideline"] = self.guideline.text()
        return changed

    def commit_fields(self) -> None:
        """Save the chosen label's edited fields as one schema version."""
        changed = self.pending_changes()
        label = self.shown()
        if not changed or label is None:
            return
        refusal = self._refusal(label, changed)
        if refusal:
            QMessageBox.warning(self, "Not changed", refusal)
            self._show_selected()
            return
        items = [i.model_copy(update=changed) if i.name == label.name else i for i in self.items()]
        what = ", ".join("guideline" if k == "guideline" else k for k in changed)
        note = f"{self.kind} {label.name}: {what}"
        if not self.editor.apply(LabelOp(OpKind.EDIT, schema=self._with_items(items), note=note)):
            self._show_selected()

    def _refusal(self, label: Any, changed: dict[str, Any]) -> str:
        hotkey = changed.get("hotkey")
        if hotkey is not None:
            holder = next(
                (t for t in self.items() if t.hotkey == hotkey and t.name != label.name), None
            )
            if holder is not None:
                return (
                    f"Key {hotkey} is already used by {holder.name}. Clear {holder.name}'s key "
                    "or choose another one."
                )
        if "key" in changed and changed["key"] is not None:
            key = changed["key"]
            if not (len(key) == 1 and "a" <= key <= "z"):
                return "A polarity key is one letter, a to z."
            holder = next((p for p in self.items() if p.key == key and p.name != label.name), None)
            if holder is not None:
                return f"Key {key!r} is already used by {holder.name}."
        return ""

    def choose_color(self) -> None:
        label = self.selected()
        if label is None:
            return
        chosen = QColorDialog.getColor(QColor(label.color), self, f"Colour of {label.name}")
        if not chosen.isValid():
            return
        color = chosen.name()
        if color == label.color:
            return
        items = [
            i.model_copy(update={"color": color}) if i.name == label.name else i
            for i in self.items()
        ]
        self.editor.apply(
            LabelOp(
                OpKind.EDIT, schema=self._with_items(items), note=f"{label.name}: colour {color}"
            )
        )

    def _new_label(self, name: str) -> Any:
        if self.kind is LabelKind.ENTITY_TYPE:
            taken = {t.hotkey for t in self.items()}
            free = next((d for d in range(1, 10) if d not in taken), None)
            color = NEW_COLOURS[len(self.items()) % len(NEW_COLOURS)]
            return EntityType(name=name, hotkey=free, color=color)
        if self.kind is LabelKind.QUOTE_TYPE:
            return QuoteType(name=name)
        if self.kind is LabelKind.POLARITY:
            return Polarity(name=name)
        if self.kind is LabelKind.TOPIC:
            return Topic(name=name)
        return DocumentQuestion(name=name, prompt="", choices=["yes", "no"])

    def add(self, name: str | None = None) -> None:
        self.editor.commit_pending()
        if name is None:
            name, ok = QInputDialog.getText(
                self, f"New {self.kind}", f"Name of the new {self.kind}:"
            )
            if not ok:
                return
        try:
            name = check_name(self.kind, name)
            label = self._new_label(name)
        except (AnnotatorError, ValueError) as error:
            QMessageBox.warning(self, "Not added", str(error))
            return
        if name in [i.name for i in self.items()]:
            QMessageBox.warning(self, "Not added", f"There is a {self.kind} {name} already.")
            return
        op = LabelOp(
            OpKind.EDIT,
            schema=self._with_items([*self.items(), label]),
            note=f"Add {self.kind} {name}",
        )
        if self.editor.apply(op):
            self.load(select=name)

    def rename(self, new: str | None = None) -> None:
        label = self.selected()
        if label is None:
            return
        self.editor.commit_pending()
        if new is None:
            new, ok = QInputDialog.getText(
                self, f"Rename {self.kind}", f"New name for {label.name}:", text=label.name
            )
            if not ok or new.strip() == label.name:
                return
        ref = LabelRef(self.kind, label.name)
        op = LabelOp(OpKind.RENAME, ref, new.strip())
        if self.editor.confirm(op, f"Rename {label.name} to {new.strip()}?"):
            self.editor.apply(op)
            self.load(select=new.strip())

    def merge(self) -> None:
        label = self.selected()
        if label is None:
            return
        self.editor.commit_pending()
        others = [i.name for i in self.items() if i.name != label.name]
        if not others:
            QMessageBox.information(self, "Merge", f"There is no other {self.kind} to merge into.")
            return
        target, ok = QInputDialog.getItem(
            self, f"Merge {label.name}", f"Merge {label.name} into:", others, 0, False
        )
        if not ok:
            return
        op = LabelOp(OpKind.MERGE, LabelRef(self.kind, label.name), target)
        if self.editor.confirm(op, f"Merge {label.name} into {target}? {label.name} disappears."):
            self.editor.apply(op)
            self.load(select=target)

    def delete(self) -> None:
        label = self.selected()
        if label is None:
            return
        self.editor.commit_pending()
        ref = LabelRef(self.kind, label.name)
        usage = count_usages(self.editor.project, ref)
        if not usage.total:
            answer = QMessageBox.question(self, f"Delete {ref}", f"Delete {ref}? No item uses it.")
            if answer == QMessageBox.StandardButton.Yes:
                self.editor.apply(LabelOp(OpKind.DELETE, ref))
            return
        others = (
            []
            if self.kind is LabelKind.QUESTION
            else [i.name for i in self.items() if i.name != label.name]
        )
        dialog = QtDeleteLabelDialog(ref, usage.describe(), others, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        target = dialog.choice()
        dialog.deleteLater()
        if not accepted:
            return
        if target is None:
            self.editor.apply(LabelOp(OpKind.DELETE, ref))
        else:
            self.editor.apply(LabelOp(OpKind.REASSIGN, ref, target))

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        items = self.items()
        if row < 0 or not 0 <= row + step < len(items):
            return
        self.editor.commit_pending()
        items.insert(row + step, items.pop(row))
        self._reorder(items, moved=items[row + step].name)

    def _on_rows_moved(self, *_args: object) -> None:
        if self._loading:
            return
        names = [
            str(self.list.item(r).data(Qt.ItemDataRole.UserRole)) for r in range(self.list.count())
        ]
        by_name = {i.name: i for i in self.items()}
        if set(names) != set(by_name) or names == list(by_name):
            return
        # The drop is finished only when this slot returns: reorder after it.
        moved = self.selected_name()
        QTimer.singleShot(0, lambda: self._reorder([by_name[n] for n in names], moved=moved))

    def _reorder(self, items: list[Any], *, moved: str | None) -> None:
        if self.kind is LabelKind.ENTITY_TYPE:
            # Keys follow the order: the same keys, handed out from the top of the list.
            keys = sorted(t.hotkey for t in items if t.hotkey is not None)
            numbered = []
            for item in items:
                if item.hotkey is not None:
                    item = item.model_copy(update={"hotkey": keys.pop(0)})
                numbered.append(item)
            items = numbered
        op = LabelOp(OpKind.EDIT, schema=self._with_items(items), note=f"Reorder {self.kind}s")
        self.editor.apply(op)
        self.load(select=moved)


class _ChoicesBox(QWidget):
    """A document question's choices: add, rename, merge, delete, reorder (answers follow)."""

    def __init__(self, tab: _LabelTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.question: DocumentQuestion | None = None
        self.list = QListWidget(self)
        self.list.setObjectName("choiceList")
        self.list.setMaximumHeight(130)
        buttons = QHBoxLayout()
        for key, text, slot in (
            ("add", "Add…", self.add),
            ("rename", "Rename…", self.rename),
            ("merge", "Merge…", self.merge),
            ("delete", "Delete…", self.delete),
            ("up", "▲", lambda: self.move_selected(-1)),
            ("down", "▼", lambda: self.move_selected(1)),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"choice_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)

    def load(self, question: DocumentQuestion | None) -> None:
        self.question = question
        self.list.clear()
        if question is not None:
            self.list.addItems(question.choices)

    def _ref(self) -> LabelRef | None:
        item = self.list.currentItem()
        if item is None or self.question is None:
            return None
        return LabelRef(LabelKind.CHOICE, item.text(), self.question.name)

    def _edit(self, choices: list[str], note: str) -> None:
        assert self.question is not None
        name = self.question.name
        items = [
            q.model_copy(update={"choices": choices}) if q.name == name else q
            for q in self.tab.items()
        ]
        self.tab.editor.apply(LabelOp(OpKind.EDIT, schema=self.tab._with_items(items), note=note))

    def add(self) -> None:
        if self.question is None:
            return
        text, ok = QInputDialog.getText(
            self, "New choice", f"A new answer to {self.question.name}:"
        )
        if not ok or not text.strip():
            return
        if text.strip() in self.question.choices:
            QMessageBox.warning(self, "Not added", f"{text.strip()!r} is a choice already.")
            return
        self._edit(
            [*self.question.choices, text.strip()], f"{self.question.name}: add {text.strip()!r}"
        )

    def rename(self) -> None:
        ref = self._ref()
        if ref is None:
            return
        new, ok = QInputDialog.getText(
            self, "Rename choice", f"New text for {ref.name!r}:", text=ref.name
        )
        if not ok or new.strip() == ref.name:
            return
        op = LabelOp(OpKind.RENAME, ref, new.strip())
        if self.tab.editor.confirm(op, f"Rename {ref}?"):
            self.tab.editor.apply(op)

    def merge(self) -> None:
        ref = self._ref()
        if ref is None or self.question is None:
            return
        others = [c for c in self.question.choices if c != ref.name]
        target, ok = QInputDialog.getItem(
            self, "Merge choice", f"Merge {ref.name!r} into:", others, 0, False
        )
        if ok:
            op = LabelOp(OpKind.MERGE, ref, target)
            if self.tab.editor.confirm(op, f"Merge {ref} into {target!r}?"):
                self.tab.editor.apply(op)

    def delete(self) -> None:
        ref = self._ref()
        if ref is None or self.question is None:
            return
        usage = count_usages(self.tab.editor.project, ref)
        others = [c for c in self.question.choices if c != ref.name]
        if not usage.total:
            self.tab.editor.apply(LabelOp(OpKind.DELETE, ref))
            return
        dialog = QtDeleteLabelDialog(ref, usage.describe(), others, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        target = dialog.choice()
        dialog.deleteLater()
        if accepted:
            kind = OpKind.DELETE if target is None else OpKind.REASSIGN
            self.tab.editor.apply(LabelOp(kind, ref, target))

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        if self.question is None or row < 0:
            return
        choices = list(self.question.choices)
        if not 0 <= row + step < len(choices):
            return
        choices.insert(row + step, choices.pop(row))
        self._edit(choices, f"{self.question.name}: reorder choices")
        self.list.setCurrentRow(row + step)


class QtSchemaEditor(QDialog):
    """The label schema editor. ``apply`` hands each change to the window's project setup,
    which saves it, puts it on the label undo stack and refreshes the window."""

    def __init__(self, setup: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = setup
        self.project = setup.project
        self.setWindowTitle(f"Labels — {self.project.name}")
        self.setObjectName("schemaEditor")
        self.resize(1100, 720)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("schemaTabs")
        self.label_tabs: dict[LabelKind, _LabelTab] = {
            LabelKind.ENTITY_TYPE: _LabelTab(
                self, LabelKind.ENTITY_TYPE, ["description", "hotkey", "guideline"]
            ),
            LabelKind.QUOTE_TYPE: _LabelTab(
                self, LabelKind.QUOTE_TYPE, ["description", "guideline"]
            ),
            LabelKind.POLARITY: _LabelTab(
                self, LabelKind.POLARITY, ["key", "description", "guideline"]
            ),
            LabelKind.TOPIC: _LabelTab(self, LabelKind.TOPIC, ["description"]),
            LabelKind.QUESTION: _LabelTab(
                self, LabelKind.QUESTION, ["prompt", "multiple", "choices", "guideline"]
            ),
        }
        for kind, title in (
            (LabelKind.ENTITY_TYPE, "&Entity types"),
            (LabelKind.QUOTE_TYPE, "&Quote types"),
            (LabelKind.POLARITY, "&Polarities"),
            (LabelKind.TOPIC, "&Topics"),
            (LabelKind.QUESTION, "Document &questions"),
        ):
            self.tabs.addTab(self.label_tabs[kind], title)

        self.verbs = QPlainTextEdit(self)
        self.verbs.setObjectName("speechVerbs")
        save_verbs = QPushButton("Save speech verbs", self)
        save_verbs.setObjectName("saveSpeechVerbs")
        save_verbs.clicked.connect(self.commit_verbs)
        verbs_tab = QWidget(self)
        verbs_layout = QVBoxLayout(verbs_tab)
        hint = QLabel(
            "Verbs and phrases that introduce a quote (“said”, “according to”), one per line. "
            "They help propose cues and quote types.",
            verbs_tab,
        )
        hint.setWordWrap(True)
        verbs_layout.addWidget(hint)
        verbs_layout.addWidget(self.verbs, 1)
        verbs_layout.addWidget(save_verbs, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(verbs_tab, "&Speech verbs")

        self.guidelines = _MarkdownEditor("projectGuidelines", self)
        save_guidelines = QPushButton("Save guidelines", self)
        save_guidelines.setObjectName("saveProjectGuidelines")
        save_guidelines.clicked.connect(self.commit_guidelines)
        guidelines_tab = QWidget(self)
        guidelines_layout = QVBoxLayout(guidelines_tab)
        guidelines_layout.addWidget(self.guidelines, 1)
        guidelines_layout.addWidget(save_guidelines, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(guidelines_tab, "&Guidelines")

        self.history = QTableWidget(0, 3, self)
        self.history.setObjectName("schemaHistory")
        self.history.setHorizontalHeaderLabels(["Version", "Saved", "Change"])
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.history, "&History")
        self.tabs.currentChanged.connect(lambda _i: self.commit_pending())

        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("schemaUndo")
        self.undo_button.clicked.connect(self.setup.undo_labels)
        self.redo_button = QPushButton("Redo", self)
        self.redo_button.setObjectName("schemaRedo")
        self.redo_button.clicked.connect(self.setup.redo_labels)
        import_button = QPushButton("&Import schema…", self)
        import_button.setObjectName("schemaImport")
        import_button.clicked.connect(lambda: self.import_schema())
        export_button = QPushButton("E&xport schema…", self)
        export_button.setObjectName("schemaExport")
        export_button.clicked.connect(lambda: self.export_schema())
        close_button = QPushButton("Close", self)
        close_button.clicked.connect(self.close)
        self.status = QLabel(self)
        self.status.setObjectName("schemaStatus")
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(import_button)
        bottom.addWidget(export_button)
        bottom.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        for text, keys, slot in (
            ("Undo", QKeySequence.StandardKey.Undo, self.setup.undo_labels),
            ("Redo", QKeySequence.StandardKey.Redo, self.setup.redo_labels),
        ):
            action = QAction(text, self)
            action.setShortcut(keys)
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
        stack = self.setup.stack
        stack.indexChanged.connect(self._on_stack_index_changed)
        self.setup.schema_changed.connect(self._on_setup_schema_changed)
        self.reload()

    # -- state ----------------------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        return self.project.schema

    def reload(self) -> None:
        """Show the stored schema (after any change, undo or redo)."""
        for tab in self.label_tabs.values():
            tab.load()
        self.verbs.setPlainText("\n".join(self.schema.speech_verbs))
        self.guidelines.set_text(self.schema.guidelines)
        versions = list(reversed(self.project.schemas.history()))
        self.history.setRowCount(len(versions))
        for row, version in enumerate(versions):
            when = version.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            for column, text in enumerate((str(version.version), when, version.note)):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._update_undo_buttons()

    def _on_stack_index_changed(self, _index: int) -> None:
        self._update_undo_buttons()

    def _on_setup_schema_changed(self, _change: object) -> None:
        self.reload()

    def _update_undo_buttons(self) -> None:
        stack = self.setup.stack
        if not shiboken6.isValid(stack):  # the window is closing
            return
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())
        self.undo_button.setToolTip(stack.undoText())
        self.redo_button.setToolTip(stack.redoText())
        self.undo_button.setText(f"Undo {_short(stack.undoText())}" if stack.canUndo() else "Undo")
        self.redo_button.setText(f"Redo {_short(stack.redoText())}" if stack.canRedo() else "Redo")

    # -- changing -------------------------------------------------------------------------------

    def apply(self, op: LabelOp) -> bool:
        change = self.setup.change_labels(op, parent=self)
        if change is not None:
            self.status.setText(change.describe())
        return change is not None

    def confirm(self, op: LabelOp, question: str) -> bool:
        """Ask before a rename or merge, saying how many items follow."""
        assert op.ref is not None
        usage = count_usages(self.project, op.ref)
        if not usage.total:
            return True
        answer = QMessageBox.question(
            self,
            op.describe(),
            f"{question}\n\n{usage.describe().capitalize()} will change with it "
            "(one undoable step).",
        )
        return answer == QMessageBox.StandardButton.Yes

    def commit_pending(self) -> None:
        """Save edited fields that were not saved yet (switching label, tab, or closing)."""
        for tab in self.label_tabs.values():
            if tab.pending_changes():
                tab.commit_fields()
        if self.guidelines.text() != self.schema.guidelines:
            self.commit_guidelines()
        if self._verbs() != self.schema.speech_verbs:
            self.commit_verbs()

    def _verbs(self) -> list[str]:
        lines = [" ".join(line.split()) for line in self.verbs.toPlainText().splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def commit_verbs(self) -> None:
        verbs = self._verbs()
        if verbs == self.schema.speech_verbs:
            return
        schema = self.schema.model_copy(update={"speech_verbs": verbs})
        self.apply(LabelOp(OpKind.EDIT, schema=schema, note=f"Speech verbs ({len(verbs)})"))

    def commit_guidelines(self) -> None:
        text = self.guidelines.text()
        if text == self.schema.guidelines:
            return
        schema = self.schema.model_copy(update={"guidelines": text})
        self.apply(LabelOp(OpKind.EDIT, schema=schema, note="Project guidelines"))

    def import_schema(self, path: Path | None = None, *, replace: bool | None = None) -> None:
        self.commit_pending()
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import a schema", "", "Schema files (*.toml *.json);;All files (*)"
            )
            if not chosen:
                return
            path = Path(chosen)
        try:
            incoming = Schema.load(path)
        except AnnotatorError as error:
            QMessageBox.warning(self, "Schema not imported", str(error))
            return
        if replace is None:
            box = QMessageBox(self)
            box.setWindowTitle("Import schema")
            box.setText(
                f"{path.name}: {len(incoming.entity_types)} entity types, "
                f"{len(incoming.quote_types)} quote types, {len(incoming.topics)} topics, "
                f"{len(incoming.document_questions)} questions."
            )
            box.setInformativeText(
                "Replace the labels with these (labels in use must stay), or only add the "
                "labels this project lacks?"
            )
            replace_button = box.addButton("&Replace", QMessageBox.ButtonRole.AcceptRole)
            add_button = box.addButton("&Add missing labels", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            clicked = box.clickedButton()
            box.deleteLater()
            if clicked not in (replace_button, add_button):
                return
            replace = clicked is replace_button
        if replace:
            op = LabelOp(OpKind.EDIT, schema=incoming, note=f"Schema replaced from {path.name}")
        else:
            merged, added = merge_schemas(self.schema, incoming)
            if not added:
                QMessageBox.information(
                    self, "Import schema", "The project has every label already."
                )
                return
            op = LabelOp(
                OpKind.EDIT, schema=merged, note=f"From {path.name}: added {', '.join(added)}"
            )
        self.apply(op)

    def export_schema(self, path: Path | None = None) -> None:
        self.commit_pending()
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Export the schema",
                f"{self.project.name}-schema.toml",
                "TOML (*.toml);;JSON (*.json)",
            )
            if not chosen:
                return
            path = Path(chosen)
        try:
            self.schema.save(path)
        except OSError as error:
            QMessageBox.warning(self, "Schema not exported", f"{path}: {error.strerror or error}")
            return
        self.status.setText(f"Schema written to {path}")

    def done(self, result: int) -> None:
        self.commit_pending()
        super().done(result)

    def closeEvent(self, event: Any) -> None:
        self.commit_pending()
        super().closeEvent(event)


def _short(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["QtDeleteLabelDialog", "QtSchemaEditor"]
