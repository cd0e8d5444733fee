"""The assignment repository: which annotator labels which article (several per article)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from annotator.domain.base import utc_now
from annotator.domain.errors import InvalidDataError
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_time, load_time

#: Article ids named in one audit row; a bigger action lists the first ones and the count.
_AUDIT_IDS = 200


@dataclass(frozen=True, slots=True)
class Assignment:
    """One article given to one annotator."""

    article_id: str
    annotator_id: str
    assigned_at: datetime
    assigned_by: str | None


class AssignmentRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    # -- writes ----------------------------------------------------------------------------------

    def assign(
        self, pairs: Iterable[tuple[str, str]], *, actor: str | None = None
    ) -> list[tuple[str, str]]:
        """Give each (article id, annotator id) pair; pairs already assigned are left as they
        are. One transaction, one audit row per annotator; returns the pairs newly assigned."""
        wanted = list(dict.fromkeys(pairs))
        added: list[tuple[str, str]] = []
        now = dump_time(utc_now())
        with self._database.transaction() as conn:
            for article_id, annotator_id in wanted:
                try:
                    cursor = conn.execute(
                        "INSERT INTO assignments (article_id, annotator_id, assigned_at, "
                        "assigned_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (article_id, annotator_id, now, actor),
                    )
                except sqlite3.IntegrityError:
                    raise InvalidDataError(
                        f"cannot assign article {article_id} to annotator {annotator_id}: "
                        "no such article or annotator"
                    ) from None
                if cursor.rowcount:
                    added.append((article_id, annotator_id))
            self._audit(conn, actor, "assign", added)
        return added

    def unassign(
        self, pairs: Iterable[tuple[str, str]], *, actor: str | None = None
    ) -> list[tuple[str, str]]:
        """Take articles back; the annotator's labels stay. Returns the pairs removed."""
        removed: list[tuple[str, str]] = []
        with self._database.transaction() as conn:
            for article_id, annotator_id in dict.fromkeys(pairs):
                cursor = conn.execute(
                    "DELETE FROM assignments WHERE article_id = ? AND annotator_id = ?",
                    (article_id, annotator_id),
                )
                if cursor.rowcount:
                    removed.append((article_id, annotator_id))
            self._audit(conn, actor, "unassign", removed)
        return removed

    def copy_in(self, assignments: Sequence[Assignment], *, actor: str | None = None) -> int:
        """Store assignments as they were made elsewhere (same time and author), e.g. from an
        annotator's pack; existing pairs are kept. Returns how many were new."""
        added: list[tuple[str, str]] = []
        with self._database.transaction() as conn:
            for a in assignments:
                cursor = conn.execute(
                    "INSERT INTO assignments (article_id, annotator_id, assigned_at, "
                    "assigned_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (a.article_id, a.annotator_id, dump_time(a.assigned_at), a.assigned_by),
                )
                if cursor.rowcount:
                    added.append((a.article_id, a.annotator_id))
            self._audit(conn, actor, "assign", added)
        return len(added)

    # -- reads -----------------------------------------------------------------------------------

    def articles_of(self, annotator_id: str) -> list[str]:
        """The article ids assigned to an annotator, in project order."""
        rows = self._conn.execute(
            "SELECT s.article_id FROM assignments s JOIN articles a ON a.id = s.article_id "
            "WHERE s.annotator_id = ? ORDER BY a.position",
            (annotator_id,),
        )
        return [str(r[0]) for r in rows]

    def annotators_of(self, article_id: str) -> list[str]:
        """The annotator ids an article is assigned to, by name."""
        rows = self._conn.execute(
            "SELECT s.annotator_id FROM assignments s JOIN annotators n ON n.id = s.annotator_id "
            "WHERE s.article_id = ? ORDER BY n.name COLLATE NOCASE",
            (article_id,),
        )
        return [str(r[0]) for r in rows]

    def by_article(self) -> dict[str, list[str]]:
        """article id -> its annotator ids, for every assigned article."""
        out: dict[str, list[str]] = {}
        rows = self._conn.execute(
            "SELECT s.article_id, s.annotator_id FROM assignments s "
            "JOIN annotators n ON n.id = s.annotator_id ORDER BY n.name COLLATE NOCASE"
        )
        for article_id, annotator_id in rows:
            out.setdefault(str(article_id), []).append(str(annotator_id))
        return out

    def counts(self) -> dict[str, int]:
        """annotator id -> number of assigned articles (annotators with none are left out)."""
        rows = self._conn.execute(
            "SELECT annotator_id, COUNT(*) FROM assignments GROUP BY annotator_id"
        )
        return {str(a): int(n) for a, n in rows}

    def all(self) -> list[Assignment]:
        """Every assignment, by article position, then annotator name."""
        rows = self._conn.execute(
            "SELECT s.article_id, s.annotator_id, s.assigned_at, s.assigned_by "
            "FROM assignments s JOIN articles a ON a.id = s.article_id "
            "JOIN annotators n ON n.id = s.annotator_id "
            "ORDER BY a.position, n.name COLLATE NOCASE"
        )
        return [Assignment(str(r[0]), str(r[1]), load_time(r[2]), r[3]) for r in rows]

    def for_annotator(self, annotator_id: str) -> list[Assignment]:
        rows = self._conn.execute(
            "SELECT s.article_id, s.annotator_id, s.assigned_at, s.assigned_by "
            "FROM assignments s JOIN articles a ON a.id = s.article_id "
            "WHERE s.annotator_id = ? ORDER BY a.position",
            (annotator_id,),
        )
        return [Assignment(str(r[0]), str(r[1]), load_time(r[2]), r[3]) for r in rows]

    def is_assigned(self, article_id: str, annotator_id: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM assignments WHERE article_id = ? AND annotator_id = ?",
            (article_id, annotator_id),
        ).fetchone()
        return row is not None

    def has_any(self, annotator_id: str | None = None) -> bool:
        """Whether the project (or one annotator) has any assignment at all."""
        if annotator_id is None:
            row = self._conn.execute("SELECT 1 FROM assignments LIMIT 1").fetchone()
        else:
            row = self._conn.execute(
                "SELECT 1 FROM assignments WHERE annotator_id = ? LIMIT 1", (annotator_id,)
            ).fetchone()
        return row is not None

    # -- internals -------------------------------------------------------------------------------

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        actor: str | None,
        action: str,
        pairs: list[tuple[str, str]],
    ) -> None:
        by_annotator: dict[str, list[str]] = {}
        for article_id, annotator_id in pairs:
            by_annotator.setdefault(annotator_id, []).append(article_id)
        for annotator_id, articles in by_annotator.items():
            record(
                conn,
                actor=actor,
                action=action,
                target_type="assignment",
                target_id=annotator_id,
                detail={"count": len(articles), "articles": articles[:_AUDIT_IDS]},
            )
