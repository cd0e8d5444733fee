"""Suggestions: entities (propagation, gazetteer, a spaCy model) and quotes, to confirm or reject.

The engine turns what the recommenders find into ``Suggestion`` values for one article, leaving
out what the annotator already labelled and what they rejected before. ``plan_acceptance`` turns
accepted suggestions into the items to add (and links to make), for the window and the CLI
alike. ``pre_annotate`` runs it over a whole project as a named annotator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from annotator.domain.annotations import (
    Entity,
    Layer,
    Mention,
    Provenance,
    Quote,
    SetKind,
    SetStatus,
)
from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import Schema
from annotator.services.model_suggestions import ModelSuggester
from annotator.services.propagation import EntityLexicon
from annotator.services.quote_finder import Person, QuoteFinder
from annotator.storage.annotation_sets import AnyItem
from annotator.storage.project import Project

SOURCE_QUOTES = "quotes"
_SPEAKER_LABELS = ("PER", "ORG", "NORP", "GPE")


class SuggestionKind(StrEnum):
    ENTITIES = "entities"
    QUOTES = "quotes"


ALL_KINDS = frozenset(SuggestionKind)


def parse_kinds(value: str | None) -> frozenset[SuggestionKind]:
    """``entities,quotes`` -> the kinds; an unknown name is an error that lists the known."""
    if value is None or not value.strip():
        return ALL_KINDS
    kinds = set()
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        try:
            kinds.add(SuggestionKind(name))
        except ValueError:
            raise InvalidDataError(
                f"unknown suggestion kind {name!r} (known: entities, quotes)"
            ) from None
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed mention or quote, not a label until accepted."""

    layer: Layer  # Layer.MENTION or Layer.QUOTE
    start: int
    end: int
    label: str  # the entity label, or the quote type
    source: str  # "propagation", "gazetteer", "quotes", "model:<name>"
    confidence: float
    reason: str = ""
    cue: tuple[int, int] | None = None
    speaker: tuple[int, int] | None = None  # the speaker as written near the cue
    speaker_label: str | None = None
    antecedent: tuple[int, int] | None = None  # the name a pronoun speaker refers to
    speaker_name: str = ""

    @property
    def key(self) -> str:
        """Stable across sessions (the text never changes): what a decision is remembered by.
        A rejected quote stays rejected whatever type or speaker it would be offered with."""
        if self.layer is Layer.QUOTE:
            return f"{self.start}-{self.end}"
        return f"{self.start}-{self.end}:{self.label}"

    @property
    def kind(self) -> tuple[Layer, str]:
        """What "accept all of this kind" groups by: the layer and the label or quote type."""
        return self.layer, self.label

    def ranges(self) -> tuple[tuple[int, int], ...]:
        extra = tuple(r for r in (self.cue, self.speaker) if r is not None)
        return ((self.start, self.end), *extra)


class SuggestionEngine:
    """Suggestions for one article at a time; holds the lexicon, finder and optional model."""

    def __init__(
        self,
        schema: Schema,
        lexicon: EntityLexicon | None = None,
        *,
        kinds: Collection[SuggestionKind] = ALL_KINDS,
        model: ModelSuggester | None = None,
    ) -> None:
        self.schema = schema
        self.lexicon = lexicon if lexicon is not None else EntityLexicon()
        self.kinds = frozenset(kinds)
        self.model = model
        self.finder = QuoteFinder(schema.speech_verbs)
        self._labels = set(schema.entity_labels)
        self._quote_types = set(schema.quote_type_names)

    def suggest(
        self,
        text: str,
        *,
        mentions: Iterable[Mention] = (),
        quotes: Iterable[Quote] = (),
        rejected: Collection[tuple[str, str]] = (),
    ) -> list[Suggestion]:
        """What to offer on ``text`` given the annotator's items and rejected keys."""
        mention_list = list(mentions)
        quote_list = list(quotes)
        out: list[Suggestion] = []
        entities: list[Suggestion] = []
        if SuggestionKind.ENTITIES in self.kinds:
            entities = self._entities(text, mention_list)
            out += [s for s in entities if (str(s.layer), s.key) not in rejected]
        if SuggestionKind.QUOTES in self.kinds and self._quote_types:
            people = [Person(m.start, m.end, m.label, m.id) for m in mention_list]
            people += [Person(s.start, s.end, s.label) for s in entities]
            taken = sorted((q.start, q.end) for q in quote_list)
            for found in self.finder.find(text, people=people):
                if any(s < found.end and found.start < e for s, e in taken):
                    continue
                quote_type = self._quote_type(found.quote_type)
                speaker_label = found.speaker_label
                if speaker_label is not None and speaker_label not in self._labels:
                    speaker_label = "PER" if "PER" in self._labels else None
                suggestion = Suggestion(
                    Layer.QUOTE,
                    found.start,
                    found.end,
                    quote_type,
                    SOURCE_QUOTES,
                    found.confidence,
                    found.reason,
                    found.cue,
                    found.speaker if speaker_label is not None else None,
                    speaker_label,
                    found.antecedent if speaker_label is not None else None,
                    found.speaker_name,
                )
                if (str(Layer.QUOTE), suggestion.key) not in rejected:
                    out.append(suggestion)
        out.sort(key=lambda s: (s.start, s.end, s.layer))
        return out

    def _quote_type(self, proposed: str) -> str:
        if proposed in self._quote_types:
            return proposed
        for fallback in ("indirect", "direct"):
            if proposed != "direct" and fallback in self._quote_types:
                return fallback
        return sorted(self._quote_types)[0]

    def _entities(self, text: str, mentions: Sequence[Mention]) -> list[Suggestion]:
        occupied = [(m.start, m.end) for m in mentions]
        found = [
            Suggestion(
                Layer.MENTION,
                m.start,
                m.end,
                m.label,
                m.source,
                m.confidence,
                f"“{m.surface}” labelled {m.label} {m.seen} time(s) in this project"
                if m.source == "propagation"
                else f"“{m.surface}” is {m.label} in the project gazetteer",
            )
            for m in self.lexicon.match(text, occupied=occupied)
            if m.label in self._labels
        ]
        if self.model is not None:
            taken = occupied + [(s.start, s.end) for s in found]
            for entity in self.model.entities(text, self._labels):
                if any(s < entity.end and entity.start < e for s, e in taken):
                    continue
                taken.append((entity.start, entity.end))
                found.append(
                    Suggestion(
                        Layer.MENTION,
                        entity.start,
                        entity.end,
                        entity.label,
                        self.model.source,
                        0.6,
                        f"{self.model.name} says {entity.model_label}",
                    )
                )
        found.sort(key=lambda s: s.start)
        return found


