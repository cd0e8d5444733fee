"""Dataset exports through the service: sources, splits, manifest, and every span still exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.errors import AnnotatorError
from annotator.formats.export_types import ExportOptions
from annotator.services.exporting import DatasetRequest, export_dataset, parse_splits
from annotator.storage.project import Project
from tests.unit.services.test_native_roundtrip import fill


@pytest.fixture
def filled(project: Project) -> Project:
    fill(project)
    return project


def request(fmt: str, out: Path, **changes) -> DatasetRequest:
    return DatasetRequest(fmt=fmt, out=out, command=f"annotator export --format {fmt}", **changes)


def test_conll_export_with_manifest_and_gold_source(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "conll"
    report = export_dataset(filled, request("conll", out, source="gold"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"] == "gold" and manifest["format"] == "conll"
    assert manifest["documents"] == {"all": 1}
    assert manifest["labels"]["all"]["entities"] == {"ORG": 1, "PER": 1}
    assert "annotator export --format conll" in (out / "README.md").read_text()
    lines = (out / "all.conll").read_text().splitlines()
    assert lines[0].startswith("-DOCSTART-")
    assert any(line.startswith("서울디지털재단") and line.endswith("B-ORG") for line in lines)
    assert report.documents == {"all": 1}


def test_all_annotators_become_separate_documents(filled: Project, tmp_path: Path) -> None:
    report = export_dataset(filled, request("spacy", tmp_path / "spacy", source="all"))
    assert report.documents == {"all": 2}
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    docs = list(
        DocBin().from_disk(tmp_path / "spacy" / "all.spacy").get_docs(spacy.blank("en").vocab)
    )
    assert sorted(d.user_data["annotator"]["annotator"] for d in docs) == ["alice", "bob"]
    for doc in docs:
        assert sorted(e.text for e in doc.ents) == ["Kim Ji-woo", "서울디지털재단"]


def test_annotator_source_and_unknown_names(filled: Project, tmp_path: Path) -> None:
    report = export_dataset(filled, request("conll", tmp_path / "a", source="annotator:bob"))
    assert report.documents == {"all": 1}
    with pytest.raises(AnnotatorError, match="no annotator named 'zoe'"):
        export_dataset(filled, request("conll", tmp_path / "b", source="annotator:zoe"))
    with pytest.raises(AnnotatorError, match="--source takes"):
        export_dataset(filled, request("conll", tmp_path / "c", source="everyone"))


def test_refuses_a_non_empty_folder_and_leaves_it_alone(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(AnnotatorError, match="not empty"):
        export_dataset(filled, request("conll", out))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_splits_keep_every_article_in_one_split(filled: Project, tmp_path: Path) -> None:
    from annotator.domain.article import Article

    for n in range(30):
        article = Article.create(f"Story {n}: Kim met Lee in Mapo.", source=f"outlet-{n % 4}")
        filled.articles.add(article)
        annotator = filled.annotators.get_or_create("alice")
        set_id = filled.sets.get_or_create(article.id, annotator.id).id
        from annotator.domain.annotations import Mention

        filled.sets.add(
            set_id,
            Mention(
                start=article.text.index("Kim"), end=article.text.index("Kim") + 3, label="PER"
            ),
        )
    out = tmp_path / "split"
    report = export_dataset(
        filled,
        request(
            "conll",
            out,
            source="annotator:alice",
            splits=parse_splits("train=0.8,dev=0.1,test=0.1"),
            split_by="source",
            options=ExportOptions(layers=frozenset({"entities"})),
        ),
    )
    assert sum(report.documents.values()) == 31
    assert {p.name for p in out.iterdir()} >= {"train.conll", "dev.conll", "test.conll"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["split_by"] == "source" and manifest["seed"] == 13
