"""Annotators, annotation sets and their items: mentions, entities, quotes, stances, labels."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import Field, model_validator

from annotator.domain.base import DomainModel, utc_now
from annotator.domain.ids import new_id
from annotator.domain.offsets import OffsetError, check_span

if TYPE_CHECKING:
    from annotator.domain.article import Article
    from annotator.domain.schema import Schema


class Role(StrEnum):
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"


class SetStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    APPROVED = "approved"
    NEEDS_REWORK = "needs_rework"


class SetKind(StrEnum):
    ANNOTATION = "annotation"
    GOLD = "gold"


class Layer(StrEnum):
    """The kinds of item an annotation set holds."""

    MENTION = "mention"
    ENTITY = "entity"
    QUOTE = "quote"
    STANCE = "stance"
    DOCUMENT_LABEL = "document_label"


class Annotator(DomainModel):
    id: str = Field(default_factory=new_id, min_length=1)
    name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(default_factory=lambda: [Role.ANNOTATOR])
    created_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _name_is_trimmed(self) -> Self:
        if self.name != self.name.strip() or not self.name.strip():
            raise ValueError(f"annotator name {self.name!r} must not be blank or padded")
        return self


class Provenance(DomainModel):
    """Where a gold item came from: who agreed on it, or the reviewer's override and why."""

    agreed_by: list[str] = Field(default_factory=list)
    source_item_ids: list[str] = Field(default_factory=list)
    reviewer: str | None = None
    override: bool = False
    reason: str = ""


class Item(DomainModel):
    """Fields every annotation item has: a stable id, an unsure flag with a note, provenance."""

    id: str = Field(default_factory=new_id, min_length=1)
    unsure: bool = False
    note: str = ""
    provenance: Provenance | None = None


class SpanItem(Item):
    start: int = Field(ge=0)
    end: int = Field(gt=0)

    @model_validator(mode="after")
    def _span_not_empty(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"span [{self.start}, {self.end}) is empty or reversed")
        return self


class Mention(SpanItem):
    """An entity mention ``[start, end)`` with its entity type; may belong to an entity cluster."""

    label: str = Field(min_length=1)
    entity_id: str | None = None


class Entity(Item):
    """A cluster of mentions that refer to one real-world thing."""

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    kb_id: str | None = None


class Quote(SpanItem):
    """Reported speech: content span, type, speaker (a mention) and cue span."""

    quote_type: str = "direct"
    speaker_id: str | None = None
    cue_start: int | None = Field(default=None, ge=0)
    cue_end: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _cue_complete(self) -> Self:
        if (self.cue_start is None) != (self.cue_end is None):
            raise ValueError("a cue needs both cue_start and cue_end")
        if (
            self.cue_start is not None
            and self.cue_end is not None
            and self.cue_end <= self.cue_start
        ):
            raise ValueError(f"cue span [{self.cue_start}, {self.cue_end}) is empty or reversed")
        return self

    @property
    def cue(self) -> tuple[int, int] | None:
        if self.cue_start is None or self.cue_end is None:
            return None
        return self.cue_start, self.cue_end


class Evidence(SpanItem):
    """A span that supports a stance, optionally the span of an existing quote."""

    quote_id: str | None = None


class Stance(Item):
    """Holder (entity) -> target (entity or project topic), polarity, evidence spans."""

    holder_id: str = Field(min_length=1)
    target_entity_id: str | None = None
    target_topic: str | None = None
    polarity: str = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.target_entity_id is None) == (self.target_topic is None):
            raise ValueError("a stance needs exactly one target: an entity or a topic")
        return self


