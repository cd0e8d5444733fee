"""The gold set being adjudicated: copying whole units into it, and writing the difference.

``GoldDraft`` is the gold set in memory while one review action builds it: it copies a unit's
parts (speaker mention, entity clusters, evidence quotes) and reuses identical gold items
instead of duplicating them. ``write_gold_diff`` then writes only what changed, through the
repository, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Layer,
    Mention,
    Provenance,
    Quote,
    Stance,
)
from annotator.domain.base import utc_now
from annotator.domain.errors import InvalidDataError, explain
from annotator.domain.ids import new_id
from annotator.storage.annotation_sets import AnyItem
from annotator.storage.project import Project


def _with_source(provenance: Provenance, item_id: str) -> Provenance:
    if provenance.source_item_ids:
        return provenance
    return provenance.model_copy(update={"source_item_ids": [item_id]})


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class GoldDraft:
    """A mutable copy of the gold set for one review action."""

    def __init__(self, gold: AnnotationSet) -> None:
        self._gold = gold
        self.mentions: dict[str, Mention] = {m.id: m for m in gold.mentions}
        self.entities: dict[str, Entity] = {e.id: e for e in gold.entities}
        self.quotes: dict[str, Quote] = {q.id: q for q in gold.quotes}
        self.stances: dict[str, Stance] = {s.id: s for s in gold.stances}
        self.labels: dict[str, DocumentLabel] = {d.id: d for d in gold.document_labels}
        # Links cut by a removal, waiting for the item that replaces the removed one.
        self._orphans: dict[tuple[Layer, str], list[str]] = {}

    # -- lookups ---------------------------------------------------------------------------------

    def mention_at(self, start: int, end: int, label: str | None = None) -> str | None:
        for mention in self.mentions.values():
            if (mention.start, mention.end) == (start, end) and label in (None, mention.label):
                return mention.id
        return None

    def quote_at(self, start: int, end: int) -> str | None:
        return next((q.id for q in self.quotes.values() if (q.start, q.end) == (start, end)), None)

    def _gold_entity_like(self, source: AnnotationSet, entity: Entity) -> str | None:
        """The gold entity that is the same thing: a shared mention span, else the same name."""
        spans = {(m.start, m.end) for m in source.mentions if m.entity_id == entity.id}
        for mention in self.mentions.values():
            if mention.entity_id is not None and (mention.start, mention.end) in spans:
                return mention.entity_id
        for candidate in self.entities.values():
            if _name_key(candidate.name) == _name_key(entity.name) and (
                candidate.label == entity.label
            ):
                return candidate.id
        return None

    # -- changes ---------------------------------------------------------------------------------

    def add(self, item: AnyItem) -> None:
        if isinstance(item, Mention):
            self.mentions[item.id] = item
        elif isinstance(item, Entity):
            self.entities[item.id] = item
        elif isinstance(item, Quote):
            self.quotes[item.id] = item
        elif isinstance(item, Stance):
            self.stances[item.id] = item
        else:
            # One answer per question: a new answer replaces the old one.
            for other in [d for d in self.labels.values() if d.question == item.question]:
                del self.labels[other.id]
            self.labels[item.id] = item

    def remove(self, layer: Layer, item_id: str) -> None:
        """Take an item out; links to it are cut (and may be re-pointed by ``repoint``)."""
        if layer is Layer.MENTION:
            self.mentions.pop(item_id, None)
            for quote in list(self.quotes.values()):
                if quote.speaker_id == item_id:
                    self.quotes[quote.id] = quote.model_copy(update={"speaker_id": None})
                    self._orphans.setdefault((layer, item_id), []).append(quote.id)
        elif layer is Layer.QUOTE:
            self.quotes.pop(item_id, None)
            for stance in list(self.stances.values()):
                if any(e.quote_id == item_id for e in stance.evidence):
                    evidence = [
                        e.model_copy(update={"quote_id": None}) if e.quote_id == item_id else e
                        for e in stance.evidence
                    ]
                    self.stances[stance.id] = stance.model_copy(update={"evidence": evidence})
                    self._orphans.setdefault((layer, item_id), []).append(stance.id)
        elif layer is Layer.STANCE:
            self.stances.pop(item_id, None)
        elif layer is Layer.DOCUMENT_LABEL:
            self.labels.pop(item_id, None)
        elif layer is Layer.ENTITY:
            self.entities.pop(item_id, None)

    def repoint(self, layer: Layer, old_id: str, new_id_: str) -> None:
        """Links that pointed to a replaced item now point to its replacement."""
        for owner_id in self._orphans.pop((layer, old_id), []):
            if layer is Layer.MENTION and owner_id in self.quotes:
                quote = self.quotes[owner_id]
                self.quotes[owner_id] = quote.model_copy(update={"speaker_id": new_id_})
            elif layer is Layer.QUOTE and owner_id in self.stances:
                stance = self.stances[owner_id]
                replaced = self.quotes[new_id_]
                evidence = [
                    e.model_copy(update={"quote_id": new_id_})
                    if e.quote_id is None and (e.start, e.end) == (replaced.start, replaced.end)
                    else e
                    for e in stance.evidence
                ]
                self.stances[owner_id] = stance.model_copy(update={"evidence": evidence})

    def messages(self) -> list[str]:
        """What lost a link because its target was replaced by nothing."""
        out = []
        for (layer, _old), owners in self._orphans.items():
            if layer is Layer.MENTION:
                out += [f"gold quote {q} has no speaker any more" for q in owners]
            else:
                out += [f"evidence of gold stance {s} no longer points to a quote" for s in owners]
        return out

    def copy_entity(
        self,
        source: AnnotationSet,
        entity_id: str,
        provenance: Provenance,
        *,
        with_mentions: bool,
        only: Callable[[Mention], bool] | None = None,
    ) -> str:
        """The gold entity for a source entity: an aligned one reused, else a copy.

        ``with_mentions`` copies its mentions along (those ``only`` allows, if given).
        """
        entity = next((e for e in source.entities if e.id == entity_id), None)
        if entity is None:
            raise InvalidDataError(f"entity {entity_id} is not in set {source.id}")
        gold_id = self._gold_entity_like(source, entity)
        if gold_id is None:
            gold_id = new_id()
            self.entities[gold_id] = Entity(
                id=gold_id,
                name=entity.name,
                label=entity.label,
                kb_id=entity.kb_id,
                provenance=_with_source(provenance, entity.id),
            )
        if with_mentions:
            for mention in source.mentions:
                if mention.entity_id == entity.id and (only is None or only(mention)):
                    self._place_mention(mention, gold_id, provenance)
        return gold_id

    def copy_mention(
        self,
        source: AnnotationSet,
        mention: Mention,
        provenance: Provenance,
        support: Provenance,
        *,
        force_new: bool = False,
    ) -> str:
        """A gold mention for a source mention (identical one reused), in the right cluster."""
        entity_id = (
            self.copy_entity(source, mention.entity_id, support, with_mentions=False)
            if mention.entity_id is not None
            else None
        )
        if force_new:
            existing = self.mention_at(mention.start, mention.end, mention.label)
            if existing is not None:
                self.mentions[existing] = self.mentions[existing].model_copy(
                    update={
                        "provenance": provenance,
                        "entity_id": self.mentions[existing].entity_id or entity_id,
                    }
                )
                return existing
        return self._place_mention(mention, entity_id, provenance)

    def _place_mention(
        self, mention: Mention, entity_id: str | None, provenance: Provenance
    ) -> str:
        existing = self.mention_at(mention.start, mention.end, mention.label)
        if existing is not None:
            current = self.mentions[existing]
            if current.entity_id is None and entity_id is not None:
                self.mentions[existing] = current.model_copy(update={"entity_id": entity_id})
            return existing
        copy = Mention(
            id=new_id(),
            start=mention.start,
            end=mention.end,
            label=mention.label,
            entity_id=entity_id,
            provenance=_with_source(provenance, mention.id),
        )
        self.mentions[copy.id] = copy
        return copy.id

    def build(self) -> AnnotationSet:
        """The new gold set; entities nothing uses any more are dropped."""
        used = {m.entity_id for m in self.mentions.values()}
        used |= {s.holder_id for s in self.stances.values()}
        used |= {s.target_entity_id for s in self.stances.values()}
        entities = [e for e in self.entities.values() if e.id in used]
        try:
            return AnnotationSet(
                id=self._gold.id,
                article_id=self._gold.article_id,
                annotator_id=self._gold.annotator_id,
                kind=self._gold.kind,
                status=self._gold.status,
                text_sha256=self._gold.text_sha256,
                created_at=self._gold.created_at,
                updated_at=utc_now(),
                mentions=sorted(self.mentions.values(), key=lambda m: (m.start, m.end, m.id)),
                entities=entities,
                quotes=sorted(self.quotes.values(), key=lambda q: (q.start, q.end, q.id)),
                stances=list(self.stances.values()),
                document_labels=list(self.labels.values()),
            )
        except ValidationError as error:
            raise InvalidDataError(explain(error, source="gold")) from None


_REMOVE_ORDER = (Layer.STANCE, Layer.DOCUMENT_LABEL, Layer.QUOTE, Layer.MENTION, Layer.ENTITY)
_ADD_ORDER = (Layer.ENTITY, Layer.MENTION, Layer.QUOTE, Layer.STANCE, Layer.DOCUMENT_LABEL)


def _items(annotation_set: AnnotationSet, layer: Layer) -> dict[str, AnyItem]:
    items: list[AnyItem] = {
        Layer.MENTION: list(annotation_set.mentions),
        Layer.ENTITY: list(annotation_set.entities),
        Layer.QUOTE: list(annotation_set.quotes),
        Layer.STANCE: list(annotation_set.stances),
        Layer.DOCUMENT_LABEL: list(annotation_set.document_labels),
    }[layer]  # type: ignore[assignment]
    return {item.id: item for item in items}


def write_gold_diff(
    project: Project, before: AnnotationSet, after: AnnotationSet, *, actor: str
) -> int:
    """Write what differs between two versions of the gold set; returns the items touched.

    Call inside a transaction: removals first (stances before what they refer to), then
    additions (what is referred to first), then updates.
    """
    old = {layer: _items(before, layer) for layer in _ADD_ORDER}
    new = {layer: _items(after, layer) for layer in _ADD_ORDER}
    set_id = after.id
    touched = 0
    # A document label answer replaced under the same question must go before the new one.
    for layer in _REMOVE_ORDER:
        for item_id in old[layer].keys() - new[layer].keys():
            project.sets.remove(set_id, layer, item_id, actor=actor)
            touched += 1
    for layer in _ADD_ORDER:
        for item_id, item in new[layer].items():
            if item_id not in old[layer]:
                project.sets.add(set_id, item, actor=actor)
                touched += 1
    for layer in _ADD_ORDER:
        for item_id, item in new[layer].items():
            if item_id in old[layer] and old[layer][item_id] != item:
                project.sets.update(set_id, item, actor=actor)
                touched += 1
    return touched
