"""Comparing annotators' sets unit by unit: whole mentions, quotes, stances and document labels.

A *unit* is one item as a reviewer decides on it: a quote together with its speaker's span and
its cue, a stance together with its holder, target, polarity and evidence. Units get a key that
does not depend on the annotator (entity ids differ between sets, so holders and targets are
compared through aligned entity clusters), identical keys make a *variant*, and variants of the
same thing (overlapping spans, the same holder and target, the same question) make a *group*.
Nothing here touches the project file.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from annotator.domain.annotations import AnnotationSet, Layer
from annotator.storage.annotation_sets import AnyItem

#: The owner of gold units (annotator ids are ULIDs, so this never clashes).
GOLD = "gold"

#: The layers a reviewer decides on; entities follow the mentions, quotes and stances using them.
REVIEW_LAYERS = (Layer.MENTION, Layer.QUOTE, Layer.STANCE, Layer.DOCUMENT_LABEL)

Span = tuple[int, int]


class GroupStatus(StrEnum):
    AGREED = "agreed"  # every annotator of the article has the identical unit
    PARTIAL = "partial"  # one version, but some annotators do not have it
    CONFLICT = "conflict"  # two or more different versions
    GOLD_ONLY = "gold_only"  # in gold, but no annotator has anything like it


@dataclass(frozen=True)
class Unit:
    """One whole item of one set, as the reviewer compares it."""

    layer: Layer
    key: str  # identical across annotators exactly when the whole unit is identical
    relation: str  # identical when two units are about the same thing (see ``_related``)
    owner: str  # annotator id, or GOLD
    set_id: str
    item: AnyItem
    span: Span | None  # the main span (mention, quote content) for overlap and ordering
    ranges: tuple[Span, ...]  # everything drawn for it: span, cue, speaker, evidence
    unsure: bool = False  # flagged by its annotator (the item or one of its evidence spans)

    @property
    def item_id(self) -> str:
        return self.item.id

    @property
    def note(self) -> str:
        return self.item.note


@dataclass(frozen=True)
class Variant:
    """One version of a unit and every annotator who has exactly it."""

    key: str
    units: tuple[Unit, ...]

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(u.owner for u in self.units)

    @property
    def first(self) -> Unit:
        return self.units[0]


@dataclass
class Group:
    """Variants of one unit side by side, the gold units decided for it, and its state."""

    id: str
    layer: Layer
    variants: list[Variant]
    annotators: tuple[str, ...]  # everyone who did the article, in display order
    gold: list[Unit] = field(default_factory=list)
    rejected: bool = False

    @cached_property
    def status(self) -> GroupStatus:
        # Variants and annotators do not change after grouping; gold and rejection may.
        if not self.variants:
            return GroupStatus.GOLD_ONLY
        if len(self.variants) > 1:
            return GroupStatus.CONFLICT
        owners = set(self.variants[0].owners)
        if len(self.annotators) >= 2 and owners >= set(self.annotators):
            return GroupStatus.AGREED
        return GroupStatus.PARTIAL

    @property
    def agreed(self) -> bool:
        return self.status is GroupStatus.AGREED

    @property
    def disputed(self) -> bool:
        return self.status in (GroupStatus.PARTIAL, GroupStatus.CONFLICT)

    @property
    def resolved(self) -> bool:
        """Decided: something of it is in gold, or the reviewer left it out."""
        return bool(self.gold) or self.rejected

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.variants)

    def version(self, owner: str) -> list[Unit]:
        """What one annotator has in this group (may be empty, or two nested mentions)."""
        return [u for v in self.variants for u in v.units if u.owner == owner]

    def variant_of(self, unit: Unit) -> Variant:
        return next(v for v in self.variants if v.key == unit.key)

    def gold_variant(self) -> Variant | None:
        """The annotators' variant the gold equals, if gold holds exactly one of them."""
        gold_keys = {u.key for u in self.gold}
        matching = [v for v in self.variants if v.key in gold_keys]
        return matching[0] if len(matching) == 1 and len(gold_keys) == 1 else None

    @property
    def unsure_units(self) -> list[Unit]:
        return [u for v in self.variants for u in v.units if u.unsure or u.note]

    @property
    def span(self) -> Span | None:
        spans = [u.span for v in self.variants for u in v.units if u.span] + [
            u.span for u in self.gold if u.span
        ]
        if not spans:
            return None
        return min(s for s, _ in spans), max(e for _, e in spans)

    @property
    def ranges(self) -> list[Span]:
        out: set[Span] = set()
        for unit in [u for v in self.variants for u in v.units] + self.gold:
            out.update(unit.ranges)
        return sorted(out)


# -- entity alignment ----------------------------------------------------------------------------


