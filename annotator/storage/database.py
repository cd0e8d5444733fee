"""Opening and creating project files: defensive settings, header checks, migrations, backup."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlite_utils import Database

from annotator.domain.errors import AnnotatorError
from annotator.storage.migrations import FILE_FORMAT_VERSION, migrations

#: ``PRAGMA application_id`` of every project file: "ANNO".
APPLICATION_ID = 0x414E4E4F
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


class ProjectOpenError(AnnotatorError):
    """The file cannot be opened as a project; the message says why. The file is untouched."""


class ReadOnlyProjectError(AnnotatorError):
    """A write was attempted on a project opened read-only."""


def _read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(100)
    except FileNotFoundError:
        raise ProjectOpenError(f"{path}: no such project file") from None
    except IsADirectoryError:
        raise ProjectOpenError(f"{path}: is a folder, not a project file") from None
    except PermissionError:
        raise ProjectOpenError(f"{path}: permission denied") from None


def check_project_file(path: Path) -> int:
    """Check the 100-byte SQLite header without opening the database; return its format version.

    Refuses what is not a project (not SQLite, another application's SQLite file), what is
    truncated, and what a newer version of Annotator wrote. Reads only, so the file stays as it was.
    """
    header = _read_header(path)
    if len(header) == 0:
        raise ProjectOpenError(f"{path}: the file is empty, not an Annotator project")
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise ProjectOpenError(f"{path}: not an Annotator project (not an SQLite database)")
    (application_id,) = struct.unpack(">I", header[68:72])
    if application_id != APPLICATION_ID:
        raise ProjectOpenError(
            f"{path}: an SQLite database, but not an Annotator project "
            f"(application id {application_id:#x})"
        )
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    (change_counter, page_count) = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    expected = page_size * page_count
    actual = path.stat().st_size
    if valid_for == change_counter and page_count and actual < expected:
        raise ProjectOpenError(
            f"{path}: the project file is truncated ({actual} of {expected} bytes); "
            "restore it from a backup"
        )
    (user_version,) = struct.unpack(">I", header[60:64])
    if user_version > FILE_FORMAT_VERSION:
        raise ProjectOpenError(
            f"{path}: written by a newer version of Annotator (file format {user_version}, "
            f"this version reads up to {FILE_FORMAT_VERSION}); update Annotator to open it"
        )
    return int(user_version)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    # Settings for files that may come from someone else: no code from the schema.
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    # 64 MB of page cache: a bulk import does not spill to disk mid-transaction.
    conn.execute("PRAGMA cache_size = -65536")
    return conn


class ProjectDatabase:
    """An open project file: the connection, its sqlite-utils view and write transactions."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.closed = False
        self.db = Database(conn, execute_plugins=False)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

        IMMEDIATE takes the write lock up front, so a second process waits on the busy timeout
        instead of failing half way. Nested use joins the outer transaction through a savepoint.
        """
        if self.read_only:
            raise ReadOnlyProjectError(f"{self.path}: the project is open read-only")
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT nested")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK TO SAVEPOINT nested")
                self.conn.execute("RELEASE SAVEPOINT nested")
                raise
            self.conn.execute("RELEASE SAVEPOINT nested")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        """Checkpoint the WAL into the file (so its header is current) and close. Idempotent."""
        if self.closed:
            return
        self.closed = True
        if not self.read_only:
            # Another process may hold the file; its own close will checkpoint then.
            with suppress(sqlite3.OperationalError):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def _refuse_foreign_code(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse triggers and views: a project file never has them, a hostile one might."""
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
    ).fetchall()
    if rows:
        names = ", ".join(f"{kind} {name}" for kind, name in rows)
        raise ProjectOpenError(
            f"{path}: contains {names}, which Annotator never creates; refusing to open it"
        )


def _check_inside(conn: sqlite3.Connection, path: Path) -> None:
    """Repeat the header checks through SQLite: a WAL file may hold a newer header."""
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    if application_id != APPLICATION_ID:
        raise ProjectOpenError(f"{path}: an SQLite database, but not an Annotator project")
    (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    if user_version > FILE_FORMAT_VERSION:
        raise ProjectOpenError(
            f"{path}: written by a newer version of Annotator (file format {user_version}, "
            f"this version reads up to {FILE_FORMAT_VERSION}); update Annotator to open it"
        )


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    target = path.with_name(f"{path.name}.before-format-{version + 1}.bak")
    destination = sqlite3.connect(target)
    try:
        conn.backup(destination)
    finally:
        destination.close()
    return target


def open_project(path: Path | str, *, read_only: bool = False) -> ProjectDatabase:
    """Open an existing project file, migrating it (after a backup) if it is older."""
    path = Path(path)
    version = check_project_file(path)
    try:
        conn = _connect(path, read_only=read_only)
    except sqlite3.Error as error:
        raise ProjectOpenError(f"{path}: cannot be opened ({error})") from None
    try:
        _check_inside(conn, path)
        _refuse_foreign_code(conn, path)
        database = ProjectDatabase(path, conn, read_only=read_only)
        if migrations.pending(database.db):
            if read_only:
                raise ProjectOpenError(
                    f"{path}: made by an older version and needs upgrading; open it writable once"
                )
            if version > 0:
                _backup(conn, path, version)
            migrations.apply(database.db)
        return database
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ProjectOpenError(f"{path}: the project file is damaged ({error})") from None
    except BaseException:
        conn.close()
        raise


def create_project(path: Path | str) -> ProjectDatabase:
    """Create a new, empty project file; refuses to overwrite anything."""
    path = Path(path)
    if path.exists():
        raise ProjectOpenError(f"{path}: already exists; choose a new file name")
    if not path.parent.exists():
        raise ProjectOpenError(f"{path.parent}: no such folder")
    # The application id goes into the file header before WAL mode is on, so that even a
    # file that was never checkpointed is recognised.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        # Article texts run to kilobytes: larger pages mean fewer overflow chains.
        conn.execute("PRAGMA page_size = 8192")
        conn.execute("VACUUM")
    finally:
        conn.close()
    try:
        return open_project(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def copy_project(source: ProjectDatabase, target: Path) -> None:
    """A consistent copy of an open project (SQLite online backup), e.g. for a backup."""
    destination = sqlite3.connect(target)
    try:
        source.conn.backup(destination)
    finally:
        destination.close()


__all__ = [
    "APPLICATION_ID",
    "ProjectDatabase",
    "ProjectOpenError",
    "ReadOnlyProjectError",
    "check_project_file",
    "copy_project",
    "create_project",
    "open_project",
]
