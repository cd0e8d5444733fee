"""The annotator repository: the people who label and review."""

from __future__ import annotations

import sqlite3

from annotator.domain.annotations import Annotator, Role
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json, load_time


def _annotator(row: tuple[object, ...]) -> Annotator:
    id_, name, roles, created = row
    return Annotator(
        id=str(id_),
        name=str(name),
        roles=[Role(r) for r in load_json(str(roles))],
        created_at=load_time(str(created)),
    )


class AnnotatorRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    def add(self, annotator: Annotator) -> Annotator:
        try:
            with self._database.transaction() as conn:
                _insert(conn, annotator)
        except sqlite3.IntegrityError:
            raise InvalidDataError(
                f"an annotator named {annotator.name!r} already exists"
            ) from None
        return annotator

    def get(self, annotator_id: str) -> Annotator:
        row = self._conn.execute(
            "SELECT id, name, roles, created_at FROM annotators WHERE id = ?", (annotator_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no annotator with id {annotator_id}")
        return _annotator(row)

    def by_name(self, name: str) -> Annotator | None:
        row = self._conn.execute(
            "SELECT id, name, roles, created_at FROM annotators WHERE name = ?", (name.strip(),)
        ).fetchone()
        return None if row is None else _annotator(row)

    def get_or_create(self, name: str, *, roles: list[Role] | None = None) -> Annotator:
        existing = self.by_name(name)
        if existing is not None:
            return existing
        annotator = Annotator(name=name.strip(), roles=roles or [Role.ANNOTATOR])
        with self._database.transaction() as conn:
            # Looked up again under the write lock: another process (a reviewer starting on the
            # same file) may have added the name in between.
            row = conn.execute(
                "SELECT id, name, roles, created_at FROM annotators WHERE name = ?",
                (annotator.name,),
            ).fetchone()
            if row is not None:
                return _annotator(row)
            _insert(conn, annotator)
        return annotator

    def list(self) -> list[Annotator]:
        rows = self._conn.execute(
            "SELECT id, name, roles, created_at FROM annotators ORDER BY name COLLATE NOCASE"
        )
        return [_annotator(r) for r in rows]


def _insert(conn: sqlite3.Connection, annotator: Annotator) -> None:
    conn.execute(
        "INSERT INTO annotators (id, name, roles, created_at) VALUES (?, ?, ?, ?)",
        (
            annotator.id,
            annotator.name,
            dump_json([str(r) for r in annotator.roles]),
            dump_time(annotator.created_at),
        ),
    )
