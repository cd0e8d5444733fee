"""Rolling backups of a project: made with SQLite's online backup API, listed, pruned, restored.

Where: a folder ``<project file name>.backups`` next to the project (``news.annotator`` →
``news.annotator.backups/``), so backups travel with the project and are found without the
application. When that folder cannot be written (a read-only share), the user data folder is
used instead: ``<data dir>/backups/<project id>/``.

Names: ``<stem>_<UTC time>Z_<reason><suffix>``, e.g. ``news_20261128-104512-123Z_open.annotator``;
the time in the name (not the file's mtime) orders them. Each backup is a complete project file
(one file, no WAL) that ``annotator gui`` can open directly.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from annotator.domain.base import utc_now
from annotator.domain.errors import AnnotatorError
from annotator.settings import data_dir
from annotator.storage.database import (
    ProjectDatabase,
    ProjectOpenError,
    connect_read_only,
    copy_project,
)
from annotator.storage.project import Project

#: Backups kept per project unless the preferences say otherwise.
DEFAULT_KEEP = 10
REASONS = ("open", "timer", "manual", "before-restore", "cli")
_NAME = re.compile(
    r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6}-\d{3})Z_(?P<reason>[a-z][a-z-]*)(?P<suffix>\.[^.]*)?$"
)
_STAMP = "%Y%m%d-%H%M%S"


class BackupError(AnnotatorError):
    """A backup cannot be made, or a file cannot be restored from; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where, when (UTC), why it was made, and its size in bytes."""

    path: Path
    created: datetime
    reason: str
    size: int

    @property
    def label(self) -> str:
        local = self.created.astimezone()
        return f"{local:%Y-%m-%d %H:%M:%S} · {self.reason} · {human_size(self.size)}"


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the backup of the state it replaced, and any damaged file kept."""

    restored_from: Path
    safety_backup: BackupInfo | None
    moved_aside: Path | None = None
    damaged_reason: str | None = None


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def backup_folder(project_path: Path, project_id: str | None = None) -> Path:
    """The folder for ``project_path``'s backups (see the module docstring)."""
    project_path = Path(project_path).resolve()
    beside = project_path.with_name(project_path.name + ".backups")
    if beside.is_dir() and os.access(beside, os.W_OK):
        return beside
    if not beside.exists() and os.access(project_path.parent, os.W_OK):
        return beside
    if project_id is None:
        raise BackupError(
            f"{beside}: cannot be written, and the project's id is unknown for the fallback folder"
        )
    return data_dir() / "backups" / project_id


def _backup_name(project_path: Path, when: datetime, reason: str) -> str:
    stamp = f"{when.astimezone(UTC):{_STAMP}}-{when.microsecond // 1000:03d}"
    suffix = project_path.suffix or ".annotator"
    return f"{project_path.stem}_{stamp}Z_{reason}{suffix}"


def _parse(path: Path) -> BackupInfo | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    try:
        created = datetime.strptime(match["stamp"][:-4], _STAMP).replace(
            tzinfo=UTC, microsecond=int(match["stamp"][-3:]) * 1000
        )
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    return BackupInfo(path, created, match["reason"], size)


def list_backups(project_path: Path, project_id: str | None = None) -> list[BackupInfo]:
    """The project's backups, newest first (both the folder beside it and the fallback one)."""
    project_path = Path(project_path).resolve()
    folders = {project_path.with_name(project_path.name + ".backups")}
    if project_id:
        folders.add(data_dir() / "backups" / project_id)
    found: list[BackupInfo] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            info = _parse(entry) if entry.is_file() else None
            if info is not None and entry.name.startswith(project_path.stem + "_"):
                found.append(info)
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def prune_backups(
    project_path: Path, keep: int, project_id: str | None = None, *, spare: Path | None = None
) -> list[Path]:
    """Delete all but the ``keep`` newest backups (never ``spare``); returns what was deleted."""
    if keep < 1:
        raise BackupError(f"keep at least one backup, not {keep}")
    removed = []
    for info in list_backups(project_path, project_id)[keep:]:
        if spare is not None and info.path == spare:
            continue
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed


def _project_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM project WHERE key = 'project_id'").fetchone()
    return "" if row is None else str(row[0])


def create_backup(
    source: Project | Path,
    *,
    reason: str = "manual",
    keep: int | None = DEFAULT_KEEP,
) -> BackupInfo:
    """Back the project up now (online backup: safe while it is being written), then prune.

    ``source`` is an open project, or a project file's path: then a read-only connection of
    our own reads it (from a background thread, say, since a connection belongs to one thread).
    """
    if reason not in REASONS:
        raise BackupError(f"unknown backup reason {reason!r}")
    owned: sqlite3.Connection | None = None
    if isinstance(source, Project):
        path, conn = source.path, source.database.conn
    else:
        path = Path(source)
        owned = conn = connect_read_only(path)
    try:
        project_id = _project_id(conn)
        folder = backup_folder(path, project_id)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BackupError(f"{folder}: cannot create the backup folder ({error})") from None
        when = utc_now()
        target = folder / _backup_name(path, when, reason)
        partial = target.with_name(target.name + ".partial")
        try:
            copy_project(conn, partial)
            os.replace(partial, target)
        except (OSError, sqlite3.Error) as error:
            partial.unlink(missing_ok=True)
            raise BackupError(f"{target}: the backup could not be written ({error})") from None
    finally:
        if owned is not None:
            owned.close()
    info = _parse(target)
    assert info is not None, target
    if keep is not None:
        prune_backups(path, keep, project_id, spare=target)
    return info


