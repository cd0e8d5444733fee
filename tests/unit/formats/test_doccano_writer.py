"""doccano writer: UTF-16 offsets, relations, and what doccano cannot hold named in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from annotator.domain.annotations import DocumentLabel
from annotator.formats import doccano_writer
from annotator.storage.project import Project
from tests.unit.formats.export_samples import (
    Builder,
    assert_round_trip,
    check_doccano,
    export,
    import_back,
    sample_document,
    samples,
)

STANCES_DROPPED = (
    "stance: doccano has no span attributes for its polarity and topic, so our import could "
    "not read it back; not written"
)


def _no_stances(expected: dict[str, Any]) -> None:
    expected["stances"] = []


def test_round_trip_through_our_reader(project: Project, tmp_path: Path) -> None:
    documents = samples()
    report = export(doccano_writer, documents, tmp_path / "out")

    assert [p.name for p in report.files] == ["train.jsonl", "dev.jsonl"]
    sets, articles = import_back(project, tmp_path / "out", "doccano", {"category": "genre"})
    assert_round_trip(documents, sets, notes=False, adjust=_no_stances)
    assert dict(report.dropped) == {
        STANCES_DROPPED: 3,
        "note on a mention: doccano has no place for notes": 1,
        "note on a quote: doccano has no place for notes": 1,
        "unsure flag: no place in doccano": 1,
    }
    assert any("--map category=genre" in note for note in report.notes)
    assert not any(layer == "stances" for _, layer, _ in report.written)
    assert articles[documents[0].article.sha256].title == "Seoul 🇰🇷 talks"


def test_offsets_are_utf16_code_units(tmp_path: Path) -> None:
    document = sample_document()
    export(doccano_writer, [document], tmp_path)

    record = orjson.loads((tmp_path / "train.jsonl").read_bytes())
    flag = next(e for e in record["entities"] if e["label"] == "GPE" and e["start_offset"] == 6)
    assert (flag["start_offset"], flag["end_offset"]) == (6, 10)  # 🇰🇷 is 2 code points, 4 units
    text = document.article.text
    annotation_set = document.annotation_set
    expected = sorted(
        [(m.label, text[m.start : m.end]) for m in annotation_set.mentions]
        + [(q.quote_type, text[q.start : q.end]) for q in annotation_set.quotes]
        + [("CUE", text[q.cue[0] : q.cue[1]]) for q in annotation_set.quotes if q.cue]
    )
    assert sorted(check_doccano(tmp_path / "train.jsonl")[document.article.id]) == expected


def test_record_shape(tmp_path: Path) -> None:
    document = sample_document()
    export(doccano_writer, [document], tmp_path)

    record = orjson.loads((tmp_path / "train.jsonl").read_bytes())
    assert set(record) == {"id", "text", "title", "annotator", "entities", "relations", "cats"}
    assert record["id"] == document.article.id
    assert record["annotator"] == "ann"
    assert record["cats"] == ["news"]
    ids = [e["id"] for e in record["entities"]] + [r["id"] for r in record["relations"]]
    assert ids == list(range(1, len(ids) + 1))
    types = [r["type"] for r in record["relations"]]
    assert sorted(set(types)) == ["COREF", "CUE", "SPEAKER"]
    assert types.count("COREF") == 3  # Kim -> Kim Ji-woo, She -> Kim Ji-woo, Lee -> Lee Min-ho
    assert "EVIDENCE" not in {e["label"] for e in record["entities"]}


def test_cats_hold_one_question(tmp_path: Path) -> None:
    b = Builder("A short note.", language="en")
    b.labels.append(DocumentLabel(question="genre", values=["opinion"]))
    b.labels.append(DocumentLabel(question="overall_stance", values=["none"]))
    report = export(doccano_writer, [b.document()], tmp_path)

    record = orjson.loads((tmp_path / "train.jsonl").read_bytes())
    assert record["cats"] == ["opinion"]
    assert dict(report.dropped) == {
        "document label 'overall_stance': doccano's \"cats\" holds the answers to one "
        "question ('genre'); not written": 1
    }