# -- accepting -------------------------------------------------------------------------------------


@dataclass
class AcceptancePlan:
    """Items to add (entities, then mentions, then quotes) and stored mentions to re-link."""

    adds: list[AnyItem] = field(default_factory=list)
    links: list[tuple[Mention, Mention]] = field(default_factory=list)  # (before, after)

    def __bool__(self) -> bool:
        return bool(self.adds or self.links)


def provenance_of(suggestion: Suggestion) -> Provenance:
    reason = f"suggested by {suggestion.source} ({suggestion.confidence:.0%})"
    if suggestion.reason:
        reason += f": {suggestion.reason}"
    return Provenance(reason=reason)


def plan_acceptance(
    suggestions: Sequence[Suggestion],
    *,
    text: str,
    mentions: Iterable[Mention],
    entities: Iterable[Entity],
    quotes: Iterable[Quote],
) -> AcceptancePlan:
    """The items that accepting ``suggestions`` adds to a set holding the given items.

    A quote's speaker becomes a mention (an existing one on the same span is reused); a pronoun
    speaker is linked into its antecedent's entity, made if there is none. Mentions made for
    one suggestion are reused by the next (accept-all of split quotes makes one "he").
    """
    originals: dict[str, Mention] = {m.id: m for m in mentions}
    working = dict(originals)
    known_entities: dict[str, Entity] = {e.id: e for e in entities}
    quote_spans = {(q.start, q.end) for q in quotes}
    plan = AcceptancePlan()
    added: dict[str, AnyItem] = {}
    linked: dict[str, Mention] = {}

    def mention_at(span: tuple[int, int], label: str) -> Mention | None:
        same = [m for m in working.values() if (m.start, m.end) == span]
        if same:
            return next((m for m in same if m.label == label), same[0])
        # ‘Ingrid Halvorsen’ found, ‘Colonel Ingrid Halvorsen’ labelled: the label is the
        # speaker; no second mention inside it.
        around = [
            m
            for m in working.values()
            if m.start < span[1] and span[0] < m.end and m.label in _SPEAKER_LABELS
        ]
        around.sort(key=lambda m: (m.label != label, abs(m.end - m.start - span[1] + span[0])))
        return around[0] if around else None

    def ensure_mention(span: tuple[int, int], label: str, suggestion: Suggestion) -> Mention:
        existing = mention_at(span, label)
        if existing is not None:
            return existing
        mention = Mention(
            start=span[0], end=span[1], label=label, provenance=provenance_of(suggestion)
        )
        working[mention.id] = mention
        added[mention.id] = mention
        return mention

    def set_entity(mention: Mention, entity_id: str) -> Mention:
        if mention.entity_id == entity_id:
            return mention
        changed = mention.model_copy(update={"entity_id": entity_id})
        working[mention.id] = changed
        if mention.id in originals:
            linked[mention.id] = changed
        else:
            added[mention.id] = changed
        return changed

    for suggestion in suggestions:
        span = (suggestion.start, suggestion.end)
        if suggestion.layer is Layer.MENTION:
            ensure_mention(span, suggestion.label, suggestion)
            continue
        if span in quote_spans:
            continue
        speaker_id: str | None = None
        if suggestion.speaker is not None:
            label = suggestion.speaker_label or "PER"
            speaker = ensure_mention(suggestion.speaker, label, suggestion)
            if suggestion.antecedent is not None and suggestion.antecedent != suggestion.speaker:
                antecedent = ensure_mention(suggestion.antecedent, label, suggestion)
                entity_id = antecedent.entity_id or speaker.entity_id
                if entity_id is None:
                    entity = Entity(
                        name=text[antecedent.start : antecedent.end],
                        label=antecedent.label,
                        provenance=provenance_of(suggestion),
                    )
                    known_entities[entity.id] = entity
                    added[entity.id] = entity
                    entity_id = entity.id
                set_entity(antecedent, entity_id)
                speaker = set_entity(working[speaker.id], entity_id)
            speaker_id = speaker.id
        quote = Quote(
            start=suggestion.start,
            end=suggestion.end,
            quote_type=suggestion.label,
            speaker_id=speaker_id,
            cue_start=suggestion.cue[0] if suggestion.cue else None,
            cue_end=suggestion.cue[1] if suggestion.cue else None,
            provenance=provenance_of(suggestion),
        )
        quote_spans.add(span)
        added[quote.id] = quote
    order: dict[type, int] = {Entity: 0, Mention: 1, Quote: 2}
    plan.adds = sorted(added.values(), key=lambda item: order.get(type(item), 3))
    plan.links = [(originals[mention_id], after) for mention_id, after in linked.items()]
    return plan


