"""Opening and creating project files: defensive settings, header checks, migrations, backup."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from annotator.domain.errors import AnnotatorError
from annotator.storage.migrations import FILE_FORMAT_VERSION, migrations

#: ``PRAGMA application_id`` of every project file: "ANNO".
APPLICATION_ID = 0x414E4E4F
SQLITE_MAGIC = b"SQLite format 3\x00"
#: How long SQLite itself waits for a lock before a statement reports "busy".
BUSY_TIMEOUT_MS = 5_000
#: How long a write waits in all for another process to finish its write, retrying with
#: backoff after each busy timeout, before it gives up with ``ProjectBusyError``.
WRITE_WAIT_LIMIT_S = 30.0


class ProjectOpenError(AnnotatorError):
    """The file cannot be opened as a project; the message says why. The file is untouched."""


class ReadOnlyProjectError(AnnotatorError):
    """A write was attempted on a project opened read-only."""


class ProjectWriteError(AnnotatorError):
    """A write failed (disk full, I/O error, file made read-only meanwhile); it was rolled back."""


class ProjectBusyError(ProjectWriteError):
    """Another program kept the project locked for longer than we wait; nothing was written."""


@dataclass
class LockStats:
    """How often writes had to wait for another process, and the longest wait (seconds)."""

    transactions: int = 0
    waited: int = 0
    retries: int = 0
    longest_wait: float = 0.0


_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return any(message in str(error) for message in _BUSY_MESSAGES)


def _explain_write_error(path: Path, error: sqlite3.Error) -> str:
    """One sentence for the user about a failed write; the change itself was rolled back."""
    text = str(error)
    if "disk is full" in text or "database or disk is full" in text:
        reason = "the disk is full (free some space, then try again)"
    elif "readonly" in text or "read-only" in text:
        reason = "the project file cannot be written (it or its folder was made read-only)"
    elif "disk I/O error" in text:
        reason = "the disk reported an input/output error"
    elif "malformed" in text or "not a database" in text:
        reason = "the project file is damaged; run `annotator doctor` on it"
    else:
        reason = text
    return f"{path}: not saved, {reason}. Nothing of this change was written."


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
    # A crash during a checkpoint can leave page 1 (with the new size) written before the pages
    # that grow the file; the WAL still holds them all and SQLite finishes the job on opening.
    # So the size only proves truncation when there is no WAL with content beside the file.
    wal = path.with_name(path.name + "-wal")
    wal_has_content = wal.exists() and wal.stat().st_size > 0
    if valid_for == change_counter and page_count and actual < expected and not wal_has_content:
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


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` should be opened read-only (file or folder not writable), or None.

    Write bits are honoured even for a user who could ignore them (root): a file someone marked
    read-only is opened as such. WAL mode writes two files next to the project, so the folder
    has to be writable as well.
    """
    folder = path.resolve().parent
    try:
        file_mode = path.stat().st_mode
        folder_mode = folder.stat().st_mode
    except OSError:
        return None
    if not os.access(path, os.W_OK) or not file_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the project file is read-only"
    if not os.access(folder, os.W_OK) or not folder_mode & (
        stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    ):
        return f"its folder {folder} is read-only"
    return None


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    # Settings for files that may come from someone else: no code from the schema.
    conn.execute("PRAGMA trusted_schema = OFF")
    # Python's sqlite3 never enables extension loading; say so where it is relied on.
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    # 64 MB of page cache: a bulk import does not spill to disk mid-transaction.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


#: Page cache of a connection (KiB).
CACHE_KIB = 65536
#: Page cache while reading a whole project once (an export): the operating system caches the
#: file anyway, and the pages are not read twice.
SCAN_CACHE_KIB = 4096


