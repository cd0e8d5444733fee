"""Label Studio JSON tasks (its import format) and ``label_config.xml``; plus the span plan that
every annotation-tool writer (brat, doccano, Prodigy, Label Studio) shares.

The plan is the exact inverse of ``annotator.services.foreign.convert``: an annotation set
becomes labelled spans and relations that our readers and converter import back to the same
set:

* a mention -> a span labelled with its entity type; each further mention of an entity ->
  a ``coref`` relation to the entity's first mention (in text order);
* a quote -> a span labelled with its quote type (``direct``...; not ``QUOTE``, so the type
  survives), ``speaker`` relation quote -> mention, a ``CUE`` span and ``cue`` relation;
* a stance -> a ``STANCE`` anchor span on its first evidence (or, without evidence, on its
  holder's mention) carrying ``polarity`` and ``topic`` attributes, with relations ``holder``
  and ``target`` to the entities' first mentions and ``evidence`` to each evidence span (the
  quote's span when the evidence is a quote, else an ``EVIDENCE`` span);
* document labels -> ``choices[question]``.

What a format cannot hold is reported with ``report.drop(reason)``, never left out silently.

Label Studio tasks::

    [{"data": {"text": ..., "title": ..., "article_id": ...},
      "meta": {"annotator": "ann", "split": "train"},
      "annotations": [{"result": [...], "was_cancelled": false, "ground_truth": false}]}]

Regions are ``labels`` results (``from_name`` "label") with ``value.text``; a region's note is
its ``meta.text``; polarity and topic are per-region ``choices`` (``from_name`` "polarity" /
"topic", the anchor region's id); document questions are ``choices`` named after the question.
``completed_by`` is not written: Label Studio wants a user id of its own instance there, so the
annotator goes into the task's ``meta``.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from annotator.domain.annotations import Entity, Evidence, Item, Mention, Stance
from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import default_schema
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport, safe_path
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan

STANCE = "STANCE"
CUE = "CUE"
EVIDENCE = "EVIDENCE"
SPEAKER_RELATION = "speaker"
CUE_RELATION = "cue"
COREF_RELATION = "coref"
STANCE_ROLES = ("holder", "target", "evidence")
#: from_name of the per-region choices that carry a stance's polarity and topic.
ATTRIBUTE_NAMES = ("polarity", "topic")
LABEL_CONFIG = "label_config.xml"
_RESERVED = frozenset({"label", "text", *ATTRIBUTE_NAMES})
_FIXED_COLORS = {STANCE: "#ff8fab", CUE: "#d0d0d0", EVIDENCE: "#b9fbc0"}
_PALETTE = ("#ffadad", "#ffd6a5", "#fdffb6", "#caffbf", "#9bf6ff", "#a0c4ff", "#bdb2ff", "#ffc6ff")


# -- the plan shared by the tool writers ---------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    """What a tool format holds besides labelled spans and relations."""

    name: str
    #: Key/values on a span: without them a stance (its polarity) cannot be written.
    attributes: bool
    #: Free-text notes on spans.
    notes: bool


@dataclass
class Plan:
    """One document as spans and relations, with the kind of each span."""

    document: ForeignDocument
    split: str
    #: span id -> "mention", "quote", "cue", "evidence" or "stance".
    kinds: dict[str, str] = field(default_factory=dict)
    by_id: dict[str, ForeignSpan] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.document.text

    def span(self, span_id: str) -> ForeignSpan:
        return self.by_id[span_id]


def plan_document(
    document: ExportDocument, options: ExportOptions, report: ExportReport, capacity: Capacity
) -> Plan:
    """The spans and relations of ``document``; what ``capacity`` lacks goes to the report."""
    return _Planner(document, options, report, capacity).plan()


def _by_position(mention: Mention) -> tuple[int, int]:
    return mention.start, mention.end


class _Planner:
    def __init__(
        self,
        document: ExportDocument,
        options: ExportOptions,
        report: ExportReport,
        capacity: Capacity,
    ) -> None:
        article = document.article
        self.set = document.annotation_set
        self.split = document.split
        self.layers = options.layers
        self.report = report
        self.capacity = capacity
        self.doc = ForeignDocument(
            source=article.id,
            text=article.text,
            annotator=document.annotator,
            external_id=article.id,
            metadata={"title": article.title, "article_id": article.id},
        )
        self.plan_ = Plan(self.doc, document.split)
        self.mention_spans: dict[str, str] = {}  # mention id -> span id
        self.quote_spans: dict[str, str] = {}  # quote id -> span id
        self.shared: dict[tuple[str, int, int], str] = {}  # (label, start, end) -> span id
        self.written: list[Item] = []
        self.linked_entities: set[str] = set()
        self.members: dict[str, list[Mention]] = {}
        for mention in sorted(self.set.mentions, key=_by_position):
            if mention.entity_id is not None:
                self.members.setdefault(mention.entity_id, []).append(mention)

    def plan(self) -> Plan:
        self._mentions()
        if "quotes" in self.layers:
            self._quotes()
        if "stances" in self.layers:
            self._stances()
        if "entities" in self.layers:
            self._entities()
        self._choices()
        self._flags()
        return self.plan_

    # -- spans ------------------------------------------------------------------------------

    def _drop(self, reason: str, n: int = 1) -> None:
        self.report.drop(reason, n)

    def _note(self, note: str, what: str) -> str:
        if note and not self.capacity.notes:
            self._drop(f"note on a {what}: {self.capacity.name} has no place for notes")
            return ""
        return note

    def _add(
        self,
        kind: str,
        start: int,
        end: int,
        label: str,
        note: str = "",
        attributes: dict[str, str] | None = None,
    ) -> str:
        span_id = f"{kind[0]}{len(self.doc.spans) + 1}"
        text = self.doc.text[start:end]
        span = ForeignSpan(start, end, label, span_id, text, note, attributes or {})
        self.doc.spans.append(span)
        self.plan_.kinds[span_id] = kind
        self.plan_.by_id[span_id] = span
        return span_id

    def _shared(self, kind: str, label: str, start: int, end: int) -> str:
        """One span for every cue (or evidence) on the same characters."""
        key = (label, start, end)
        if key not in self.shared:
            self.shared[key] = self._add(kind, start, end, label)
        return self.shared[key]

    def _relate(self, label: str, head: str, tail: str) -> None:
        self.doc.relations.append(ForeignRelation(label, head, tail))

    # -- layers -----------------------------------------------------------------------------

    def _needed_mentions(self) -> set[str]:
        """Mentions other layers point at, written even when entities are not exported."""
        needed: set[str] = set()
        if "quotes" in self.layers:
            needed |= {q.speaker_id for q in self.set.quotes if q.speaker_id is not None}
        if "stances" in self.layers and self.capacity.attributes:
            for stance in self.set.stances:
                for entity_id in (stance.holder_id, stance.target_entity_id):
                    first = self.members.get(entity_id or "")
                    if first:
                        needed.add(first[0].id)
        return needed

    def _mentions(self) -> None:
        everything = "entities" in self.layers
        needed = self._needed_mentions()
        for mention in sorted(self.set.mentions, key=_by_position):
            if not everything and mention.id not in needed:
                continue
            note = self._note(mention.note, "mention")
            span_id = self._add("mention", mention.start, mention.end, mention.label, note)
            self.mention_spans[mention.id] = span_id
            self.written.append(mention)
            self.report.count(self.split, "entities", mention.label)

    def _quotes(self) -> None:
        for quote in sorted(self.set.quotes, key=lambda q: (q.start, q.end)):
            note = self._note(quote.note, "quote")
            span_id = self._add("quote", quote.start, quote.end, quote.quote_type, note)
            self.quote_spans[quote.id] = span_id
            self.written.append(quote)
            self.report.count(self.split, "quotes", quote.quote_type)
            if quote.speaker_id is not None:
                self._relate(SPEAKER_RELATION, span_id, self.mention_spans[quote.speaker_id])
            if quote.cue is not None:
                cue = self._shared("cue", CUE, *quote.cue)
                self._relate(CUE_RELATION, span_id, cue)

    def _first_mention(self, entity_id: str) -> str | None:
        members = self.members.get(entity_id)
        return self.mention_spans.get(members[0].id) if members else None

    def _stances(self) -> None:
        if not self.capacity.attributes and self.set.stances:
            self._drop(
                f"stance: {self.capacity.name} has no span attributes for its polarity and "
                "topic, so our import could not read it back; not written",
                len(self.set.stances),
            )
            return
        for stance in self.set.stances:
            self._stance(stance)

    def _stance(self, stance: Stance) -> None:
        holder = self._first_mention(stance.holder_id)
        if holder is None:
            self._drop("stance: its holder entity has no mention to point to; not written")
            return
        target = None
        if stance.target_entity_id is not None:
            target = self._first_mention(stance.target_entity_id)
            if target is None:
                self._drop("stance: its target entity has no mention to point to; not written")
                return
        evidence = [self._evidence(item) for item in stance.evidence]
        if evidence:
            first = self.plan_.span(evidence[0])
            start, end = first.start, first.end
        else:
            mention = self.plan_.span(holder)
            start, end = mention.start, mention.end
            self._drop(
                "stance without evidence: anchored on its holder's mention, which imports back "
                "as its evidence"
            )
        attributes = {"polarity": stance.polarity}
        if stance.target_topic is not None:
            attributes["topic"] = stance.target_topic
        note = self._note(stance.note, "stance")
        anchor = self._add("stance", start, end, STANCE, note, attributes)
        self._relate("holder", anchor, holder)
        self.linked_entities.add(stance.holder_id)
        if target is not None and stance.target_entity_id is not None:
            self._relate("target", anchor, target)
            self.linked_entities.add(stance.target_entity_id)
        for span_id in evidence:
            self._relate("evidence", anchor, span_id)
        if stance.confidence is not None:
            self._drop(f"stance confidence: no place in {self.capacity.name}")
        self.written.append(stance)
        self.written.extend(stance.evidence)
        self.report.count(self.split, "stances", stance.polarity)

    def _evidence(self, evidence: Evidence) -> str:
        if evidence.note:
            self._drop("note on stance evidence: our import keeps no evidence notes")
        quote_span = self.quote_spans.get(evidence.quote_id or "")
        if quote_span is not None:
            quote = self.plan_.span(quote_span)
            if (quote.start, quote.end) == (evidence.start, evidence.end):
                return quote_span
        if evidence.quote_id is not None:
            self._drop(
                "stance evidence: its link to a quote is not kept (quotes not exported, or "
                "the evidence covers other characters than the quote)"
            )
        return self._shared("evidence", EVIDENCE, evidence.start, evidence.end)

    def _entities(self) -> None:
        for entity in self.set.entities:
            members = [m for m in self.members.get(entity.id, []) if m.id in self.mention_spans]
            if not members:
                self._drop("entity without mentions: nothing in the text to write")
                continue
            first = self.mention_spans[members[0].id]
            for mention in members[1:]:
                self._relate(COREF_RELATION, self.mention_spans[mention.id], first)
            if len(members) == 1 and entity.id not in self.linked_entities:
                self._drop(
                    "entity with one mention and no stance: only coreference links carry "
                    "entities, so its mention imports without one"
                )
                continue
            self._entity_fields(entity, members)

    def _entity_fields(self, entity: Entity, members: list[Mention]) -> None:
        longest = max(m.end - m.start for m in members)
        text = self.doc.text
        named = {(text[m.start : m.end], m.label) for m in members if m.end - m.start == longest}
        if named != {(entity.name, entity.label)}:
            self._drop(
                "entity name or type differs from its longest mention: our import names an "
                "entity after its longest mention"
            )
        if entity.kb_id:
            self._drop(f"entity knowledge-base id: no place in {self.capacity.name}")
        if entity.note:
            self._drop(f"note on an entity: no place in {self.capacity.name}")
        self.written.append(entity)

    def _choices(self) -> None:
        for label in self.set.document_labels:
            self.doc.choices[label.question] = list(label.values)
            self.written.append(label)
            self.report.count(self.split, "document_labels", label.question)
            if label.note:
                self._drop(f"note on a document label: no place in {self.capacity.name}")

    def _flags(self) -> None:
        unsure = sum(1 for item in self.written if item.unsure)
        if unsure:
            self._drop(f"unsure flag: no place in {self.capacity.name}", unsure)
        provenance = sum(1 for item in self.written if item.provenance is not None)
        if provenance:
            self._drop(
                f"gold provenance (who agreed, reviewer overrides): no place in "
                f"{self.capacity.name}",
                provenance,
            )


# -- files shared by the writers -----------------------------------------------------------------


class SplitFiles(AbstractContextManager["SplitFiles"]):
    """One output file per split, ``{split}{suffix}`` in ``out_dir``, opened on first use.

    ``header`` starts each file, ``separator`` goes between two records and ``footer`` ends it
    (a JSON array: ``b"[\\n"``, ``b",\\n"``, ``b"\\n]\\n"``).
    """

    def __init__(
        self,
        out_dir: Path,
        suffix: str,
        report: ExportReport,
        *,
        header: bytes = b"",
        separator: bytes = b"",
        footer: bytes = b"",
    ) -> None:
        self.out_dir = out_dir
        self.suffix = suffix
        self.report = report
        self.header, self.separator, self.footer = header, separator, footer
        self.files: dict[str, IO[bytes]] = {}

    def write(self, split: str, data: bytes) -> None:
        stream = self.files.get(split)
        if stream is None:
            path = self.report.add_file(safe_path(self.out_dir, f"{split}{self.suffix}"))
            stream = self.files[split] = path.open("wb")
            stream.write(self.header)
        elif self.separator:
            stream.write(self.separator)
        stream.write(data)

    def close(self) -> None:
        for stream in self.files.values():
            stream.write(self.footer)
            stream.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def first_question(
    plan: Plan, chosen: str | None, report: ExportReport, where: str
) -> tuple[list[str], str | None]:
    """For formats with one list of document categories: the answers to one question.

    The first question met in the export is the one; answers to other questions are dropped.
    Returns the values to write and the chosen question.
    """
    values: list[str] = []
    for question, answers in plan.document.choices.items():
        if chosen is None:
            chosen = question
        if question == chosen:
            values = answers
        else:
            report.drop(
                f"document label {question!r}: {where} holds the answers to one question "
                f"({chosen!r}); not written"
            )
    return values, chosen


@functools.cache
def _schema_colors() -> dict[str, str]:
    try:
        return {t.name: t.color for t in default_schema().entity_types}
    except InvalidDataError:
        return {}


def label_color(label: str) -> str:
    """The default schema's colour for an entity type, a fixed one for our own labels."""
    known = _schema_colors().get(label) or _FIXED_COLORS.get(label)
    if known is not None:
        return known
    return _PALETTE[sum(map(ord, label)) % len(_PALETTE)]


