"""Packs: one annotator's part of a project, worked on apart and merged back idempotently."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Entity,
    Layer,
    Mention,
    Quote,
    ReviewComment,
    Role,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.schema import EntityType, default_schema
from annotator.services.annotation import ArticleSession
from annotator.services.packing import (
    EMPTY_HASH,
    Outcome,
    PackError,
    content_hash,
    merge_packs,
    pack_for_annotator,
)
from annotator.storage.packs import read_marker
from annotator.storage.project import Project

TEXTS = [
    'Putin said, "It is our business to decide." The Pentagon disagreed.',
    "Kim Jong Un met Putin in Vostok. Officials in Seoul said they were watching.",
    "The U.S. Defense Department spokesperson said troops had moved.",
    "Ukraine's foreign minister called the deployment a provocation.",
]


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, audit trail and search index included, in a fixed order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        assert {"audit_log", "annotation_sets", "mentions", "articles_fts_data"} <= set(tables)
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
    finally:
        conn.close()


@pytest.fixture
def team(tmp_path: Path):
    """A project with four articles, alice on 1-3, bob on 2-4, bob's labels on article 2."""
    with Project.create(tmp_path / "main.annotator", schema=default_schema()) as project:
        articles = [Article.create(t, title=f"Article {n}") for n, t in enumerate(TEXTS, 1)]
        project.articles.add_many(articles)
        alice = project.annotators.add(Annotator(name="alice"))
        bob = project.annotators.add(Annotator(name="bob"))
        project.annotators.add(Annotator(name="rita", roles=[Role.REVIEWER]))
        ids = [a.id for a in articles]
        project.assignments.assign([(i, alice.id) for i in ids[:3]])
        project.assignments.assign([(i, bob.id) for i in ids[1:]])
        bobs = ArticleSession(project, articles[1], bob)
        bobs.add(Mention(start=0, end=11, label="PER"))
        alices = ArticleSession(project, articles[0], alice)
        alices.add(Mention(start=0, end=5, label="PER"))
        yield project, articles, alice, bob


def annotate(pack: Project, articles: list[Article], alice: Annotator) -> None:
    """Work in the pack as the window does: through an ArticleSession per article."""
    first = ArticleSession(pack, articles[0], alice)
    first.add(Mention(start=48, end=56, label="ORG"))
    second = ArticleSession(pack, articles[1], alice)
    putin = Entity(name="Vladimir Putin", label="PER")
    kim = Entity(name="Kim Jong Un", label="PER")
    second.add(putin)
    second.add(kim)
    second.add(Mention(start=0, end=11, label="PER", entity_id=kim.id))
    speaker = Mention(start=16, end=21, label="PER", entity_id=putin.id)
    second.add(speaker)
    second.add(Quote(start=33, end=76, speaker_id=speaker.id, cue_start=52, cue_end=56))
    second.add(Stance(holder_id=putin.id, target_entity_id=kim.id, polarity="favor"))
    second.set_status(SetStatus.DONE)
    ArticleSession(pack, articles[2], alice).set_status(SetStatus.DONE)


def test_a_pack_holds_the_annotators_part_and_nobody_elses(team, tmp_path: Path) -> None:
    project, articles, alice, bob = team
    out = tmp_path / "alice.pack"
    report = pack_for_annotator(project, annotator="alice", out=out, actor="rita")
    assert (report.articles, report.sets, report.scope) == (3, 1, "assigned")
    with Project.open(out, read_only=True) as pack:
        assert pack.project_id == project.project_id
        assert pack.name == project.name
        assert [(v.version, v.schema, v.note, v.created_at) for v in pack.schemas.history()] == [
            (v.version, v.schema, v.note, v.created_at) for v in project.schemas.history()
        ]
        assert [a.name for a in pack.annotators.list()] == ["alice"]
        assert pack.articles.ids() == [a.id for a in articles[:3]]
        assert pack.assignments.articles_of(alice.id) == [a.id for a in articles[:3]]
        infos = pack.sets.all_infos()
        assert [(i.article_id, i.annotator_id) for i in infos] == [(articles[0].id, alice.id)]
        assert pack.sets.find(articles[1].id, bob.id) is None
        assert pack.articles.search("Vostok")[0].article_id == articles[1].id
        marker = read_marker(pack.database)
    assert marker is not None
    assert (marker["project_id"], marker["annotator"]) == (project.project_id, "alice")
    original = project.sets.load(infos[0].id)
    assert marker["sets"] == {
        original.id: {
            "article": articles[0].id,
            "updated_at": original.updated_at.isoformat(timespec="milliseconds"),
            "hash": content_hash(original),
        }
    }
    # Bob's labels are nowhere in the file, not even as freed pages.
    assert b"bob" not in out.read_bytes().lower()
    assert project.audit.recent(limit=1)[0].action == "pack"


