"""Annotator packs on disk: copying one person's part of a project into a new project file,
the pack marker, and the merge records that make merging a pack again a no-op."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.domain.errors import InvalidDataError
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase, create_project
from annotator.storage.rows import dump_json, load_json

#: The ``project`` table key of a pack's marker (JSON: which project, whom, when, what).
PACK_KEY = "pack"

#: Tables copied into a pack, parents before children (foreign keys hold at every insert).
_ITEM_TABLES = ("entities", "mentions", "quotes", "stances", "stance_evidence", "document_labels")


@dataclass(frozen=True, slots=True)
class PackCounts:
    articles: int
    sets: int
    comments: int
    annotators: int


def _columns(conn: sqlite3.Connection, table: str) -> str:
    names = [str(r[1]) for r in conn.execute(f"PRAGMA main.table_info({table})")]
    return ", ".join(f'"{n}"' for n in names)


def _copy(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any] = ()) -> int:
    columns = _columns(conn, table)
    cursor = conn.execute(
        f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM src.{table} WHERE {where}",
        params,
    )
    return int(cursor.rowcount)


def write_pack(
    source: ProjectDatabase,
    target: Path,
    *,
    annotator_id: str,
    article_ids: Sequence[str],
    marker: dict[str, Any],
    actor: str | None = None,
) -> PackCounts:
    """Create ``target``: a project file with ``source``'s identity and schema history, the
    chosen articles, and of the people only ``annotator_id`` (with their sets, assignments,
    suggestion decisions and the review comments on their sets, whose authors come along by
    name). Nobody else's labels are copied. One transaction; on any error the new file is
    removed."""
    database = create_project(target)
    conn = database.conn
    try:
        conn.execute("ATTACH DATABASE ? AS src", (f"{source.path.resolve().as_uri()}?mode=ro",))
        try:
            with database.transaction():
                counts = _fill(conn, annotator_id, article_ids, marker, actor)
        finally:
            conn.execute("DETACH DATABASE src")
    except BaseException:
        database.close()
        target.unlink(missing_ok=True)
        raise
    database.close()
    return counts


def _fill(
    conn: sqlite3.Connection,
    annotator_id: str,
    article_ids: Sequence[str],
    marker: dict[str, Any],
    actor: str | None,
) -> PackCounts:
    conn.execute("CREATE TEMP TABLE picked (id TEXT PRIMARY KEY)")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.picked (id) VALUES (?)", [(i,) for i in article_ids]
    )
    _copy(conn, "project", "key <> ?", (PACK_KEY,))
    conn.execute(
        "INSERT INTO main.project (key, value) VALUES (?, ?)", (PACK_KEY, dump_json(marker))
    )
    _copy(conn, "schema_versions", "1")
    articles = _copy(conn, "articles", "id IN (SELECT id FROM temp.picked) ORDER BY position")
    conn.execute(
        "INSERT INTO main.articles_fts (rowid, title, text) "
        "SELECT rowid, title, text FROM main.articles"
    )
    # The person, and the authors of comments on their sets (a reviewer's name, no labels).
    set_filter = (
        "annotator_id = ? AND kind = 'annotation' AND article_id IN (SELECT id FROM temp.picked)"
    )
    annotators = _copy(
        conn,
        "annotators",
        "id = ? OR id IN (SELECT c.author_id FROM src.review_comments c "
        f"JOIN src.annotation_sets s ON s.id = c.set_id WHERE s.{set_filter})",
        (annotator_id, annotator_id),
    )
    sets = _copy(conn, "annotation_sets", set_filter, (annotator_id,))
    for table in _ITEM_TABLES:
        _copy(conn, table, "set_id IN (SELECT id FROM main.annotation_sets)")
    comments = _copy(conn, "review_comments", "set_id IN (SELECT id FROM main.annotation_sets)")
    _copy(
        conn,
        "assignments",
        "annotator_id = ? AND article_id IN (SELECT id FROM temp.picked)",
        (annotator_id,),
    )
    _copy(
        conn,
        "suggestion_decisions",
        "annotator_id = ? AND article_id IN (SELECT id FROM temp.picked)",
        (annotator_id,),
    )
    conn.execute("DROP TABLE temp.picked")
    record(
        conn,
        actor=actor,
        action="pack",
        target_type="annotator",
        target_id=annotator_id,
        detail={"pack": marker.get("pack_id"), "articles": articles, "sets": sets},
    )
    return PackCounts(articles=articles, sets=sets, comments=comments, annotators=annotators)


def read_marker(database: ProjectDatabase) -> dict[str, Any] | None:
    """The pack marker of a file, or None for a project that is not a pack."""
    row = database.conn.execute("SELECT value FROM project WHERE key = ?", (PACK_KEY,)).fetchone()
    if row is None:
        return None
    try:
        value = load_json(str(row[0]))
    except ValueError:
        raise InvalidDataError(f"{database.path}: the pack marker is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidDataError(f"{database.path}: the pack marker is not a JSON object")
    return value


def record_pack_sent(
    database: ProjectDatabase,
    *,
    actor: str | None,
    annotator_id: str,
    detail: dict[str, Any],
) -> None:
    """The project's note that a pack was made (who, which file, how much)."""
    with database.transaction() as conn:
        record(
            conn,
            actor=actor,
            action="pack",
            target_type="annotator",
            target_id=annotator_id,
            detail=detail,
        )


