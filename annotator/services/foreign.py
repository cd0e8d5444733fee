"""Turning another tool's document (a ForeignDocument) into our article and annotation set.

The rules, shared by every reader:

- The tool's text is normalised once (LF, NFC) and every span moves with it through the
  offset map; nothing is found again by searching.
- A span label is first renamed by the user's ``--map`` pairs, then read as: an entity type of
  the schema (a mention); ``QUOTE`` or a quote type of the schema (a quote); ``CUE``;
  ``EVIDENCE``; ``STANCE`` (the anchor of a stance). Anything else is refused with its name,
  unless the user asked to add unknown labels to the schema.
- Relations: ``speaker`` (quote <-> mention), ``cue`` (quote <-> cue span), ``coref`` /
  ``same_as`` (mention <-> mention: one entity), and for a stance anchor ``holder``, ``target``
  and ``evidence``. Its polarity comes from the anchor's ``polarity`` attribute, its topic from
  a ``topic`` attribute. Anything else is refused, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import explain
from annotator.domain.offsets import normalize_with_map
from annotator.domain.schema import LABEL_PATTERN, EntityType, Schema, Topic
from annotator.domain.text import looks_like_direct_quote
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan
from annotator.formats.lines import MAX_META_DEPTH, too_deep

QUOTE_LABELS = {"quote", "quotation"}
CUE_LABELS = {"cue", "speech_cue", "cue_verb"}
EVIDENCE_LABELS = {"evidence"}
STANCE_LABELS = {"stance"}
SPEAKER_RELATIONS = {"speaker", "said_by", "saidby", "source", "attributed_to"}
CUE_RELATIONS = {"cue"}
COREF_RELATIONS = {"coref", "same_as", "sameas", "coreference", "refers_to"}
PALETTE = ("#ffadad", "#ffd6a5", "#fdffb6", "#caffbf", "#9bf6ff", "#a0c4ff", "#bdb2ff", "#ffc6ff")


@dataclass
class LabelPolicy:
    """How to treat labels the schema does not know."""

    mapping: dict[str, str] = field(default_factory=dict)
    add_unknown: bool = False


@dataclass
class Converted:
    article: Article
    annotation_set: AnnotationSet
    schema: Schema
    warnings: list[str]


def _fail(document: ForeignDocument, message: str) -> FormatError:
    return FormatError(document.source, message, line=document.line)


def convert(
    document: ForeignDocument,
    *,
    schema: Schema,
    annotator_id: str,
    policy: LabelPolicy,
    article: Article | None = None,
) -> Converted:
    """Our article (or ``article``, if the same text is already in the project) and set."""
    if "\x00" in document.text:
        raise _fail(
            document,
            f"the text contains a NUL character (U+0000) at offset {document.text.index(chr(0))}",
        )
    if too_deep(document.metadata, MAX_META_DEPTH):
        raise _fail(
            document, f"a metadata field nests lists or objects deeper than {MAX_META_DEPTH} levels"
        )
    try:
        return _convert(document, schema, annotator_id, policy, article)
    except ValidationError as error:  # a value the file gives that our models refuse
        raise _fail(document, explain(error)) from None


def _convert(
    document: ForeignDocument,
    schema: Schema,
    annotator_id: str,
    policy: LabelPolicy,
    article: Article | None,
) -> Converted:
    text, mapping = normalize_with_map(document.text)
    if article is None:
        metadata = {k: v for k, v in document.metadata.items() if isinstance(v, str)}
        article = Article.create(
            text,
            title=metadata.pop("title", ""),
            source=metadata.pop("source", ""),
            url=metadata.pop("url", ""),
            external_id=document.external_id,
            meta={
                k: v for k, v in document.metadata.items() if k not in ("title", "source", "url")
            },
        )
    warnings = list(document.warnings)
    builder = _Builder(document, text, mapping, schema, policy)
    builder.spans(document.spans)
    builder.relations(document.relations)
    entities = builder.entities()
    stances = builder.stances()
    labels = builder.choices(document.choices)
    annotation_set = AnnotationSet(
        article_id=article.id,
        annotator_id=annotator_id,
        text_sha256=article.sha256,
        mentions=list(builder.mentions.values()),
        entities=entities,
        quotes=list(builder.quotes.values()),
        stances=stances,
        document_labels=labels,
    )
    problems = annotation_set.problems_against(article, builder.schema)
    if problems:
        raise _fail(document, "; ".join(problems))
    return Converted(article, annotation_set, builder.schema, warnings + builder.warnings)


class _Builder:
    def __init__(
        self,
        document: ForeignDocument,
        text: str,
        mapping: list[int],
        schema: Schema,
        policy: LabelPolicy,
    ) -> None:
        self.document = document
        self.text = text
        self.map = mapping
        self.schema = schema
        self.policy = policy
        self.warnings: list[str] = []
        self.kind: dict[
            str, str
        ] = {}  # foreign span id -> mention / quote / cue / evidence / stance
        self.mentions: dict[str, Mention] = {}
        self.quotes: dict[str, Quote] = {}
        self.cues: dict[str, tuple[int, int]] = {}
        self.evidence: dict[str, tuple[int, int]] = {}
        self.anchors: dict[str, ForeignSpan] = {}
        self.parent: dict[str, str] = {}  # union-find over mention ids for coreference
        self.stance_links: dict[str, dict[str, list[str]]] = {}

    # -- spans ------------------------------------------------------------------------------------

    def _moved(self, span: ForeignSpan) -> tuple[int, int]:
        if not 0 <= span.start < span.end <= len(self.map) - 1:
            raise _fail(
                self.document,
                f"span {span.id or ''} [{span.start}, {span.end}) is outside a text of "
                f"{len(self.map) - 1} characters",
            )
        start, end = self.map[span.start], self.map[span.end]
        if start >= end:
            raise _fail(self.document, f"span {span.id or span.label} is empty after normalising")
        return start, end

    def _label(self, raw: str) -> str:
        return self.policy.mapping.get(raw, raw)

    def spans(self, spans: list[ForeignSpan]) -> None:
        unknown: dict[str, int] = {}
        for n, span in enumerate(spans):
            key = span.id or f"#{n}"
            label = self._label(span.label)
            lowered = label.casefold()
            start, end = self._moved(span)
            if self.schema.entity_type(label) is not None:
                mention = Mention(start=start, end=end, label=label, note=span.note)
                self.mentions[key] = mention
                self.kind[key] = "mention"
            elif lowered in QUOTE_LABELS or label in self.schema.quote_type_names:
                kind = (
                    label if label in self.schema.quote_type_names else self._quote_type(start, end)
                )
                self.quotes[key] = Quote(start=start, end=end, quote_type=kind, note=span.note)
                self.kind[key] = "quote"
            elif lowered in CUE_LABELS:
                self.cues[key] = (start, end)
                self.kind[key] = "cue"
            elif lowered in EVIDENCE_LABELS:
                self.evidence[key] = (start, end)
                self.kind[key] = "evidence"
            elif lowered in STANCE_LABELS:
                self.anchors[key] = span
                self.evidence.setdefault(key, (start, end))
                self.kind[key] = "stance"
            elif self.policy.add_unknown and _is_label_name(label):
                self._add_entity_type(label)
                self.mentions[key] = Mention(start=start, end=end, label=label, note=span.note)
                self.kind[key] = "mention"
            else:
                unknown[label] = unknown.get(label, 0) + 1
        if unknown:
            names = ", ".join(f"{name!r} ({count})" for name, count in sorted(unknown.items()))
            raise _fail(
                self.document,
                f"labels not in the schema: {names}; map them (--map LABEL=PER) or add them "
                "(--add-labels)",
            )

    def _quote_type(self, start: int, end: int) -> str:
        names = self.schema.quote_type_names
        if looks_like_direct_quote(self.text, start, end) and "direct" in names:
            return "direct"
        return "indirect" if "indirect" in names else names[0]

    def _add_entity_type(self, label: str) -> None:
        if self.schema.entity_type(label) is not None:
            return
        used = {t.hotkey for t in self.schema.entity_types}
        hotkey = next((k for k in range(1, 10) if k not in used), None)
        color = PALETTE[len(self.schema.entity_types) % len(PALETTE)]
        self.schema = self.schema.model_copy(
            update={
                "entity_types": [
                    *self.schema.entity_types,
                    EntityType(name=label, color=color, hotkey=hotkey),
                ]
            }
        )
        self.warnings.append(f"added entity type {label} to the schema")

    # -- relations --------------------------------------------------------------------------------

    def relations(self, relations: list[ForeignRelation]) -> None:
        for relation in relations:
            # brat numbers repeated event roles: Evidence, Evidence2, Evidence3.
            label = re.sub(r"\d+$", "", self._label(relation.label)).casefold()
            head, tail = self.kind.get(relation.head), self.kind.get(relation.tail)
            if head is None or tail is None:
                missing = relation.head if head is None else relation.tail
                raise _fail(
                    self.document, f"relation {relation.label} points to unknown span {missing}"
                )
            pair = {head, tail}
            if label in SPEAKER_RELATIONS and pair == {"quote", "mention"}:
                quote_key = relation.head if head == "quote" else relation.tail
                mention_key = relation.tail if head == "quote" else relation.head
                self.quotes[quote_key] = self.quotes[quote_key].model_copy(
                    update={"speaker_id": self.mentions[mention_key].id}
                )
            elif label in CUE_RELATIONS | SPEAKER_RELATIONS and pair == {"quote", "cue"}:
                quote_key = relation.head if head == "quote" else relation.tail
                cue = self.cues[relation.tail if head == "quote" else relation.head]
                self.quotes[quote_key] = self.quotes[quote_key].model_copy(
                    update={"cue_start": cue[0], "cue_end": cue[1]}
                )
            elif label in COREF_RELATIONS and pair == {"mention"}:
                self._union(relation.head, relation.tail)
            elif head == "stance" and label in ("holder", "target", "evidence"):
                links = self.stance_links.setdefault(relation.head, {})
                links.setdefault(label, []).append(relation.tail)
            else:
                raise _fail(
                    self.document,
                    f"relation {relation.label!r} from a {head} to a {tail} has no meaning here "
                    "(known: speaker, cue, coref, and holder/target/evidence from a stance)",
                )

    def _find(self, key: str) -> str:
        while self.parent.get(key, key) != key:
            key = self.parent[key]
        return key

    def _union(self, a: str, b: str) -> None:
        self.parent[self._find(a)] = self._find(b)

    def entities(self) -> list[Entity]:
        """One entity per coreference cluster, and one for each stance holder or target."""
        needed = {key for key in self.mentions if key in self.parent}
        needed |= {self._find(key) for key in self.parent if key in self.mentions}
        for links in self.stance_links.values():
            for role in ("holder", "target"):
                needed.update(k for k in links.get(role, []) if self.kind.get(k) == "mention")
        clusters: dict[str, list[str]] = {}
        for key in self.mentions:
            if key in needed or self._find(key) in needed:
                clusters.setdefault(self._find(key), []).append(key)
        entities: list[Entity] = []
        for keys in clusters.values():
            # The longest mention names the entity ("Ingrid Halvorsen" over "she").
            longest = max(keys, key=lambda k: (self.mentions[k].end - self.mentions[k].start, k))
            named = self.mentions[longest]
            entity = Entity(name=self.text[named.start : named.end], label=named.label)
            entities.append(entity)
            for key in keys:
                self.mentions[key] = self.mentions[key].model_copy(update={"entity_id": entity.id})
        return entities

    def stances(self) -> list[Stance]:
        stances: list[Stance] = []
        for key, anchor in self.anchors.items():
            links = self.stance_links.get(key, {})
            holders = [
                self.mentions[k].entity_id for k in links.get("holder", []) if k in self.mentions
            ]
            if len(holders) != 1 or holders[0] is None:
                raise _fail(self.document, f"stance {key} needs exactly one holder mention")
            targets = [
                self.mentions[k].entity_id for k in links.get("target", []) if k in self.mentions
            ]
            topic = anchor.attributes.get("topic") or anchor.attributes.get("Topic")
            if len(targets) + (1 if topic else 0) != 1:
                raise _fail(
                    self.document, f"stance {key} needs exactly one target (a mention or a topic)"
                )
            polarity = anchor.attributes.get("polarity") or anchor.attributes.get("Polarity") or ""
            polarity = self._label(polarity)
            if polarity not in self.schema.polarity_names:
                raise _fail(
                    self.document,
                    f"stance {key}: polarity {polarity!r} is not one of "
                    f"{', '.join(self.schema.polarity_names)}",
                )
            if topic and topic not in self.schema.topic_names:
                topic = self._known_topic(topic)
            if topic and topic not in self.schema.topic_names:
                self.schema = self.schema.model_copy(
                    update={"topics": [*self.schema.topics, Topic(name=topic)]}
                )
                self.warnings.append(f"added topic {topic!r} to the schema")
            evidence_keys = links.get("evidence", []) or [key]
            evidence = [self._evidence(k) for k in evidence_keys]
            stances.append(
                Stance(
                    holder_id=holders[0],
                    target_entity_id=targets[0] if targets else None,
                    target_topic=topic if not targets else None,
                    polarity=polarity,
                    evidence=evidence,
                    note=anchor.note,
                )
            )
        return stances

    def _known_topic(self, value: str) -> str:
        """The schema topic a tool spelled without spaces (brat attribute values have none)."""
        for name in self.schema.topic_names:
            if re.sub(r"\s+", "_", name) == value:
                return name
        return value

    def _evidence(self, key: str) -> Evidence:
        if key in self.quotes:
            quote = self.quotes[key]
            return Evidence(start=quote.start, end=quote.end, quote_id=quote.id)
        if key in self.evidence:
            start, end = self.evidence[key]
            return Evidence(start=start, end=end)
        raise _fail(self.document, f"stance evidence {key} is not a quote or an evidence span")

    def choices(self, choices: dict[str, list[str]]) -> list[DocumentLabel]:
        labels = []
        for question, values in choices.items():
            if not values:
                continue  # an empty answer list is no answer
            name = self._label(question)
            if self.schema.question(name) is None:
                raise _fail(
                    self.document,
                    f"document question {question!r} is not in the schema; map it with "
                    f"--map {question}=QUESTION",
                )
            labels.append(DocumentLabel(question=name, values=list(values)))
        return labels


def _is_label_name(label: str) -> bool:
    return re.match(LABEL_PATTERN, label) is not None
