"""brat standoff: ``{split}/{article_id}.txt`` (the text, UTF-8, LF) and ``.ann`` beside it, plus
``annotation.conf`` and ``visual.conf`` for the whole collection.

```
T3	PER 11 21	Kim Ji-woo
T8	PER 92 95	Kim
T11	direct 61 91	“We will not accept the plan,”
T12	CUE 96 100	said
T17	EVIDENCE 106 139	She added that 남북 대화 must resume.
T18	STANCE 61 91	“We will not accept the plan,”
R1	Speaker Arg1:T11 Arg2:T8
R2	Cue Arg1:T11 Arg2:T12
R6	Coref Arg1:T8 Arg2:T3
E1	STANCE:T18 Holder:T3 Target:T7 Evidence:T11 Evidence2:T17
A1	Polarity E1 against
A3	Topic E2 남북_대화
#3	AnnotatorNotes E1	strong wording
```

Spans follow the shared plan (``label_studio_writer.plan_document``): mentions by entity type,
quotes by quote type, ``CUE`` and ``EVIDENCE`` spans, a ``STANCE`` trigger per stance. Relations
are ``Speaker``, ``Cue`` and ``Coref`` (each further mention of an entity to its first mention);
a stance is an event with roles ``Holder``, ``Target`` and ``Evidence`` (``Evidence2``...), its
polarity and topic are attributes of the event and its note an ``AnnotatorNotes`` line (one line
per line of the note: our reader joins them again).

brat cannot hold everything; each of these is counted in ``report.dropped``:

* an attribute value has no spaces, so a topic is written with ``_`` for each run of spaces;
* a ``T`` line cannot break, so a span across a line break is written as fragments around the
  line breaks (``12 20;21 30``), which our reader imports as one span per fragment;
* there is no document-level annotation: document labels are not written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport, safe_path
from annotator.formats.interchange import ForeignSpan
from annotator.formats.label_studio_writer import (
    STANCE,
    Capacity,
    Plan,
    label_color,
    plan_document,
)

BRAT = Capacity("brat", attributes=True, notes=True)
ANNOTATION_CONF = "annotation.conf"
VISUAL_CONF = "visual.conf"
_RELATION_NAMES = {"speaker": "Speaker", "cue": "Cue", "coref": "Coref"}
_ROLE_NAMES = {"holder": "Holder", "target": "Target", "evidence": "Evidence"}
_ROLE_QUANTIFIERS = {"Holder": "", "Target": "?", "Evidence": "*"}
_ATTRIBUTE_NAMES = {"polarity": "Polarity", "topic": "Topic"}
_SPACES = re.compile(r"\s+")
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass
class _Conf:
    """The types the written files use, for ``annotation.conf`` and ``visual.conf``."""

    entities: dict[str, None] = field(default_factory=dict)
    #: relation type -> (Arg1 types, Arg2 types)
    relations: dict[str, tuple[dict[str, None], dict[str, None]]] = field(default_factory=dict)
    #: event role -> argument types
    roles: dict[str, dict[str, None]] = field(default_factory=dict)
    attributes: dict[str, dict[str, None]] = field(default_factory=dict)


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """A ``.txt``/``.ann`` pair per document in ``{split}/``; the conf files at the top."""
    conf = _Conf()
    stems: dict[str, set[str]] = {}
    for document in documents:
        plan = plan_document(document, options, report, BRAT)
        if plan.document.choices:
            report.drop(
                "document label: brat has no document-level annotation; not written",
                len(plan.document.choices),
            )
        stem = _stem(document, stems.setdefault(document.split, set()), report)
        folder = safe_path(out_dir, document.split)
        folder.mkdir(parents=True, exist_ok=True)
        txt = report.add_file(safe_path(out_dir, document.split, f"{stem}.txt"))
        txt.write_bytes(plan.text.encode("utf-8"))
        ann = report.add_file(safe_path(out_dir, document.split, f"{stem}.ann"))
        ann.write_bytes("".join(_Ann(plan, conf, report).lines()).encode("utf-8"))
        report.documents[document.split] += 1
    if stems:
        path = report.add_file(safe_path(out_dir, ANNOTATION_CONF))
        path.write_text(annotation_conf(conf), encoding="utf-8", newline="\n")
        path = report.add_file(safe_path(out_dir, VISUAL_CONF))
        path.write_text(visual_conf(conf), encoding="utf-8", newline="\n")


def _stem(document: ExportDocument, used: set[str], report: ExportReport) -> str:
    """``article_id``, or ``article_id__annotator`` when the article is already in the split."""
    stem = document.article.id
    if stem in used:
        stem = f"{stem}__{_UNSAFE_NAME.sub('_', document.annotator)}"
        report.notes.append(
            f"brat: article {document.article.id} is in split {document.split} more than "
            f"once; {document.annotator}'s labels are in {stem}.ann"
        )
    used.add(stem)
    return stem


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``[start, end)`` between line breaks."""
    pieces: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        pieces.append((start + match.start(), start + match.end()))
    return pieces


