"""The audit trail: who did what to which record, written in the same transaction as the change."""

from __future__ import annotations

import sqlite3
from typing import Any

from annotator.domain.annotations import AuditEntry
from annotator.domain.base import utc_now
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json, load_time


def record(
    conn: sqlite3.Connection,
    *,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target_type, target_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (dump_time(utc_now()), actor, action, target_type, target_id, dump_json(detail or {})),
    )


class AuditRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._conn = database.conn

    def recent(self, *, limit: int = 100, target_id: str | None = None) -> list[AuditEntry]:
        sql = "SELECT id, at, actor, action, target_type, target_id, detail FROM audit_log"
        params: tuple[Any, ...] = ()
        if target_id is not None:
            sql += " WHERE target_id = ?"
            params = (target_id,)
        rows = self._conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [
            AuditEntry(
                id=r[0],
                at=load_time(r[1]),
                actor=r[2],
                action=r[3],
                target_type=r[4],
                target_id=r[5],
                detail=load_json(r[6]),
            )
            for r in rows
        ]

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])