def test_pack_annotate_merge_and_merge_again_gives_the_same_database(team, tmp_path) -> None:
    project, articles, alice, bob = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    with Project.open(out) as pack:
        annotate(pack, articles, alice)
        expected = {i.article_id: content_hash(pack.sets.load(i.id)) for i in pack.sets.all_infos()}

    first = merge_packs(project, [out], actor="rita")
    assert first.ok, first.files[0].error
    outcomes = {s.article_title: s.outcome for s in first.files[0].sets}
    assert outcomes == {
        "Article 1": Outcome.UPDATED,
        "Article 2": Outcome.ADDED,
        "Article 3": Outcome.ADDED,
    }
    for info in project.sets.for_annotator(alice.id):
        assert content_hash(project.sets.load(info.id)) == expected[info.article_id]
    # Bob's set on article 2 is untouched by alice's work.
    bobs = project.sets.find(articles[1].id, bob.id)
    assert bobs is not None and len(project.sets.load(bobs.id).mentions) == 1
    project.close()
    before = dump(tmp_path / "main.annotator")

    with Project.open(tmp_path / "main.annotator") as again:
        second = merge_packs(again, [out], actor="rita")
    assert second.ok
    assert {s.outcome for s in second.files[0].sets} == {Outcome.UNCHANGED}
    # Nothing at all is written the second time, the audit trail included.
    assert dump(tmp_path / "main.annotator") == before


def test_merging_a_pack_again_after_more_work_updates_without_conflict(team, tmp_path) -> None:
    project, articles, alice, _ = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    with Project.open(out) as pack:
        session = ArticleSession(pack, articles[0], alice)
        session.add(Mention(start=48, end=56, label="ORG"))
    assert merge_packs(project, [out]).ok
    with Project.open(out) as pack:
        session = ArticleSession(pack, articles[0], alice)
        mention = next(m for m in session.mentions.values() if m.start == 48)
        session.update(mention.model_copy(update={"label": "GPE"}))
        session.remove(Layer.MENTION, next(m.id for m in session.mentions.values() if m.start == 0))
    report = merge_packs(project, [out])
    assert report.ok
    assert [s.outcome for s in report.files[0].sets] == [Outcome.UPDATED]
    info = project.sets.find(articles[0].id, alice.id)
    assert info is not None
    assert [(m.start, m.label) for m in project.sets.load(info.id).mentions] == [(48, "GPE")]


def test_a_set_changed_on_both_sides_is_reported_and_not_overwritten(team, tmp_path) -> None:
    project, articles, alice, _ = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    with Project.open(out) as pack:
        ArticleSession(pack, articles[0], alice).add(Mention(start=48, end=56, label="ORG"))
    # Meanwhile in the project, alice's set on article 1 changes too.
    main_session = ArticleSession(project, articles[0], alice)
    main_session.add(Mention(start=57, end=66, label="ORG"))
    main_session.set_status(SetStatus.DONE)
    set_id = main_session.set_id
    ours = content_hash(project.sets.load(set_id))

    report = merge_packs(project, [out])
    assert not report.ok
    [(file, conflict)] = report.conflicts
    assert file.path == out
    assert (conflict.article_title, conflict.annotator) == ("Article 1", "alice")
    assert conflict.project_set_id == set_id
    text = "\n".join(conflict.differences)
    assert "status: project done, pack in_progress" in text
    assert "mentions: 1 only in the project, 1 only in the pack" in text
    assert "only in the pack: mention ORG 'Pentagon' [48, 56)" in text
    assert "only in the project: mention ORG 'disagreed' [57, 66)" in text
    assert content_hash(project.sets.load(set_id)) == ours

    kept = merge_packs(project, [out], prefer="ours")
    assert [s.outcome for s in kept.files[0].sets if s.article_title == "Article 1"] == [
        Outcome.OURS
    ]
    assert content_hash(project.sets.load(set_id)) == ours

    taken = merge_packs(project, [out], prefer="theirs")
    assert taken.ok
    loaded = project.sets.load(set_id)
    assert [(m.start, m.label) for m in loaded.mentions] == [(0, "PER"), (48, "ORG")]
    assert loaded.status is SetStatus.IN_PROGRESS
    # Taken once, the pack's version is the base: merging again is quiet.
    assert {s.outcome for s in merge_packs(project, [out]).files[0].sets} == {Outcome.UNCHANGED}