# -- Label Studio --------------------------------------------------------------------------------

LABEL_STUDIO = Capacity("Label Studio", attributes=True, notes=True)


@dataclass
class _Config:
    """Everything the written tasks use, for the labeling config."""

    labels: dict[str, None] = field(default_factory=dict)
    relations: dict[str, None] = field(default_factory=dict)
    attributes: dict[str, dict[str, None]] = field(default_factory=dict)
    questions: dict[str, dict[str, None]] = field(default_factory=dict)
    multiple: set[str] = field(default_factory=set)


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """``{split}.json`` per split (a JSON array of tasks) and ``label_config.xml``."""
    config = _Config()
    with SplitFiles(
        out_dir, ".json", report, header=b"[\n", separator=b",\n", footer=b"\n]\n"
    ) as files:
        for document in documents:
            plan = plan_document(document, options, report, LABEL_STUDIO)
            task = _task(document, plan, config, report)
            files.write(document.split, orjson.dumps(task))
            report.documents[document.split] += 1
        written = bool(files.files)
    if written:
        path = report.add_file(safe_path(out_dir, LABEL_CONFIG))
        path.write_text(label_config(config), encoding="utf-8", newline="\n")
        report.notes.append(
            f"Label Studio: create the project with {LABEL_CONFIG}, then import the "
            "{split}.json files; annotators are in each task's meta (Label Studio's "
            "completed_by needs its own user ids)"
        )


