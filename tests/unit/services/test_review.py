"""Adjudication: grouping whole units across annotators, every review action, provenance, gold."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Entity,
    Evidence,
    Layer,
    Mention,
    Quote,
    Role,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import NotFoundError
from annotator.domain.schema import Topic
from annotator.services.annotation import ArticleSession
from annotator.services.review import (
    ArticleReview,
    ReviewError,
    UnitChanges,
    review_queue,
)
from annotator.services.review_units import GroupStatus
from annotator.storage.project import Project

TEXT = (
    "MOSCOW — Vladimir Putin said on Friday that North Korean troops were welcome.\n"
    '"We will decide this ourselves," Putin told reporters.\n'
    "A Pentagon spokesperson, Sabrina Singh, said the deployment was dangerous.\n"
    "Ukraine condemned the move."
)
TOPIC = "North Korean troop deployment to Russia"


def span(needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(needle, start + 1)
    return start, start + len(needle)


def at(needle: str, nth: int = 0) -> dict[str, int]:
    start, end = span(needle, nth)
    return {"start": start, "end": end}


@dataclass
class Labelled:
    """One annotator's labels on the test article, by name."""

    annotator: Annotator
    session: ArticleSession
    mentions: dict[str, Mention]
    entities: dict[str, Entity]
    quotes: dict[str, Quote]
    stances: dict[str, Stance]


def label(project: Project, article: Article, name: str, *, variant: str) -> Labelled:
    """``variant`` "a" or "b": the two annotators agree on most things and differ on
    the "North Korean" boundary, the speaker and cue of Putin's quote, Singh's polarity and
    the genre; "a" also has an unsure flag."""
    annotator = project.annotators.get_or_create(name)
    session = ArticleSession(project, article, annotator)
    entities: dict[str, Entity] = {}
    mentions: dict[str, Mention] = {}

    def entity(key: str, name: str, label: str) -> Entity:
        if key not in entities:
            entities[key] = Entity(name=name, label=label)
            session.add(entities[key])
        return entities[key]

    def mention(key: str, needle: str, label: str, cluster: str | None = None, nth: int = 0):
        entity_id = entity(cluster, cluster, label).id if cluster else None
        mentions[key] = Mention(**at(needle, nth), label=label, entity_id=entity_id)
        session.add(mentions[key])

    mention("putin1", "Vladimir Putin", "PER", "Vladimir Putin")
    if variant == "a":
        mentions["nk"] = Mention(
            **at("North Korean"), label="NORP", unsure=True, note="NORP or ORG?"
        )
        session.add(mentions["nk"])
    else:
        mention("nk", "North Korean troops", "ORG")
    mention("putin2", "Putin", "PER", "Vladimir Putin", nth=1)
    mention("pentagon", "Pentagon", "ORG")
    mention("singh", "Sabrina Singh", "PER", "Sabrina Singh")
    mention("ukraine", "Ukraine", "GPE", "Ukraine")
    quotes = {}
    if variant == "a":
        speaker, cue = mentions["putin2"], span("told reporters")
    else:
        speaker, cue = mentions["putin1"], span("told")
    quotes["putin"] = Quote(
        **at('"We will decide this ourselves,"'),
        quote_type="direct",
        speaker_id=speaker.id,
        cue_start=cue[0],
        cue_end=cue[1],
    )
    quotes["singh"] = Quote(
        **at("the deployment was dangerous"),
        quote_type="indirect",
        speaker_id=mentions["singh"].id,
        cue_start=span("said", 1)[0],
        cue_end=span("said", 1)[1],
    )
    for quote in quotes.values():
        session.add(quote)
    stances = {
        "singh": Stance(
            holder_id=entities["Sabrina Singh"].id,
            target_topic=TOPIC,
            polarity="against" if variant == "a" else "neutral",
            evidence=[Evidence(**at("the deployment was dangerous"), quote_id=quotes["singh"].id)],
        ),
        "ukraine": Stance(
            holder_id=entities["Ukraine"].id,
            target_topic=TOPIC,
            polarity="against",
            evidence=[Evidence(**at("Ukraine condemned the move"))],
        ),
    }
    for stance in stances.values():
        session.add(stance)
    session.add(DocumentLabel(question="genre", values=["news" if variant == "a" else "analysis"]))
    session.add(DocumentLabel(question="overall_stance", values=["against"]))
    session.set_status(SetStatus.DONE)
    return Labelled(annotator, session, mentions, entities, quotes, stances)