def test_a_set_changed_only_in_the_project_is_kept(team, tmp_path) -> None:
    project, articles, alice, _ = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    info = project.sets.find(articles[0].id, alice.id)
    assert info is not None
    project.sets.set_status(info.id, SetStatus.NEEDS_REWORK, actor="rita")
    report = merge_packs(project, [out])
    assert report.ok
    assert [s.outcome for s in report.files[0].sets] == [Outcome.KEPT]
    assert project.sets.info(info.id).status is SetStatus.NEEDS_REWORK


def test_a_pack_of_another_project_is_refused(team, tmp_path) -> None:
    project, _, _, _ = team
    with Project.create(tmp_path / "other.annotator", schema=default_schema(), name="Other") as o:
        o.articles.add_many([Article.create(TEXTS[0], title="Same text")])
        o.annotators.add(Annotator(name="alice"))
        pack_for_annotator(o, annotator="alice", out=tmp_path / "other.pack")
    project.close()
    before = dump(tmp_path / "main.annotator")
    with Project.open(tmp_path / "main.annotator") as main:
        report = merge_packs(main, [tmp_path / "other.pack"])
    assert not report.ok
    error = report.files[0].error or ""
    assert str(tmp_path / "other.pack") in error
    assert "a pack of project 'Other'" in error and "not of 'main'" in error
    assert dump(tmp_path / "main.annotator") == before