def _task(
    document: ExportDocument, plan: Plan, config: _Config, report: ExportReport
) -> dict[str, Any]:
    article = document.article
    return {
        "data": {"text": article.text, "title": article.title, "article_id": article.id},
        "meta": {"annotator": document.annotator, "split": document.split},
        "annotations": [
            {
                "result": _results(plan, config, report),
                "was_cancelled": False,
                "ground_truth": document.annotator == "gold",
            }
        ],
    }


def _region_value(span: ForeignSpan) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _results(plan: Plan, config: _Config, report: ExportReport) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for span in plan.document.spans:
        config.labels[span.label] = None
        region: dict[str, Any] = {
            "id": span.id,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {**_region_value(span), "labels": [span.label]},
        }
        if span.note:
            region["meta"] = {"text": [span.note]}
        results.append(region)
        for name, value in span.attributes.items():
            config.attributes.setdefault(name, {})[value] = None
            results.append(
                {
                    "id": span.id,
                    "from_name": name,
                    "to_name": "text",
                    "type": "choices",
                    "value": {**_region_value(span), "choices": [value]},
                }
            )
    for relation in plan.document.relations:
        config.relations[relation.label] = None
        results.append(
            {
                "from_id": relation.head,
                "to_id": relation.tail,
                "type": "relation",
                "direction": "right",
                "labels": [relation.label],
            }
        )
    for question, values in plan.document.choices.items():
        if question in _RESERVED:
            report.drop(
                f"document label {question!r}: the name is taken by the labeling config "
                f"({', '.join(sorted(_RESERVED))}); not written"
            )
            continue
        config.questions.setdefault(question, {}).update(dict.fromkeys(values))
        if len(values) > 1:
            config.multiple.add(question)
        results.append(
            {
                "id": f"document-{question}",
                "from_name": question,
                "to_name": "text",
                "type": "choices",
                "value": {"choices": values},
            }
        )
    return results