@pytest.fixture
def article(project: Project) -> Article:
    schema = project.schema
    project.schemas.save(schema.model_copy(update={"topics": [Topic(name=TOPIC)]}))
    article = Article.create(TEXT, title="Putin welcomes North Korean troops")
    project.articles.add(article)
    return article


@pytest.fixture
def reviewer(project: Project) -> Annotator:
    return project.annotators.add(Annotator(name="rita", roles=[Role.REVIEWER]))


@pytest.fixture
def two(project: Project, article: Article) -> tuple[Labelled, Labelled]:
    return (
        label(project, article, "alice", variant="a"),
        label(project, article, "bob", variant="b"),
    )


def gold_of(project: Project, article: Article) -> AnnotationSet:
    info = next(i for i in project.sets.for_article(article.id) if i.kind is SetKind.GOLD)
    return project.sets.load(info.id)


def group_at(review: ArticleReview, layer: Layer, needle: str) -> str:
    start, _end = span(needle)
    for group in review.groups:
        if group.layer is layer and group.span and group.span[0] <= start < group.span[1]:
            return group.id
    raise AssertionError(f"no {layer} group at {needle!r}")


def stance_group(review: ArticleReview, holder: str) -> str:
    for group in review.groups:
        if group.layer is Layer.STANCE and any(
            holder in review.describe(u) for v in group.variants for u in v.units
        ):
            return group.id
    raise AssertionError(f"no stance group held by {holder}")


# -- grouping ------------------------------------------------------------------------------------


def test_groups_whole_units_across_annotators(project, article, two, reviewer) -> None:
    alice, bob = two
    review = ArticleReview(project, article, reviewer)
    assert [a.name for a in review.annotators] == ["alice", "bob"]
    by_layer: dict[Layer, dict[GroupStatus, int]] = {}
    for group in review.groups:
        counts = by_layer.setdefault(group.layer, {})
        counts[group.status] = counts.get(group.status, 0) + 1
    # Mentions: five identical, "North Korean" NORP vs "North Korean troops" ORG side by side.
    assert by_layer[Layer.MENTION] == {GroupStatus.AGREED: 5, GroupStatus.CONFLICT: 1}
    boundary = review.group(group_at(review, Layer.MENTION, "North Korean"))
    assert [v.owners for v in boundary.variants] == [(alice.annotator.id,), (bob.annotator.id,)]
    assert [(u.span, u.item.label) for v in boundary.variants for u in v.units] == [
        (span("North Korean"), "NORP"),
        (span("North Korean troops"), "ORG"),
    ]
    # Quotes as whole units: Putin's differs in speaker and cue, Singh's is identical.
    assert by_layer[Layer.QUOTE] == {GroupStatus.AGREED: 1, GroupStatus.CONFLICT: 1}
    putin = review.group(group_at(review, Layer.QUOTE, '"We will'))
    assert putin.status is GroupStatus.CONFLICT
    described = [review.describe(v.first) for v in putin.variants]
    assert "speaker “Putin” · cue “told reporters”" in described[0]
    assert "speaker “Vladimir Putin” · cue “told”" in described[1]
    # Stances: entity ids differ between the sets, yet Ukraine's identical stance is agreed.
    assert by_layer[Layer.STANCE] == {GroupStatus.AGREED: 1, GroupStatus.CONFLICT: 1}
    singh = review.group(stance_group(review, "Sabrina Singh"))
    assert sorted(v.first.item.polarity for v in singh.variants) == ["against", "neutral"]
    # Document labels by question.
    assert by_layer[Layer.DOCUMENT_LABEL] == {GroupStatus.AGREED: 1, GroupStatus.CONFLICT: 1}


