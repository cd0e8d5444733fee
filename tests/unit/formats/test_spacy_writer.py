"""spaCy DocBin export, checked by spaCy: a DocBin round trip and a 2-step ``spacy train``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import AnnotatorError
from annotator.formats import spacy_docbin_writer
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.formats.spacy_docbin_writer import OVERLAP_REASON, links
from tests.unit.formats.conftest import (
    EXPECTED_ENTS,
    EXPECTED_OVERLAPS,
    Builder,
    overlap_count,
    putin_document,
    sample_documents,
)

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402


def export(
    out: Path, documents: list[ExportDocument], **options: Any
) -> tuple[ExportReport, dict[str, Any]]:
    """Write, then read every file back: (report, article id -> Doc)."""
    report = ExportReport("spacy", out)
    spacy_docbin_writer.write(iter(documents), out, ExportOptions(**options), report)
    vocab = spacy.blank("xx").vocab
    docs = {}
    for path in report.files:
        for doc in DocBin().from_disk(path).get_docs(vocab):
            docs[doc.user_data["annotator"]["article_id"]] = doc
    return report, docs


def texts(spans: Any) -> list[tuple[str, str]]:
    return [(span.text, span.label_) for span in spans]


def as_json(value: Any) -> Any:
    """Tuples (what msgpack gives back for lists) as lists."""
    return json.loads(json.dumps(value))


def test_entities_span_groups_and_links_round_trip(tmp_path: Path) -> None:
    documents = sample_documents()
    report, docs = export(tmp_path, documents)

    assert sorted(path.name for path in report.files) == ["dev.spacy", "train.spacy"]
    for document in documents:
        doc = docs[document.article.id]
        assert doc.text == document.article.text
        assert texts(doc.ents) == EXPECTED_ENTS[document.article.id]
        mentions = texts(doc.spans["mentions"])
        assert sorted(mentions) == sorted(
            EXPECTED_ENTS[document.article.id] + EXPECTED_OVERLAPS[document.article.id]
        )
        assert as_json(doc.user_data["annotator"]) == links(document, ExportOptions().layers)
    assert report.documents == {"train": 2, "dev": 1}
    assert report.written[("train", "entities", "PER")] == 3  # overlapping ones included


def test_quotes_cues_evidence_and_entity_links(tmp_path: Path) -> None:
    document = putin_document()
    _, docs = export(tmp_path, [document])
    doc = docs["putin"]

    assert texts(doc.spans["quotes"]) == [('"It is our business to decide."', "direct")]
    assert texts(doc.spans["cues"]) == [("said", "CUE")]
    assert texts(doc.spans["evidence"]) == [
        ("It is our business", "against"),
        ("to decide", "against"),
    ]
    putin = doc.ents[0]
    assert (putin.kb_id_, putin.id_) == ("Q7747", document.annotation_set.entities[0].id)
    data = doc.user_data["annotator"]
    (quote,) = data["quotes"]
    assert (quote["speaker"], quote["cue"]) == ((0, 5), (6, 10))
    (stance,) = data["stances"]
    assert stance["evidence"] == ((13, 31), (32, 41))
    assert stance["target_kind"] == "entity"


def test_every_overlap_is_reported(tmp_path: Path) -> None:
    report, _ = export(tmp_path, sample_documents())

    assert report.dropped == {OVERLAP_REASON: overlap_count()}
    assert any("'ko'" in note and "'xx'" in note for note in report.notes)


def test_layers_are_respected(tmp_path: Path) -> None:
    report, docs = export(tmp_path, [putin_document()], layers=frozenset({"quotes"}))
    doc = docs["putin"]

    assert list(doc.ents) == []
    assert sorted(doc.spans) == ["cues", "quotes"]
    assert "entities" not in doc.user_data["annotator"]
    assert "stances" not in doc.user_data["annotator"]
    assert report.dropped == {}


def misaligned() -> ExportDocument:
    builder = Builder(putin_document().article)
    builder.mention("Puti", "PER")  # ends inside the token "Putin"
    builder.mention(" ", "X")  # whitespace only
    return builder.document("train")


def test_misaligned_spans_are_expanded_and_reported(tmp_path: Path) -> None:
    report, docs = export(tmp_path, [misaligned()])

    assert texts(docs["putin"].ents) == [("Putin", "PER")]
    assert report.dropped == {
        "mention span expanded to token boundaries": 1,
        "mention span covers no token (dropped)": 1,
    }


def test_misaligned_spans_can_be_dropped(tmp_path: Path) -> None:
    report, docs = export(tmp_path, [misaligned()], align="drop")

    assert list(docs["putin"].ents) == []
    assert report.dropped == {"mention span not on token boundaries (dropped)": 2}


def test_shards(tmp_path: Path) -> None:
    documents = sample_documents()
    report, docs = export(tmp_path / "one", documents, shard_size=1)
    names = sorted(path.name for path in report.files)
    assert names == ["dev.spacy", "train-000.spacy", "train-001.spacy"]
    assert sorted(docs) == ["merkel", "putin", "seoul"]

    report, _ = export(tmp_path / "two", documents, shard_size=2)
    assert sorted(path.name for path in report.files) == ["dev.spacy", "train.spacy"]


def test_an_ended_split_is_written_at_once_and_named_at_the_end(tmp_path: Path) -> None:
    """An export ends each split when the next starts: one open shard at a time. The names
    are those of an export that holds every shard open until the end."""
    documents = sample_documents()
    options = ExportOptions(shard_size=2)
    report = ExportReport("spacy", tmp_path)
    renderer = spacy_docbin_writer.DocRenderer(options, report)
    shards = spacy_docbin_writer.Shards(tmp_path, options.shard_size, report)
    ordered = sorted(documents, key=lambda d: d.split != "train")  # train first, then dev
    previous = None
    for rendered, store in renderer.rendered(ordered, report):
        if previous is not None and rendered.split != previous:
            shards.end(previous)
            assert [p.name for p in report.files] == ["train-000.spacy"]  # before the end
        previous = rendered.split
        shards.add(rendered, store)
    shards.close()
    assert sorted(p.name for p in report.files) == ["dev.spacy", "train.spacy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.spacy", "train.spacy"]
    vocab = spacy.blank("xx").vocab
    read = [
        doc.user_data["annotator"]["article_id"]
        for path in sorted(tmp_path.iterdir())
        for doc in DocBin().from_disk(path).get_docs(vocab)
    ]
    assert sorted(read) == sorted(d.article.id for d in documents)

    # A split that comes back after its end starts a new shard: nothing is lost or renamed.
    again = tmp_path / "again"
    again.mkdir()
    report = ExportReport("spacy", again)
    shards = spacy_docbin_writer.Shards(again, 5, report)
    for rendered, store in renderer.rendered(ordered, report):
        shards.add(rendered, store)
        shards.end(rendered.split)
    shards.close()
    names = sorted(p.name for p in again.iterdir())
    assert names == ["dev.spacy", "train-000.spacy", "train-001.spacy"]


def test_bad_split_and_options_are_refused(tmp_path: Path) -> None:
    bad = ExportDocument(putin_document().article, putin_document().annotation_set, "a", "../x")
    with pytest.raises(AnnotatorError, match="split name"):
        export(tmp_path, [bad])
    with pytest.raises(AnnotatorError, match="align"):
        export(tmp_path, [], align="snap")


def test_missing_spacy_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(AnnotatorError, match=r"needs spacy: pip install 'annotator\[spacy\]'"):
        spacy_docbin_writer.write([], tmp_path, ExportOptions(), ExportReport("spacy", tmp_path))


def run_spacy(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spacy", *args], cwd=cwd, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_spacy_train_accepts_the_export(tmp_path: Path) -> None:
    export(tmp_path, sample_documents())
    run_spacy("init", "config", "config.cfg", "--lang", "en", "--pipeline", "ner", cwd=tmp_path)
    run_spacy(
        "train",
        "config.cfg",
        "--paths.train",
        "train.spacy",
        "--paths.dev",
        "dev.spacy",
        "--training.max_steps",
        "2",
        "--training.eval_frequency",
        "1",
        "--output",
        "model",
        cwd=tmp_path,
    )
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()