class EntityAlignment:
    """Entities of different sets that are the same thing: they share a mention span, or their
    names and types are equal. Each aligned cluster gets a signature all sets agree on."""

    def __init__(self, sets: Sequence[AnnotationSet]) -> None:
        parent: dict[tuple[str, str], tuple[str, str]] = {}

        def find(node: tuple[str, str]) -> tuple[str, str]:
            parent.setdefault(node, node)
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        def union(a: tuple[str, str], b: tuple[str, str]) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        by_span: dict[Span, list[tuple[str, str]]] = defaultdict(list)
        by_name: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        spans_of: dict[tuple[str, str], list[Span]] = defaultdict(list)
        names: dict[tuple[str, str], str] = {}
        for annotation_set in sets:
            for entity in annotation_set.entities:
                node = (annotation_set.id, entity.id)
                find(node)
                names[node] = entity.name
                by_name[(" ".join(entity.name.casefold().split()), entity.label)].append(node)
            for mention in annotation_set.mentions:
                if mention.entity_id is not None:
                    node = (annotation_set.id, mention.entity_id)
                    by_span[(mention.start, mention.end)].append(node)
                    spans_of[node].append((mention.start, mention.end))
        for nodes in [*by_span.values(), *by_name.values()]:
            for other in nodes[1:]:
                union(nodes[0], other)
        members: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for node in list(parent):
            members[find(node)].append(node)
        self._signature: dict[tuple[str, str], str] = {}
        self._name: dict[str, str] = {}
        for nodes in members.values():
            spans = [s for node in nodes for s in spans_of[node]]
            if spans:
                start, end = min(spans)
                signature = f"span {start}:{end}"
            else:
                signature = "name " + min(" ".join(names[n].casefold().split()) for n in nodes)
            for node in nodes:
                self._signature[node] = signature
            self._name[signature] = Counter(names[n] for n in nodes).most_common(1)[0][0]

    def signature(self, set_id: str, entity_id: str) -> str:
        return self._signature.get((set_id, entity_id), f"entity {entity_id}")

    def name(self, signature: str) -> str:
        return self._name.get(signature, signature)


# -- units ---------------------------------------------------------------------------------------


def _span_key(span: Span | None) -> str:
    return "-" if span is None else f"{span[0]}:{span[1]}"


def units_of(annotation_set: AnnotationSet, owner: str, alignment: EntityAlignment) -> list[Unit]:
    """Every reviewable unit of one set."""
    sid = annotation_set.id
    mentions = {m.id: m for m in annotation_set.mentions}
    out: list[Unit] = []
    for m in annotation_set.mentions:
        span = (m.start, m.end)
        out.append(
            Unit(
                Layer.MENTION,
                f"{_span_key(span)} {m.label}",
                "",
                owner,
                sid,
                m,
                span,
                (span,),
                m.unsure,
            )
        )
    for q in annotation_set.quotes:
        speaker = mentions.get(q.speaker_id) if q.speaker_id else None
        speaker_span = (speaker.start, speaker.end) if speaker else None
        span = (q.start, q.end)
        key = (
            f"{_span_key(span)} {q.quote_type} speaker {_span_key(speaker_span)} "
            f"cue {_span_key(q.cue)}"
        )
        ranges = tuple(r for r in (span, q.cue, speaker_span) if r is not None)
        out.append(Unit(Layer.QUOTE, key, "", owner, sid, q, span, ranges, q.unsure))
    for s in annotation_set.stances:
        holder = alignment.signature(sid, s.holder_id)
        target = (
            f"topic {s.target_topic}"
            if s.target_topic is not None
            else alignment.signature(sid, s.target_entity_id or "")
        )
        evidence = sorted({(e.start, e.end) for e in s.evidence})
        relation = f"{holder} -> {target}"
        key = f"{relation} {s.polarity} evidence {' '.join(map(_span_key, evidence)) or '-'}"
        first = min(evidence) if evidence else None
        flagged = s.unsure or any(e.unsure for e in s.evidence)
        out.append(
            Unit(Layer.STANCE, key, relation, owner, sid, s, first, tuple(evidence), flagged)
        )
    for d in annotation_set.document_labels:
        key = f"{d.question} = {json.dumps(sorted(d.values), ensure_ascii=False)}"
        out.append(Unit(Layer.DOCUMENT_LABEL, key, d.question, owner, sid, d, None, (), d.unsure))
    return out


def _related(a: Unit, b: Unit) -> bool:
    """Whether two units are versions of the same thing."""
    if a.layer in (Layer.MENTION, Layer.QUOTE):
        return (
            a.span is not None
            and b.span is not None
            and a.span[0] < b.span[1]
            and b.span[0] < a.span[1]
        )
    return a.relation == b.relation