def test_unsure_flags_reach_the_reviewer(project, article, two, reviewer) -> None:
    review = ArticleReview(project, article, reviewer)
    flagged = [u for g in review.groups for u in g.unsure_units]
    assert [(review.name(u.owner), u.note) for u in flagged] == [("alice", "NORP or ORG?")]
    assert review_queue(project)[0].unsure == 1


def test_a_partial_unit_is_shown_with_who_lacks_it(project, article, two, reviewer) -> None:
    alice, bob = two
    extra = Mention(**at("MOSCOW"), label="GPE")
    alice.session.add(extra)
    review = ArticleReview(project, article, reviewer)
    group = review.group(group_at(review, Layer.MENTION, "MOSCOW"))
    assert group.status is GroupStatus.PARTIAL
    assert group.version(alice.annotator.id)[0].item_id == extra.id
    assert group.version(bob.annotator.id) == []


def test_sets_not_started_are_not_compared(project, article, two, reviewer) -> None:
    carl = project.annotators.get_or_create("carl")
    project.sets.get_or_create(article.id, carl.id)  # opened, never labelled: todo
    review = ArticleReview(project, article, reviewer)
    assert [a.name for a in review.annotators] == ["alice", "bob"]
    assert review.counts()["agreed"] == 8


# -- actions -------------------------------------------------------------------------------------


def test_accept_all_unanimous_copies_whole_units_with_provenance(
    project, article, two, reviewer
) -> None:
    alice, bob = two
    review = ArticleReview(project, article, reviewer)
    outcome = review.accept_all_unanimous()
    assert len(outcome.group_ids) == 8
    gold = gold_of(project, article)
    assert gold.kind is SetKind.GOLD
    assert not gold.reference_problems()
    assert sorted((m.start, m.end, m.label) for m in gold.mentions) == sorted(
        (m.start, m.end, m.label) for k, m in alice.mentions.items() if k != "nk"
    )
    # Gold has its own ids.
    annotator_ids = {i.id for s in (alice, bob) for i in s.session.snapshot().all_items()}
    assert not {i.id for i in gold.all_items()} & annotator_ids
    ukraine = next(m for m in gold.mentions if (m.start, m.end) == span("Ukraine"))
    assert ukraine.provenance is not None
    assert ukraine.provenance.agreed_by == ["alice", "bob"]
    assert set(ukraine.provenance.source_item_ids) == {
        alice.mentions["ukraine"].id,
        bob.mentions["ukraine"].id,
    }
    assert ukraine.provenance.reviewer == "rita"
    assert not ukraine.provenance.override
    # Clusters came along: both Putin mentions in one gold entity, reused by name, not doubled.
    putins = [m for m in gold.mentions if "Putin" in TEXT[m.start : m.end]]
    assert len({m.entity_id for m in putins}) == 1 and putins[0].entity_id is not None
    assert [e.name for e in gold.entities].count("Vladimir Putin") == 1
    # The unanimous quote came with its speaker (the gold mention) and cue.
    (singh_quote,) = gold.quotes
    assert singh_quote.speaker_id == next(
        m.id for m in gold.mentions if (m.start, m.end) == span("Sabrina Singh")
    )
    assert singh_quote.cue == span("said", 1)
    # The unanimous stance: holder entity in gold with its mention, evidence copied.
    (stance,) = gold.stances
    holder = next(e for e in gold.entities if e.id == stance.holder_id)
    assert holder.name == "Ukraine"
    assert [(e.start, e.end) for e in stance.evidence] == [span("Ukraine condemned the move")]
    assert [d.question for d in gold.document_labels] == ["overall_stance"]
    # Accepting again finds nothing left to do, and writes nothing.
    audit_rows = project.audit.count()
    again = review.accept_all_unanimous()
    assert again.group_ids == () and not again.changed
    assert gold_of(project, article).count() == gold.count()
    assert project.audit.count() == audit_rows


