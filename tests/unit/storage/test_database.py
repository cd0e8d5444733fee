"""Opening project files: what is refused, with which message, and that the file is untouched."""

import hashlib
import sqlite3
from pathlib import Path

import pytest

from annotator.domain.schema import default_schema
from annotator.storage.database import (
    APPLICATION_ID,
    ProjectOpenError,
    ReadOnlyProjectError,
    open_project,
)
from annotator.storage.migrations import FILE_FORMAT_VERSION
from annotator.storage.project import Project


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_project(path: Path) -> Path:
    with Project.create(path, schema=default_schema()):
        pass
    return path


def test_new_project_has_application_id_wal_and_safe_settings(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        conn = project.database.conn
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert conn.execute("PRAGMA user_version").fetchone()[0] == FILE_FORMAT_VERSION
        assert project.project_id
        assert project.schema == default_schema()


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    path.write_text("precious notes")
    with pytest.raises(ProjectOpenError, match="already exists"):
        Project.create(path, schema=default_schema())
    assert path.read_text() == "precious notes"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectOpenError, match="no such project file"):
        open_project(tmp_path / "nope.annotator")
    assert not (tmp_path / "nope.annotator").exists()


def test_plain_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(ProjectOpenError, match="not an Annotator project"):
        open_project(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"hello, world\n" * 20, "not an SQLite database")],
)
def test_non_database_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "notes.annotator"
    path.write_bytes(content)
    with pytest.raises(ProjectOpenError, match=message):
        open_project(path)
    assert path.read_bytes() == content


def test_truncated_project_is_refused_untouched(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])
    before = digest(path)
    with pytest.raises(ProjectOpenError, match="truncated"):
        open_project(path)
    assert digest(path) == before


def test_file_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {FILE_FORMAT_VERSION + 1}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(ProjectOpenError, match="newer version of Annotator"):
        open_project(path)
    assert digest(path) == before


def test_project_with_a_trigger_is_refused(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON articles BEGIN DELETE FROM annotators; END")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectOpenError, match="trigger sneaky"):
        open_project(path)


def test_read_only_project_refuses_writes(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path, read_only=True) as project:
        assert project.read_only
        with pytest.raises(ReadOnlyProjectError, match="read-only"):
            project.annotators.get_or_create("alice")


def test_older_project_is_backed_up_before_migrating(tmp_path: Path, monkeypatch) -> None:
    from annotator.storage import database, migrations

    path = make_project(tmp_path / "p.annotator")

    @migrations.migrations(name="9999_test_extra")
    def _extra(db) -> None:
        db.execute("CREATE TABLE test_extra (x INTEGER) STRICT")

    try:
        opened = open_project(path)
        opened.close()
    finally:
        migrations.migrations._migrations.pop()
    backups = list(tmp_path.glob("p.annotator.before-format-*.bak"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    assert "test_extra" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert database.APPLICATION_ID == APPLICATION_ID
