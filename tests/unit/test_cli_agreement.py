"""`annotator agreement`: tables for people, JSON for scripts, one-sentence errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.annotations import AnnotationSet, DocumentLabel, Mention, SetStatus
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.storage.project import Project
from tests.unit.test_cli import run

TEXT = "Putin met Kim in Pyongyang. Seoul said nothing."


def _labels(article: Article, annotator_id: str, spans, genre: str) -> AnnotationSet:
    return AnnotationSet(
        article_id=article.id,
        annotator_id=annotator_id,
        text_sha256=article.sha256,
        status=SetStatus.DONE,
        mentions=[Mention(start=s, end=e, label=label) for label, s, e in spans],
        document_labels=[DocumentLabel(question="genre", values=[genre])],
    )


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    with Project.create(path, schema=default_schema()) as project:
        article = Article.create(TEXT, title="one")
        lonely = Article.create("Only ana read this.", title="two")
        project.articles.add(article)
        project.articles.add(lonely)
        ana, ben, cleo = (project.annotators.get_or_create(n) for n in ("ana", "ben", "cleo"))
        project.sets.replace(
            _labels(article, ana.id, [("PER", 0, 5), ("PER", 10, 13), ("GPE", 17, 26)], "news")
        )
        project.sets.replace(_labels(article, ben.id, [("PER", 0, 5), ("GPE", 17, 27)], "news"))
        project.sets.replace(_labels(lonely, cleo.id, [("PER", 0, 4)], "opinion"))
    return path


def test_json_report(project_file: Path, tmp_path: Path) -> None:
    result = run("agreement", str(project_file), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["articles_compared"] == 1
    assert data["articles_single"] == 1
    assert data["annotators"] == ["ana", "ben"]
    rows = {(r["layer"], r["label"]): r for r in data["spans"]}
    # PER: ana has 2, ben 1, one identical: F1 = 2 / 3
    assert rows[("entities", "PER")]["exact_f1"] == pytest.approx(2 / 3)
    assert rows[("entities", "PER")]["matched_exact"] == 1
    assert rows[("entities", "PER")]["unmatched_exact"] == 1
    # GPE boundaries differ by one character: exact 0, overlap 1
    assert rows[("entities", "GPE")]["exact_f1"] == 0.0
    assert rows[("entities", "GPE")]["overlap_f1"] == 1.0
    genre = next(n for n in data["nominal"] if n["label"] == "genre")
    assert genre["percent_agreement"] == 1.0
    assert genre["krippendorff_alpha"] is None  # one value only: nothing to correct for


def test_tables_for_people(project_file: Path, tmp_path: Path) -> None:
    result = run("agreement", str(project_file), "--layer", "entities", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 article(s) labelled by two or more of ana, ben" in result.stdout
    assert "α_u pooled" in result.stdout
    assert "0.667" in result.stdout  # PER exact F1
    assert "Pairs: entities · (all) · overlap F1" in result.stdout
    assert "documents" not in result.stdout


def test_annotator_filter(project_file: Path, tmp_path: Path) -> None:
    result = run("agreement", str(project_file), "--annotators", "ana,ben", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["annotators"] == ["ana", "ben"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "relations"], "unknown layer 'relations': choose from entities, quotes"),
        (["--annotators", "ana"], "needs at least two annotators"),
        (["--annotators", "ana,zoe"], "unknown annotator 'zoe' (annotators: ana, ben, cleo)"),
        (["--annotators", "ana,cleo"], "No article was labelled by two or more"),
    ],
)
def test_bad_input(project_file: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = run("agreement", str(project_file), *args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_project_file(tmp_path: Path) -> None:
    result = run("agreement", str(tmp_path / "nope.annotator"), cwd=tmp_path)
    assert result.returncode == 1
    assert "nope.annotator" in result.stderr
    assert "Traceback" not in result.stderr
