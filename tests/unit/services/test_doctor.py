"""`annotator doctor`: each kind of damage is found and named; a healthy project passes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotator.cli import app
from annotator.domain.annotations import Entity, Evidence, Mention, Quote, Stance
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.services.annotation import ArticleSession
from annotator.services.doctor import examine

TEXT = "Putin said the troops arrived. The Pentagon disagreed, a spokesperson told reporters."


@pytest.fixture
def path(tmp_path: Path) -> Path:
    from annotator.storage.project import Project

    path = tmp_path / "news.annotator"
    with Project.create(path, schema=default_schema()) as project:
        article = Article.create(TEXT, title="One")
        project.articles.add(article)
        session = ArticleSession(project, article, project.annotators.get_or_create("alice"))
        putin = Mention(start=0, end=5, label="PER")
        pentagon = Mention(start=35, end=43, label="ORG")
        entity = Entity(name="Vladimir Putin", label="PER")
        session.add(putin)
        session.add(pentagon)
        session.add(entity)
        session.link([putin.id], entity.id)
        quote = Quote(
            start=0, end=30, quote_type="indirect", speaker_id=putin.id, cue_start=6, cue_end=10
        )
        session.add(quote)
        session.add(
            Stance(
                holder_id=entity.id,
                target_entity_id=entity.id,
                polarity="favor",
                evidence=[Evidence(start=0, end=30, quote_id=quote.id)],
            )
        )
    return path


def damage(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def messages(path: Path, check: str) -> list[str]:
    report = examine(path)
    (result,) = [c for c in report.checks if c.name == check]
    return [f"{f.severity}: {f.message}" for f in result.findings]


def test_healthy_project_passes_every_check(path: Path) -> None:
    report = examine(path)
    assert report.ok, report.as_dict()
    assert [c.status for c in report.checks] == ["ok"] * len(report.checks)
    assert {c.name for c in report.checks} >= {
        "file",
        "format",
        "structure",
        "integrity",
        "foreign keys",
        "articles",
        "spans",
        "orphans",
        "ids",
        "search index",
        "labels",
    }
    assert report.counts["mentions"] == 2 and report.counts["articles"] == 1
    assert report.file_format == 2


CASES: list[tuple[str, Callable[[], tuple[str, ...]], str, str]] = [
    (
        "span past the text",
        lambda: ('UPDATE mentions SET "end" = 500 WHERE start = 35',),
        "spans",
        "lies outside the text (0, 85)",
    ),
    (
        "empty span",
        lambda: ('UPDATE mentions SET "end" = start WHERE start = 35',),
        "spans",
        "is empty",
    ),
    ("cue past the text", lambda: ("UPDATE quotes SET cue_end = 900",), "spans", "cue of quote"),
    (
        "mention of a missing entity",
        lambda: ("DELETE FROM entities",),
        "orphans",
        "belongs to entity",
    ),
    (
        "evidence without stance",
        lambda: ("DELETE FROM stances",),
        "orphans",
        "belongs to missing stance",
    ),
    (
        "set without article",
        lambda: ("DELETE FROM articles",),
        "orphans",
        "belongs to missing article",
    ),
    (
        "id in two layers",
        lambda: (
            "INSERT INTO entities (id, set_id, name, label) SELECT id, set_id, 'x', 'PER' "
            "FROM mentions WHERE start = 35",
        ),
        "ids",
        "is used 2 times",
    ),
    (
        "label not in the schema",
        lambda: ("UPDATE mentions SET label = 'ALIEN'",),
        "labels",
        "entity type 'ALIEN' is used 2 time(s) but not in the schema",
    ),
    (
        "text changed under the labels",
        lambda: ("UPDATE articles SET text = text || '!'",),
        "articles",
        "stored length 85, text has 86 characters",
    ),
    (
        "stale search index",
        lambda: ("DELETE FROM articles_fts_docsize",),
        "search index",
        "1 article(s) are missing from it",
    ),
    (
        "a trigger",
        lambda: ("CREATE TRIGGER t AFTER INSERT ON mentions BEGIN DELETE FROM quotes; END",),
        "structure",
        "trigger t: Annotator never creates one",
    ),
    ("a view", lambda: ("CREATE VIEW v AS SELECT * FROM mentions",), "structure", "view v"),
]


@pytest.mark.parametrize(
    ("what", "statements", "check", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_damage_is_found_and_named(
    path: Path, what: str, statements: Callable[[], tuple[str, ...]], check: str, expected: str
) -> None:
    damage(path, *statements())
    found = messages(path, check)
    assert any(expected in m for m in found), found
    report = examine(path)
    if what == "label not in the schema":
        assert report.ok and report.warnings == 1  # a warning: the schema may have moved on
    else:
        assert not report.ok


def test_foreign_key_check_counts_dangling_rows(path: Path) -> None:
    damage(path, "DELETE FROM annotators")
    found = messages(path, "foreign keys")
    assert found == ["error: 1 row(s) of annotation_sets point to missing rows of annotators"]


def test_files_that_are_not_projects(tmp_path: Path, path: Path) -> None:
    notes = tmp_path / "notes.annotator"
    notes.write_text("hello\n" * 30)
    assert messages(notes, "file") == ["error: not an Annotator project (not an SQLite database)"]
    data = path.read_bytes()
    truncated = tmp_path / "half.annotator"
    truncated.write_bytes(data[: len(data) // 2])
    report = examine(truncated)
    assert not report.ok and "truncated" in report.checks[0].findings[0].message


def test_cli_prints_a_report_and_exits_non_zero_on_problems(path: Path) -> None:
    runner = CliRunner()
    healthy = runner.invoke(app, ["doctor", str(path)])
    assert healthy.exit_code == 0, healthy.output
    assert "no problems, 0 warning(s)." in healthy.output
    damage(path, 'UPDATE mentions SET "end" = 500 WHERE start = 35')
    sick = runner.invoke(app, ["doctor", str(path)])
    assert sick.exit_code == 1
    assert "1 problem(s)" in sick.output and "lies outside the text" in sick.output
    as_json = runner.invoke(app, ["doctor", str(path), "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["ok"] is False
    (spans,) = [c for c in data["checks"] if c["name"] == "spans"]
    assert spans["status"] == "error" and spans["total"] == 1
