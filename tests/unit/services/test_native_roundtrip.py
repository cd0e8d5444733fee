"""The native JSONL export: lossless, deterministic, and re-importable into a new project."""

from pathlib import Path

import orjson
import pytest

from annotator.domain.annotations import (
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Provenance,
    Quote,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.schema import EntityType, Topic, default_schema
from annotator.services.exporting import export_project
from annotator.services.importing import import_paths
from annotator.storage.project import Project
from tests.unit.conftest import EMOJI_TEXT


def span(text: str, needle: str) -> dict[str, int]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle)}


def fill(project: Project) -> None:
    """Two annotators and a gold set on an emoji/CRLF article, plus an unlabelled article."""
    schema = project.schema.model_copy(update={"topics": [Topic(name="restart")]})
    project.schemas.save(schema)
    article = Article.create(EMOJI_TEXT, title="Emoji", source="Ledger", meta={"k": [1, 2]})
    project.articles.add(article)
    project.articles.add(Article.create("A second, quiet article.", title="Quiet"))
    text = article.text
    for name, polarity in (("alice", "favor"), ("bob", "neutral")):
        annotator = project.annotators.get_or_create(name)
        set_id = project.sets.get_or_create(article.id, annotator.id).id
        kim = Entity(name="Kim Ji-woo", label="PER")
        project.sets.add(set_id, kim)
        who = Mention(
            **span(text, "Kim Ji-woo"),
            label="PER",
            entity_id=kim.id,
            unsure=True,
            note="check spelling",
        )
        project.sets.add(set_id, who)
        project.sets.add(set_id, Mention(**span(text, "서울디지털재단"), label="ORG"))
        cue = span(text, "said")
        quote = Quote(
            **span(text, "“We start again.”"),
            speaker_id=who.id,
            cue_start=cue["start"],
            cue_end=cue["end"],
        )
        project.sets.add(set_id, quote)
        project.sets.add(
            set_id,
            Stance(
                holder_id=kim.id,
                target_topic="restart",
                polarity=polarity,
                confidence=0.8,
                evidence=[
                    Evidence(**span(text, "“We start again.”"), quote_id=quote.id),
                    Evidence(**span(text, "owners agreed")),
                ],
            ),
        )
        project.sets.add(set_id, DocumentLabel(question="genre", values=["news"]))
        project.sets.set_status(set_id, SetStatus.DONE)
    reviewer = project.annotators.get_or_create("rita")
    alice_set = project.sets.find(article.id, project.annotators.by_name("alice").id)
    source = project.sets.load(alice_set.id)
    gold = source.model_copy(
        update={
            "id": "gold-1",
            "annotator_id": reviewer.id,
            "kind": SetKind.GOLD,
            "status": SetStatus.APPROVED,
            "entities": [],
            "quotes": [],
            "stances": [],
            "document_labels": [],
            "mentions": [
                Mention(
                    start=m.start,
                    end=m.end,
                    label=m.label,
                    provenance=Provenance(agreed_by=["alice", "bob"], source_item_ids=[m.id]),
                )
                for m in source.mentions
            ],
        }
    )
    project.sets.replace(gold)