class _Ann:
    """The lines of one ``.ann`` file."""

    def __init__(self, plan: Plan, conf: _Conf, report: ExportReport) -> None:
        self.plan = plan
        self.conf = conf
        self.report = report
        self.out: list[str] = []
        self.ids: dict[str, str] = {}  # plan span id -> T id
        self.events: dict[str, str] = {}  # anchor span id -> E id
        self.counters: dict[str, int] = {}

    def _next(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}{self.counters[kind]}"

    def lines(self) -> list[str]:
        for span in self.plan.document.spans:
            self._text_bound(span)
        arguments: dict[str, list[tuple[str, str]]] = {}
        for relation in self.plan.document.relations:
            if self.plan.kinds.get(relation.head) == "stance":
                arguments.setdefault(relation.head, []).append((relation.label, relation.tail))
            else:
                self._relation(relation.label, relation.head, relation.tail)
        for span in self.plan.document.spans:
            if self.plan.kinds[span.id or ""] == "stance":
                self._event(span, arguments.get(span.id or "", []))
        for span in self.plan.document.spans:
            self._notes(span)
        return self.out

    def _text_bound(self, span: ForeignSpan) -> None:
        pieces = _fragments(self.plan.text, span.start, span.end)
        if not pieces:
            self.report.drop("span of line breaks only: brat cannot show it; not written")
            return
        if len(pieces) > 1 or pieces[0] != (span.start, span.end):
            self.report.drop(
                "span across a line break: written as fragments around the line breaks "
                "(our reader imports one span per fragment)"
            )
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        quoted = " ".join(self.plan.text[s:e] for s, e in pieces)
        t_id = self._next("T")
        self.ids[span.id or ""] = t_id
        self.out.append(f"{t_id}\t{span.label} {offsets}\t{quoted}\n")
        if self.plan.kinds[span.id or ""] != "stance":
            self.conf.entities[span.label] = None

    def _label(self, span_id: str) -> str:
        return self.plan.span(span_id).label

    def _relation(self, label: str, head: str, tail: str) -> None:
        if head not in self.ids or tail not in self.ids:
            self.report.drop(f"{label} relation: one of its spans was not written")
            return
        name = _RELATION_NAMES.get(label, label)
        firsts, seconds = self.conf.relations.setdefault(name, ({}, {}))
        firsts[self._label(head)] = None
        seconds[self._label(tail)] = None
        r_id = self._next("R")
        self.out.append(f"{r_id}\t{name} Arg1:{self.ids[head]} Arg2:{self.ids[tail]}\n")

    def _event(self, anchor: ForeignSpan, arguments: list[tuple[str, str]]) -> None:
        anchor_id = anchor.id or ""
        if anchor_id not in self.ids or any(tail not in self.ids for _, tail in arguments):
            self.report.drop("stance: one of its spans was not written; not written")
            return
        words = [f"{STANCE}:{self.ids[anchor_id]}"]
        seen: dict[str, int] = {}
        for role, tail in arguments:
            name = _ROLE_NAMES.get(role, role)
            self.conf.roles.setdefault(name, {})[self._label(tail)] = None
            seen[name] = seen.get(name, 0) + 1
            number = str(seen[name]) if seen[name] > 1 else ""
            words.append(f"{name}{number}:{self.ids[tail]}")
        e_id = self._next("E")
        self.events[anchor_id] = e_id
        self.out.append(f"{e_id}\t{' '.join(words)}\n")
        for key, value in anchor.attributes.items():
            self._attribute(e_id, _ATTRIBUTE_NAMES.get(key, key), value)

    def _attribute(self, target: str, name: str, value: str) -> None:
        written = _SPACES.sub("_", value.strip())
        if written != value:
            self.report.drop(
                f"{name.lower()} with spaces: brat attribute values cannot hold them; "
                "written with '_'"
            )
        self.conf.attributes.setdefault(name, {})[written] = None
        self.out.append(f"{self._next('A')}\t{name} {target} {written}\n")

    def _notes(self, span: ForeignSpan) -> None:
        span_id = span.id or ""
        target = self.events.get(span_id) or self.ids.get(span_id)
        if not span.note or target is None:
            return
        for line in span.note.split("\n"):
            self.out.append(f"{self._next('#')}\tAnnotatorNotes {target}\t{line}\n")


def _types(types: dict[str, None]) -> str:
    return "|".join(types) or "<ENTITY>"


def annotation_conf(conf: _Conf) -> str:
    """brat's ``annotation.conf`` for the types, roles and attributes that were written."""
    lines = ["[entities]", *conf.entities, "", "[relations]"]
    for name, (firsts, seconds) in conf.relations.items():
        lines.append(f"{name}\tArg1:{_types(firsts)}, Arg2:{_types(seconds)}")
    lines.append("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>")
    lines += ["", "[events]"]
    if conf.roles:
        roles = [
            f"{role}{_ROLE_QUANTIFIERS.get(role, '*')}:{_types(types)}"
            for role, types in conf.roles.items()
        ]
        lines.append(f"{STANCE}\t{', '.join(roles)}")
    lines += ["", "[attributes]"]
    for name, values in conf.attributes.items():
        lines.append(f"{name}\tArg:{STANCE}, Value:{'|'.join(values)}")
    return "\n".join(lines) + "\n"


def visual_conf(conf: _Conf) -> str:
    """brat's ``visual.conf``: the default schema's colours for the written span types."""
    drawing = [
        "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
        "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
        "ATTRIBUTE_DEFAULT\tglyph:*",
    ]
    for label in [*conf.entities, *([STANCE] if conf.roles else [])]:
        drawing.append(f"{label}\tbgColor:{label_color(label)}")
    return "\n".join(["[labels]", "", "[drawing]", *drawing]) + "\n"
