"""Guidelines where needed: label tooltips, one label's guideline (F1), the Guidelines panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.schema import EntityType, Schema
from annotator.storage.schemas import LabelKind


def markdown_html(markdown: str) -> str:
    """Markdown as the rich text Qt shows in tooltips and labels (CommonMark, GitHub tables)."""
    document = QTextDocument()
    document.setMarkdown(markdown)
    return document.toHtml()


def entity_type_tooltip(entity_type: EntityType) -> str:
    """The palette button's tooltip: key, name, description and the guideline, as rich text."""
    key = f"key {entity_type.hotkey} · " if entity_type.hotkey else ""
    lines = [f"**{entity_type.name}** — {key}{entity_type.description or 'entity type'}"]
    if entity_type.guideline.strip():
        lines.append(entity_type.guideline.strip())
    else:
        lines.append("*No guideline yet (Project → Labels… adds one).*")
    lines.append("*F1 on a label shows its whole guideline.*")
    return markdown_html("\n\n".join(lines))


def label_guideline(schema: Schema, kind: LabelKind, name: str) -> str:
    """One label's whole guideline as Markdown (a heading, its description, its text)."""
    body = ""
    description = ""
    extra = ""
    if kind is LabelKind.ENTITY_TYPE:
        entity_type = schema.entity_type(name)
        if entity_type is not None:
            description, body = entity_type.description, entity_type.guideline
            if entity_type.hotkey:
                extra = f"Key **{entity_type.hotkey}** labels a selection as {name}."
    elif kind is LabelKind.QUOTE_TYPE:
        found = next((t for t in schema.quote_types if t.name == name), None)
        if found is not None:
            description, body = found.description, found.guideline
    elif kind is LabelKind.POLARITY:
        polarity = next((p for p in schema.polarities if p.name == name), None)
        if polarity is not None:
            description, body = polarity.description, polarity.guideline
            if polarity.key:
                extra = f"Key **{polarity.key}** in the stance dialog."
    elif kind is LabelKind.TOPIC:
        topic = next((t for t in schema.topics if t.name == name), None)
        description = topic.description if topic else ""
    elif kind is LabelKind.QUESTION:
        question = schema.question(name)
        if question is not None:
            description, body = question.prompt, question.guideline
            extra = "Choices: " + ", ".join(f"*{c}*" for c in question.choices)
    parts = [f"# {name}", f"*{kind}*" + (f" — {description}" if description else "")]
    if extra:
        parts.append(extra)
    parts.append(body.strip() or "*This label has no guideline yet (Project → Labels…).*")
    return "\n\n".join(parts)


def guidelines_document(schema: Schema) -> str:
    """The project's guidelines followed by every label's guideline, as one Markdown text."""
    parts = [schema.guidelines.strip() or "# Guidelines\n\n*No project guidelines yet.*"]
    sections = (
        ("Entity types", [(t.name, t.description, t.guideline) for t in schema.entity_types]),
        ("Quote types", [(t.name, t.description, t.guideline) for t in schema.quote_types]),
        ("Stance polarities", [(p.name, p.description, p.guideline) for p in schema.polarities]),
        ("Topics", [(t.name, t.description, "") for t in schema.topics]),
        (
            "Document questions",
            [(q.name, q.prompt, q.guideline) for q in schema.document_questions],
        ),
    )
    for title, labels in sections:
        if not labels:
            continue
        parts.append(f"## {title}")
        for name, description, guideline in labels:
            head = f"**{name}**" + (f" — {description}" if description else "")
            parts.append(head + (f"\n\n{guideline.strip()}" if guideline.strip() else ""))
    if schema.speech_verbs:
        parts.append("## Speech verbs (cues)\n\n" + ", ".join(schema.speech_verbs))
    return "\n\n".join(parts)


class QtGuidelinesDock(QDockWidget):
    """The project's guidelines document, rendered; View → Guidelines panel toggles it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Guidelines", parent)
        self.setObjectName("guidelinesDock")
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guidelinesBrowser")
        self.browser.setOpenExternalLinks(True)
        self.setWidget(self.browser)

    def load(self, schema: Schema) -> None:
        position = self.browser.verticalScrollBar().value()
        self.browser.setMarkdown(guidelines_document(schema))
        self.browser.verticalScrollBar().setValue(position)


class QtGuidelineDialog(QDialog):
    """One label's whole guideline (F1 on a labelled item)."""

    def __init__(self, title: str, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Guideline: {title}")
        self.setObjectName("guidelineDialog")
        self.resize(560, 420)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guidelineText")
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.browser.setFocus(Qt.FocusReason.OtherFocusReason)
