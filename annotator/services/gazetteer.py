"""Project gazetteers: ``label<TAB>phrase`` files, checked line by line before anything is kept."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import Schema
from annotator.services.propagation import learnable
from annotator.storage.project import Project
from annotator.storage.suggestions import GazetteerEntry

MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class GazetteerImport:
    """What an import added: new or relabelled phrases, duplicates in the file, the total."""

    path: Path
    read: int
    changed: int
    duplicates: int
    total: int


def parse_gazetteer(
    text: str, *, schema: Schema, source: str = "gazetteer"
) -> list[GazetteerEntry]:
    """Entries of a gazetteer file; any bad line refuses the whole file, naming every line.

    One entry a line: an entity label of the schema, a tab, the phrase. Blank lines and lines
    starting with ``#`` are skipped. A phrase given two different labels is an error.
    """
    labels = set(schema.entity_labels)
    entries: list[GazetteerEntry] = []
    seen: dict[str, tuple[str, int]] = {}
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, tab, phrase = line.partition("\t")
        label, phrase = label.strip(), unicodedata.normalize("NFC", phrase.strip())
        if not tab:
            errors.append(f"{source}:{number}: expected LABEL<TAB>PHRASE, found no tab")
            continue
        if label not in labels:
            known = ", ".join(sorted(labels)) or "none"
            errors.append(
                f"{source}:{number}: label {label!r} is not in the schema (labels: {known})"
            )
            continue
        if not phrase:
            errors.append(f"{source}:{number}: the phrase is empty")
            continue
        if "\t" in phrase:
            errors.append(f"{source}:{number}: expected one tab, found more")
            continue
        if not learnable(phrase):
            errors.append(
                f"{source}:{number}: {phrase!r} cannot be matched (a pronoun, one letter, "
                "no letters, or over 120 characters)"
            )
            continue
        if phrase in seen:
            first_label, first_line = seen[phrase]
            if first_label != label:
                errors.append(
                    f"{source}:{number}: {phrase!r} is {label} here but {first_label} on line "
                    f"{first_line}"
                )
            continue
        seen[phrase] = (label, number)
        entries.append(GazetteerEntry(label, phrase))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise InvalidDataError(
            "; ".join(shown)
            + (f"; and {more} more problem(s)" if more else "")
            + " (nothing was imported)"
        )
    return entries


def read_gazetteer(path: Path, *, schema: Schema) -> list[GazetteerEntry]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidDataError(f"{path}: no such gazetteer file") from None
    except OSError as error:
        raise InvalidDataError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidDataError(
            f"{path}:{line}: not UTF-8 text (byte {error.start}); nothing was imported"
        ) from None
    return parse_gazetteer(text, schema=schema, source=str(path))


def import_gazetteer(project: Project, path: Path, *, actor: str | None = None) -> GazetteerImport:
    """Check a gazetteer file against the project's schema and add it to the project."""
    text_entries = read_gazetteer(path, schema=project.schema)
    lines = sum(
        1
        for line in path.read_bytes().decode("utf-8-sig").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    changed = project.suggestions.add_gazetteer(text_entries, source=str(path), actor=actor)
    return GazetteerImport(
        path=path,
        read=len(text_entries),
        changed=changed,
        duplicates=lines - len(text_entries),
        total=len(project.suggestions.gazetteer()),
    )
