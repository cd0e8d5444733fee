"""Annotating one article: every edit committed through the repository, then mirrored in memory.

The GUI keeps one ``ArticleSession`` per open article. Each method writes one transaction and
returns the ``Change`` (or changes) the views need, so nothing is re-read after an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Entity,
    Layer,
    Mention,
    Quote,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import Schema
from annotator.domain.text import looks_like_direct_quote, name_similarity
from annotator.services.changes import Change, ChangeKind
from annotator.storage.annotation_sets import AnyItem, layer_of
from annotator.storage.project import Project

SPEAKER_LABELS = ("PER", "ORG", "NORP", "GPE")


@dataclass(frozen=True)
class Removal:
    """An item that was removed, with the items it changed on its way out (to undo it)."""

    item: AnyItem
    dependents: tuple[AnyItem, ...] = field(default=())


def item_ranges(item: AnyItem) -> tuple[tuple[int, int], ...]:
    """The text ranges an item is drawn on."""
    if isinstance(item, Mention):
        return ((item.start, item.end),)
    if isinstance(item, Quote):
        return ((item.start, item.end),) + ((item.cue,) if item.cue else ())
    if isinstance(item, Stance):
        return tuple((e.start, e.end) for e in item.evidence)
    return ()


class ArticleSession:
    """One annotator's labels on one article, loaded once and kept in step with the file."""

    def __init__(
        self,
        project: Project,
        article: Article,
        annotator: Annotator,
        *,
        kind: SetKind = SetKind.ANNOTATION,
    ) -> None:
        self.project = project
        self.article = article
        self.annotator = annotator
        info = project.sets.find(article.id, annotator.id, kind)
        if info is None and project.read_only:
            # Nothing to show and nothing may be written: an empty set that is never stored.
            loaded = AnnotationSet(
                article_id=article.id,
                annotator_id=annotator.id,
                kind=kind,
                text_sha256=article.sha256,
            )
        else:
            if info is None:
                info = project.sets.get_or_create(
                    article.id, annotator.id, kind, actor=annotator.name
                )
            loaded = project.sets.load(info.id)
        self.set_id = loaded.id
        self.status = loaded.status
        self.mentions: dict[str, Mention] = {m.id: m for m in loaded.mentions}
        self.entities: dict[str, Entity] = {e.id: e for e in loaded.entities}
        self.quotes: dict[str, Quote] = {q.id: q for q in loaded.quotes}
        self.stances: dict[str, Stance] = {s.id: s for s in loaded.stances}
        self.labels: dict[str, DocumentLabel] = {d.id: d for d in loaded.document_labels}

    # -- reading ---------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def schema(self) -> Schema:
        return self.project.schema

    def _store(self, layer: Layer) -> dict[str, AnyItem]:
        stores: dict[Layer, dict[str, AnyItem]] = {
            Layer.MENTION: self.mentions,  # type: ignore[dict-item]
            Layer.ENTITY: self.entities,  # type: ignore[dict-item]
            Layer.QUOTE: self.quotes,  # type: ignore[dict-item]
            Layer.STANCE: self.stances,  # type: ignore[dict-item]
            Layer.DOCUMENT_LABEL: self.labels,  # type: ignore[dict-item]
        }
        return stores[layer]

    def get(self, layer: Layer, item_id: str) -> AnyItem:
        return self._store(layer)[item_id]

    def snapshot(self) -> AnnotationSet:
        return self.project.sets.load(self.set_id)

    def span_text(self, start: int, end: int) -> str:
        return self.article.text[start:end]

    def entity_mentions(self, entity_id: str) -> list[Mention]:
        return sorted(
            (m for m in self.mentions.values() if m.entity_id == entity_id), key=lambda m: m.start
        )

    def label_for_question(self, question: str) -> DocumentLabel | None:
        return next((d for d in self.labels.values() if d.question == question), None)

    # -- writing ---------------------------------------------------------------------------------

    def add(self, item: AnyItem) -> Change:
        self.project.sets.add(self.set_id, item, actor=self.annotator.name)
        self._store(layer_of(item))[item.id] = item
        self._started()
        return Change(ChangeKind.ADDED, layer_of(item), self.set_id, (item.id,), item_ranges(item))

    def update(self, item: AnyItem) -> Change:
        layer = layer_of(item)
        before = self._store(layer)[item.id]
        self.project.sets.update(self.set_id, item, actor=self.annotator.name)
        self._store(layer)[item.id] = item
        return Change(
            ChangeKind.UPDATED,
            layer,
            self.set_id,
            (item.id,),
            item_ranges(before) + item_ranges(item),
        )

    def remove(self, layer: Layer, item_id: str) -> tuple[Removal, list[Change]]:
        """Remove an item; links to it are cleared and reported so ``restore`` can undo it all."""
        item = self._store(layer)[item_id]
        dependents: list[AnyItem] = []
        if isinstance(item, Mention):
            dependents += [q for q in self.quotes.values() if q.speaker_id == item_id]
        elif isinstance(item, Entity):
            dependents += [m for m in self.mentions.values() if m.entity_id == item_id]
        elif isinstance(item, Quote):
            dependents += [
                s for s in self.stances.values() if any(e.quote_id == item_id for e in s.evidence)
            ]
        self.project.sets.remove(self.set_id, layer, item_id, actor=self.annotator.name)
        del self._store(layer)[item_id]
        changes = [Change(ChangeKind.REMOVED, layer, self.set_id, (item_id,), item_ranges(item))]
        for dependent in dependents:
            changed = _without_link(dependent, item_id)
            self._store(layer_of(dependent))[dependent.id] = changed
            changes.append(
                Change(
                    ChangeKind.UPDATED,
                    layer_of(dependent),
                    self.set_id,
                    (dependent.id,),
                    item_ranges(dependent),
                )
            )
        return Removal(item, tuple(dependents)), changes

    def restore(self, removal: Removal) -> list[Change]:
        """Undo a removal: the item comes back with the same id, and its links with it."""
        changes = [self.add(removal.item)]
        changes += [self.update(dependent) for dependent in removal.dependents]
        return changes

    def link(
        self, mention_ids: list[str], entity_id: str | None
    ) -> tuple[dict[str, str | None], Change]:
        """Put mentions into an entity cluster; returns their previous clusters for undo."""
        previous = {m: self.mentions[m].entity_id for m in mention_ids}
        self.project.sets.set_entity(self.set_id, mention_ids, entity_id, actor=self.annotator.name)
        ranges = []
        for mention_id in mention_ids:
            mention = self.mentions[mention_id].model_copy(update={"entity_id": entity_id})
            self.mentions[mention_id] = mention
            ranges.append((mention.start, mention.end))
        return previous, Change(
            ChangeKind.UPDATED, Layer.MENTION, self.set_id, tuple(mention_ids), tuple(ranges)
        )

    def relink(self, previous: dict[str, str | None]) -> list[Change]:
        """Give each mention back the cluster it had (the undo of ``link``)."""
        changes = []
        for entity_id in set(previous.values()):
            ids = [m for m, e in previous.items() if e == entity_id]
            changes.append(self.link(ids, entity_id)[1])
        return changes

    def set_status(self, status: SetStatus) -> Change:
        self.project.sets.set_status(self.set_id, status, actor=self.annotator.name)
        self.status = status
        return Change(ChangeKind.STATUS, None, self.set_id)

    def _started(self) -> None:
        if self.status is SetStatus.TODO:
            self.status = SetStatus.IN_PROGRESS

    # -- proposals -------------------------------------------------------------------------------

    def speaker_candidates(self, quote_start: int, quote_end: int) -> list[Mention]:
        """Mentions that could be the speaker: people and organisations first, the nearest
        preceding one at the top, then those after the quote, then other labels."""

        text = self.article.text

        def rank(mention: Mention) -> tuple[int, int, int, int, int]:
            preferred = 0 if mention.label in SPEAKER_LABELS[:2] else 1
            # Within a paragraph a person beats an organisation ("X, a spokesperson for the
            # Ministry, said"); across paragraphs the nearer one wins.
            person = 0 if mention.label == "PER" else 1
            if mention.end <= quote_start:
                paragraphs = text.count("\n", mention.end, quote_start)
                return (preferred, 0, paragraphs, person, quote_start - mention.end)
            if mention.start >= quote_end:
                paragraphs = text.count("\n", quote_end, mention.start)
                return (preferred, 1, paragraphs, person, mention.start - quote_end)
            return (preferred, 2, 0, person, 0)  # inside the quote: rarely the speaker

        return sorted(self.mentions.values(), key=rank)

    def cluster_candidates(self, name: str, label: str | None = None) -> list[tuple[Entity, float]]:
        """Existing entities by how well their names (and mentions) match ``name``."""
        scored = []
        for entity in self.entities.values():
            names = [entity.name] + [
                self.span_text(m.start, m.end) for m in self.entity_mentions(entity.id)
            ]
            score = max(name_similarity(name, n) for n in names)
            if label is not None and entity.label == label:
                score += 0.05
            scored.append((entity, score))
        return sorted(scored, key=lambda pair: (-pair[1], pair[0].name))

    def propose_quote_type(self, start: int, end: int) -> str:
        types = self.schema.quote_type_names
        if looks_like_direct_quote(self.article.text, start, end) and "direct" in types:
            return "direct"
        if "indirect" in types:
            return "indirect"
        if not types:
            raise InvalidDataError("the schema defines no quote types")
        return types[0]


def _without_link(item: AnyItem, removed_id: str) -> AnyItem:
    if isinstance(item, Quote):
        return item.model_copy(update={"speaker_id": None})
    if isinstance(item, Mention):
        return item.model_copy(update={"entity_id": None})
    if isinstance(item, Stance):
        evidence = [
            e.model_copy(update={"quote_id": None}) if e.quote_id == removed_id else e
            for e in item.evidence
        ]
        return item.model_copy(update={"evidence": evidence})
    return item
