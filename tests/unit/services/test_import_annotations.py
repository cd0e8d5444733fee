"""Other tools' annotations imported end to end: spans land on the same characters, links hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.annotations import AnnotationSet
from annotator.domain.offsets import Utf16Index
from annotator.services.foreign import LabelPolicy
from annotator.services.importing import import_paths
from annotator.storage.project import Project

TEXT = (
    "SEOUL 🇰🇷 — Kim Ji-woo of 서울디지털재단 spoke.\r\n"
    "“We start again 😀,” Kim said on Monday.\r\n"
    "Critics in Mapo disagreed."
)


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def only_set(project: Project, name: str) -> tuple[AnnotationSet, str]:
    annotator = project.annotators.by_name(name)
    assert annotator is not None
    (info,) = project.sets.for_annotator(annotator.id)
    return project.sets.load(info.id), project.articles.get(info.article_id).text


def texts(annotation_set: AnnotationSet, text: str) -> list[tuple[str, str]]:
    return sorted((text[m.start : m.end], m.label) for m in annotation_set.mentions)


def label_studio_export(path: Path) -> Path:
    def region(rid: str, needle: str, label: str, nth: int = 0) -> dict:
        start, end = at(TEXT, needle, nth)
        return {
            "id": rid,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "text": needle, "labels": [label]},
        }

    task = {
        "id": 41,
        "data": {"text": TEXT, "title": "Seoul restart"},
        "annotations": [
            {
                "id": 7,
                "completed_by": {"email": "jiwoo@example.org"},
                "was_cancelled": False,
                "result": [
                    region("p1", "Kim Ji-woo", "PER"),
                    region("o1", "서울디지털재단", "ORG"),
                    region("q1", "“We start again 😀,”", "QUOTE"),
                    region("c1", "said", "CUE"),
                    region("p2", "Kim", "PER", nth=1),
                    region("g1", "Mapo", "GPE"),
                    {
                        "from_id": "q1",
                        "to_id": "p2",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["speaker"],
                    },
                    {
                        "from_id": "q1",
                        "to_id": "c1",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["cue"],
                    },
                    {
                        "from_id": "p2",
                        "to_id": "p1",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["coref"],
                    },
                    {
                        "id": "ch",
                        "from_name": "genre",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["news"]},
                    },
                ],
            }
        ],
    }
    path.write_text(json.dumps([task], ensure_ascii=False), "utf-8")
    return path


def test_label_studio_spans_links_and_choices(project: Project, tmp_path: Path) -> None:
    path = label_studio_export(tmp_path / "export.json")
    report = import_paths(project, [path])
    assert not report.failed, report.failed[0].error
    assert (report.imported, report.sets) == (1, 1)
    saved, text = only_set(project, "jiwoo@example.org")
    assert "\r" not in text
    assert texts(saved, text) == [
        ("Kim", "PER"),
        ("Kim Ji-woo", "PER"),
        ("Mapo", "GPE"),
        ("서울디지털재단", "ORG"),
    ]
    (quote,) = saved.quotes
    assert text[quote.start : quote.end] == "“We start again 😀,”"
    assert quote.quote_type == "direct"
    speaker = next(m for m in saved.mentions if m.id == quote.speaker_id)
    assert text[speaker.start : speaker.end] == "Kim"
    assert quote.cue is not None and text[slice(*quote.cue)] == "said"
    (entity,) = saved.entities
    assert entity.name == "Kim Ji-woo"
    assert {m.entity_id for m in saved.mentions if m.label == "PER"} == {entity.id}
    assert [(d.question, d.values) for d in saved.document_labels] == [("genre", ["news"])]
    # The same file again adds nothing.
    again = import_paths(project, [path])
    assert (again.imported, again.sets, again.already_imported) == (0, 0, 1)
    assert project.articles.count() == 1


def test_doccano_utf16_offsets_land_on_the_words(project: Project, tmp_path: Path) -> None:
    index = Utf16Index(TEXT)
    entities = []
    for n, (needle, label) in enumerate(
        [("Kim Ji-woo", "PER"), ("Mapo", "GPE"), ("서울디지털재단", "ORG")]
    ):
        start, end = index.span_to_utf16(*at(TEXT, needle))
        entities.append({"id": n, "start_offset": start, "end_offset": end, "label": label})
    record = {"id": 3, "text": TEXT, "entities": entities, "relations": []}
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    report = import_paths(project, [path], annotator="dana")
    assert not report.failed, report.failed[0].error
    saved, text = only_set(project, "dana")
    assert texts(saved, text) == [("Kim Ji-woo", "PER"), ("Mapo", "GPE"), ("서울디지털재단", "ORG")]


def test_prodigy_accepted_spans(project: Project, tmp_path: Path) -> None:
    spans = [
        {"start": s, "end": e, "label": label}
        for (s, e), label in ((at(TEXT, "Kim Ji-woo"), "PER"), (at(TEXT, "Mapo"), "GPE"))
    ]
    records = [
        {"text": TEXT, "spans": spans, "answer": "accept", "_annotator_id": "news-prodi"},
        {"text": "Rejected text.", "spans": [], "answer": "reject", "_annotator_id": "news-prodi"},
    ]
    path = tmp_path / "prodigy.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    report = import_paths(project, [path])
    assert not report.failed, report.failed[0].error
    saved, text = only_set(project, "news-prodi")
    assert texts(saved, text) == [("Kim Ji-woo", "PER"), ("Mapo", "GPE")]
    assert any("reject" in w for w in report.files[0].warnings)
    assert project.articles.count() == 1


def test_brat_stance_event_and_quote(project: Project, tmp_path: Path) -> None:
    text = "Kim said, “We start again.” Critics in Mapo disagreed with Kim.\n"
    (tmp_path / "doc.txt").write_text(text, "utf-8")

    def t(tid: str, label: str, needle: str, nth: int = 0) -> str:
        start, end = at(text, needle, nth)
        return f"{tid}\t{label} {start} {end}\t{needle}"

    ann = (
        "\n".join(
            [
                t("T1", "PER", "Kim"),
                t("T2", "Quote", "“We start again.”"),
                t("T3", "Cue", "said"),
                t("T4", "NORP", "Critics"),
                t("T5", "Stance", "disagreed with Kim"),
                t("T6", "PER", "Kim", nth=1),
                "R1\tSpeaker Arg1:T2 Arg2:T1",
                "R2\tCue Arg1:T2 Arg2:T3",
                "R3\tCoref Arg1:T6 Arg2:T1",
                "E1\tStance:T5 Holder:T4 Target:T6 Evidence:T5",
                "A1\tPolarity E1 against",
                "#1\tAnnotatorNotes T4\tthe critics as a group",
            ]
        )
        + "\n"
    )
    (tmp_path / "doc.ann").write_text(ann, "utf-8")
    report = import_paths(project, [tmp_path / "doc.txt"], annotator="brat-user")
    assert not report.failed, report.failed[0].error
    saved, stored_text = only_set(project, "brat-user")
    (stance,) = saved.stances
    entities = {e.id: e.name for e in saved.entities}
    assert (entities[stance.holder_id], entities[stance.target_entity_id]) == ("Critics", "Kim")
    assert stance.polarity == "against"
    assert [stored_text[e.start : e.end] for e in stance.evidence] == ["disagreed with Kim"]
    (quote,) = saved.quotes
    assert stored_text[slice(*quote.cue)] == "said"
    critics = next(m for m in saved.mentions if m.label == "NORP")
    assert critics.note == "the critics as a group"


def test_spacy_docbin_entities(project: Project, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    doc = nlp("Kim Ji-woo met officials in Mapo on Monday.")
    doc.ents = [doc.char_span(0, 10, label="PER"), doc.char_span(28, 32, label="GPE")]
    path = tmp_path / "train.spacy"
    DocBin(docs=[doc]).to_disk(path)
    report = import_paths(project, [path], annotator="model")
    assert not report.failed, report.failed[0].error
    saved, text = only_set(project, "model")
    assert texts(saved, text) == [("Kim Ji-woo", "PER"), ("Mapo", "GPE")]


def test_unknown_labels_are_refused_mapped_or_added(project: Project, tmp_path: Path) -> None:
    record = {
        "text": "Kim Ji-woo visited Mapo.",
        "label": [[0, 10, "PERSON"], [19, 23, "DISTRICT"]],
    }
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    refused = import_paths(project, [path], annotator="a")
    error = refused.failed[0].error
    assert f"{path}:1: labels not in the schema: 'DISTRICT' (1), 'PERSON' (1)" in error
    assert project.articles.count() == 0
    mapped = import_paths(
        project,
        [path],
        annotator="a",
        labels=LabelPolicy(mapping={"PERSON": "PER", "DISTRICT": "GPE"}),
    )
    assert not mapped.failed
    saved, text = only_set(project, "a")
    assert texts(saved, text) == [("Kim Ji-woo", "PER"), ("Mapo", "GPE")]
    added = import_paths(project, [path], annotator="b", labels=LabelPolicy(add_unknown=True))
    assert not added.failed
    assert {"entity type PERSON", "entity type DISTRICT"} <= set(added.files[0].schema_added)
    assert project.schema.entity_type("DISTRICT") is not None


def test_other_labels_by_the_same_annotator_are_a_conflict(project: Project, tmp_path: Path):
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"text": "Kim met Lee.", "label": [[0, 3, "PER"]]}) + "\n")
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps({"text": "Kim met Lee.", "label": [[8, 11, "PER"]]}) + "\n")
    assert not import_paths(project, [first], annotator="a").failed
    report = import_paths(project, [second], annotator="a")
    assert "a already has other labels on this article" in report.failed[0].error
    assert not import_paths(project, [second], annotator="b").failed


def test_bad_relation_is_refused_not_dropped(project: Project, tmp_path: Path) -> None:
    record = {
        "text": "Kim met Lee.",
        "entities": [
            {"id": 1, "start_offset": 0, "end_offset": 3, "label": "PER"},
            {"id": 2, "start_offset": 8, "end_offset": 11, "label": "PER"},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "employs"}],
    }
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record) + "\n")
    report = import_paths(project, [path], annotator="a")
    assert "relation 'employs' from a mention to a mention has no meaning here" in (
        report.failed[0].error
    )
    assert project.articles.count() == 0
