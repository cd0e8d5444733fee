"""CoNLL-2003 export, checked by seqeval (strict IOB2 / IOBES) and by ``spacy convert``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError
from annotator.formats import conll
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from tests.unit.formats.conftest import (
    Builder,
    expected_token_ents,
    overlap_count,
    putin_document,
    sample_documents,
)

pytest.importorskip("spacy")
seqeval_scheme = pytest.importorskip("seqeval.scheme")
sequence_labeling = pytest.importorskip("seqeval.metrics.sequence_labeling")

#: A document read back: sentences of (token, tag).
Sentences = list[list[tuple[str, str]]]


def export(out: Path, documents: list[ExportDocument], **options: Any) -> ExportReport:
    report = ExportReport("conll", out)
    conll.write(iter(documents), out, ExportOptions(**options), report)
    return report


def read_conll(path: Path) -> list[Sentences]:
    """Documents of a CoNLL file, checking the layout line by line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-2:] == ["", ""], "the file ends with a sentence's blank line"
    documents: list[Sentences] = []
    for number, line in enumerate(lines[:-1]):
        if line == conll.DOCSTART:
            assert lines[number + 1] == "", "a blank line follows -DOCSTART-"
            documents.append([[]])
        elif line == "":
            if documents[-1][-1]:
                documents[-1].append([])
        else:
            token, pos, chunk, tag = line.split()  # exactly four columns
            assert (pos, chunk) == ("-X-", "_")
            documents[-1][-1].append((token, tag))
    return [[sentence for sentence in document if sentence] for document in documents]


def strict_entities(sentences: Sentences, scheme: Any) -> list[tuple[str, list[str]]]:
    """(label, tokens) of every entity seqeval decodes in strict mode."""
    tags = [[tag for _, tag in sentence] for sentence in sentences]
    found = seqeval_scheme.Entities(tags, scheme).entities
    out = []
    for sentence_entities in found:
        for entity in sentence_entities:
            tokens = [token for token, _ in sentences[entity.sent_id][entity.start : entity.end]]
            out.append((entity.tag, tokens))
    lenient = sequence_labeling.get_entities([tag for sentence in tags for tag in sentence])
    assert len(lenient) == len(out), "every entity starts properly (no stray I- or E-)"
    return out


def test_entities_decode_in_strict_iob2(tmp_path: Path) -> None:
    documents = sample_documents()
    export(tmp_path, documents)

    written = {
        "train": read_conll(tmp_path / "train.conll"),
        "dev": read_conll(tmp_path / "dev.conll"),
    }
    by_split = {"train": [d for d in documents if d.split == "train"], "dev": [documents[1]]}
    for split, split_documents in by_split.items():
        assert len(written[split]) == len(split_documents)
        for document, sentences in zip(split_documents, written[split], strict=True):
            decoded = strict_entities(sentences, seqeval_scheme.IOB2)
            assert decoded == expected_token_ents(document)


def test_bioes_decodes_in_strict_iobes(tmp_path: Path) -> None:
    documents = sample_documents()
    export(tmp_path, documents, scheme="bioes")

    (_, merkel) = read_conll(tmp_path / "train.conll")
    assert strict_entities(merkel, seqeval_scheme.IOBES) == expected_token_ents(documents[2])
    assert ("Berlin", "S-LOC") in merkel[0]


def test_sentences_and_tokens(tmp_path: Path) -> None:
    export(tmp_path, [putin_document(), sample_documents()[1]])

    (putin,) = read_conll(tmp_path / "train.conll")
    assert [len(sentence) for sentence in putin] == [12, 6]  # split at the line break
    (seoul,) = read_conll(tmp_path / "dev.conll")
    assert [token for token, _ in seoul[1]] == ["Moon", "agreed", "👩", "\u200d", "💻", "."]


def test_overlaps_are_reported(tmp_path: Path) -> None:
    report = export(tmp_path, sample_documents())

    assert report.dropped == {"overlapping entities span not encodable in CoNLL": overlap_count()}
    assert report.written[("train", "entities", "MISC")] == 1
    assert report.written[("train", "entities", "PER")] == 1  # Angela Merkel, Macron dropped
    assert report.documents == {"train": 2, "dev": 1}


def test_quote_and_cue_layers(tmp_path: Path) -> None:
    export(tmp_path / "q", [putin_document()], tag_layer="quotes")
    export(tmp_path / "c", [putin_document()], tag_layer="cues")

    ((quote_sentence, _),) = read_conll(tmp_path / "q" / "train.conll")
    ((label, tokens),) = strict_entities([quote_sentence], seqeval_scheme.IOB2)
    assert (label, tokens[0], tokens[-1], len(tokens)) == ("direct", '"', '"', 9)
    (cues,) = read_conll(tmp_path / "c" / "train.conll")
    assert strict_entities(cues, seqeval_scheme.IOB2) == [("CUE", ["said"])]


def test_a_span_across_a_line_break_stays_in_one_sentence(tmp_path: Path) -> None:
    builder = Builder(Article.create("He saw New\nYork. Then he left.", id="ny"))
    builder.mention("New\nYork", "LOC")
    export(tmp_path, [builder.document("train")])

    (sentences,) = read_conll(tmp_path / "train.conll")
    assert [[token for token, _ in s] for s in sentences] == [
        ["He", "saw", "New", "York", "."],
        ["Then", "he", "left", "."],
    ]
    assert strict_entities(sentences, seqeval_scheme.IOB2) == [("LOC", ["New", "York"])]


def test_whitespace_inside_a_token_becomes_underscore() -> None:
    report = ExportReport("conll", Path("."))

    assert conll.conll_token("a\u00a0b\tc", report) == "a_b_c"
    assert conll.conll_token("Seoul", report) == "Seoul"
    assert sum(report.dropped.values()) == 1


def test_misaligned_spans_dropped_on_request(tmp_path: Path) -> None:
    builder = Builder(putin_document().article)
    builder.mention("Puti", "PER")
    report = export(tmp_path, [builder.document("train")], align="drop")

    (sentences,) = read_conll(tmp_path / "train.conll")
    assert strict_entities(sentences, seqeval_scheme.IOB2) == []
    assert report.dropped == {"mention span not on token boundaries (dropped)": 1}


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="tag layer"):
        export(tmp_path, [], tag_layer="stances")
    with pytest.raises(AnnotatorError, match="scheme"):
        export(tmp_path, [], scheme="bilou")


def test_spacy_convert_accepts_the_file(tmp_path: Path) -> None:
    documents = sample_documents()
    export(tmp_path, documents)
    out = tmp_path / "converted"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "spacy", "convert", "train.conll", str(out), "--converter", "ner"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    import spacy
    from spacy.tokens import DocBin

    docs = list(DocBin().from_disk(out / "train.spacy").get_docs(spacy.blank("xx").vocab))
    assert len(docs) == 2  # split on -DOCSTART-
    for doc, document in zip(docs, [documents[0], documents[2]], strict=True):
        assert [(e.label_, [t.text for t in e]) for e in doc.ents] == expected_token_ents(document)
