"""Prodigy writer: tasks with spaCy tokens split at span edges, and without spaCy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.formats import prodigy_writer
from annotator.storage.project import Project
from tests.unit.formats.export_samples import (
    Builder,
    assert_round_trip,
    check_prodigy,
    export,
    import_back,
    sample_document,
    samples,
)

STANCES_DROPPED = (
    "stance: Prodigy has no span attributes for its polarity and topic, so our import could "
    "not read it back; not written"
)


def _no_stances(expected: dict[str, Any]) -> None:
    expected["stances"] = []


def test_round_trip_through_our_reader(project: Project, tmp_path: Path) -> None:
    pytest.importorskip("spacy")
    documents = samples()
    report = export(prodigy_writer, documents, tmp_path / "out")

    assert [p.name for p in report.files] == ["train.jsonl", "dev.jsonl"]
    assert check_prodigy(tmp_path / "out" / "train.jsonl") == 16
    assert check_prodigy(tmp_path / "out" / "dev.jsonl") == 5
    sets, articles = import_back(project, tmp_path / "out", "prodigy", {"accept": "genre"})
    assert_round_trip(documents, sets, notes=False, adjust=_no_stances)
    assert dict(report.dropped) == {
        STANCES_DROPPED: 3,
        "note on a mention: Prodigy has no place for notes": 1,
        "note on a quote: Prodigy has no place for notes": 1,
        "unsure flag: no place in Prodigy": 1,
    }
    # Korean has no blank spaCy pipeline without mecab: the sample falls back to "xx".
    assert "Prodigy: tokens from spacy.blank: 'en' (1), 'xx' (1) document(s)" in report.notes
    assert articles[documents[0].article.sha256].title == "Seoul 🇰🇷 talks"


def test_record_shape(tmp_path: Path) -> None:
    pytest.importorskip("spacy")
    document = sample_document()
    report = export(prodigy_writer, [document], tmp_path)

    record = orjson.loads((tmp_path / "train.jsonl").read_bytes())
    assert record["answer"] == "accept"
    assert record["_annotator_id"] == "ann"
    assert record["meta"] == {
        "article_id": document.article.id,
        "title": "Seoul 🇰🇷 talks",
        "split": "train",
    }
    assert record["accept"] == ["news"]
    assert "_input_hash" not in record and "_task_hash" not in record
    tokens = record["tokens"]
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    # spaCy keeps "서울디지털재단" whole; the nested "서울" splits it into two tokens.
    assert [t["text"] for t in tokens if t["start"] >= 25 and t["end"] <= 32] == [
        "서울",
        "디지털재단",
    ]
    assert any("split where a span edge fell inside" in note for note in report.notes)
    speaker = next(r for r in record["relations"] if r["label"] == "SPEAKER")
    assert speaker["head_span"]["label"] == "direct"
    assert speaker["child_span"]["label"] == "PER"
    assert speaker["head"] == speaker["head_span"]["token_end"]


def test_without_spacy_there_are_no_tokens_and_no_relations(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prodigy_writer, "_spacy_blank", lambda lang: None)
    documents = samples()
    report = export(prodigy_writer, documents, tmp_path / "out")

    record = orjson.loads((tmp_path / "out" / "train.jsonl").read_bytes())
    assert "tokens" not in record and record["relations"] == []
    assert all(set(span) == {"start", "end", "text", "label"} for span in record["spans"])
    assert check_prodigy(tmp_path / "out" / "train.jsonl") == 16
    relations = (
        "relation: Prodigy relations need token indices and spaCy is not installed to make "
        "tokens; not written"
    )
    assert report.dropped[relations] == 8 + 3  # train: 5 quote links, 3 coref; dev: 2 + 1
    sets, _ = import_back(project, tmp_path / "out", "prodigy", {"accept": "genre"})

    def unlinked(expected: dict[str, Any]) -> None:
        _no_stances(expected)
        expected["entities"] = []
        expected["quotes"] = sorted((*q[:3], (), (), *q[5:]) for q in expected["quotes"])

    assert_round_trip(documents, sets, notes=False, adjust=unlinked)


def test_split_tokens_cuts_only_inside_tokens() -> None:
    tokens = [(0, 5, True), (6, 13, False), (13, 14, False)]
    assert prodigy_writer.split_tokens(tokens, [0, 2, 5, 6, 8, 10, 14]) == (
        [
            (0, 2, False),
            (2, 5, True),
            (6, 8, False),
            (8, 10, False),
            (10, 13, False),
            (13, 14, False),
        ],
        2,
    )


def test_a_span_starting_on_a_space_has_no_token_indices(tmp_path: Path) -> None:
    pytest.importorskip("spacy")
    b = Builder("Seoul Kim said so.", language="en")
    padded = b.mention(" Kim", "PER")
    b.quote("so", "indirect", speaker=padded, cue=("said", 0))
    report = export(prodigy_writer, [b.document()], tmp_path)

    record = orjson.loads((tmp_path / "train.jsonl").read_bytes())
    kim = next(span for span in record["spans"] if span["label"] == "PER")
    assert kim == {"start": 5, "end": 9, "label": "PER", "text": " Kim"}
    assert [r["label"] for r in record["relations"]] == ["CUE"]
    assert dict(report.dropped) == {
        "span starting or ending on the space after a token: written without "
        "token_start/token_end (Prodigy shows it by tokens)": 1,
        "relation: one of its spans has no tokens; not written": 1,
    }
    assert check_prodigy(tmp_path / "train.jsonl") == 3