# -- a whole project -------------------------------------------------------------------------------


@dataclass
class PreAnnotationReport:
    annotator: str
    articles: int = 0
    sets_written: int = 0
    added: Counter[str] = field(default_factory=Counter)  # "mention PER", "quote direct", …
    by_source: Counter[str] = field(default_factory=Counter)
    skipped_rejected: int = 0
    unmapped_model_labels: Counter[str] = field(default_factory=Counter)
    gazetteer_entries: int = 0


def pre_annotate(
    project: Project,
    annotator_name: str,
    *,
    kinds: Collection[SuggestionKind] = ALL_KINDS,
    model: ModelSuggester | None = None,
    status: SetStatus = SetStatus.DONE,
    progress: Callable[[int], None] | None = None,
) -> PreAnnotationReport:
    """Accept every suggestion on every article as ``annotator_name``'s labels.

    The lexicon learns from everybody else's mentions (never from this annotator's own, so a
    second run does not feed on the first). Suggestions that annotator rejected stay out; items
    already in their sets are not added twice, so running it again adds only what is new. Each
    article is one transaction.
    """
    schema = project.schema
    annotator = project.annotators.get_or_create(annotator_name)
    lexicon = EntityLexicon.from_project(
        project, exclude_annotator=annotator.id, labels=schema.entity_labels
    )
    engine = SuggestionEngine(schema, lexicon, kinds=kinds, model=model)
    report = PreAnnotationReport(annotator=annotator.name, gazetteer_entries=len(lexicon))
    actor = f"suggest ({annotator.name})"
    for article in project.articles.iter_all():
        report.articles += 1
        existing = project.sets.find(article.id, annotator.id, SetKind.ANNOTATION)
        current = project.sets.load(existing.id) if existing is not None else None
        rejected = project.suggestions.rejected(article.id, annotator.id)
        suggestions = engine.suggest(
            article.text,
            mentions=current.mentions if current else (),
            quotes=current.quotes if current else (),
            rejected=(),
        )
        kept = [s for s in suggestions if (str(s.layer), s.key) not in rejected]
        report.skipped_rejected += len(suggestions) - len(kept)
        plan = plan_acceptance(
            kept,
            text=article.text,
            mentions=current.mentions if current else (),
            entities=current.entities if current else (),
            quotes=current.quotes if current else (),
        )
        if progress is not None:
            progress(1)
        if not plan:
            continue
        if current is None:
            info = project.sets.get_or_create(article.id, annotator.id, actor=actor)
            current = project.sets.load(info.id)
        relinked = {after.id: after for _, after in plan.links}
        mentions = [relinked.get(m.id, m) for m in current.mentions]
        new_set = current.model_copy(
            update={
                "mentions": mentions + [i for i in plan.adds if isinstance(i, Mention)],
                "entities": current.entities + [i for i in plan.adds if isinstance(i, Entity)],
                "quotes": current.quotes + [i for i in plan.adds if isinstance(i, Quote)],
                "status": status,
            }
        )
        project.sets.replace(type(current).model_validate(new_set.model_dump()), actor=actor)
        report.sets_written += 1
        for item in plan.adds:
            if isinstance(item, Mention):
                report.added[f"mention {item.label}"] += 1
            elif isinstance(item, Quote):
                report.added[f"quote {item.quote_type}"] += 1
            elif isinstance(item, Entity):
                report.added["entity"] += 1
        for suggestion in kept:
            report.by_source[suggestion.source] += 1
    if model is not None:
        report.unmapped_model_labels = Counter(model.unmapped)
    return report


def load_model(name: str | None) -> ModelSuggester | None:
    return ModelSuggester(name) if name else None


__all__ = [
    "ALL_KINDS",
    "AcceptancePlan",
    "PreAnnotationReport",
    "Suggestion",
    "SuggestionEngine",
    "SuggestionKind",
    "load_model",
    "parse_kinds",
    "plan_acceptance",
    "pre_annotate",
]