@pytest.mark.parametrize(
    "damage", ["text", "truncated", "plain project", "bad page", "trigger", "bad marker"]
)
def test_damaged_or_foreign_files_are_refused_naming_the_file(team, tmp_path, damage) -> None:
    project, _, _, _ = team
    bad = tmp_path / "bad.pack"
    if damage == "text":
        bad.write_text("alice's labels\n", "utf-8")
        expected = "not an Annotator project"
    elif damage == "plain project":
        with Project.create(bad, schema=default_schema()) as plain:
            plain.database.conn.execute(
                "UPDATE project SET value = ? WHERE key = 'project_id'", (project.project_id,)
            )
        expected = "not an annotator pack"
    elif damage in ("trigger", "bad marker"):
        pack_for_annotator(project, annotator="alice", out=bad)
        conn = sqlite3.connect(bad)
        if damage == "trigger":
            conn.execute(
                "CREATE TRIGGER sneaky AFTER INSERT ON mentions BEGIN DELETE FROM articles; END"
            )
            expected = "contains trigger sneaky"
        else:
            conn.execute("UPDATE project SET value = '{\"format\": 1' WHERE key = 'pack'")
            expected = "the pack marker is not valid JSON"
        conn.commit()
        conn.close()
    else:
        pack_for_annotator(project, annotator="alice", out=bad)
        data = bad.read_bytes()
        if damage == "truncated":
            bad.write_bytes(data[: len(data) // 2])
            expected = "truncated"
        else:
            page = 8192
            bad.write_bytes(data[: 3 * page] + b"\xff" * page + data[4 * page :])
            expected = "damaged"
    report = merge_packs(project, [bad])
    error = report.files[0].error or ""
    assert str(bad) in error and expected in error, error
    assert not report.ok
    assert report.files[0].sets == []


def test_schema_additions_merge_and_incompatible_labels_are_refused(team, tmp_path) -> None:
    project, articles, alice, _ = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    with Project.open(out) as pack:
        schema = pack.schema
        pack.schemas.save(
            schema.model_copy(
                update={"entity_types": [*schema.entity_types, EntityType(name="WEAPON")]}
            ),
            note="added in the field",
        )
        ArticleSession(pack, articles[2], alice).add(Mention(start=46, end=52, label="WEAPON"))
    report = merge_packs(project, [out])
    assert report.ok
    assert report.files[0].schema_added == ["entity type WEAPON"]
    assert project.schema.entity_type("WEAPON") is not None
    assert project.schemas.history()[-1].note == "labels added by merging alice.pack"

    out2 = tmp_path / "alice2.pack"
    pack_for_annotator(project, annotator="alice", out=out2)
    question = project.schema.document_questions[0]
    with Project.open(out2) as pack:
        changed = question.model_copy(update={"choices": [*question.choices, "sarcastic"]})
        schema = pack.schema
        pack.schemas.save(
            schema.model_copy(
                update={
                    "document_questions": [
                        changed if q.name == question.name else q for q in schema.document_questions
                    ]
                }
            )
        )
        ArticleSession(pack, articles[1], alice).add(
            DocumentLabel(question=question.name, values=["sarcastic"])
        )
    report = merge_packs(project, [out2])
    error = report.files[0].error or ""
    assert str(out2) in error
    assert f"{question.name}: 'sarcastic' is not one of its choices" in error
    assert "nothing merged" in error
    assert project.sets.find(articles[1].id, alice.id) is None
    assert "sarcastic" not in project.schema.document_questions[0].choices


def test_articles_added_in_a_pack_are_skipped_unless_asked(team, tmp_path) -> None:
    project, _, alice, _ = team
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    extra = Article.create("A new wire story from Kyiv about drones.", title="Kyiv drones")
    with Project.open(out) as pack:
        pack.articles.add(extra)
        ArticleSession(pack, extra, alice).add(Mention(start=26, end=30, label="GPE"))
    report = merge_packs(project, [out])
    assert not report.ok
    [skipped] = report.files[0].skipped
    assert "its article ('Kyiv drones') is not in the project" in skipped.reason
    assert project.articles.find_by_sha256(extra.sha256) is None

    added = merge_packs(project, [out], add_articles=True)
    assert added.ok and added.files[0].articles_added == ["Kyiv drones"]
    assert project.articles.find_by_sha256(extra.sha256) == extra.id
    assert project.assignments.is_assigned(extra.id, alice.id)
    assert {s.outcome for s in merge_packs(project, [out]).files[0].sets} == {Outcome.UNCHANGED}


def test_review_comments_travel_and_resolutions_come_back(team, tmp_path) -> None:
    project, articles, alice, _ = team
    rita = project.annotators.by_name("rita")
    assert rita is not None
    info = project.sets.find(articles[0].id, alice.id)
    assert info is not None
    comment = ReviewComment(set_id=info.id, author_id=rita.id, text="Putin is PER, fine.")
    project.reviews.add_comment(comment)
    out = tmp_path / "alice.pack"
    pack_for_annotator(project, annotator="alice", out=out)
    with Project.open(out) as pack:
        assert [c.text for c in pack.reviews.comments(info.id)] == ["Putin is PER, fine."]
        assert {a.name for a in pack.annotators.list()} == {"alice", "rita"}
        pack.reviews.set_resolved(comment.id)
        pack.reviews.add_comment(
            ReviewComment(set_id=info.id, author_id=alice.id, text="Checked the byline.")
        )
    report = merge_packs(project, [out])
    assert (report.files[0].comments_added, report.files[0].comments_resolved) == (1, 1)
    comments = project.reviews.comments(info.id)
    assert [(c.text, c.resolved) for c in comments] == [
        ("Putin is PER, fine.", True),
        ("Checked the byline.", False),
    ]


def test_packing_refuses_what_makes_no_sense(team, tmp_path) -> None:
    project, _, _, _ = team
    with pytest.raises(PackError, match="no annotator named 'zoe'"):
        pack_for_annotator(project, annotator="zoe", out=tmp_path / "z.pack")
    with pytest.raises(PackError, match="rita has no assigned articles"):
        pack_for_annotator(project, annotator="rita", out=tmp_path / "r.pack")
    everything = pack_for_annotator(
        project, annotator="rita", out=tmp_path / "r.pack", all_articles=True
    )
    assert everything.articles == 4 and everything.scope == "all"
    with pytest.raises(PackError, match="already exists"):
        pack_for_annotator(project, annotator="alice", out=tmp_path / "r.pack")
    with Project.open(tmp_path / "r.pack") as pack, pytest.raises(PackError, match="itself"):
        pack_for_annotator(pack, annotator="rita", out=tmp_path / "rr.pack")


def test_without_assignments_a_pack_holds_every_article(tmp_path) -> None:
    with Project.create(tmp_path / "solo.annotator", schema=default_schema()) as project:
        project.articles.add_many([Article.create(t) for t in TEXTS])
        project.annotators.add(Annotator(name="sam"))
        report = pack_for_annotator(project, annotator="sam", out=tmp_path / "sam.pack")
    assert (report.articles, report.scope) == (4, "all")


def test_an_empty_set_hashes_as_no_set(team) -> None:
    _, articles, _, bob = team
    empty = AnnotationSet(
        article_id=articles[0].id, annotator_id=bob.id, text_sha256=articles[0].sha256
    )
    assert content_hash(empty) == content_hash(None) == EMPTY_HASH
    assert content_hash(empty.model_copy(update={"status": SetStatus.DONE})) != EMPTY_HASH