class DocumentLabel(Item):
    """The answer to one document question of the schema."""

    question: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class AnnotationSet(DomainModel):
    """Everything one annotator (or the gold adjudication) labelled on one article."""

    id: str = Field(default_factory=new_id, min_length=1)
    article_id: str = Field(min_length=1)
    annotator_id: str = Field(min_length=1)
    kind: SetKind = SetKind.ANNOTATION
    status: SetStatus = SetStatus.TODO
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    mentions: list[Mention] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    document_labels: list[DocumentLabel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        problems = self.reference_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def reference_problems(self) -> list[str]:
        """Links that point outside this set (speaker, cluster, holder, target, evidence)."""
        problems: list[str] = []
        ids = [item.id for item in self.all_items()]
        seen: set[str] = set()
        for item_id in ids:
            if item_id in seen:
                problems.append(f"item id {item_id} is used twice")
            seen.add(item_id)
        mention_ids = {m.id for m in self.mentions}
        entity_ids = {e.id for e in self.entities}
        quote_ids = {q.id for q in self.quotes}
        for mention in self.mentions:
            if mention.entity_id is not None and mention.entity_id not in entity_ids:
                problems.append(
                    f"mention {mention.id} belongs to unknown entity {mention.entity_id}"
                )
        for quote in self.quotes:
            if quote.speaker_id is not None and quote.speaker_id not in mention_ids:
                problems.append(
                    f"quote {quote.id}: speaker {quote.speaker_id} is not a mention of this article"
                )
        for stance in self.stances:
            if stance.holder_id not in entity_ids:
                problems.append(f"stance {stance.id}: holder {stance.holder_id} is not an entity")
            if stance.target_entity_id is not None and stance.target_entity_id not in entity_ids:
                problems.append(
                    f"stance {stance.id}: target {stance.target_entity_id} is not an entity"
                )
            for evidence in stance.evidence:
                if evidence.quote_id is not None and evidence.quote_id not in quote_ids:
                    problems.append(
                        f"stance {stance.id}: evidence quote {evidence.quote_id} is unknown"
                    )
        questions = [label.question for label in self.document_labels]
        for question in {q for q in questions if questions.count(q) > 1}:
            problems.append(f"document question {question!r} is answered twice")
        return problems

    def all_items(self) -> list[Item]:
        items: list[Item] = [*self.mentions, *self.entities, *self.quotes, *self.stances]
        for stance in self.stances:
            items.extend(stance.evidence)
        items.extend(self.document_labels)
        return items

    def spans(self) -> list[tuple[str, int, int]]:
        """Every span in the set as (what, start, end), for checks against the text."""
        out: list[tuple[str, int, int]] = []
        out += [(f"mention {m.id}", m.start, m.end) for m in self.mentions]
        for quote in self.quotes:
            out.append((f"quote {quote.id}", quote.start, quote.end))
            if quote.cue is not None:
                out.append((f"cue of quote {quote.id}", *quote.cue))
        for stance in self.stances:
            out += [(f"evidence {e.id}", e.start, e.end) for e in stance.evidence]
        return out

    def problems_against(self, article: Article, schema: Schema | None = None) -> list[str]:
        """What is wrong with this set for this article's text (and this schema, if given)."""
        problems: list[str] = []
        if article.id != self.article_id:
            problems.append(f"set is for article {self.article_id}, not {article.id}")
        if article.sha256 != self.text_sha256:
            problems.append("set was made on a different version of the article text")
        length = len(article.text)
        for what, start, end in self.spans():
            try:
                check_span(length, start, end)
            except OffsetError as error:
                problems.append(f"{what}: {error}")
        if schema is not None:
            problems.extend(self._schema_problems(schema))
        return problems

    def _schema_problems(self, schema: Schema) -> list[str]:
        problems: list[str] = []
        labels = set(schema.entity_labels)
        for mention in self.mentions:
            if mention.label not in labels:
                problems.append(
                    f"mention {mention.id}: label {mention.label!r} is not in the schema"
                )
        for entity in self.entities:
            if entity.label not in labels:
                problems.append(f"entity {entity.id}: label {entity.label!r} is not in the schema")
        quote_types = set(schema.quote_type_names)
        for quote in self.quotes:
            if quote.quote_type not in quote_types:
                problems.append(f"quote {quote.id}: type {quote.quote_type!r} is not in the schema")
        polarities = set(schema.polarity_names)
        topics = set(schema.topic_names)
        for stance in self.stances:
            if stance.polarity not in polarities:
                problems.append(
                    f"stance {stance.id}: polarity {stance.polarity!r} is not in the schema"
                )
            if stance.target_topic is not None and stance.target_topic not in topics:
                problems.append(
                    f"stance {stance.id}: topic {stance.target_topic!r} is not in the schema"
                )
        for label in self.document_labels:
            question = schema.question(label.question)
            if question is None:
                problems.append(f"document question {label.question!r} is not in the schema")
                continue
            for value in label.values:
                if value not in question.choices:
                    problems.append(f"{label.question}: {value!r} is not one of its choices")
            if len(label.values) > 1 and not question.multiple:
                problems.append(f"{label.question}: takes one answer, got {len(label.values)}")
        return problems

    def count(self) -> int:
        return len(self.mentions) + len(self.quotes) + len(self.stances) + len(self.document_labels)


class ReviewComment(DomainModel):
    """A reviewer's comment on a set (or one item of it) that the annotator sees."""

    id: str = Field(default_factory=new_id, min_length=1)
    set_id: str = Field(min_length=1)
    item_id: str | None = None
    author_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    resolved: bool = False
    created_at: datetime = Field(default_factory=utc_now)


class AuditEntry(DomainModel):
    """One line of the project's audit trail."""

    id: int | None = None
    at: datetime = Field(default_factory=utc_now)
    actor: str | None = None
    action: str
    target_type: str
    target_id: str | None = None
    detail: dict[str, object] = Field(default_factory=dict)