def test_accept_takes_the_whole_quote_of_one_annotator(project, article, two, reviewer) -> None:
    alice, bob = two
    review = ArticleReview(project, article, reviewer)
    review.accept_all_unanimous()
    group_id = group_at(review, Layer.QUOTE, '"We will')
    review.accept(group_id, bob.annotator.id)
    gold = gold_of(project, article)
    quote = next(
        q for q in gold.quotes if (q.start, q.end) == span('"We will decide this ourselves,"')
    )
    speaker = next(m for m in gold.mentions if m.id == quote.speaker_id)
    assert (speaker.start, speaker.end) == span("Vladimir Putin")  # bob's speaker
    assert quote.cue == span("told")  # bob's cue
    assert quote.provenance is not None
    assert quote.provenance.agreed_by == ["bob"]
    assert quote.provenance.source_item_ids == [bob.quotes["putin"].id]
    # The speaker mention was already gold (unanimous): reused, not duplicated.
    assert sum(1 for m in gold.mentions if (m.start, m.end) == span("Vladimir Putin")) == 1
    group = review.group(group_id)
    assert group.resolved and group.gold_variant() is not None
    assert group.gold_variant().owners == (bob.annotator.id,)

    # Changing one's mind replaces the group's gold with alice's whole quote.
    review.accept(group_id, alice.annotator.id)
    gold = gold_of(project, article)
    (quote,) = [q for q in gold.quotes if q.start == span('"We will')[0]]
    speaker = next(m for m in gold.mentions if m.id == quote.speaker_id)
    assert (speaker.start, speaker.end) == span("Putin", 1)
    assert quote.cue == span("told reporters")
    assert not gold.reference_problems()


def test_accepting_a_quote_first_brings_its_speaker_and_cluster(
    project, article, two, reviewer
) -> None:
    alice, _bob = two
    review = ArticleReview(project, article, reviewer)
    review.accept(group_at(review, Layer.QUOTE, '"We will'), alice.annotator.id)
    gold = gold_of(project, article)
    (quote,) = gold.quotes
    (speaker,) = gold.mentions
    assert quote.speaker_id == speaker.id and (speaker.start, speaker.end) == span("Putin", 1)
    (entity,) = gold.entities
    assert speaker.entity_id == entity.id and entity.name == "Vladimir Putin"
    # Later accepting the unanimous mentions reuses that speaker mention and entity.
    review.accept_all_unanimous()
    gold = gold_of(project, article)
    assert sum(1 for m in gold.mentions if (m.start, m.end) == span("Putin", 1)) == 1
    assert [e.name for e in gold.entities].count("Vladimir Putin") == 1
    assert next(q for q in gold.quotes if q.id == quote.id).speaker_id == speaker.id


def test_override_stance_polarity_needs_a_reason(project, article, two, reviewer) -> None:
    _alice, bob = two
    review = ArticleReview(project, article, reviewer)
    group_id = stance_group(review, "Sabrina Singh")
    with pytest.raises(ReviewError, match="reason"):
        review.override(group_id, bob.annotator.id, UnitChanges(polarity="favor"), reason=" ")
    with pytest.raises(ReviewError, match="polarity 'strongly'"):
        review.override(group_id, bob.annotator.id, UnitChanges(polarity="strongly"), reason="x")
    with pytest.raises(ReviewError, match="has no label"):
        review.override(group_id, bob.annotator.id, UnitChanges(label="PER"), reason="x")
    # Refused actions write nothing, not even an empty gold set.
    assert all(i.kind is not SetKind.GOLD for i in project.sets.for_article(article.id))
    review.override(
        group_id,
        bob.annotator.id,
        UnitChanges(polarity="none"),
        reason="the spokesperson reports a risk assessment, not a position",
    )
    gold = gold_of(project, article)
    (stance,) = gold.stances
    assert stance.polarity == "none"
    assert stance.provenance is not None
    assert stance.provenance.override
    assert stance.provenance.reason == "the spokesperson reports a risk assessment, not a position"
    assert stance.provenance.agreed_by == []
    assert stance.provenance.source_item_ids == [bob.stances["singh"].id]
    holder = next(e for e in gold.entities if e.id == stance.holder_id)
    assert holder.name == "Sabrina Singh"
    # The holder came with its mention; the evidence with its quote link only if gold has it.
    assert [(m.start, m.end) for m in gold.mentions if m.entity_id == holder.id] == [
        span("Sabrina Singh")
    ]
    assert stance.evidence[0].quote_id is None
    assert review.group(group_id).resolved


