"""Changing the label schema of a project whose labels are in use: rename, merge, delete, edit.

Each operation is one transaction: the annotation items that use the label follow it (in every
annotator's set and in gold), a new schema version is saved with a note, and an audit row says
what happened with counts. Each returns a ``SchemaChange`` that ``undo_change`` takes back in
one transaction too (labels and schema), and ``redo_change`` applies again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from annotator.domain.errors import AnnotatorError, InvalidDataError
from annotator.domain.schema import LABEL_PATTERN, Schema
from annotator.storage.project import Project
from annotator.storage.schemas import (
    DataChange,
    LabelKind,
    LabelRef,
    LabelUsage,
    RestoreReport,
    describe_counts,
)

__all__ = [
    "LabelKind",
    "LabelOp",
    "LabelRef",
    "LabelUsage",
    "OpKind",
    "SchemaChange",
    "SchemaConflictError",
    "apply_change",
    "count_usages",
    "dropped_labels_in_use",
    "label_names",
    "redo_change",
    "removes_labels",
    "undo_change",
]


class SchemaConflictError(AnnotatorError):
    """The schema changed elsewhere since a change was made, so it cannot be taken back."""


class OpKind(StrEnum):
    RENAME = "rename"
    MERGE = "merge"
    DELETE = "delete"  # with the items that use the label
    REASSIGN = "reassign"  # delete the label, its items take another one
    EDIT = "edit"  # any change that leaves the labels in use alone


@dataclass(frozen=True)
class LabelOp:
    """What the user asked for. ``target`` is the new name (rename) or the label that takes
    over (merge, reassign); ``schema`` the edited schema (edit)."""

    kind: OpKind
    ref: LabelRef | None = None
    target: str | None = None
    schema: Schema | None = None
    note: str = ""

    def describe(self) -> str:
        if self.kind is OpKind.RENAME:
            return f"Rename {self.ref} to {self.target}"
        if self.kind is OpKind.MERGE:
            return f"Merge {self.ref} into {self.target}"
        if self.kind is OpKind.REASSIGN:
            return f"Delete {self.ref}, its labels become {self.target}"
        if self.kind is OpKind.DELETE:
            return f"Delete {self.ref} and its labels"
        return self.note or "Edit labels"


@dataclass(frozen=True)
class SchemaChange:
    """One applied change: the schema before and after, the version saved, the items changed."""

    op: LabelOp
    before: Schema
    after: Schema
    version: int
    data: DataChange = field(default_factory=DataChange)
    restored: RestoreReport | None = None

    @property
    def data_changed(self) -> bool:
        return not self.data.empty or bool(self.restored and self.restored.restored)

    def describe(self) -> str:
        text = self.op.describe()
        counts = self.data.counts()
        if counts:
            text += f" ({describe_counts(counts)} changed)"
        return text


# -- the schema side --------------------------------------------------------------------------

_LABEL_RE = re.compile(LABEL_PATTERN)


def label_names(schema: Schema, kind: LabelKind, question: str | None = None) -> list[str]:
    """The names of one kind of label in the schema, in its order."""
    if kind is LabelKind.ENTITY_TYPE:
        return schema.entity_labels
    if kind is LabelKind.QUOTE_TYPE:
        return schema.quote_type_names
    if kind is LabelKind.POLARITY:
        return schema.polarity_names
    if kind is LabelKind.TOPIC:
        return schema.topic_names
    if kind is LabelKind.QUESTION:
        return [q.name for q in schema.document_questions]
    found = schema.question(question or "")
    return list(found.choices) if found else []


def check_name(kind: LabelKind, name: str) -> str:
    """The name as it will be stored, or an error saying what a name may look like."""
    name = name.strip()
    if not name:
        raise InvalidDataError(f"a {kind} needs a name")
    if kind in (LabelKind.TOPIC, LabelKind.CHOICE):
        if len(name) > 200:
            raise InvalidDataError(f"a {kind} has at most 200 characters")
        return name
    if not _LABEL_RE.match(name):
        raise InvalidDataError(
            f"{name!r} cannot be a {kind} name: it starts with a letter and has at most 40 "
            "letters, digits, '_', '.' or '-' (no spaces)"
        )
    return name


def _renamed(schema: Schema, ref: LabelRef, new: str | None) -> Schema:
    """The schema with label ``ref`` renamed to ``new`` (or removed when ``new`` is None)."""

    def named(items: list[Any]) -> list[Any]:
        out = []
        for item in items:
            if item.name != ref.name:
                out.append(item)
            elif new is not None:
                out.append(item.model_copy(update={"name": new}))
        return out

    update: dict[str, Any]
    if ref.kind is LabelKind.ENTITY_TYPE:
        update = {"entity_types": named(schema.entity_types)}
    elif ref.kind is LabelKind.QUOTE_TYPE:
        update = {"quote_types": named(schema.quote_types)}
    elif ref.kind is LabelKind.POLARITY:
        update = {"polarities": named(schema.polarities)}
    elif ref.kind is LabelKind.TOPIC:
        update = {"topics": named(schema.topics)}
    elif ref.kind is LabelKind.QUESTION:
        update = {"document_questions": named(schema.document_questions)}
    else:
        questions = []
        for question in schema.document_questions:
            if question.name == ref.question:
                choices = [new if c == ref.name else c for c in question.choices]
                choices = [c for c in dict.fromkeys(choices) if c is not None]
                question = question.model_copy(update={"choices": choices})
            questions.append(question)
        update = {"document_questions": questions}
    return Schema.from_dict(schema.model_copy(update=update).model_dump(), source="schema")


def _merged_away(schema: Schema, ref: LabelRef, into: str) -> Schema:
    if ref.kind is LabelKind.CHOICE:
        return _renamed(schema, ref, into)  # the duplicate choice folds into the other
    return _renamed(schema, ref, None)


def dropped_labels_in_use(project: Project, before: Schema, after: Schema) -> list[str]:
    """Labels that ``before`` has, ``after`` lacks and some item uses: one line each."""
    store = project.schemas.labels
    lines = []
    for kind in LabelKind:
        if kind is LabelKind.CHOICE:
            old = {f"{q.name}/{c}" for q in before.document_questions for c in q.choices}
            new = {f"{q.name}/{c}" for q in after.document_questions for c in q.choices}
        else:
            old, new = set(label_names(before, kind)), set(label_names(after, kind))
        gone = old - new
        if not gone:
            continue
        in_use = store.names_in_use(kind)
        for name in sorted(gone):
            if in_use.get(name):
                lines.append(f"{kind} {name} is used {in_use[name]} time(s)")
    return lines


def removes_labels(before: Schema, after: Schema) -> bool:
    """Whether ``after`` lacks a label name ``before`` has (renamed, merged or deleted)."""
    for kind in LabelKind:
        if kind is LabelKind.CHOICE:
            old = {(q.name, c) for q in before.document_questions for c in q.choices}
            new = {(q.name, c) for q in after.document_questions for c in q.choices}
            if old - new:
                return True
        elif set(label_names(before, kind)) - set(label_names(after, kind)):
            return True
    return False


# -- operations -------------------------------------------------------------------------------


def count_usages(project: Project, ref: LabelRef) -> LabelUsage:
    """Where a label is used: the counts to show before a rename, merge or delete."""
    return project.schemas.labels.usage(ref)


def _check(schema: Schema, op: LabelOp) -> None:
    if op.kind is OpKind.EDIT:
        if op.schema is None:
            raise InvalidDataError("an edit needs the edited schema")
        return
    ref = op.ref
    if ref is None:
        raise InvalidDataError(f"{op.kind} needs a label")
    names = label_names(schema, ref.kind, ref.question)
    if ref.name not in names:
        raise InvalidDataError(f"the schema has no {ref}")
    if op.kind is OpKind.RENAME:
        target = check_name(ref.kind, op.target or "")
        if target == ref.name:
            raise InvalidDataError(f"{ref} is already called {target}")
        if target in names:
            raise InvalidDataError(
                f"the schema already has a {ref.kind} {target}; merge {ref.name} into it instead"
            )
    elif op.kind in (OpKind.MERGE, OpKind.REASSIGN):
        if op.target not in names:
            raise InvalidDataError(f"the schema has no {ref.kind} {op.target!r} to take over")
        if op.target == ref.name:
            raise InvalidDataError(f"{ref} cannot be merged into itself")
        if ref.kind is LabelKind.QUESTION:
            raise InvalidDataError("document questions cannot be merged; rename or delete one")


def apply_change(project: Project, op: LabelOp, *, actor: str | None = None) -> SchemaChange:
    """Apply ``op`` to the labels in use and the schema, as one transaction with an audit row."""
    before = project.schema
    _check(before, op)
    store = project.schemas.labels
    data = DataChange()
    with project.database.transaction():
        if op.kind is OpKind.EDIT:
            assert op.schema is not None
            after = Schema.from_dict(op.schema.model_dump(), source="schema")
            dropped = dropped_labels_in_use(project, before, after)
            if dropped:
                raise InvalidDataError(
                    "labels in use cannot just disappear ("
                    + "; ".join(dropped)
                    + "): rename, merge or delete them so their items follow"
                )
        else:
            assert op.ref is not None
            target = op.target
            if op.kind is OpKind.RENAME:
                target = check_name(op.ref.kind, op.target or "")
                after = _renamed(before, op.ref, target)
            elif op.kind is OpKind.DELETE:
                after = _renamed(before, op.ref, None)
            else:
                assert target is not None
                after = _merged_away(before, op.ref, target)
            if op.kind is OpKind.DELETE:
                data = store.delete_labelled(op.ref)
            else:
                assert target is not None
                data = store.relabel(op.ref, target)
        version = project.schemas.save(after, note=op.describe())
        store.audit(
            actor=actor,
            action=f"schema.{op.kind}",
            version=version,
            detail=_detail(op, data),
        )
    return SchemaChange(op=op, before=before, after=after, version=version, data=data)


def _detail(op: LabelOp, data: DataChange) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "note": op.describe(),
        "items": data.counts(),
        "sets": len(data.set_ids),
    }
    if op.ref is not None:
        detail |= {"kind": str(op.ref.kind), "label": op.ref.name}
        if op.ref.question:
            detail["question"] = op.ref.question
    if op.target is not None:
        detail["to"] = op.target
    return detail


def undo_change(
    project: Project, change: SchemaChange, *, actor: str | None = None
) -> SchemaChange:
    """Take ``change`` back: its items as they were and the schema before it, in one step.

    Refused with ``SchemaConflictError`` when the schema was changed since by something
    else, and with ``InvalidDataError`` when items made since use a label the older schema
    lacks (a label added by ``change`` and used since). Items created since under a renamed
    label follow the rename back.
    """
    latest = project.schemas.latest_version()
    if latest != change.version:
        raise SchemaConflictError(
            f"the labels were changed since (version {latest}, this change made version "
            f"{change.version}); it can no longer be undone"
        )
    store = project.schemas.labels
    op = change.op
    with project.database.transaction():
        report = store.restore(change.data)
        extra = DataChange()
        if op.kind is OpKind.RENAME and op.ref is not None and op.target is not None:
            renamed = LabelRef(op.ref.kind, check_name(op.ref.kind, op.target), op.ref.question)
            extra = store.relabel(renamed, op.ref.name)
        dropped = dropped_labels_in_use(project, change.after, change.before)
        if dropped:
            raise InvalidDataError(
                "cannot undo: " + "; ".join(dropped) + " (labelled since this change)"
            )
        version = project.schemas.save(change.before, note=f"Undo: {op.describe()}")
        store.audit(
            actor=actor,
            action="schema.undo",
            version=version,
            detail={
                "note": f"Undo: {op.describe()}",
                "undone_version": change.version,
                "restored": report.restored + len(extra.updated),
                "not_restored": list(report.not_restored),
            },
        )
    restored = RestoreReport(
        report.restored + len(extra.updated),
        report.not_restored,
        tuple(sorted({*report.set_ids, *extra.set_ids})),
    )
    return SchemaChange(
        op=op, before=change.after, after=change.before, version=version, restored=restored
    )


def redo_change(
    project: Project, undone: SchemaChange, *, actor: str | None = None
) -> SchemaChange:
    """Apply again a change that ``undo_change`` took back (``undone`` is what it returned)."""
    latest = project.schemas.latest_version()
    if latest != undone.version:
        raise SchemaConflictError(
            f"the labels were changed since (version {latest}); the change cannot be redone"
        )
    return apply_change(project, undone.op, actor=actor)
