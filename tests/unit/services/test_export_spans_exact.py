"""Every span in every export slices exactly its own text (emoji, Korean and CRLF included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.services.exporting import DATASET_FORMATS, DatasetRequest, export_dataset
from annotator.storage.project import Project
from tests.unit.formats.export_samples import (
    check_brat,
    check_doccano,
    check_label_studio,
    check_prodigy,
    check_quotes,
    check_stances,
)
from tests.unit.services.test_native_roundtrip import fill


def check_spacy(folder: Path, texts: dict[str, str]) -> int:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    checked = 0
    for path in sorted(folder.glob("*.spacy")):
        for doc in DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab):
            links = doc.user_data["annotator"]
            text = texts[links["article_id"]]
            assert doc.text == text
            for group in doc.spans.values():
                for span in group:
                    assert text[span.start_char : span.end_char] == span.text
                    checked += 1
            for mention in links["mentions"]:
                assert 0 <= mention["start"] < mention["end"] <= len(text)
    return checked


def check_hf(folder: Path, texts: dict[str, str]) -> int:
    pq = pytest.importorskip("pyarrow.parquet")
    checked = 0
    for path in sorted((folder / "spans").glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            text = row["text"]
            assert text in texts.values()
            for entity in row["entities"]:
                assert 0 <= entity["start"] < entity["end"] <= len(text)
                checked += 1
            for quote in row["quotes"]:
                assert text[quote["start"] : quote["end"]]
                checked += 1
    return checked


@pytest.mark.parametrize("fmt", [f for f in DATASET_FORMATS if f != "conll"])
def test_every_span_slices_its_text(project: Project, tmp_path: Path, fmt: str) -> None:
    fill(project)
    texts = {a.id: a.text for a in project.articles.iter_all()}
    out = tmp_path / fmt
    report = export_dataset(project, DatasetRequest(fmt=fmt, out=out, source="all"))
    assert report.documents["all"] == 2
    if fmt == "spacy":
        checked = check_spacy(out, texts)
    elif fmt == "hf":
        checked = check_hf(out, texts)
    elif fmt == "brat":
        checked = check_brat(out)
    elif fmt == "label-studio":
        checked = check_label_studio(out / "all.json")
    elif fmt == "doccano":
        checked = sum(len(v) for v in check_doccano(out / "all.jsonl").values())
    elif fmt == "prodigy":
        checked = check_prodigy(out / "all.jsonl")
    elif fmt == "quotes":
        checked = len(check_quotes(out / "all.jsonl", texts))
    else:
        checked = len(check_stances(out / "all.jsonl", texts))
    assert checked > 0