def test_evidence_points_to_the_gold_quote_when_there_is_one(project, article, two, reviewer):
    alice, _ = two
    review = ArticleReview(project, article, reviewer)
    review.accept_all_unanimous()  # brings Singh's quote
    review.accept(stance_group(review, "Sabrina Singh"), alice.annotator.id)
    gold = gold_of(project, article)
    singh = next(s for s in gold.stances if s.evidence[0].start == span("the deployment")[0])
    singh_quote = next(
        q for q in gold.quotes if (q.start, q.end) == span("the deployment was dangerous")
    )
    assert singh.evidence[0].quote_id == singh_quote.id


def test_a_stance_brings_only_agreed_mentions_of_its_holder(
    project, article, two, reviewer
) -> None:
    alice, _ = two
    nested = Mention(**at("Sabrina"), label="PER", entity_id=alice.entities["Sabrina Singh"].id)
    alice.session.add(nested)
    review = ArticleReview(project, article, reviewer)
    review.accept(stance_group(review, "Sabrina Singh"), alice.annotator.id)
    gold = gold_of(project, article)
    (stance,) = gold.stances
    assert [(m.start, m.end) for m in gold.mentions if m.entity_id == stance.holder_id] == [
        span("Sabrina Singh")
    ]
    # The disputed "Sabrina" waits for its own decision.
    sabrina = review.group(group_at(review, Layer.MENTION, "Sabrina"))
    assert sabrina.status is GroupStatus.PARTIAL and not sabrina.resolved


def test_edit_changes_a_mention_boundary(project, article, two, reviewer) -> None:
    _alice, bob = two
    review = ArticleReview(project, article, reviewer)
    group_id = group_at(review, Layer.MENTION, "North Korean")
    review.edit(group_id, bob.annotator.id, UnitChanges(span=span("North Korean"), label="NORP"))
    gold = gold_of(project, article)
    (mention,) = gold.mentions
    assert (mention.start, mention.end, mention.label) == (*span("North Korean"), "NORP")
    assert mention.provenance is not None and mention.provenance.override
    assert "span" in mention.provenance.reason
    with pytest.raises(ReviewError, match="inside a text of 235 characters"):
        review.edit(group_id, bob.annotator.id, UnitChanges(span=(0, len(TEXT) + 5)))


def test_reject_removes_gold_and_is_remembered(project, article, two, reviewer) -> None:
    alice, _ = two
    review = ArticleReview(project, article, reviewer)
    group_id = group_at(review, Layer.MENTION, "North Korean")
    review.accept(group_id, alice.annotator.id)
    assert len(gold_of(project, article).mentions) == 1
    review.reject(group_id, reason="not a named entity here")
    assert gold_of(project, article).mentions == []
    assert review.group(group_id).rejected and review.group(group_id).resolved
    again = ArticleReview(project, article, reviewer)  # a new session reads the decision
    assert again.group(group_id).rejected
    assert review_queue(project)[0].open == 4 - 1  # four disputes, one decided
    # Accepting after a rejection takes the rejection back.
    again.accept(group_id, alice.annotator.id)
    assert not ArticleReview(project, article, reviewer).group(group_id).rejected