def record_merge(
    database: ProjectDatabase, *, actor: str | None, set_id: str, detail: dict[str, Any]
) -> None:
    """The audit row of one set merged from a pack; ``detail`` holds the pack id and the hash
    of what was merged, which ``merged_hashes`` reads back as the next merge's base."""
    with database.transaction() as conn:
        record(
            conn,
            actor=actor,
            action="merge",
            target_type="annotation_set",
            target_id=set_id,
            detail=detail,
        )


def merged_hashes(database: ProjectDatabase, pack_id: str) -> dict[str, str]:
    """Project set id -> content hash last merged into it from the pack ``pack_id``."""
    rows = database.conn.execute(
        "SELECT target_id, json_extract(detail, '$.hash') FROM audit_log "
        "WHERE action = 'merge' AND target_type = 'annotation_set' "
        "AND json_extract(detail, '$.pack') = ? ORDER BY id",
        (pack_id,),
    )
    return {str(set_id): str(value) for set_id, value in rows if value is not None}


@dataclass(frozen=True, slots=True)
class SuggestionDecision:
    id: str
    article_id: str
    annotator_id: str | None
    layer: str
    key: str
    decision: str
    source: str
    created_at: str


_DECISION_COLUMNS = "id, article_id, annotator_id, layer, key, decision, source, created_at"


def suggestion_decisions(
    database: ProjectDatabase, annotator_ids: Sequence[str]
) -> list[SuggestionDecision]:
    """The remembered suggestion decisions of some annotators (to bring a pack's back)."""
    if not annotator_ids:
        return []
    marks = ", ".join("?" * len(annotator_ids))
    rows = database.conn.execute(
        f"SELECT {_DECISION_COLUMNS} FROM suggestion_decisions "
        f"WHERE annotator_id IN ({marks}) ORDER BY created_at, id",
        list(annotator_ids),
    )
    return [SuggestionDecision(*r) for r in rows]


def add_suggestion_decisions(
    database: ProjectDatabase, decisions: Sequence[SuggestionDecision], *, actor: str | None
) -> int:
    """Bring decisions over: a new one is stored; one on the same article, person, layer and
    key replaces the project's only if it was made later. Returns how many changed."""
    changed = 0
    with database.transaction() as conn:
        for d in decisions:
            existing = conn.execute(
                "SELECT id, created_at FROM suggestion_decisions WHERE article_id = ? "
                "AND annotator_id IS ? AND layer = ? AND key = ?",
                (d.article_id, d.annotator_id, d.layer, d.key),
            ).fetchone()
            if existing is not None:
                if existing[0] == d.id or str(existing[1]) >= d.created_at:
                    continue
                conn.execute("DELETE FROM suggestion_decisions WHERE id = ?", (existing[0],))
            conn.execute(
                f"INSERT INTO suggestion_decisions ({_DECISION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    d.id,
                    d.article_id,
                    d.annotator_id,
                    d.layer,
                    d.key,
                    d.decision,
                    d.source,
                    d.created_at,
                ),
            )
            changed += 1
        if changed:
            record(
                conn,
                actor=actor,
                action="merge",
                target_type="suggestion_decision",
                target_id=None,
                detail={"count": changed},
            )
    return changed
