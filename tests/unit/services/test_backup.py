"""Rolling backups: made while the project is open, pruned to a limit, verified, restored."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotator.cli import app
from annotator.domain.annotations import Mention
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.services import backup as backups
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "news.annotator"
    with Project.create(path, schema=default_schema()) as project:
        project.articles.add(Article.create("Putin said the troops arrived.", title="One"))
    return path


def add_mention(project: Project, word: str = "Putin") -> str:
    article = project.articles.get(project.articles.ids()[0])
    session = ArticleSession(project, article, project.annotators.get_or_create("alice"))
    start = article.text.index(word)
    mention = Mention(start=start, end=start + len(word), label="PER")
    session.add(mention)
    return mention.id


def mention_count(project: Project) -> int:
    return int(project.database.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0])


def test_backup_of_an_open_project_is_a_complete_project_beside_it(path: Path) -> None:
    with Project.open(path) as project:
        add_mention(project)  # still in the WAL, not yet in the main file
        made = backups.create_backup(project, reason="manual")
        project_id = project.project_id
    assert made.path.parent == path.with_name("news.annotator.backups")
    assert made.path.name.startswith("news_") and made.path.name.endswith("Z_manual.annotator")
    assert made.size == made.path.stat().st_size > 0
    assert not made.path.with_name(made.path.name + "-wal").exists()  # one self-contained file
    with Project.open(made.path, read_only=True) as copy:
        assert copy.project_id == project_id
        assert mention_count(copy) == 1
    assert backups.verify_backup(made.path, project_id) == project_id


def test_backups_are_listed_newest_first_and_pruned_to_the_limit(path: Path) -> None:
    with Project.open(path) as project:
        made = [backups.create_backup(project, reason="timer", keep=3) for _ in range(5)]
    listed = backups.list_backups(path)
    assert [b.path for b in listed] == [m.path for m in reversed(made[-3:])]
    assert all(b.reason == "timer" for b in listed)
    assert not made[0].path.exists() and not made[1].path.exists()
    # Files that are not our backups are never touched by pruning.
    stranger = listed[0].path.with_name("notes.txt")
    stranger.write_text("mine")
    assert backups.prune_backups(path, 1) == [listed[1].path, listed[2].path]
    assert stranger.read_text() == "mine"


def test_changed_since_last_backup_follows_writes(path: Path) -> None:
    assert backups.changed_since_last_backup(path)
    with Project.open(path) as project:
        made = backups.create_backup(project, reason="open")
    old = made.created.timestamp() - 10
    os.utime(path, (old, old))
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        os.utime(wal, (old, old))
    assert not backups.changed_since_last_backup(path)
    with Project.open(path) as project:
        add_mention(project)
    assert backups.changed_since_last_backup(path)


def test_restore_replaces_content_in_place_after_a_safety_backup(path: Path) -> None:
    with Project.open(path) as project, Project.open(path) as other:
        before = backups.create_backup(project, reason="manual")
        add_mention(project)
        report = backups.restore_into(project, before.path)
        assert mention_count(project) == 0
        assert mention_count(other) == 0  # another connection sees the restored state
        assert report.safety_backup is not None
        assert report.safety_backup.reason == "before-restore"
        assert project.database.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # The restore can be undone by restoring the safety backup.
        backups.restore_into(project, report.safety_backup.path)
        assert mention_count(project) == 1


def test_restore_refuses_another_projects_backup_and_damaged_backups(
    path: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other.annotator"
    with Project.create(other_path, schema=default_schema()) as other:
        foreign = backups.create_backup(other, reason="manual")
    with Project.open(path) as project:
        add_mention(project)
        with pytest.raises(backups.BackupError, match="another project"):
            backups.restore_into(project, foreign.path)
        damaged = tmp_path / "damaged.annotator"
        damaged.write_bytes(backups.create_backup(project).path.read_bytes()[:20000])
        with pytest.raises(backups.BackupError, match="cannot restore from it"):
            backups.restore_into(project, damaged)
        assert mention_count(project) == 1  # untouched


def test_restore_of_a_project_that_no_longer_opens_keeps_the_damaged_file(path: Path) -> None:
    with Project.open(path) as project:
        add_mention(project)
        good = backups.create_backup(project, reason="manual")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated, e.g. a half-copied file
    report = backups.restore_backup(path, good.path)
    assert report.moved_aside is not None and report.moved_aside.exists()
    assert "truncated" in (report.damaged_reason or "")
    with Project.open(path) as project:
        assert mention_count(project) == 1


def test_cli_backup_list_keep_and_restore(path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["backup", str(path)])
    assert first.exit_code == 0, first.output
    assert "Backed up to" in first.output
    runner.invoke(app, ["backup", str(path)])
    listing = runner.invoke(app, ["backup", str(path), "--list"])
    assert listing.exit_code == 0 and listing.output.count("cli") >= 2
    pruned = runner.invoke(app, ["backup", str(path), "--list", "--keep", "1"])
    assert "Deleted 1 old backup(s)." in pruned.output
    (only,) = backups.list_backups(path)
    with Project.open(path) as project:
        add_mention(project)
    restored = runner.invoke(app, ["restore", str(path), str(only.path)])
    assert restored.exit_code == 0, restored.output
    assert "Backed up the current state to" in restored.output
    with Project.open(path) as project:
        assert mention_count(project) == 0
    missing = runner.invoke(app, ["restore", str(path), str(path.with_name("nope.annotator"))])
    assert missing.exit_code == 1
    assert "no such project file" in str(missing.exception) + missing.output


def test_backup_folder_falls_back_to_the_data_dir_when_beside_is_not_writable(path: Path) -> None:
    beside = path.with_name("news.annotator.backups")
    beside.write_text("a file where the folder would be")
    with Project.open(path) as project:
        made = backups.create_backup(project, reason="manual")
        assert made.path.parent == Path(os.environ["ANNOTATOR_DATA_DIR"]) / "backups" / (
            project.project_id
        )
        assert backups.list_backups(path, project.project_id)[0].path == made.path
    conn = sqlite3.connect(made.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