def test_export_import_export_is_identical(tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    with Project.create(tmp_path / "a.annotator", schema=default_schema()) as project:
        fill(project)
        report = export_project(project, first)
    assert (report.articles, report.sets) == (2, 3)
    second = tmp_path / "second.jsonl"
    with Project.create(tmp_path / "b.annotator", schema=default_schema()) as copy:
        result = import_paths(copy, [first])
        assert not result.failed, result.failed
        assert (result.imported, result.sets) == (2, 3)
        assert result.files[0].schema_added == ["topic restart"]
        export_project(copy, second)
    assert first.read_bytes() == second.read_bytes()


def test_export_is_lossless_and_slices_match(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with Project.create(tmp_path / "a.annotator", schema=default_schema()) as project:
        fill(project)
        export_project(project, out)
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert lines[0]["format"] == "annotator-jsonl"
    assert {a["name"] for a in lines[0]["annotators"]} == {"alice", "bob", "rita"}
    record = lines[1]
    text = record["article"]["text"]
    assert "\r" not in text
    assert record["article"]["meta"] == {"k": [1, 2]}
    kinds = [(s["kind"], s["status"]) for s in record["sets"]]
    assert sorted(kinds) == [("annotation", "done"), ("annotation", "done"), ("gold", "approved")]
    for annotation_set in record["sets"]:
        if annotation_set["kind"] == "gold":
            continue
        texts = [text[m["start"] : m["end"]] for m in annotation_set["mentions"]]
        assert sorted(texts) == sorted(["Kim Ji-woo", "서울디지털재단"])
        quote = annotation_set["quotes"][0]
        assert text[quote["start"] : quote["end"]] == "“We start again.”"
        assert text[quote["cue_start"] : quote["cue_end"]] == "said"
    gold = next(s for s in record["sets"] if s["kind"] == "gold")
    assert gold["mentions"][0]["provenance"]["agreed_by"] == ["alice", "bob"]
    assert gold["quotes"] == []
    alice_mentions = next(s for s in record["sets"] if s["kind"] == "annotation")["mentions"]
    assert any(m["unsure"] and m["note"] == "check spelling" for m in alice_mentions)


def test_reimporting_native_into_the_same_project_adds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with Project.create(tmp_path / "a.annotator", schema=default_schema()) as project:
        fill(project)
        export_project(project, out)
        before = project.sets.label_counts()
        report = import_paths(project, [out])
        assert not report.failed
        assert report.imported == 0 and report.duplicates == 2
        assert project.sets.label_counts() == before
        assert project.articles.count() == 2


def test_native_with_unknown_label_in_schema_is_added_not_dropped(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    schema = default_schema()
    custom = schema.model_copy(
        update={
            "entity_types": [
                *schema.entity_types,
                EntityType(name="WEAPON", color="#ff0000", hotkey=8),
            ]
        }
    )
    with Project.create(tmp_path / "a.annotator", schema=custom) as project:
        article = Article.create("The tank rolled in.")
        project.articles.add(article)
        annotator = project.annotators.get_or_create("alice")
        set_id = project.sets.get_or_create(article.id, annotator.id).id
        project.sets.add(set_id, Mention(start=4, end=8, label="WEAPON"))
        export_project(project, out)
    with Project.create(tmp_path / "b.annotator", schema=default_schema()) as copy:
        report = import_paths(copy, [out])
        assert report.files[0].schema_added == ["entity type WEAPON"]
        weapon = copy.schema.entity_type("WEAPON")
        assert weapon is not None and weapon.hotkey == 8
        assert copy.sets.label_counts()["mentions"] == {"WEAPON": 1}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["sets"][0]["mentions"][0].update(end=10_000), "inside a text of"),
        (lambda r: r["sets"][0]["quotes"][0].update(speaker_id="ghost"), "is not a mention"),
        (lambda r: r["article"].update(text=r["article"]["text"] + "!"), "sha256 does not match"),
        (lambda r: r["sets"][0]["mentions"][0].update(label="NOPE"), "'NOPE' is not in the schema"),
    ],
)
def test_corrupt_native_line_names_the_line_and_imports_nothing(tmp_path: Path, mutate, message):
    out = tmp_path / "out.jsonl"
    with Project.create(tmp_path / "a.annotator", schema=default_schema()) as project:
        fill(project)
        export_project(project, out)
    lines = out.read_bytes().splitlines()
    record = orjson.loads(lines[1])
    mutate(record)
    lines[1] = orjson.dumps(record)
    out.write_bytes(b"\n".join(lines) + b"\n")
    with Project.create(tmp_path / "b.annotator", schema=default_schema()) as copy:
        report = import_paths(copy, [out])
        assert report.failed and report.failed[0].error.startswith(f"{out}:2: ")
        assert message in report.failed[0].error
        assert copy.articles.count() == 0
        assert copy.annotators.list() == []
        assert copy.schema.topics == []