def label_config(config: _Config) -> str:
    """A Label Studio labeling config for what was written."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title")
    labels = ET.SubElement(view, "Labels", name="label", toName="text")
    for label in config.labels:
        ET.SubElement(labels, "Label", value=label, background=label_color(label))
    ET.SubElement(view, "Text", name="text", value="$text")
    if config.relations:
        relations = ET.SubElement(view, "Relations")
        for relation in config.relations:
            ET.SubElement(relations, "Relation", value=relation)
    for name in ATTRIBUTE_NAMES:
        if name in config.attributes:
            _choices(view, name, config.attributes[name], per_region=True, multiple=False)
    for question, values in config.questions.items():
        _choices(view, question, values, per_region=False, multiple=question in config.multiple)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _choices(
    view: ET.Element, name: str, values: Iterable[str], *, per_region: bool, multiple: bool
) -> None:
    attributes = {"name": name, "toName": "text", "choice": "multiple" if multiple else "single"}
    if per_region:
        attributes["perRegion"] = "true"
    element = ET.SubElement(view, "Choices", attributes)
    for value in values:
        ET.SubElement(element, "Choice", value=value)


__all__ = [
    "LABEL_STUDIO",
    "Capacity",
    "Plan",
    "SplitFiles",
    "first_question",
    "label_color",
    "plan_document",
    "write",
]
