"""What every reader of another tool's annotations produces, before it meets a project.

Readers only parse: offsets are code points into ``ForeignDocument.text`` exactly as the file
gives it (UTF-16 formats are converted by their reader). The import service then normalises the
text, moves the spans with it, maps labels to the schema and builds our annotation set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ForeignSpan:
    """A labelled span as the tool stored it."""

    start: int
    end: int
    label: str
    #: The tool's own id for the span (brat "T3", Label Studio result id), to resolve relations.
    id: str | None = None
    #: The text the tool says the span covers, when it says (checked against the offsets).
    text: str | None = None
    #: Free text attached to the span (brat notes, Label Studio meta text).
    note: str = ""
    #: Extra key/values (brat attributes, Label Studio "from_name").
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class ForeignRelation:
    """A directed link between two spans (by their tool ids), with the tool's label."""

    label: str
    head: str
    tail: str


@dataclass
class ForeignDocument:
    """One document of another tool with one annotator's labels on it."""

    #: Where it came from, for messages: "file.json" and, for line formats, the line number.
    source: str
    text: str
    line: int | None = None
    annotator: str | None = None
    external_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    spans: list[ForeignSpan] = field(default_factory=list)
    relations: list[ForeignRelation] = field(default_factory=list)
    #: Document-level answers (Label Studio choices, doccano categories): question -> values.
    choices: dict[str, list[str]] = field(default_factory=dict)
    #: What the reader could not represent exactly but kept (a discontinuous span split up).
    warnings: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source
