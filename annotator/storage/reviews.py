"""The review repository: reviewer comments, send-back notes and adjudication decisions.

Decisions that leave something out of gold ("rejected") have no gold item to show them, so they
are kept as rows of the audit trail (target ``review_decision``, the article's id): an
append-only log whose latest row per unit key wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from annotator.domain.annotations import ReviewComment
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_time, load_json, load_time

DECISIONS = ("rejected", "reopened")


class ReviewRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    def add_comment(self, comment: ReviewComment) -> None:
        with self._database.transaction() as conn:
            conn.execute(
                "INSERT INTO review_comments (id, set_id, item_id, author_id, text, resolved, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    comment.id,
                    comment.set_id,
                    comment.item_id,
                    comment.author_id,
                    comment.text,
                    int(comment.resolved),
                    dump_time(comment.created_at),
                ),
            )
            record(
                conn,
                actor=comment.author_id,
                action="comment",
                target_type="annotation_set",
                target_id=comment.set_id,
                detail={"comment": comment.id},
            )

    def set_resolved(self, comment_id: str, resolved: bool = True) -> None:
        with self._database.transaction() as conn:
            conn.execute(
                "UPDATE review_comments SET resolved = ? WHERE id = ?", (int(resolved), comment_id)
            )

    def comments(self, set_id: str) -> list[ReviewComment]:
        rows = self._conn.execute(
            "SELECT id, set_id, item_id, author_id, text, resolved, created_at "
            "FROM review_comments WHERE set_id = ? ORDER BY created_at, id",
            (set_id,),
        )
        return [
            ReviewComment(
                id=r[0],
                set_id=r[1],
                item_id=r[2],
                author_id=r[3],
                text=r[4],
                resolved=bool(r[5]),
                created_at=load_time(r[6]),
            )
            for r in rows
        ]

    def comments_for_sets(self, set_ids: Sequence[str]) -> dict[str, list[ReviewComment]]:
        """set id -> its comments (oldest first), for the sets that have any."""
        out: dict[str, list[ReviewComment]] = {}
        for start in range(0, len(set_ids), 500):
            chunk = list(set_ids[start : start + 500])
            rows = self._conn.execute(
                "SELECT id, set_id, item_id, author_id, text, resolved, created_at "
                f"FROM review_comments WHERE set_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY created_at, id",
                chunk,
            )
            for r in rows:
                out.setdefault(r[1], []).append(
                    ReviewComment(
                        id=r[0],
                        set_id=r[1],
                        item_id=r[2],
                        author_id=r[3],
                        text=r[4],
                        resolved=bool(r[5]),
                        created_at=load_time(r[6]),
                    )
                )
        return out

    # -- adjudication decisions ------------------------------------------------------------------

    def record_decision(
        self, article_id: str, keys: Iterable[str], decision: str, *, actor: str | None
    ) -> None:
        """Remember that units (by key) were left out of gold, or taken back in."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        with self._database.transaction() as conn:
            record(
                conn,
                actor=actor,
                action=decision,
                target_type="review_decision",
                target_id=article_id,
                detail={"keys": list(keys)},
            )

    def record_review(
        self,
        article_id: str,
        gold_set_id: str,
        description: str,
        *,
        actor: str | None,
        detail: dict[str, Any],
    ) -> None:
        """One audit row per review action, saying what the reviewer did in words."""
        with self._database.transaction() as conn:
            record(
                conn,
                actor=actor,
                action="review",
                target_type="gold_set",
                target_id=gold_set_id,
                detail={"article": article_id, "action": description, **detail},
            )

    def rejected_keys(self, article_id: str) -> set[str]:
        return self.rejected_keys_by_article([article_id]).get(article_id, set())

    def rejected_keys_by_article(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """article id -> unit keys whose latest decision is "rejected"."""
        out: dict[str, set[str]] = {}
        for start in range(0, len(article_ids), 500):
            chunk = list(article_ids[start : start + 500])
            rows = self._conn.execute(
                "SELECT target_id, action, detail FROM audit_log "
                "WHERE target_type = 'review_decision' "
                f"AND target_id IN ({', '.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            for article_id, action, detail in rows:
                keys = out.setdefault(article_id, set())
                for key in load_json(detail).get("keys", []):
                    if action == "rejected":
                        keys.add(str(key))
                    else:
                        keys.discard(str(key))
        return {a: keys for a, keys in out.items() if keys}