def changed_since_last_backup(project_path: Path, project_id: str | None = None) -> bool:
    """Whether the project file (or its WAL) was written after its newest backup was made."""
    backups = list_backups(project_path, project_id)
    if not backups:
        return True
    newest = backups[0].created.timestamp()
    project_path = Path(project_path)
    # Opening a project creates an empty WAL file: only a WAL with content means writes.
    wal = project_path.with_name(project_path.name + "-wal")
    times = [project_path.stat().st_mtime] if project_path.exists() else []
    if wal.exists() and wal.stat().st_size > 0:
        times.append(wal.stat().st_mtime)
    return max(times, default=0.0) > newest


def verify_backup(backup_path: Path, project_id: str | None = None) -> str:
    """Check that ``backup_path`` is an intact project (of ``project_id``); returns its id."""
    backup_path = Path(backup_path)
    try:
        conn = connect_read_only(backup_path)
    except ProjectOpenError as error:
        raise BackupError(f"cannot restore from it: {error}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            problems = "; ".join(str(r[0]) for r in result[:3])
            raise BackupError(f"{backup_path}: the backup is damaged ({problems})")
        found = _project_id(conn)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{backup_path}: the backup is damaged ({error})") from None
    finally:
        conn.close()
    if not found:
        raise BackupError(f"{backup_path}: not a complete project (it has no project id)")
    if project_id is not None and found != project_id:
        raise BackupError(
            f"{backup_path}: a backup of another project (id {found}, this project is "
            f"{project_id}); refusing to restore it over this one"
        )
    return found


def restore_into(project: Project, backup_path: Path, *, keep: int | None = None) -> RestoreReport:
    """Replace an open project's content with a backup's, in place (other connections, and
    other processes, see the restored state as one commit). The current state is backed up
    first, as ``before-restore``."""
    verify_backup(backup_path, project.project_id)
    if project.read_only:
        raise BackupError(f"{project.path}: the project is open read-only; cannot restore")
    safety = create_backup(project, reason="before-restore", keep=None)
    _copy_into(backup_path, project.database)
    if keep is not None:
        prune_backups(project.path, max(keep, 1), project.project_id, spare=safety.path)
    return RestoreReport(Path(backup_path), safety)


def _copy_into(backup_path: Path, database: ProjectDatabase) -> None:
    source = connect_read_only(backup_path)
    try:
        source.backup(database.conn)
        # The copy brought the backup's header (no WAL): back to the project's settings.
        database.conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise BackupError(f"{backup_path}: restoring failed ({error}); nothing changed") from None
    finally:
        source.close()


def restore_backup(
    project_path: Path, backup_path: Path, *, keep: int | None = None
) -> RestoreReport:
    """Restore ``project_path`` from ``backup_path`` (the command line's ``restore``).

    An intact project is restored in place after a ``before-restore`` backup. A project that
    cannot be opened any more (damaged, truncated) is renamed ``….damaged-<time>`` and the
    backup copied in its place; its project id cannot be compared then.
    """
    project_path = Path(project_path)
    backup_path = Path(backup_path)
    if backup_path.resolve() == project_path.resolve():
        raise BackupError(f"{backup_path}: that is the project itself")
    try:
        project = Project.open(project_path)
    except ProjectOpenError as error:
        if not project_path.exists():
            raise BackupError(f"{project_path}: no such project file") from None
        verify_backup(backup_path)
        return _replace_damaged(project_path, backup_path, str(error))
    with project:
        return restore_into(project, backup_path, keep=keep)


def _replace_damaged(project_path: Path, backup_path: Path, why: str) -> RestoreReport:
    stamp = f"{utc_now():{_STAMP}}Z"
    aside = project_path.with_name(f"{project_path.name}.damaged-{stamp}")
    partial = project_path.with_name(project_path.name + ".restoring")
    source = connect_read_only(backup_path)
    try:
        copy_project(source, partial)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{project_path}: restoring failed ({error}); nothing changed") from None
    finally:
        source.close()
    os.replace(project_path, aside)
    for extra in ("-wal", "-shm"):
        stale = project_path.with_name(project_path.name + extra)
        if stale.exists():
            os.replace(stale, aside.with_name(aside.name + extra))
    os.replace(partial, project_path)
    return RestoreReport(backup_path, None, aside, why)


__all__ = [
    "DEFAULT_KEEP",
    "BackupError",
    "BackupInfo",
    "RestoreReport",
    "backup_folder",
    "changed_since_last_backup",
    "create_backup",
    "human_size",
    "list_backups",
    "prune_backups",
    "restore_backup",
    "restore_into",
    "verify_backup",
]