def test_undo_and_redo_restore_gold_exactly(project, article, two, reviewer) -> None:
    _alice, bob = two
    review = ArticleReview(project, article, reviewer)
    first = review.accept_all_unanimous()
    after_first = gold_of(project, article)
    second = review.accept(group_at(review, Layer.QUOTE, '"We will'), bob.annotator.id)
    third = review.reject(group_at(review, Layer.MENTION, "North Korean"))
    review.undo(third)
    assert not review.group(group_at(review, Layer.MENTION, "North Korean")).rejected
    review.undo(second)
    assert gold_of(project, article).model_dump(exclude={"updated_at"}) == after_first.model_dump(
        exclude={"updated_at"}
    )
    review.undo(first)
    assert gold_of(project, article).count() == 0
    review.redo(first)
    review.redo(second)
    gold = gold_of(project, article)
    assert {q.id for q in gold.quotes} == {q.id for q in second.after.quotes}


def test_every_action_is_one_transaction_with_an_audit_row(project, article, two, reviewer):
    alice, _ = two
    review = ArticleReview(project, article, reviewer)
    review.accept_all_unanimous()
    before = project.audit.count()
    bad = UnitChanges(speaker_span=span("Pentagon spokesperson"))
    with pytest.raises(ReviewError, match="no annotator marked"):
        review.edit(group_at(review, Layer.QUOTE, '"We will'), alice.annotator.id, bad)
    assert project.audit.count() == before  # nothing written
    review.accept(group_at(review, Layer.QUOTE, '"We will'), alice.annotator.id)
    (entry,) = [e for e in project.audit.recent(limit=20) if e.action == "review" and e.id > before]
    assert entry.actor == "rita"
    assert entry.detail["action"] == "Accept alice's quote"


# -- bad input -----------------------------------------------------------------------------------


def test_accepting_from_someone_who_did_not_label_the_article(project, article, two, reviewer):
    review = ArticleReview(project, article, reviewer)
    carl = project.annotators.get_or_create("carl")
    group_id = group_at(review, Layer.QUOTE, '"We will')
    with pytest.raises(ReviewError, match="carl did not annotate “Putin welcomes"):
        review.accept(group_id, carl.id)
    with pytest.raises(ReviewError, match="did not annotate"):
        review.accept(group_id, "01NOSUCHANNOTATOR")
    with pytest.raises(NotFoundError, match="no review group"):
        review.accept("quote:nothing", two[0].annotator.id)


def test_accepting_a_version_someone_does_not_have(project, article, two, reviewer) -> None:
    alice, bob = two
    alice.session.add(Mention(**at("MOSCOW"), label="GPE"))
    review = ArticleReview(project, article, reviewer)
    with pytest.raises(ReviewError, match="bob has nothing in this group"):
        review.accept(group_at(review, Layer.MENTION, "MOSCOW"), bob.annotator.id)


def test_document_label_edit_is_checked_against_the_schema(project, article, two, reviewer):
    alice, _ = two
    review = ArticleReview(project, article, reviewer)
    group_id = next(g.id for g in review.groups if g.layer is Layer.DOCUMENT_LABEL and g.disputed)
    with pytest.raises(ReviewError, match="genre: \\['satire'\\] not among news"):
        review.edit(group_id, alice.annotator.id, UnitChanges(values=("satire",)))
    review.edit(group_id, alice.annotator.id, UnitChanges(values=("opinion",)), reason="tone")
    (label,) = gold_of(project, article).document_labels
    assert label.values == ["opinion"] and label.provenance and label.provenance.reason == "tone"


# -- comments, send back, queue ------------------------------------------------------------------


def test_send_back_sets_needs_rework_with_a_comment(project, article, two, reviewer) -> None:
    alice, _ = two
    review = ArticleReview(project, article, reviewer)
    with pytest.raises(ReviewError, match="say what to rework"):
        review.send_back(alice.annotator.id, "  ")
    review.send_back(alice.annotator.id, "Please mark the cue of every quote.")
    info = project.sets.info(alice.session.set_id)
    assert info.status is SetStatus.NEEDS_REWORK
    (comment,) = project.reviews.comments(info.id)
    assert (
        comment.text == "Please mark the cue of every quote." and comment.author_id == reviewer.id
    )
    # The set is still under review (needs_rework counts as started).
    assert [a.name for a in ArticleReview(project, article, reviewer).annotators] == [
        "alice",
        "bob",
    ]


