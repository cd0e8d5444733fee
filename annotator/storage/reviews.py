"""The review repository: reviewer comments and send-back notes on annotation sets."""

from __future__ import annotations

from annotator.domain.annotations import ReviewComment
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_time, load_time


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
