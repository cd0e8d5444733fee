"""Adjudication: compare the annotators' sets of an article and decide gold, unit by unit.

``ArticleReview`` loads the annotators' sets and the gold set of one article and groups their
units (``review_units``). Each action (accept all unanimous, accept one annotator's version,
edit, override with a reason, reject) is one transaction that writes the gold set through the
repository and an audit row. Gold items get new ids and a ``Provenance``; what they refer to
(a quote's speaker mention, a stance's holder and target entities with their mentions, an
evidence quote) is copied along, reusing an identical gold item instead of duplicating it.
Each action returns a ``ReviewOutcome`` that can be undone and redone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Evidence,
    Layer,
    Mention,
    Provenance,
    Quote,
    ReviewComment,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.domain.ids import new_id
from annotator.domain.offsets import OffsetError, check_span
from annotator.services.review_gold import GoldDraft, write_gold_diff
from annotator.services.review_units import (
    GOLD,
    EntityAlignment,
    Group,
    GroupStatus,
    Unit,
    compare,
)
from annotator.storage.annotation_sets import SetInfo
from annotator.storage.project import Project

#: Sets whose annotator has started: a set only opened (todo) is not compared.
REVIEWABLE = frozenset(
    {SetStatus.IN_PROGRESS, SetStatus.DONE, SetStatus.APPROVED, SetStatus.NEEDS_REWORK}
)


class ReviewError(InvalidDataError):
    """A review action that cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class UnitChanges:
    """What the reviewer changes in a unit before it goes into gold (``None``: keep)."""

    span: tuple[int, int] | None = None
    label: str | None = None  # mention's entity type
    quote_type: str | None = None
    cue: tuple[int, int] | None = None
    clear_cue: bool = False
    speaker_span: tuple[int, int] | None = None  # a mention of the source set or of gold
    polarity: str | None = None
    values: tuple[str, ...] | None = None  # document label answers

    def describe(self) -> str:
        parts = []
        for name in ("span", "label", "quote_type", "cue", "speaker_span", "polarity", "values"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name.replace('_', ' ')} {value}")
        if self.clear_cue:
            parts.append("no cue")
        return ", ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.describe())


@dataclass(frozen=True)
class ReviewOutcome:
    """What one review action did: the gold set before and after, and decisions recorded."""

    description: str
    article_id: str
    before: AnnotationSet
    after: AnnotationSet
    rejected: tuple[str, ...] = ()  # unit keys left out of gold by this action
    reopened: tuple[str, ...] = ()  # unit keys taken back out of the rejected ones
    group_ids: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether the action wrote anything (an empty "accept all unanimous" does not)."""
        return bool(self.group_ids or self.rejected or self.reopened)


@dataclass(frozen=True)
class QueueEntry:
    """One article in the reviewer's queue, with how much there is to decide."""

    article_id: str
    position: int
    title: str
    annotators: tuple[str, ...]  # names
    groups: int
    agreed: int
    partial: int
    conflicts: int
    open: int  # disputed groups not yet decided
    resolved: int
    unsure: int
    gold_items: int
    needs_rework: int

    @property
    def disputed(self) -> int:
        return self.partial + self.conflicts

    @property
    def agreement(self) -> float:
        return self.agreed / self.groups if self.groups else 1.0