def test_comment_on_an_item(project, article, two, reviewer) -> None:
    alice, bob = two
    review = ArticleReview(project, article, reviewer)
    quote_id = alice.quotes["putin"].id
    review.comment(alice.annotator.id, "The cue is just “told”.", item_id=quote_id)
    with pytest.raises(ReviewError, match="has no item"):
        review.comment(alice.annotator.id, "x", item_id=bob.quotes["putin"].id)
    comments = review.comments()
    assert [(c.item_id, c.text) for c in comments[alice.annotator.id]] == [
        (quote_id, "The cue is just “told”.")
    ]
    assert comments[bob.annotator.id] == []


def test_queue_orders_articles_by_open_disagreement(project, article, two, reviewer) -> None:
    calm = Article.create("Ukraine condemned the move again.", title="Calm article")
    project.articles.add(calm)
    for name in ("alice", "bob"):
        session = ArticleSession(project, calm, project.annotators.get_or_create(name))
        session.add(Mention(start=0, end=7, label="GPE"))
    lonely = Article.create("Only one annotator here.", title="One annotator")
    project.articles.add(lonely)
    ArticleSession(project, lonely, two[0].annotator).add(Mention(start=0, end=4, label="MISC"))
    queue = review_queue(project)
    assert [e.title for e in queue] == ["Putin welcomes North Korean troops", "Calm article"]
    first, second = queue
    assert (first.open, first.conflicts, first.agreed) == (4, 4, 8)
    assert first.annotators == ("alice", "bob")
    assert (second.open, second.agreed) == (0, 1)
    # Deciding every dispute moves the article behind one that still has some.
    review = ArticleReview(project, article, reviewer)
    for group in [g for g in review.groups if g.disputed]:
        review.reject(group.id)
    assert review_queue(project)[0].open == 0


def test_approve_needs_every_group_decided(project, article, two, reviewer) -> None:
    review = ArticleReview(project, article, reviewer)
    review.accept_all_unanimous()
    with pytest.raises(ReviewError, match="4 group\\(s\\) are still undecided"):
        review.approve()
    for group in [g for g in review.groups if not g.resolved]:
        review.accept(group.id, two[1].annotator.id)
    review.approve()
    statuses = {i.kind: i.status for i in project.sets.for_article(article.id)}
    assert statuses[SetKind.GOLD] is SetStatus.DONE
    assert statuses[SetKind.ANNOTATION] is SetStatus.APPROVED


def test_gold_that_no_annotator_has_any_more(project, article, two, reviewer) -> None:
    alice, _ = two
    moscow = Mention(**at("MOSCOW"), label="GPE")
    alice.session.add(moscow)
    review = ArticleReview(project, article, reviewer)
    review.accept(group_at(review, Layer.MENTION, "MOSCOW"), alice.annotator.id)
    alice.session.remove(Layer.MENTION, moscow.id)  # the annotator changed her mind later
    review.reload()
    group = review.group(group_at(review, Layer.MENTION, "MOSCOW"))
    assert group.status is GroupStatus.GOLD_ONLY and group.resolved
    assert group.gold[0].item.provenance is not None
    assert group.gold[0].item.provenance.source_item_ids == [moscow.id]


def test_entities_align_by_name_when_no_mention_is_shared(project, article, reviewer) -> None:
    """Holders are compared by their clusters: same name and type is the same entity."""
    for name, needle in (("ann", "Ukraine"), ("ben", "Ukraine condemned")):
        annotator = project.annotators.get_or_create(name)
        session = ArticleSession(project, article, annotator)
        ukraine = Entity(name="Ukraine", label="GPE")
        session.add(ukraine)
        session.add(Mention(**at(needle), label="GPE", entity_id=ukraine.id))
        session.add(Stance(holder_id=ukraine.id, target_topic=TOPIC, polarity="against"))
    review = ArticleReview(project, article, reviewer)
    (stances,) = [g for g in review.groups if g.layer is Layer.STANCE]
    assert stances.status is GroupStatus.AGREED


def test_an_empty_project_has_an_empty_queue(project) -> None:
    assert review_queue(project) == []