def group_units(
    annotator_units: dict[str, list[Unit]],
    gold_units: Iterable[Unit],
    *,
    rejected_keys: frozenset[str] = frozenset(),
) -> list[Group]:
    """Groups of variants per layer, in text order; gold units attached to what they decide.

    A unit every annotator has identically forms a group of its own; the other variants are
    grouped with those they overlap (mentions, quotes), share holder and target with
    (stances) or answer the same question with (document labels).
    """
    annotators = tuple(annotator_units)
    groups: list[Group] = []
    gold_by_layer: dict[Layer, list[Unit]] = defaultdict(list)
    for unit in gold_units:
        gold_by_layer[unit.layer].append(unit)
    for layer in REVIEW_LAYERS:
        by_key: dict[str, list[Unit]] = defaultdict(list)
        for owner in annotators:
            for unit in annotator_units[owner]:
                if unit.layer is layer:
                    by_key[unit.key].append(unit)
        variants = [Variant(key, tuple(units)) for key, units in by_key.items()]
        everyone = set(annotators)
        agreed = [v for v in variants if len(everyone) >= 2 and set(v.owners) >= everyone]
        agreed_keys = {v.key for v in agreed}
        rest = sorted(
            (v for v in variants if v.key not in agreed_keys),
            key=lambda v: (v.first.span or (0, 0), v.key),
        )
        clusters = _connected(rest)
        layer_groups = [Group(f"{layer}:{v.key}", layer, [v], annotators) for v in agreed]
        for cluster in clusters:
            cluster.sort(key=lambda v: (annotators.index(v.first.owner), v.key))
            layer_groups.append(
                Group(f"{layer}:{min(v.key for v in cluster)}", layer, cluster, annotators)
            )
        group_of_key = {v.key: g for g in layer_groups for v in g.variants}
        for unit in gold_by_layer[layer]:
            target = group_of_key.get(unit.key)
            if target is None:
                related = [g for g in layer_groups if any(_related(unit, u) for u in _units_of(g))]
                # A gold unit that settles a dispute belongs with the dispute.
                related.sort(key=lambda g: g.agreed)
                target = related[0] if related else None
            if target is None:
                target = Group(f"{layer}:gold {unit.key}", layer, [], annotators)
                layer_groups.append(target)
                group_of_key[unit.key] = target
            target.gold.append(unit)
        if rejected_keys:
            for group in layer_groups:
                group.rejected = (
                    not group.gold and bool(group.keys) and set(group.keys) <= rejected_keys
                )
        layer_groups.sort(key=lambda g: (g.span or (0, 0), g.id))
        groups += layer_groups
    return groups


def _units_of(group: Group) -> list[Unit]:
    return [u for v in group.variants for u in v.units]


def _connected(variants: list[Variant]) -> list[list[Variant]]:
    """Variants joined through ``_related`` units (spans sorted by start: one sweep)."""
    parent = list(range(len(variants)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    spans = [v.first.span for v in variants]
    if variants and variants[0].first.layer in (Layer.MENTION, Layer.QUOTE):
        reach_end = -1
        reach_index = -1
        for i, span in enumerate(spans):
            assert span is not None
            if span[0] < reach_end:
                parent[find(i)] = find(reach_index)
            if span[1] > reach_end:
                reach_end, reach_index = span[1], i
    else:
        first_of: dict[str, int] = {}
        for i, variant in enumerate(variants):
            relation = variant.first.relation
            if relation in first_of:
                parent[find(i)] = find(first_of[relation])
            else:
                first_of[relation] = i
    clusters: dict[int, list[Variant]] = defaultdict(list)
    for i, variant in enumerate(variants):
        clusters[find(i)].append(variant)
    return list(clusters.values())


def compare(
    annotator_sets: dict[str, AnnotationSet],
    gold: AnnotationSet | None,
    *,
    rejected_keys: frozenset[str] = frozenset(),
) -> tuple[list[Group], EntityAlignment]:
    """Group the units of every annotator's set (owner id -> set) against the gold set."""
    everything = [*annotator_sets.values(), *([gold] if gold is not None else [])]
    alignment = EntityAlignment(everything)
    units = {owner: units_of(s, owner, alignment) for owner, s in annotator_sets.items()}
    gold_units = units_of(gold, GOLD, alignment) if gold is not None else []
    return group_units(units, gold_units, rejected_keys=rejected_keys), alignment


__all__ = [
    "GOLD",
    "REVIEW_LAYERS",
    "EntityAlignment",
    "Group",
    "GroupStatus",
    "Unit",
    "Variant",
    "compare",
    "group_units",
    "units_of",
]