class ProjectDatabase:
    """An open project file: the connection, its sqlite-utils view and write transactions."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        *,
        read_only: bool,
        read_only_reason: str | None = None,
    ) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        #: Why the project was opened read-only although a writable open was asked for.
        self.read_only_reason = read_only_reason
        self.closed = False
        self.db = Database(conn, execute_plugins=False)
        self.lock_stats = LockStats()
        self.write_wait_limit = WRITE_WAIT_LIMIT_S

    @contextmanager
    def scanning(self) -> Iterator[None]:
        """A small page cache while the whole file is read once (see ``SCAN_CACHE_KIB``): a
        scan of a large project would otherwise fill 64 MB that it never reads again."""
        self.set_cache(SCAN_CACHE_KIB)
        try:
            yield
        finally:
            if not self.closed:
                self.set_cache(CACHE_KIB)

    def set_cache(self, kib: int) -> None:
        """The connection's page cache, in KiB."""
        self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    def data_version(self) -> int:
        """Changes when *another* connection commits (``PRAGMA data_version``), not for ours."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

        IMMEDIATE takes the write lock up front, so a second process waits (busy timeout, then
        retries with backoff) instead of failing half way; if the lock never comes,
        ``ProjectBusyError`` says so and nothing was written. A failed write (disk full, I/O
        error) is rolled back and raised as ``ProjectWriteError``. Nested use joins the outer
        transaction through a savepoint.
        """
        if self.read_only:
            reason = f" ({self.read_only_reason})" if self.read_only_reason else ""
            raise ReadOnlyProjectError(
                f"{self.path}: the project is open read-only{reason}; changes cannot be saved"
            )
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
        self._begin()
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as error:
            if self.conn.in_transaction:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError:
                raise ProjectWriteError(_explain_write_error(self.path, error)) from error
            raise

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, retried with growing, jittered pauses while another writer holds
        the lock (each attempt already waits ``busy_timeout`` inside SQLite)."""
        stats = self.lock_stats
        stats.transactions += 1
        started = time.monotonic()
        pause = 0.01
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                waited = time.monotonic() - started
                if not _is_busy(error):
                    raise ProjectWriteError(_explain_write_error(self.path, error)) from error
                if waited >= self.write_wait_limit:
                    stats.longest_wait = max(stats.longest_wait, waited)
                    raise ProjectBusyError(
                        f"{self.path}: not saved, another program has kept the project locked "
                        f"for {waited:.0f} s (is it open elsewhere, e.g. on a network drive?). "
                        "Nothing of this change was written; try again."
                    ) from None
                stats.retries += 1
                time.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, 0.5)
        waited = time.monotonic() - started
        if waited > 0.001:
            stats.waited += 1
        stats.longest_wait = max(stats.longest_wait, waited)

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
    """Open an existing project file, migrating it (after a backup) if it is older.

    A file that cannot be written (its permissions, its folder's, a read-only medium) is
    opened read-only; ``ProjectDatabase.read_only_reason`` says why.
    """
    path = Path(path)
    version = check_project_file(path)
    reason = None if read_only else read_only_reason(path)
    if reason is not None:
        read_only = True
    try:
        conn = _connect(path, read_only=read_only)
    except sqlite3.OperationalError as error:
        if read_only or ("readonly" not in str(error) and "unable to open" not in str(error)):
            raise ProjectOpenError(f"{path}: cannot be opened ({error})") from None
        # A read-only medium: writable by its permissions, refused by the system.
        reason, read_only = "the system refused to write it", True
        try:
            conn = _connect(path, read_only=True)
        except sqlite3.Error as again:
            raise ProjectOpenError(f"{path}: cannot be opened ({again})") from None
    except sqlite3.Error as error:
        raise ProjectOpenError(f"{path}: cannot be opened ({error})") from None
    try:
        _check_inside(conn, path)
        _refuse_foreign_code(conn, path)
        database = ProjectDatabase(path, conn, read_only=read_only, read_only_reason=reason)
        if migrations.pending(database.db):
            if read_only:
                why = f" but {reason}" if reason else ""
                raise ProjectOpenError(
                    f"{path}: made by an older version and needs upgrading{why}; "
                    "open it writable once"
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


def copy_project(source: ProjectDatabase | sqlite3.Connection, target: Path) -> None:
    """A consistent copy of an open project (SQLite online backup), e.g. for a backup.

    The copy is a single file (rollback journal, not WAL) so it can be moved, mailed or
    opened read-only anywhere; opening it as a project turns WAL on again.
    """
    conn = source.conn if isinstance(source, ProjectDatabase) else source
    destination = sqlite3.connect(target, isolation_level=None)
    try:
        conn.backup(destination)
        destination.execute("PRAGMA journal_mode = DELETE")
    finally:
        destination.close()


def connect_read_only(path: Path | str) -> sqlite3.Connection:
    """A read-only connection with the defensive settings, for inspecting a file that
    ``open_project`` may refuse (doctor, backups): header checks only, no migration."""
    path = Path(path)
    check_project_file(path)
    try:
        return _connect(path, read_only=True)
    except sqlite3.Error as error:
        raise ProjectOpenError(f"{path}: cannot be opened ({error})") from None


__all__ = [
    "APPLICATION_ID",
    "LockStats",
    "ProjectBusyError",
    "ProjectDatabase",
    "ProjectOpenError",
    "ProjectWriteError",
    "ReadOnlyProjectError",
    "check_project_file",
    "connect_read_only",
    "copy_project",
    "create_project",
    "open_project",
    "read_only_reason",
]