class ArticleReview:
    """One article under review: every annotator's set, the gold set, the groups between them."""

    def __init__(
        self,
        project: Project,
        article: Article,
        reviewer: Annotator,
        *,
        statuses: Iterable[SetStatus] = REVIEWABLE,
    ) -> None:
        self.project = project
        self.article = article
        self.reviewer = reviewer
        self._statuses = frozenset(statuses)
        self.annotators: list[Annotator] = []
        self.infos: dict[str, SetInfo] = {}
        self.sets: dict[str, AnnotationSet] = {}
        self.gold: AnnotationSet | None = None
        self.groups: list[Group] = []
        self.alignment = EntityAlignment([])
        self._gold_is_new = False
        self.reload()

    # -- reading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the sets, gold and decisions again and regroup."""
        infos = self.project.sets.for_article(self.article.id)
        ours = [
            i
            for i in infos
            if i.kind is SetKind.ANNOTATION
            and i.status in self._statuses
            and i.text_sha256 == self.article.sha256
        ]
        people = {a.id: a for a in self.project.annotators.list()}
        ours.sort(key=lambda i: people[i.annotator_id].name.casefold())
        self.annotators = [people[i.annotator_id] for i in ours]
        self.infos = {i.annotator_id: i for i in ours}
        gold_info = next((i for i in infos if i.kind is SetKind.GOLD), None)
        wanted = [i.id for i in ours] + ([gold_info.id] if gold_info else [])
        loaded = {s.id: s for s in self.project.sets.load_many(wanted)}
        self.sets = {i.annotator_id: loaded[i.id] for i in ours}
        self.gold = loaded[gold_info.id] if gold_info else None
        self._gold_is_new = False
        rejected = frozenset(self.project.reviews.rejected_keys(self.article.id))
        self.groups, self.alignment = compare(self.sets, self.gold, rejected_keys=rejected)
        self._by_id = {g.id: g for g in self.groups}
        self._agreed_items = {
            u.item_id for g in self.groups if g.agreed for v in g.variants for u in v.units
        }

    @property
    def text(self) -> str:
        return self.article.text

    def name(self, owner: str) -> str:
        if owner == GOLD:
            return "gold"
        return next((a.name for a in self.annotators if a.id == owner), owner)

    def group(self, group_id: str) -> Group:
        try:
            return self._by_id[group_id]
        except KeyError:
            raise NotFoundError(f"no review group {group_id} in this article") from None

    def group_of_item(self, item_id: str) -> Group | None:
        for group in self.groups:
            if any(u.item_id == item_id for v in group.variants for u in v.units) or any(
                u.item_id == item_id for u in group.gold
            ):
                return group
        return None

    def set_of(self, unit: Unit) -> AnnotationSet:
        if unit.owner == GOLD:
            assert self.gold is not None
            return self.gold
        return self.sets[unit.owner]

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in GroupStatus}
        out["open"] = out["resolved"] = 0
        for group in self.groups:
            out[str(group.status)] += 1
            out["resolved" if group.resolved else "open"] += 1
        return out

    def describe(self, unit: Unit) -> str:
        """One line a reviewer reads: the span text and every part of the unit."""
        source = self.set_of(unit)
        item = unit.item
        if isinstance(item, Mention):
            return f"“{self._clip(item.start, item.end)}” {item.label}"
        if isinstance(item, Quote):
            speaker = self._mention_name(source, item.speaker_id)
            cue = f"“{self._clip(*item.cue, 30)}”" if item.cue else "no cue"
            return (
                f"{item.quote_type} “{self._clip(item.start, item.end, 60)}” — "
                f"speaker {speaker} · cue {cue}"
            )
        if isinstance(item, Stance):
            holder = self._entity_name(source, item.holder_id)
            target = item.target_topic or self._entity_name(source, item.target_entity_id)
            evidence = "; ".join(f"“{self._clip(e.start, e.end, 40)}”" for e in item.evidence)
            return f"{holder} → {target}: {item.polarity}" + (
                f" · evidence {evidence}" if evidence else " · no evidence"
            )
        assert isinstance(item, DocumentLabel)
        return f"{item.question}: {', '.join(item.values)}"

    def _clip(self, start: int, end: int, limit: int = 50) -> str:
        text = " ".join(self.text[start:end].split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def _mention_name(self, source: AnnotationSet, mention_id: str | None) -> str:
        mention = next((m for m in source.mentions if m.id == mention_id), None)
        if mention is None:
            return "—"
        return f"“{self._clip(mention.start, mention.end, 30)}”"

    def _entity_name(self, source: AnnotationSet, entity_id: str | None) -> str:
        entity = next((e for e in source.entities if e.id == entity_id), None)
        return entity.name if entity else "?"

    def comments(self) -> dict[str, list[ReviewComment]]:
        """annotator id -> reviewer comments on their set of this article."""
        found = self.project.reviews.comments_for_sets([i.id for i in self.infos.values()])
        return {owner: found.get(info.id, []) for owner, info in self.infos.items()}

    # -- deciding --------------------------------------------------------------------------------

    def accept_all_unanimous(self) -> ReviewOutcome:
        """Every group all annotators agree on and nobody decided yet goes into gold."""
        todo = [g for g in self.groups if g.agreed and not g.resolved]
        if not todo:
            current = self.gold or self._empty_gold()
            return ReviewOutcome(
                "Nothing unanimous left to accept", self.article.id, current, current
            )
        draft = self._draft()
        for group in todo:
            self._adopt(draft, group, [group.variants[0].first], None, reason="", override=False)
        return self._commit(
            draft, f"Accept {len(todo)} unanimous item(s)", group_ids=tuple(g.id for g in todo)
        )

    def accept(self, group_id: str, annotator_id: str) -> ReviewOutcome:
        """Gold for this group becomes exactly this annotator's version of it, whole."""
        group = self.group(group_id)
        units = self._version(group, annotator_id)
        draft = self._draft()
        self._adopt(draft, group, units, None, reason="", override=False)
        return self._commit(
            draft,
            f"Accept {self.name(annotator_id)}'s {_layer_name(group.layer)}",
            group_ids=(group.id,),
            reopened=self._reopen(group),
        )

    def edit(
        self, group_id: str, annotator_id: str, changes: UnitChanges, *, reason: str = ""
    ) -> ReviewOutcome:
        """Accept an annotator's version with the reviewer's changes (recorded as an override)."""
        return self._changed(group_id, annotator_id, changes, reason, "Edit")

    def override(
        self, group_id: str, annotator_id: str, changes: UnitChanges, *, reason: str
    ) -> ReviewOutcome:
        """Gold differs from every annotator (e.g. another polarity); a reason is required."""
        if not reason.strip():
            raise ReviewError("an override needs a reason (why gold differs from the annotators)")
        if not changes:
            raise ReviewError(
                "an override must change something; to take a version as is, accept it"
            )
        return self._changed(group_id, annotator_id, changes, reason, "Override")

    def _changed(
        self, group_id: str, annotator_id: str, changes: UnitChanges, reason: str, verb: str
    ) -> ReviewOutcome:
        group = self.group(group_id)
        units = self._version(group, annotator_id)
        if len(units) != 1:
            raise ReviewError(
                f"{self.name(annotator_id)} has {len(units)} items in this group; "
                "accept them as they are, or edit a group with one"
            )
        self._check_changes(units[0], changes)
        draft = self._draft()
        note = changes.describe()
        full_reason = reason.strip() or f"edited by the reviewer: {note}"
        self._adopt(draft, group, units, changes, reason=full_reason, override=bool(changes))
        return self._commit(
            draft,
            f"{verb} {self.name(annotator_id)}'s {_layer_name(group.layer)}",
            group_ids=(group.id,),
            reopened=self._reopen(group),
        )

    def reject(self, group_id: str, *, reason: str = "") -> ReviewOutcome:
        """Leave the group out of gold (removing what gold had for it)."""
        group = self.group(group_id)
        if not group.variants and not group.gold:
            raise ReviewError("this group is empty")
        draft = self._draft()
        for unit in group.gold:
            draft.remove(unit.layer, unit.item_id)
        why = f": {reason.strip()}" if reason.strip() else ""
        return self._commit(
            draft,
            f"Reject {_layer_name(group.layer)}{why}",
            group_ids=(group.id,),
            rejected=group.keys,
        )

    # -- undo ------------------------------------------------------------------------------------

    def undo(self, outcome: ReviewOutcome) -> None:
        """Put gold and the decisions back as they were before ``outcome``."""
        self._restore(outcome.after, outcome.before, outcome, reverse=True)

    def redo(self, outcome: ReviewOutcome) -> None:
        self._restore(outcome.before, outcome.after, outcome, reverse=False)

    def _restore(
        self,
        current: AnnotationSet,
        wanted: AnnotationSet,
        outcome: ReviewOutcome,
        *,
        reverse: bool,
    ) -> None:
        actor = self.reviewer.name
        with self.project.database.transaction():
            write_gold_diff(self.project, current, wanted, actor=actor)
            reject, reopen = (
                (outcome.reopened, outcome.rejected)
                if reverse
                else (
                    outcome.rejected,
                    outcome.reopened,
                )
            )
            if reject:
                self.project.reviews.record_decision(
                    self.article.id, reject, "rejected", actor=actor
                )
            if reopen:
                self.project.reviews.record_decision(
                    self.article.id, reopen, "reopened", actor=actor
                )
            self.project.reviews.record_review(
                self.article.id,
                wanted.id,
                ("undo " if reverse else "redo ") + outcome.description,
                actor=actor,
                detail={},
            )
        self.reload()

    # -- comments, send back, approve ------------------------------------------------------------

    def comment(self, annotator_id: str, text: str, *, item_id: str | None = None) -> ReviewComment:
        info = self._info(annotator_id)
        if not text.strip():
            raise ReviewError("a comment needs some text")
        if item_id is not None and not any(
            i.id == item_id for i in self.sets[annotator_id].all_items()
        ):
            raise ReviewError(
                f"{self.name(annotator_id)}'s set of this article has no item {item_id}"
            )
        comment = ReviewComment(
            set_id=info.id, item_id=item_id, author_id=self.reviewer.id, text=text.strip()
        )
        self.project.reviews.add_comment(comment)
        return comment

    def send_back(self, annotator_id: str, text: str) -> ReviewComment:
        """Mark the annotator's set ``needs_rework`` with a comment saying what to fix."""
        info = self._info(annotator_id)
        if not text.strip():
            raise ReviewError("say what to rework: the annotator sees this comment")
        comment = ReviewComment(set_id=info.id, author_id=self.reviewer.id, text=text.strip())
        with self.project.database.transaction():
            self.project.sets.set_status(info.id, SetStatus.NEEDS_REWORK, actor=self.reviewer.name)
            self.project.reviews.add_comment(comment)
        self.infos[annotator_id] = self.project.sets.info(info.id)
        return comment

    def approve(self) -> None:
        """Every annotator's set approved and gold done (all groups must be decided)."""
        open_groups = [g for g in self.groups if not g.resolved and g.variants]
        if open_groups:
            raise ReviewError(f"{len(open_groups)} group(s) are still undecided")
        with self.project.database.transaction():
            for info in self.infos.values():
                self.project.sets.set_status(info.id, SetStatus.APPROVED, actor=self.reviewer.name)
            gold = self._gold_info()
            self.project.sets.set_status(gold.id, SetStatus.DONE, actor=self.reviewer.name)
        self.reload()

    # -- internals -------------------------------------------------------------------------------

    def _info(self, annotator_id: str) -> SetInfo:
        info = self.infos.get(annotator_id)
        if info is None:
            who = self._who(annotator_id)
            raise ReviewError(f"{who} did not annotate “{self.article.display_title}”")
        return info

    def _who(self, annotator_id: str) -> str:
        try:
            return self.project.annotators.get(annotator_id).name
        except NotFoundError:
            return f"annotator {annotator_id}"

    def _version(self, group: Group, annotator_id: str) -> list[Unit]:
        self._info(annotator_id)
        units = group.version(annotator_id)
        if not units:
            raise ReviewError(
                f"{self.name(annotator_id)} has nothing in this group; "
                "to leave it out of gold, reject it"
            )
        return units

    def _gold_info(self) -> SetInfo:
        if self.gold is not None:
            return self.project.sets.info(self.gold.id)
        return self.project.sets.get_or_create(
            self.article.id, self.reviewer.id, SetKind.GOLD, actor=self.reviewer.name
        )

    def _empty_gold(self) -> AnnotationSet:
        return AnnotationSet(
            article_id=self.article.id,
            annotator_id=self.reviewer.id,
            kind=SetKind.GOLD,
            status=SetStatus.IN_PROGRESS,
            text_sha256=self.article.sha256,
        )

    def _draft(self) -> GoldDraft:
        if self.gold is None:
            # Kept in memory until the action commits: a refused action leaves no gold set.
            self.gold = self._empty_gold()
            self._gold_is_new = True
        return GoldDraft(self.gold)

    def _reopen(self, group: Group) -> tuple[str, ...]:
        return tuple(group.keys) if group.rejected else ()

    def _commit(
        self,
        draft: GoldDraft,
        description: str,
        *,
        group_ids: tuple[str, ...],
        rejected: tuple[str, ...] = (),
        reopened: tuple[str, ...] = (),
    ) -> ReviewOutcome:
        assert self.gold is not None
        before = self.gold
        after = draft.build()
        messages = draft.messages()
        problems = after.problems_against(self.article)
        if problems:
            raise ReviewError("gold would be inconsistent: " + "; ".join(problems[:3]))
        actor = self.reviewer.name
        with self.project.database.transaction():
            if self._gold_is_new:
                info = self.project.sets.get_or_create(
                    self.article.id, self.reviewer.id, SetKind.GOLD, actor=actor
                )
                before = before.model_copy(update={"id": info.id})
                after = after.model_copy(update={"id": info.id})
            write_gold_diff(self.project, before, after, actor=actor)
            if rejected:
                self.project.reviews.record_decision(
                    self.article.id, rejected, "rejected", actor=actor
                )
            if reopened:
                self.project.reviews.record_decision(
                    self.article.id, reopened, "reopened", actor=actor
                )
            self.project.reviews.record_review(
                self.article.id,
                before.id,
                description,
                actor=actor,
                detail={"groups": list(group_ids), "items": after.count() - before.count()},
            )
        outcome = ReviewOutcome(
            description,
            self.article.id,
            before,
            self.project.sets.load(before.id),
            rejected,
            reopened,
            group_ids,
            tuple(messages),
        )
        self.reload()
        return outcome

    def _adopt(
        self,
        draft: GoldDraft,
        group: Group,
        units: list[Unit],
        changes: UnitChanges | None,
        *,
        reason: str,
        override: bool,
    ) -> None:
        """Gold for ``group`` becomes ``units`` (one annotator's version), copied whole.

        Provenance names every annotator with the identical unit; an override names none
        (nobody agreed on what gold now holds) and keeps the source item and the reason.
        """
        replaced = [(u.layer, u.item_id) for u in group.gold]
        for layer, item_id in replaced:
            draft.remove(layer, item_id)
        for unit in units:
            variant = group.variant_of(unit)
            provenance = Provenance(
                agreed_by=[] if override else [self.name(o) for o in variant.owners],
                source_item_ids=[unit.item_id] if override else [u.item_id for u in variant.units],
                reviewer=self.reviewer.name,
                override=override,
                reason=reason,
            )
            made = self._copy_unit(draft, unit, changes, provenance)
            for layer, old_id in replaced:
                if layer is unit.layer:
                    draft.repoint(layer, old_id, made)

    def _copy_unit(
        self,
        draft: GoldDraft,
        unit: Unit,
        changes: UnitChanges | None,
        provenance: Provenance,
    ) -> str:
        source = self.sets[unit.owner]
        item = unit.item
        support = Provenance(
            agreed_by=[self.name(unit.owner)],
            source_item_ids=[],
            reviewer=self.reviewer.name,
            reason=f"part of an accepted {_layer_name(unit.layer)}",
        )
        if isinstance(item, Mention):
            start, end = changes.span if changes and changes.span else (item.start, item.end)
            label = changes.label if changes and changes.label else item.label
            mention = item.model_copy(
                update={"start": start, "end": end, "label": label, "unsure": False, "note": ""}
            )
            return draft.copy_mention(source, mention, provenance, support, force_new=True)
        if isinstance(item, Quote):
            speaker_id: str | None = None
            speaker_span = changes.speaker_span if changes else None
            if speaker_span is not None:
                speaker_id = self._speaker_for_span(draft, source, speaker_span, support)
            elif item.speaker_id is not None:
                speaker = next(m for m in source.mentions if m.id == item.speaker_id)
                speaker_id = draft.copy_mention(source, speaker, support, support)
            start, end = changes.span if changes and changes.span else (item.start, item.end)
            cue = item.cue
            if changes and changes.clear_cue:
                cue = None
            elif changes and changes.cue:
                cue = changes.cue
            quote = Quote(
                id=new_id(),
                start=start,
                end=end,
                quote_type=changes.quote_type
                if changes and changes.quote_type
                else item.quote_type,
                speaker_id=speaker_id,
                cue_start=cue[0] if cue else None,
                cue_end=cue[1] if cue else None,
                provenance=provenance,
            )
            draft.add(quote)
            return quote.id
        if isinstance(item, Stance):
            # The holder's and target's mentions come along where annotators agree on them;
            # a disputed mention waits for its own decision.
            def agreed(mention: Mention) -> bool:
                return mention.id in self._agreed_items

            holder = draft.copy_entity(
                source, item.holder_id, support, with_mentions=True, only=agreed
            )
            target = (
                draft.copy_entity(
                    source, item.target_entity_id, support, with_mentions=True, only=agreed
                )
                if item.target_entity_id is not None
                else None
            )
            quotes = {q.id: q for q in source.quotes}
            evidence = []
            for e in item.evidence:
                quote_id = None
                if e.quote_id is not None and e.quote_id in quotes:
                    q = quotes[e.quote_id]
                    quote_id = draft.quote_at(q.start, q.end)
                evidence.append(
                    Evidence(start=e.start, end=e.end, quote_id=quote_id, provenance=support)
                )
            stance = Stance(
                id=new_id(),
                holder_id=holder,
                target_entity_id=target,
                target_topic=item.target_topic,
                polarity=changes.polarity if changes and changes.polarity else item.polarity,
                evidence=evidence,
                confidence=item.confidence,
                provenance=provenance,
            )
            draft.add(stance)
            return stance.id
        assert isinstance(item, DocumentLabel)
        answer = DocumentLabel(
            id=new_id(),
            question=item.question,
            values=list(changes.values) if changes and changes.values else list(item.values),
            provenance=provenance,
        )
        draft.add(answer)
        return answer.id

    def _speaker_for_span(
        self,
        draft: GoldDraft,
        source: AnnotationSet,
        span: tuple[int, int],
        support: Provenance,
    ) -> str:
        existing = draft.mention_at(*span)
        if existing is not None:
            return existing
        mention = next((m for m in source.mentions if (m.start, m.end) == span), None)
        if mention is None:
            for other in self.sets.values():
                mention = next((m for m in other.mentions if (m.start, m.end) == span), None)
                if mention is not None:
                    source = other
                    break
        if mention is None:
            raise ReviewError(
                f"no annotator marked “{self.text[span[0] : span[1]]}” as a mention; "
                "the speaker must be a mention"
            )
        return draft.copy_mention(source, mention, support, support)

    def _check_changes(self, unit: Unit, changes: UnitChanges) -> None:
        schema = self.project.schema
        length = len(self.text)
        for what, span in (
            ("span", changes.span),
            ("cue", changes.cue),
            ("speaker", changes.speaker_span),
        ):
            if span is not None:
                try:
                    check_span(length, *span)
                except OffsetError as error:
                    raise ReviewError(f"{what}: {error}") from None
        allowed = {
            Layer.MENTION: {"span", "label"},
            Layer.QUOTE: {"span", "quote_type", "cue", "clear_cue", "speaker_span"},
            Layer.STANCE: {"polarity"},
            Layer.DOCUMENT_LABEL: {"values"},
        }[unit.layer]
        given = {
            name
            for name in ("span", "label", "quote_type", "cue", "speaker_span", "polarity", "values")
            if getattr(changes, name) is not None
        } | ({"clear_cue"} if changes.clear_cue else set())
        if given - allowed:
            raise ReviewError(
                f"a {_layer_name(unit.layer)} has no {', '.join(sorted(given - allowed))} to change"
            )
        if changes.label is not None and changes.label not in schema.entity_labels:
            raise ReviewError(f"entity type {changes.label!r} is not in the schema")
        if changes.quote_type is not None and changes.quote_type not in schema.quote_type_names:
            raise ReviewError(f"quote type {changes.quote_type!r} is not in the schema")
        if changes.polarity is not None and changes.polarity not in schema.polarity_names:
            raise ReviewError(
                f"polarity {changes.polarity!r} is not one of {', '.join(schema.polarity_names)}"
            )
        if changes.values is not None:
            assert isinstance(unit.item, DocumentLabel)
            question = schema.question(unit.item.question)
            if question is None:
                raise ReviewError(f"document question {unit.item.question!r} is not in the schema")
            wrong = [v for v in changes.values if v not in question.choices]
            if wrong or not changes.values:
                choices = ", ".join(question.choices)
                raise ReviewError(f"{question.name}: {wrong or 'no answer'} not among {choices}")


def _layer_name(layer: Layer) -> str:
    return str(layer).replace("_", " ")


# -- the queue -----------------------------------------------------------------------------------


def review_queue(
    project: Project,
    *,
    min_annotators: int = 2,
    statuses: Iterable[SetStatus] = REVIEWABLE,
    article_ids: Collection[str] | None = None,
) -> list[QueueEntry]:
    """Articles with at least ``min_annotators`` started sets, most open disagreement first.

    ``article_ids`` limits the work to those articles (to refresh one entry after a decision).
    """
    wanted = frozenset(statuses)
    only = None if article_ids is None else frozenset(article_ids)
    summaries = {s.id: s for s in project.articles.summaries()}
    people = {a.id: a.name for a in project.annotators.list()}
    by_article: dict[str, list[SetInfo]] = {}
    gold: dict[str, SetInfo] = {}
    for info in project.sets.all_infos():
        if only is not None and info.article_id not in only:
            continue
        if info.kind is SetKind.GOLD:
            gold[info.article_id] = info
        elif info.status in wanted:
            by_article.setdefault(info.article_id, []).append(info)
    chosen = {a: infos for a, infos in by_article.items() if len(infos) >= min_annotators}
    ids = [i.id for infos in chosen.values() for i in infos]
    ids += [gold[a].id for a in chosen if a in gold]
    loaded = {s.id: s for s in project.sets.load_many(ids)}
    rejected = project.reviews.rejected_keys_by_article(list(chosen))
    entries: list[QueueEntry] = []
    for article_id, infos in chosen.items():
        summary = summaries[article_id]
        infos.sort(key=lambda i: people.get(i.annotator_id, "").casefold())
        sets = {i.annotator_id: loaded[i.id] for i in infos}
        gold_set = loaded[gold[article_id].id] if article_id in gold else None
        groups, _ = compare(sets, gold_set, rejected_keys=frozenset(rejected.get(article_id, ())))
        statuses_ = [g.status for g in groups]
        entries.append(
            QueueEntry(
                article_id=article_id,
                position=summary.position,
                title=summary.display_title,
                annotators=tuple(people.get(i.annotator_id, "?") for i in infos),
                groups=len(groups),
                agreed=statuses_.count(GroupStatus.AGREED),
                partial=statuses_.count(GroupStatus.PARTIAL),
                conflicts=statuses_.count(GroupStatus.CONFLICT),
                open=sum(1 for g in groups if g.disputed and not g.resolved),
                resolved=sum(1 for g in groups if g.resolved),
                unsure=sum(len(g.unsure_units) for g in groups),
                gold_items=gold_set.count() if gold_set else 0,
                needs_rework=sum(1 for i in infos if i.status is SetStatus.NEEDS_REWORK),
            )
        )
    entries.sort(key=lambda e: (-e.open, -e.conflicts, -e.disputed, e.position))
    return entries


__all__ = [
    "REVIEWABLE",
    "ArticleReview",
    "QueueEntry",
    "ReviewError",
    "ReviewOutcome",
    "UnitChanges",
    "review_queue",
]
