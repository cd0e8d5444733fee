"""Hugging Face export, checked by ``datasets.load_dataset``: label names and rows survive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import AnnotatorError
from annotator.formats import hf_datasets
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from tests.unit.formats.conftest import (
    LABELS,
    Builder,
    expected_token_ents,
    find,
    overlap_count,
    putin_document,
    sample_documents,
)

pytest.importorskip("spacy")
datasets = pytest.importorskip("datasets")
pytest.importorskip("pyarrow")
seqeval_scheme = pytest.importorskip("seqeval.scheme")


def export(
    out: Path, documents: list[ExportDocument], labels: list[str] | None = LABELS, **options: Any
) -> ExportReport:
    report = ExportReport("hf", out)
    hf_datasets.write(iter(documents), out, ExportOptions(**options), report, labels=labels)
    return report


def load(out: Path, config: str) -> Any:
    return datasets.load_dataset(str(out), config, cache_dir=str(out.parent / "hf-cache"))


def decoded_entities(rows: list[dict[str, Any]], names: list[str]) -> list[tuple[str, list[str]]]:
    """(label, tokens) of every entity in the rows, decoded by seqeval in strict IOB2."""
    tags = [[names[i] for i in row["ner_tags"]] for row in rows]
    found = seqeval_scheme.Entities(tags, seqeval_scheme.IOB2).entities
    out = []
    for row, entities in zip(rows, found, strict=True):
        out += [(e.tag, row["tokens"][e.start : e.end]) for e in entities]
    return out


def test_token_classification_keeps_label_names(tmp_path: Path) -> None:
    documents = sample_documents()
    export(tmp_path / "out", documents)

    loaded = load(tmp_path / "out", "token_classification")
    assert sorted(loaded) == ["dev", "train"]
    names = loaded["train"].features["ner_tags"].feature.names
    assert names == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    assert names == hf_datasets.label_names(LABELS)
    rows = list(loaded["train"]) + list(loaded["dev"])
    assert [row["id"] for row in rows] == [
        "putin-s0",
        "putin-s1",
        "merkel-s0",
        "seoul-s0",
        "seoul-s1",
    ]
    for document in documents:
        mine = [row for row in rows if row["id"].startswith(f"{document.article.id}-")]
        assert decoded_entities(mine, names) == expected_token_ents(document)


def test_spans_keep_offsets_links_and_labels(tmp_path: Path) -> None:
    document = putin_document()
    export(tmp_path / "out", [document])

    loaded = load(tmp_path / "out", "spans")["train"]
    entity_names = loaded.features["entities"].feature["label"].names
    assert entity_names == LABELS
    (row,) = list(loaded)
    text = row["text"]
    assert text == document.article.text
    mentions = [(text[m["start"] : m["end"]], entity_names[m["label"]]) for m in row["entities"]]
    assert mentions == [("Putin", "PER"), ("Bank of Korea", "ORG"), ("Korea", "LOC")]
    (quote,) = row["quotes"]
    assert text[quote["start"] : quote["end"]] == '"It is our business to decide."'
    assert (quote["speaker_start"], quote["speaker_end"]) == (0, 5)
    assert (quote["cue_start"], quote["cue_end"]) == find(text, "said")
    (stance,) = row["stances"]
    evidence = [text[e["start"] : e["end"]] for e in stance["evidence"]]
    assert evidence == ["It is our business", "to decide"]
    holder = next(c for c in row["clusters"] if c["id"] == stance["holder"])
    assert (holder["name"], holder["kb_id"], stance["target_kind"]) == (
        "Vladimir Putin",
        "Q7747",
        "entity",
    )


def test_nullable_fields_and_topics(tmp_path: Path) -> None:
    export(tmp_path / "out", sample_documents())

    (seoul,) = list(load(tmp_path / "out", "spans")["dev"])
    (quote,) = seoul["quotes"]
    assert quote["speaker_start"] is None and quote["speaker_id"] is None
    (stance,) = seoul["stances"]
    assert (stance["target"], stance["target_kind"]) == ("reform", "topic")
    assert seoul["text"][seoul["entities"][0]["start"] : seoul["entities"][0]["end"]] == "🇰🇷 Seoul"


def test_parquet_alone_restores_class_labels(tmp_path: Path) -> None:
    export(tmp_path / "out", sample_documents())

    loaded = datasets.load_dataset(
        "parquet",
        data_files=str(tmp_path / "out" / "token_classification" / "train.parquet"),
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert loaded["train"].features["ner_tags"].feature.names == hf_datasets.label_names(LABELS)


def test_overlaps_are_reported(tmp_path: Path) -> None:
    report = export(tmp_path, sample_documents())

    assert report.dropped == {
        "overlapping entities span not encodable in token tags": overlap_count()
    }
    assert report.written[("train", "spans/entities", "PER")] == 3  # spans keep every mention


def test_labels_collected_when_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf_datasets, "BATCH_ROWS", 1)  # several batches per file
    export(tmp_path / "out", sample_documents(), labels=None, scheme="bioes")

    loaded = load(tmp_path / "out", "token_classification")
    names = loaded["train"].features["ner_tags"].feature.names
    assert names == hf_datasets.label_names(["LOC", "MISC", "ORG", "PER"], "bioes")
    assert len(loaded["train"]) == 3


def test_unknown_labels_are_dropped_and_reported(tmp_path: Path) -> None:
    builder = Builder(putin_document().article)
    builder.mention("Putin", "PER")
    builder.mention("Korea", "GPE")
    report = export(tmp_path / "out", [builder.document("train")], labels=["PER"])

    rows = list(load(tmp_path / "out", "token_classification")["train"])
    assert decoded_entities(rows, hf_datasets.label_names(["PER"])) == [("PER", ["Putin"])]
    assert report.dropped == {
        "'GPE' span: label not among the exported labels (dropped)": 1,
        "entity label 'GPE' is not among the exported labels (dropped)": 1,
    }


def test_split_names_become_hf_names(tmp_path: Path) -> None:
    document = putin_document()
    renamed = ExportDocument(document.article, document.annotation_set, "alice", "test-a")
    report = export(tmp_path / "out", [renamed])

    assert sorted(load(tmp_path / "out", "spans")) == ["test_a"]
    assert "split 'test-a' is called 'test_a' in the dataset" in report.notes


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="tag layer"):
        export(tmp_path, [], tag_layer="stances")
