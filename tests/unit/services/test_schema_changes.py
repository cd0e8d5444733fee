"""Schema changes with labels in use: counts, rename, merge, delete, reassign, undo and redo."""

from __future__ import annotations

import pytest

from annotator.domain.annotations import (
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    SetKind,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import EntityType, Topic
from annotator.services.schema_changes import (
    LabelKind,
    LabelOp,
    LabelRef,
    OpKind,
    SchemaConflictError,
    apply_change,
    count_usages,
    redo_change,
    undo_change,
)
from annotator.storage.project import Project

TEXT = (
    "Vladimir Putin met Kim Jong Un in Moscow. Putin said: “Our friends are welcome.” "
    "The Pentagon said the troops were a threat. Ukraine protested."
)
PER = LabelRef(LabelKind.ENTITY_TYPE, "PER")


def find(needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(needle, start + 1)
    return start, start + len(needle)


@pytest.fixture
def labelled(project: Project) -> dict[str, object]:
    """Two articles; alice and bob label both, plus a gold set: 12 PER mentions in all."""
    schema = project.schema
    project.schemas.save(
        schema.model_copy(update={"topics": [Topic(name="troops"), Topic(name="talks")]})
    )
    articles = [Article.create(TEXT, title="One"), Article.create(TEXT + " More.", title="Two")]
    for article in articles:
        project.articles.add(article)
    alice = project.annotators.get_or_create("alice")
    bob = project.annotators.get_or_create("bob")
    ids: dict[str, object] = {"sets": []}
    for article in articles:
        for who, kind in (
            (alice, SetKind.ANNOTATION),
            (bob, SetKind.ANNOTATION),
            (bob, SetKind.GOLD),
        ):
            set_id = project.sets.get_or_create(article.id, who.id, kind).id
            ids["sets"].append(set_id)  # type: ignore[union-attr]
            putin = Entity(name="Vladimir Putin", label="PER")
            project.sets.add(set_id, putin)
            first = Mention(
                **dict(zip(("start", "end"), find("Vladimir Putin"), strict=True)),
                label="PER",
                entity_id=putin.id,
            )
            second = Mention(
                **dict(zip(("start", "end"), find("Putin", 1), strict=True)),
                label="PER",
                entity_id=putin.id,
            )
            pentagon = Entity(name="Pentagon", label="ORG")
            project.sets.add(set_id, pentagon)
            org = Mention(
                **dict(zip(("start", "end"), find("Pentagon"), strict=True)),
                label="ORG",
                entity_id=pentagon.id,
            )
            for mention in (first, second, org):
                project.sets.add(set_id, mention)
            start, end = find("“Our friends are welcome.”")
            quote = Quote(
                start=start, end=end, quote_type="direct", speaker_id=second.id, unsure=True
            )
            project.sets.add(set_id, quote)
            stance = Stance(
                holder_id=putin.id,
                target_topic="troops",
                polarity="favor",
                evidence=[Evidence(start=start, end=end, quote_id=quote.id)],
            )
            project.sets.add(set_id, stance)
            against = Stance(holder_id=pentagon.id, target_topic="troops", polarity="against")
            project.sets.add(set_id, against)
            project.sets.add(set_id, DocumentLabel(question="genre", values=["news"]))
    return ids


def snapshot(project: Project) -> list[object]:
    """Every set with its items (``updated_at`` aside: a change and its undo both touch it)."""
    return [
        project.sets.load(info.id).model_dump(exclude={"updated_at"})
        for info in project.sets.all_infos()
    ]


def test_usages_count_every_set_including_gold(project: Project, labelled) -> None:
    usage = count_usages(project, PER)
    assert usage.counts == {"mentions": 12, "entities": 6}
    assert len(usage.article_ids) == 2
    assert usage.gold_sets == 2
    assert usage.describe() == "12 mentions and 6 entities in 2 articles (2 of them in gold sets)"
    assert count_usages(project, LabelRef(LabelKind.ENTITY_TYPE, "EVENT")).total == 0
    choice = count_usages(project, LabelRef(LabelKind.CHOICE, "news", "genre"))
    assert choice.counts == {"document_labels": 6}


def test_rename_moves_all_twelve_mentions_and_undo_restores_them(
    project: Project, labelled
) -> None:
    before = snapshot(project)
    audit_before = project.audit.count()
    change = apply_change(project, LabelOp(OpKind.RENAME, PER, "PERSON"), actor="lead")
    assert project.schema.entity_type("PER") is None
    person = project.schema.entity_type("PERSON")
    assert person is not None and person.hotkey == 1 and person.color == "#ffd6a5"
    assert project.sets.label_counts()["mentions"]["PERSON"] == 12
    assert "PER" not in project.sets.label_counts()["mentions"]
    assert change.data.counts() == {"mentions": 12, "entities": 6}
    assert project.audit.count() == audit_before + 1
    entry = project.audit.recent(limit=1)[0]
    assert entry.action == "schema.rename" and entry.actor == "lead"
    assert entry.detail["items"] == {"mentions": 12, "entities": 6}
    history = project.schemas.history()
    assert history[-1].note == "Rename entity type PER to PERSON"

    undone = undo_change(project, change, actor="lead")
    assert snapshot(project) == before
    assert project.schema.entity_type("PER") is not None
    assert project.schema.entity_labels[0] == "PER"
    assert project.schemas.history()[-1].note == "Undo: Rename entity type PER to PERSON"

    redo_change(project, undone, actor="lead")
    assert project.sets.label_counts()["mentions"]["PERSON"] == 12


def test_undo_of_a_rename_also_takes_back_labels_made_since(project: Project, labelled) -> None:
    change = apply_change(project, LabelOp(OpKind.RENAME, PER, "PERSON"))
    set_id = labelled["sets"][0]
    project.sets.add(set_id, Mention(start=0, end=8, label="PERSON"))
    undo_change(project, change)
    assert project.sets.label_counts()["mentions"]["PER"] == 13


def test_undo_is_refused_after_another_schema_change(project: Project, labelled) -> None:
    change = apply_change(project, LabelOp(OpKind.RENAME, PER, "PERSON"))
    schema = project.schema
    project.schemas.save(schema.model_copy(update={"topics": [*schema.topics, Topic(name="x")]}))
    with pytest.raises(SchemaConflictError, match="changed since"):
        undo_change(project, change)


def test_merge_folds_one_type_into_another(project: Project, labelled) -> None:
    change = apply_change(
        project, LabelOp(OpKind.MERGE, LabelRef(LabelKind.ENTITY_TYPE, "ORG"), "PER")
    )
    counts = project.sets.label_counts()
    assert counts["mentions"] == {"PER": 18}
    assert project.schema.entity_type("ORG") is None
    undo_change(project, change)
    assert project.sets.label_counts()["mentions"] == {"PER": 12, "ORG": 6}


def test_rename_refuses_bad_names_and_existing_ones(project: Project, labelled) -> None:
    with pytest.raises(InvalidDataError, match="no spaces"):
        apply_change(project, LabelOp(OpKind.RENAME, PER, "a person"))
    with pytest.raises(InvalidDataError, match="merge PER into it instead"):
        apply_change(project, LabelOp(OpKind.RENAME, PER, "ORG"))
    with pytest.raises(InvalidDataError, match="no entity type NOPE"):
        apply_change(project, LabelOp(OpKind.RENAME, LabelRef(LabelKind.ENTITY_TYPE, "NOPE"), "X"))
    assert project.sets.label_counts()["mentions"]["PER"] == 12


def test_delete_with_reassign(project: Project, labelled) -> None:
    ref = LabelRef(LabelKind.POLARITY, "against")
    apply_change(project, LabelOp(OpKind.REASSIGN, ref, "neutral"))
    assert project.sets.label_counts()["stances"] == {"favor": 6, "neutral": 6}
    assert "against" not in project.schema.polarity_names


def test_delete_an_entity_type_with_its_labels_and_undo(project: Project, labelled) -> None:
    before = snapshot(project)
    change = apply_change(project, LabelOp(OpKind.DELETE, PER))
    counts = project.sets.label_counts()
    assert counts["mentions"] == {"ORG": 6}
    assert counts["entities"] == {"ORG": 6}
    # Putin's stances went with him; the quote lost its speaker but stayed.
    assert counts["stances"] == {"against": 6}
    assert counts["quotes"] == {"direct": 6}
    loaded = project.sets.load(labelled["sets"][0])
    assert loaded.quotes[0].speaker_id is None
    assert change.data.counts() == {
        "mentions": 12,
        "entities": 6,
        "stances": 6,
        "stance_evidence": 6,
    }
    undo_change(project, change)
    assert snapshot(project) == before


def test_delete_a_quote_type_keeps_evidence_spans(project: Project, labelled) -> None:
    change = apply_change(project, LabelOp(OpKind.DELETE, LabelRef(LabelKind.QUOTE_TYPE, "direct")))
    loaded = project.sets.load(labelled["sets"][0])
    assert loaded.quotes == []
    favor = next(s for s in loaded.stances if s.polarity == "favor")
    assert favor.evidence[0].quote_id is None
    undo_change(project, change)
    loaded = project.sets.load(labelled["sets"][0])
    favor = next(s for s in loaded.stances if s.polarity == "favor")
    assert favor.evidence[0].quote_id == loaded.quotes[0].id


def test_topics_and_choices_follow(project: Project, labelled) -> None:
    apply_change(
        project, LabelOp(OpKind.RENAME, LabelRef(LabelKind.TOPIC, "troops"), "Troop deployment")
    )
    loaded = project.sets.load(labelled["sets"][0])
    assert {s.target_topic for s in loaded.stances} == {"Troop deployment"}
    choice = LabelRef(LabelKind.CHOICE, "news", "genre")
    apply_change(project, LabelOp(OpKind.MERGE, choice, "analysis"))
    question = project.schema.question("genre")
    assert question is not None and "news" not in question.choices
    loaded = project.sets.load(labelled["sets"][0])
    assert loaded.document_labels[0].values == ["analysis"]
    apply_change(project, LabelOp(OpKind.DELETE, LabelRef(LabelKind.CHOICE, "analysis", "genre")))
    assert project.sets.load(labelled["sets"][0]).document_labels == []


def test_an_edit_may_not_drop_labels_in_use(project: Project, labelled) -> None:
    schema = project.schema
    without_per = schema.model_copy(
        update={"entity_types": [t for t in schema.entity_types if t.name != "PER"]}
    )
    with pytest.raises(InvalidDataError, match="entity type PER is used 18 time"):
        apply_change(project, LabelOp(OpKind.EDIT, schema=without_per, note="drop PER"))
    assert project.schema.entity_type("PER") is not None
    added = schema.model_copy(
        update={"entity_types": [*schema.entity_types, EntityType(name="LAW", hotkey=8)]}
    )
    change = apply_change(project, LabelOp(OpKind.EDIT, schema=added, note="Add entity type LAW"))
    assert project.schema.entity_type_for_hotkey(8).name == "LAW"
    assert not change.data_changed
    undo_change(project, change)
    assert project.schema.entity_type("LAW") is None


def test_an_edit_with_a_hotkey_clash_is_refused(project: Project, labelled) -> None:
    schema = project.schema
    clash = schema.model_copy(
        update={"entity_types": [*schema.entity_types, EntityType(name="LAW", hotkey=1)]}
    )
    with pytest.raises(InvalidDataError, match="hotkey 1 is used by both PER and LAW"):
        apply_change(project, LabelOp(OpKind.EDIT, schema=clash))
    versions = len(project.schemas.history())
    assert len(project.schemas.history()) == versions
