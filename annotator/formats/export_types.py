"""What the export service hands to every writer, and what writers report back.

A writer is a module with ``write(documents, out_dir, options, report) -> None``. It streams
``documents`` (never holding them all), writes only inside ``out_dir`` using ``safe_path``,
counts what it wrote per split, layer and label, and records everything it could not represent
with ``report.drop(reason)``: nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from annotator.domain.annotations import AnnotationSet
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError

LAYERS = ("entities", "quotes", "stances")
SPLIT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class ExportDocument:
    """One article with the one annotation set chosen for it, and the split it belongs to."""

    article: Article
    annotation_set: AnnotationSet
    #: Whose labels: an annotator's name, or "gold".
    annotator: str
    split: str = "all"


@dataclass(frozen=True)
class ExportOptions:
    layers: frozenset[str] = frozenset(LAYERS)
    #: CoNLL / token-level: which layer becomes the tags (entities, quotes or cues).
    tag_layer: str = "entities"
    #: CoNLL: "iob2" or "bioes".
    scheme: str = "iob2"
    #: Spans whose edges fall inside a token: "expand" to whole tokens, or "drop" and report.
    align: str = "expand"
    #: spaCy language code for ``spacy.blank`` when an article's own language is unknown.
    lang: str = "xx"
    #: Documents per spaCy DocBin shard.
    shard_size: int = 5_000


@dataclass
class ExportReport:
    format: str
    out: Path
    files: list[Path] = field(default_factory=list)
    #: (split, layer, label) -> how many were written.
    written: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: reason -> how many items were not written (or written changed, e.g. expanded).
    dropped: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def count(self, split: str, layer: str, label: str, n: int = 1) -> None:
        self.written[(split, layer, label)] += n

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n

    def add_file(self, path: Path) -> Path:
        if path not in self.files:
            self.files.append(path)
        return path


def safe_path(out_dir: Path, *parts: str) -> Path:
    """A path inside ``out_dir``; refuses names that would leave it (``..``, absolute, /)."""
    root = out_dir.resolve()
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\\" in part or "\x00" in part:
            raise AnnotatorError(f"refusing to write {part!r}: not a plain file name")
    target = root.joinpath(*parts).resolve()
    if root != target and root not in target.parents:
        raise AnnotatorError(f"refusing to write outside {out_dir}: {target}")
    return target
