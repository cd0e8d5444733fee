"""Opening project files: what is refused, with which message, and that the file is untouched."""

import hashlib
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from annotator.domain.schema import default_schema
from annotator.storage.database import (
    APPLICATION_ID,
    CACHE_KIB,
    SCAN_CACHE_KIB,
    ProjectBusyError,
    ProjectOpenError,
    ProjectWriteError,
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


# -- files from someone else -----------------------------------------------------------------------


def test_project_with_a_view_is_refused_untouched(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIEW leak AS SELECT * FROM annotators")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(ProjectOpenError, match="view leak"):
        open_project(path)
    assert digest(path) == before


def test_extensions_cannot_be_loaded_from_an_open_project(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project, pytest.raises(sqlite3.OperationalError, match="not auth"):
        project.database.conn.execute("SELECT load_extension('/tmp/evil.so')")


def test_schema_functions_are_not_trusted(tmp_path: Path) -> None:
    """trusted_schema=OFF: a default in the file's schema cannot call a risky function."""
    path = make_project(tmp_path / "p.annotator")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sneaky (x TEXT DEFAULT (load_extension('/tmp/evil.so')))")
    conn.commit()
    conn.close()
    with Project.open(path) as project, pytest.raises(sqlite3.OperationalError):
        project.database.conn.execute("INSERT INTO sneaky DEFAULT VALUES")


def test_header_only_file_is_refused(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ProjectOpenError, match="truncated"):
        open_project(path)


# -- read-only files -------------------------------------------------------------------------------


def test_read_only_file_opens_read_only_with_the_reason(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        project.annotators.get_or_create("alice")
    os.chmod(path, stat.S_IRUSR)
    try:
        with Project.open(path) as project:
            assert project.read_only
            assert project.database.read_only_reason == "the project file is read-only"
            assert project.annotators.by_name("alice") is not None  # reading works
            with pytest.raises(ReadOnlyProjectError, match=r"file is read-only.*cannot be saved"):
                project.annotators.get_or_create("bob")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def test_project_in_a_read_only_folder_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = make_project(folder / "p.annotator")
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        with Project.open(path) as project:
            assert project.read_only
            assert "folder" in (project.database.read_only_reason or "")
            assert project.articles.count() == 0
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_read_only_session_shows_an_unstored_empty_set(tmp_path: Path) -> None:
    from annotator.domain.annotations import Annotator
    from annotator.domain.article import Article
    from annotator.services.annotation import ArticleSession

    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        project.articles.add(Article.create("Putin spoke.", title="t"))
    with Project.open(path, read_only=True) as project:
        article = project.articles.get(project.articles.ids()[0])
        session = ArticleSession(project, article, Annotator(name="guest"))
        assert session.mentions == {} and session.set_id
        assert project.sets.all_infos() == []


# -- failed writes: busy, full ---------------------------------------------------------------------


def test_write_waits_for_another_writer_then_succeeds(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        project.database.conn.execute("PRAGMA busy_timeout = 20")
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        timer.start()
        try:
            project.annotators.get_or_create("alice")
        finally:
            timer.join()
            other.close()
        stats = project.database.lock_stats
        assert stats.retries >= 1 and stats.waited == 1
        assert stats.longest_wait >= 0.2
        assert project.annotators.by_name("alice") is not None


def test_write_gives_up_with_a_clear_message_and_writes_nothing(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        project.database.conn.execute("PRAGMA busy_timeout = 20")
        project.database.write_wait_limit = 0.2
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ProjectBusyError, match="another program has kept the project"):
                project.annotators.get_or_create("alice")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert "locked" not in str(project.database.lock_stats)
        assert project.annotators.by_name("alice") is None
        project.annotators.get_or_create("alice")  # and works once the lock is gone


def test_full_disk_rolls_back_the_whole_action(tmp_path: Path) -> None:
    from annotator.domain.article import Article

    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        conn = project.database.conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        articles = [Article.create(f"Article {n}: " + "text " * 2000) for n in range(5)]
        with pytest.raises(ProjectWriteError, match=r"disk is full.*Nothing of this change"):
            project.articles.add_many(articles)
        assert project.articles.count() == 0  # not the first few: all or nothing
        assert not conn.in_transaction
        conn.execute("PRAGMA max_page_count = 1073741823")
        assert project.articles.add_many(articles) == []
        assert project.articles.count() == 5


# -- upgrading an older file -----------------------------------------------------------------------


def make_format_1_project(path: Path) -> dict[str, object]:
    """A project as the first release wrote it: only migration 0001, then real data."""
    from sqlite_utils import Database

    from annotator.domain.annotations import Mention, ReviewComment
    from annotator.domain.article import Article
    from annotator.services.annotation import ArticleSession
    from annotator.storage.database import ProjectDatabase
    from annotator.storage.migrations import migrations

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrations.apply(Database(conn), stop_before="0002_assignments_and_suggestions")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    project = Project(ProjectDatabase(path, conn, read_only=False))
    conn.executemany(
        "INSERT INTO project (key, value) VALUES (?, ?)",
        [("project_id", "format-1-id"), ("name", "old"), ("created_at", "2026-01-01T00:00:00Z")],
    )
    project.schemas.save(default_schema(), note="initial schema")
    article = Article.create("Putin said the troops arrived in Kursk.", title="Old one")
    project.articles.add(article)
    alice = project.annotators.get_or_create("alice")
    session = ArticleSession(project, article, alice)
    session.add(Mention(start=0, end=5, label="PER"))
    session.add(Mention(start=33, end=38, label="GPE"))
    project.reviews.add_comment(ReviewComment(set_id=session.set_id, author_id=alice.id, text="ok"))
    snapshot = {
        "set": project.sets.load(session.set_id),
        "audit": project.audit.count(),
        "comments": project.reviews.comments(session.set_id),
    }
    project.close()
    return snapshot


def test_format_1_project_is_backed_up_then_upgraded_keeping_everything(tmp_path: Path) -> None:
    from annotator.services.doctor import examine

    path = tmp_path / "old.annotator"
    before = make_format_1_project(path)
    report = examine(path)
    assert report.ok and report.file_format == 1
    (warning,) = [f.message for c in report.checks for f in c.findings]
    assert "0002_assignments_and_suggestions runs (after a backup)" in warning
    with pytest.raises(ProjectOpenError, match="needs upgrading"):
        open_project(path, read_only=True)
    with Project.open(path) as project:
        conn = project.database.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == FILE_FORMAT_VERSION == 2
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"assignments", "suggestion_decisions"} <= tables
        set_id = before["set"].id  # type: ignore[attr-defined]
        assert project.sets.load(set_id) == before["set"]
        assert project.reviews.comments(set_id) == before["comments"]
        assert project.audit.count() == before["audit"]
        assert project.project_id == "format-1-id"
    backup = tmp_path / "old.annotator.before-format-2.bak"
    assert backup.exists()
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT COUNT(*) FROM mentions").fetchone()[0] == 2
    assert old.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    old.close()
    assert examine(path).ok


def test_two_processes_naming_the_same_new_annotator_get_the_same_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An annotator and a reviewer starting on one file at once both ask for "anna": the one
    who comes second (after its look-up found nobody) gets anna, not an error."""
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as first, Project.open(path) as second:
        monkeypatch.setattr(second.annotators, "by_name", lambda name: None)  # looked too early
        made = first.annotators.get_or_create("anna")
        got = second.annotators.get_or_create("Anna")
        assert got == made
        assert [a.name for a in first.annotators.list()] == ["anna"]


def test_a_scan_uses_a_small_page_cache_then_the_usual_one(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        database = project.database

        def cache() -> int:
            return int(database.conn.execute("PRAGMA cache_size").fetchone()[0])

        assert cache() == -CACHE_KIB
        with database.scanning():
            assert cache() == -SCAN_CACHE_KIB
        assert cache() == -CACHE_KIB
        with pytest.raises(RuntimeError), database.scanning():
            raise RuntimeError("export failed")
        assert cache() == -CACHE_KIB
